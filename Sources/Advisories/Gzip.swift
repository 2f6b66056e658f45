import CompressNIO
import NIOCore

/// One gzip member decompressed in memory through CompressNIO with an output cap, its trailer
/// (CRC-32 and length) checked here so a truncated or corrupt stream is an error, never a short text.
enum GzipMember {
    static func decompress(_ bytes: [UInt8], maxSize: Int, name: String) throws -> [UInt8] {
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw AdvisoriesError(.changelog, "\(name) is not a valid gzip file (too short or no gzip magic)")
        }
        var input = ByteBuffer(bytes: bytes)
        let output: [UInt8]
        do {
            output = Array(try input.decompress(with: .gzip(), maxSize: maxSize).readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw AdvisoriesError(.tooLarge, "\(name) decompresses to more than the cap of \(maxSize) bytes (refused)")
        } catch {
            throw AdvisoriesError(.changelog, "\(name) is a truncated or corrupt gzip stream", cause: "\(error)")
        }
        let n = bytes.count
        let crc = UInt32(bytes[n - 8]) | UInt32(bytes[n - 7]) << 8 | UInt32(bytes[n - 6]) << 16 | UInt32(bytes[n - 5]) << 24
        let size = UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24
        guard size == UInt32(truncatingIfNeeded: output.count), crc == crc32(output) else {
            throw AdvisoriesError(.changelog, "\(name) is a truncated or corrupt gzip stream (length or CRC-32 check failed)")
        }
        return output
    }

    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        let table = Self.table
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
