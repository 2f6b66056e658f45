public import BulkheadModel
public import Crypto
public import Foundation

/// The fleet's wire format, shared by the agent (`bulkhead agent`, `bulkhead assess --submit`) and the server
/// (`bulkhead-server`). docs/fleet.md describes it for people; this file is the definition.
public enum FleetWire {
    public static let version = 1
    public static let enrolPath = "/api/v1/enrol"
    public static let submissionsPath = "/api/v1/submissions"

    /// The headers of a signed submission.
    public static let hostHeader = "X-Bulkhead-Host"
    public static let timestampHeader = "X-Bulkhead-Timestamp"
    public static let nonceHeader = "X-Bulkhead-Nonce"
    public static let signatureHeader = "X-Bulkhead-Signature"

    /// The largest request body the server reads (413 above it).
    public static let maxBodyBytes = 64 << 20
    /// How far a submission's timestamp may be from the server's clock, either way.
    public static let timestampWindow: TimeInterval = 300

    /// The exact text an agent signs for a submission: every part that a replay or a substitution would change.
    /// Lines: a domain label, the method, the path, the host name, the timestamp (Unix seconds), the nonce and
    /// the SHA-256 of the body (lower-case hex), joined by "\n" with no trailing newline.
    public static func canonicalString(method: String, path: String, host: String, timestamp: Int64, nonce: String, bodySHA256: String)
        -> String
    {
        ["bulkhead-fleet-v1", method, path, host, String(timestamp), nonce, bodySHA256].joined(separator: "\n")
    }

    /// The text an agent signs when it enrols: proves it holds the private key of the public key it registers.
    public static func enrolString(host: String, token: String, publicKey: Data) -> String {
        ["bulkhead-fleet-enrol-v1", host, sha256Hex(Data(token.utf8)), publicKey.base64EncodedString()].joined(separator: "\n")
    }

    public static func sha256Hex(_ data: Data) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// SHA-256 of the raw public key, hex, first 16 characters: the same key id evidence bundles carry.
    public static func keyID(_ publicKey: Data) -> String { String(sha256Hex(publicKey).prefix(16)) }

    /// A host name the server accepts: 1–253 characters of letters, digits, `.`, `-` and `_`.
    public static func isValidHostName(_ name: String) -> Bool {
        guard (1...253).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D || c == 0x5F
        }
    }

    /// A nonce the server accepts: 16–128 characters of letters, digits, `-` and `_`.
    public static func isValidNonce(_ nonce: String) -> Bool {
        guard (16...128).contains(nonce.utf8.count) else { return false }
        return nonce.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }

    /// A fresh random nonce (32 hex characters).
    public static func makeNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// The wire's JSON: Bulkhead's one configuration (`JSONCoding`), on one line.
    public static func encoder() -> JSONEncoder { JSONCoding.encoder(.compact) }

    public static func decoder() -> JSONDecoder { JSONCoding.decoder() }
}

/// `POST /api/v1/enrol`: a one-time token, the host name it was issued for, the new public key, and a
/// signature by that key over `FleetWire.enrolString`.
public struct EnrolRequest: Codable, Sendable, Equatable {
    public var host: String
    public var token: String
    /// Raw Ed25519 public key (32 bytes), base64 in JSON.
    public var publicKey: Data
    /// Ed25519 signature over `FleetWire.enrolString(host:token:publicKey:)`, base64 in JSON.
    public var proof: Data

    public init(host: String, token: String, publicKey: Data, proof: Data) {
        self.host = host
        self.token = token
        self.publicKey = publicKey
        self.proof = proof
    }
}

public struct EnrolResponse: Codable, Sendable, Equatable {
    public var host: String
    public var keyID: String
    public var enrolledAt: Date
    public init(host: String, keyID: String, enrolledAt: Date) {
        self.host = host
        self.keyID = keyID
        self.enrolledAt = enrolledAt
    }
}

/// The answer to a submission: 201 when stored, 200 when the same bundle was already stored (its id).
public struct SubmissionResponse: Codable, Sendable, Equatable {
    public var id: Int64
    public var bundleSHA256: String
    public var duplicate: Bool
    public init(id: Int64, bundleSHA256: String, duplicate: Bool) {
        self.id = id
        self.bundleSHA256 = bundleSHA256
        self.duplicate = duplicate
    }
}

/// Every error the server returns: `{"error": {"code": "...", "message": "..."}}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }
    public var error: Body
    public init(code: String, message: String) { error = Body(code: code, message: message) }
}

/// Why the wire format refused something; `code` is the stable name the server returns.
public typealias FleetProtocolError = BulkheadError<FleetProtocolErrorCode>

/// Why a submission's envelope was refused (before the server looks up the host or stores anything).
public enum FleetProtocolErrorCode: String, Sendable, BulkheadErrorCode {
    public static let domain = "fleet-protocol"
    case malformed, badSignature, staleTimestamp, tampered, tooLarge
}

/// Signs and verifies the envelope of a submission (the four headers over the body).
public enum SubmissionEnvelope {
    public struct Headers: Sendable, Equatable {
        public var host: String
        public var timestamp: Int64
        public var nonce: String
        /// base64 Ed25519 signature over `FleetWire.canonicalString`.
        public var signature: String

        public var fields: [(String, String)] {
            [
                (FleetWire.hostHeader, host), (FleetWire.timestampHeader, String(timestamp)), (FleetWire.nonceHeader, nonce),
                (FleetWire.signatureHeader, signature),
            ]
        }
    }

    public static func sign(
        body: Data, host: String, key: Curve25519.Signing.PrivateKey, now: Date = Date(), nonce: String = FleetWire.makeNonce(),
        path: String = FleetWire.submissionsPath
    ) throws -> Headers {
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        let text = FleetWire.canonicalString(
            method: "POST", path: path, host: host, timestamp: timestamp, nonce: nonce, bodySHA256: FleetWire.sha256Hex(body))
        let signature = try key.signature(for: Data(text.utf8))
        return Headers(host: host, timestamp: timestamp, nonce: nonce, signature: signature.base64EncodedString())
    }

    /// Parses the header values as received (nil when absent); the host and nonce are checked for shape.
    public static func parse(host: String?, timestamp: String?, nonce: String?, signature: String?) throws(FleetProtocolError) -> Headers {
        guard let host, let timestamp, let nonce, let signature else {
            throw FleetProtocolError(
                .malformed,
                "a submission needs the headers \(FleetWire.hostHeader), \(FleetWire.timestampHeader), \(FleetWire.nonceHeader) and \(FleetWire.signatureHeader)"
            )
        }
        guard FleetWire.isValidHostName(host) else { throw FleetProtocolError(.malformed, "\(FleetWire.hostHeader) is not a valid host name") }
        guard let seconds = Int64(timestamp) else {
            throw FleetProtocolError(.malformed, "\(FleetWire.timestampHeader) must be Unix seconds")
        }
        guard FleetWire.isValidNonce(nonce) else {
            throw FleetProtocolError(.malformed, "\(FleetWire.nonceHeader) must be 16–128 characters of [A-Za-z0-9_-]")
        }
        return Headers(host: host, timestamp: seconds, nonce: nonce, signature: signature)
    }

    /// Verifies the signature and the timestamp window. The nonce's uniqueness is the server's to check.
    public static func verify(
        _ headers: Headers, body: Data, publicKey: Curve25519.Signing.PublicKey, now: Date = Date(),
        window: TimeInterval = FleetWire.timestampWindow, path: String = FleetWire.submissionsPath
    ) throws(FleetProtocolError) {
        let text = FleetWire.canonicalString(
            method: "POST", path: path, host: headers.host, timestamp: headers.timestamp, nonce: headers.nonce,
            bodySHA256: FleetWire.sha256Hex(body))
        guard let signature = Data(base64Encoded: headers.signature), publicKey.isValidSignature(signature, for: Data(text.utf8)) else {
            throw FleetProtocolError(.badSignature, "the submission is not signed by the key enrolled for host \(headers.host)")
        }
        let skew = Double(headers.timestamp) - now.timeIntervalSince1970
        guard abs(skew) <= window else {
            throw FleetProtocolError(
                .staleTimestamp,
                "the submission's timestamp is \(Int(skew)) s from the server's clock (allowed ±\(Int(window)) s): check the host's clock")
        }
    }
}
