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

    /// The output piece `decode` hands over: zlib inflates into it, and it is handed over each time it fills.
    static let piece = 256 * 1024

    /// Decompresses one gzip member, handing the output to `body` in pieces of at most 256 KiB, in order, at most
    /// `maxSize` bytes in all: only zlib's 32 KiB window and one piece are held, never the whole output. The CRC-32
    /// and length trailer are checked against what was handed over once the stream ends; an error after some pieces
    /// (truncated, corrupt, over the bound) means what `body` saw must be discarded by the caller.
    public static func decode(
        _ bytes: [UInt8], maxSize: Int, name: String, hint: String = "", _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) {
        try checkMagic(bytes, name: name, hint: hint)
        var input = ByteBuffer(bytes: bytes)
        var window = ByteBufferAllocator().buffer(capacity: piece)
        var total = 0
        var crc: UInt32 = 0
        let decompressor = CompressionAlgorithm.gzip().decompressor
        func handOver(_ window: inout ByteBuffer) throws(FormatError) {
            guard window.readableBytes > 0 else { return }
            total += window.readableBytes
            guard total <= maxSize else {
                throw DecoderSupport.tooLarge(name, maxSize)
            }
            crc = CRC32.update(crc, window.readableBytesUInt8Span)
            body(window.readableBytesUInt8Span)
            window.clear()
        }
        do {
            try decompressor.startStream()
            defer { try? decompressor.finishStream() }
            while true {
                do {
                    // Returns when the input is used up or the stream ended (zlib stops at the member's end).
                    try input.decompressStream(to: &window, with: decompressor)
                    try handOver(&window)
                    break
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    // The piece is full (zlib can always make progress into an empty one).
                    guard window.readableBytes > 0 else { throw FormatError(.corrupt, "\(name): the gzip stream made no progress") }
                    try handOver(&window)
                }
            }
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.corrupt, "\(name) is a truncated or corrupt gzip stream", cause: error)
        }
        try checkTrailer(bytes, crc: crc, size: total, name: name)
    }

    /// Decompresses one gzip member of at most `maxSize` bytes; `hint` is added to the "not gzip" message.
    public static func decompress(_ bytes: [UInt8], maxSize: Int, name: String, hint: String = "") throws(FormatError) -> [UInt8] {
        try checkMagic(bytes, name: name, hint: hint)
        var input = ByteBuffer(bytes: bytes)
        let output: [UInt8]
        do {
            output = Array(try input.decompress(with: .gzip(), maxSize: maxSize).readableBytesView)
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw DecoderSupport.tooLarge(name, maxSize)
        } catch {
            throw FormatError(.corrupt, "\(name) is a truncated or corrupt gzip stream", cause: error)
        }
        try checkTrailer(bytes, crc: CRC32.hash(output), size: output.count, name: name)
        return output
    }

    /// A gzip member is at least 18 bytes (header and trailer) and starts with 1F 8B.
    static func checkMagic(_ bytes: [UInt8], name: String, hint: String) throws(FormatError) {
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw FormatError(.corrupt, "\(name) is not a gzip file (too short or no gzip magic)\(hint)")
        }
    }

    /// The member's trailer (CRC-32 and length mod 2^32, little-endian) against the output's.
    static func checkTrailer(_ bytes: [UInt8], crc: UInt32, size: Int, name: String) throws(FormatError) {
        let trailer = bytes.span.extracting((bytes.count - 8)...)
        guard DecoderSupport.le32(trailer, 4) == UInt32(truncatingIfNeeded: size), DecoderSupport.le32(trailer, 0) == crc else {
            throw FormatError(.corrupt, "\(name) is a truncated or corrupt gzip stream (length or CRC-32 check failed)")
        }
    }
}
