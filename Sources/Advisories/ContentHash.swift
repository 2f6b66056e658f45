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

    static func of(_ data: Data) -> String {
        prefix + SHA256.hash(data: data).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// True when `stored` is a value this function could have produced (so comparing with it means something).
    static func isKnown(_ stored: String) -> Bool { stored.hasPrefix(prefix) && stored.utf8.count == prefix.utf8.count + 64 }
}
