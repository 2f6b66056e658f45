import CompressNIO
import NIOCore

/// gzip through CompressNIO, with the trailer (CRC-32 and length) checked here so a truncated or
/// corrupted stream is always an error, never a short result.
public enum Gzip {
    package static func compress(_ bytes: [UInt8]) throws(FormatError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            let output = try input.compress(with: .gzip())
            return Array(output.readableBytesView)
        } catch {
            throw FormatError(.io, "gzip compression failed", cause: error)
        }
    }

    /// Decompresses one gzip member of at most `maxSize` bytes; `hint` is added to the "not gzip" message.
    public static func decompress(_ bytes: [UInt8], maxSize: Int, name: String, hint: String = "") throws(FormatError) -> [UInt8] {
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw FormatError(.corrupt, "\(name) is not a gzip file (too short or no gzip magic)\(hint)")
        }
        var input = ByteBuffer(bytes: bytes)
        let output: [UInt8]
        do {
            output = Array(try input.decompress(with: .gzip(), maxSize: maxSize).readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw FormatError(.tooLarge, "\(name) decompresses to more than the cap of \(maxSize) bytes (refused)")
        } catch {
            throw FormatError(.corrupt, "\(name) is a truncated or corrupt gzip stream", cause: error)
        }
        let n = bytes.count
        let crc = UInt32(bytes[n - 8]) | UInt32(bytes[n - 7]) << 8 | UInt32(bytes[n - 6]) << 16 | UInt32(bytes[n - 5]) << 24
        let size = UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24
        guard size == UInt32(truncatingIfNeeded: output.count), crc == CRC32.hash(output) else {
            throw FormatError(.corrupt, "\(name) is a truncated or corrupt gzip stream (length or CRC-32 check failed)")
        }
        return output
    }
}
