public import BulkheadModel
public import Crypto
import FleetProtocol
public import Foundation
import SafeFiles

/// The agent's key (the same one-line format as `bulkhead keys generate`, so `SigningKey.load` reads it) and,
/// beside it in `KEY.json`, which server and host name it enrolled as.
public struct AgentIdentity: Sendable {
    public static let defaultKeyPath = "/var/lib/bulkhead/agent.key"
    public static let keyHeader = "bulkhead-ed25519-private-key"

    public struct State: Codable, Sendable, Equatable {
        public var host: String
        public var server: String
        public var keyID: String
        public var enrolledAt: Date
        public init(host: String, server: String, keyID: String, enrolledAt: Date) {
            self.host = host
            self.server = server
            self.keyID = keyID
            self.enrolledAt = enrolledAt
        }
    }

    public let keyPath: String
    public let key: Curve25519.Signing.PrivateKey
    public var state: State?

    public static func statePath(_ keyPath: String) -> String { keyPath + ".json" }

    /// Creates a new key at `path` (refused when a file is there), making its directory (0700) if missing.
    public static func create(at path: String) throws(FleetAgentError) -> AgentIdentity {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw FleetAgentError(.io, "cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        do {
            try SafeFile.create(path, contents: Data("\(keyHeader) \(key.rawRepresentation.base64EncodedString())\n".utf8))
        } catch {
            throw FleetAgentError(
                .io, "\(error.message) (an agent key is never overwritten: to enrol again, move \(path) and its .json away first)")
        }
        return AgentIdentity(keyPath: path, key: key, state: nil)
    }

    /// Loads the key and its enrolment state.
    public static func load(keyPath: String) throws(FleetAgentError) -> AgentIdentity {
        let text: String
        do {
            text = String(decoding: try SafeFile.readRegular(keyPath, limit: 4096), as: UTF8.self)
        } catch {
            throw FleetAgentError(.notEnrolled, "cannot read the agent key \(keyPath): \(error.message) (run `bulkhead agent enrol URL TOKEN`)")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == keyHeader, let raw = Data(base64Encoded: String(parts[1])),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw FleetAgentError(.badKey, "\(keyPath) is not a Bulkhead private key (expected '\(keyHeader) BASE64')")
        }
        var state: State?
        if let data = try? SafeFile.readRegular(statePath(keyPath), limit: 1 << 16) {
            state = try? FleetWire.decoder().decode(State.self, from: data)
        }
        return AgentIdentity(keyPath: keyPath, key: key, state: state)
    }

    public var keyID: String { FleetWire.keyID(key.publicKey.rawRepresentation) }

    func saveState(_ state: State) throws(FleetAgentError) {
        do {
            try SafeFile.create(Self.statePath(keyPath), contents: try FleetWire.encoder().encode(state), replace: true)
        } catch let error as SafeFileError {
            throw FleetAgentError(.io, error.message)
        } catch {
            throw FleetAgentError(.io, "cannot write \(Self.statePath(keyPath))")
        }
    }
}

/// Why the agent could not do what was asked.
public typealias FleetAgentError = BulkheadError<FleetAgentErrorCode>

/// Why the agent failed: its key, enrolment, the server's answer, or the way it was called.
public enum FleetAgentErrorCode: String, Sendable, BulkheadErrorCode {
    public static let domain = "agent"
    case io, badKey, notEnrolled, rejected, unreachable, usage
}
