import Crypto
import Foundation

/// Content identity of an input file, to skip re-importing a file whose bytes did not change even when
/// its mtime did (a fresh `git clone` of cvelistV5 touches every file).
///
/// SHA-256 (swift-crypto; the SHA extensions where the CPU has them). The stored form names the function:
/// `sha256:<64 hex digits>`. Any other stored value — the `xh4:` values of schema v2 and before, or the
/// empty string the v3 migration leaves — is unknown: the file is read and hashed again on the next import.
enum ContentHash {
    static let prefix = "sha256:"

    static func of(_ data: some DataProtocol) -> String {
        let digest = SHA256.hash(data: data)
        // `sha256:` and two lower-case hex digits a byte, written into one array (no string per byte).
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(prefix.utf8.count + 64)
        out.append(contentsOf: prefix.utf8)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `stored` is a value this function could have produced (so comparing with it means something).
    static func isKnown(_ stored: String) -> Bool { stored.hasPrefix(prefix) && stored.utf8.count == prefix.utf8.count + 64 }
}
