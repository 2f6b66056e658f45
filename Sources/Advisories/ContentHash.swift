import Foundation

/// Content identity of an input file, to skip re-importing a file whose bytes did not change even
/// when its mtime did. FNV-1a (64-bit) plus the length: fast enough for a 300,000-file corpus, and
/// a collision only makes Bulkhead skip a file whose author could have changed it anyway.
enum ContentHash {
    static func of(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let bytes = data.span
        for i in bytes.indices {
            h ^= UInt64(bytes[i])
            h = h &* 0x100_0000_01b3
        }
        return "fnv1a64:\(String(h, radix: 16)):\(data.count)"
    }
}
