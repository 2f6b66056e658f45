import Crypto
import Foundation

/// Deterministic name-based UUIDs (RFC 9562 version 5: SHA-1 of namespace + name), so that the same
/// assessment always renders byte-identical OSCAL. SHA-1 is used only as RFC 9562 specifies it for
/// naming, not for integrity.
public enum StableUUID {
    /// Bulkhead's namespace for every UUID it derives (itself a v5 UUID of "bulkhead" in the URL namespace).
    public static let namespace = make(namespace: urlNamespace, name: "https://bulkhead.invalid/ns/oscal")
    /// RFC 9562 URL namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
    static let urlNamespace: [UInt8] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    ]

    /// The UUID for `parts` (joined with a separator that cannot appear in them unescaped).
    public static func make(_ parts: String...) -> String { format(make(namespace: namespace, name: key(parts))) }
    public static func make(parts: [String]) -> String { format(make(namespace: namespace, name: key(parts))) }

    static func key(_ parts: [String]) -> String {
        parts.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|") }
            .joined(separator: "|")
    }

    static func make(namespace: [UInt8], name: String) -> [UInt8] {
        var hasher = Insecure.SHA1()
        hasher.update(data: namespace)
        hasher.update(data: Array(name.utf8))
        var bytes = Array(hasher.finalize()).prefix(16).map { $0 }
        guard bytes.count == 16 else { return namespace }
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return bytes
    }

    static func format(_ b: [UInt8]) -> String {
        let hex = b.map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        guard c.count == 32 else { return hex }
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }
}
