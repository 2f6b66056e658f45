public import Crypto
import Foundation

/// An Ed25519 private key for signing evidence bundles, stored as one line of base64 in a 0600 file.
public struct SigningKey {
    public let key: Curve25519.Signing.PrivateKey
    public init() { key = Curve25519.Signing.PrivateKey() }
    init(key: Curve25519.Signing.PrivateKey) { self.key = key }

    public var publicKey: PublicKey { PublicKey(key: key.publicKey) }

    public static let header = "bulkhead-ed25519-private-key"

    public func fileText() -> String { "\(Self.header) \(key.rawRepresentation.base64EncodedString())\n" }

    public static func load(path: String) throws(BundleError) -> SigningKey {
        SigningKey(key: try loadKeyFile(path, header: header, kind: "private", Curve25519.Signing.PrivateKey.init(rawRepresentation:)))
    }
}

/// An Ed25519 public key that verifies bundles.
public struct PublicKey {
    public let key: Curve25519.Signing.PublicKey
    init(key: Curve25519.Signing.PublicKey) { self.key = key }

    public static let header = "bulkhead-ed25519-public-key"

    /// SHA-256 of the raw key, hex: names the key in manifests and messages.
    public var keyID: String { EvidenceBundle.hex(SHA256.hash(data: key.rawRepresentation)).prefix(16).description }

    public func fileText() -> String { "\(Self.header) \(key.rawRepresentation.base64EncodedString())\n" }

    public static func load(path: String) throws(BundleError) -> PublicKey {
        PublicKey(key: try loadKeyFile(path, header: header, kind: "public", Curve25519.Signing.PublicKey.init(rawRepresentation:)))
    }
}

/// The key in a key file: one line, `HEADER BASE64` (at most 4 KiB), the base64 a raw key that `make` accepts;
/// `kind` (private, public) names the key in the error.
private func loadKeyFile<Key>(
    _ path: String, header: String, kind: String, _ make: (Data) throws -> Key
) throws(BundleError) -> Key {
    let text = String(decoding: try EvidenceBundle.readBounded(path, limit: 4096), as: UTF8.self)
    let parts = text.split(whereSeparator: \.isWhitespace)
    guard parts.count == 2, parts[0] == header, let raw = Data(base64Encoded: String(parts[1])), let key = try? make(raw) else {
        throw BundleError(.badKey, "\(path) is not a Bulkhead \(kind) key (expected '\(header) BASE64')")
    }
    return key
}
