import Crypto
import Foundation
import SafeFiles
import VendorEvidence

/// The SHA-256 of an attestation's document (`--evidence FILE`, `document.path`): a regular file, read bounded.
enum DocumentDigest {
    /// A supplier's PDF is a few MiB; a document over this is refused rather than read.
    static let limit = 256 << 20

    static let sha256: EvidenceFile.DocumentDigest = { path in
        do {
            let data = try SafeFile.readRegular(path, limit: limit)
            return .success(SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        } catch {
            return .failure(EvidenceFile.DocumentUnreadable("\(error)"))
        }
    }
}
