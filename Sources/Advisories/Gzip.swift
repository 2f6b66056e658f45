import Formats

/// One gzip member decompressed in memory (HostInspection's `Gzip`: CompressNIO with an output cap, the
/// CRC-32 and length trailer checked), its errors in this target's terms.
enum GzipMember {
    static func decompress(_ bytes: [UInt8], maxSize: Int, name: String) throws(AdvisoriesError) -> [UInt8] {
        do { return try Gzip.decompress(bytes, maxSize: maxSize, name: name) } catch {
            throw AdvisoriesError(error.code == .tooLarge ? .tooLarge : .changelog, error.message, cause: error.cause)
        }
    }
}
