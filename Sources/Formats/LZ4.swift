/// The LZ4 frame format (lz4's `doc/lz4_Frame_format.md`, frame version 01), decoded in memory-safe Swift:
/// a pure function from bytes to bytes with a bound on the output. apt stores its lists this way
/// (`/var/lib/apt/lists/*_Packages.lz4`: 64 KiB linked blocks, no checksums); the `lz4` program's own
/// frames (content checksum) read too.
///
/// What it reads: one or more concatenated frames, skippable frames (skipped), linked or independent blocks,
/// stored (uncompressed) blocks, the optional content size, block checksums and content checksum (xxHash-32,
/// checked). What it refuses: a preset dictionary (`unsupported`), the legacy format, a header checksum,
/// block or content checksum that does not match, a match that reaches before the output's start or a
/// sequence that runs past its block (`corrupt`), and an output past `maxSize` (`tooLarge`, checked before
/// each append, so a small hostile frame cannot allocate more than the cap).
public enum LZ4: StreamingDecoder {
    public static let frameMagic: UInt32 = 0x184D_2204

    /// True when `bytes` starts with the LZ4 frame magic.
    public static func isFrame(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && readLE32(bytes, 0) == frameMagic
    }

    /// Decodes every frame in `bytes`, handing the output to `body` one block at a time, in order, at most
    /// `maxSize` bytes in all. Only the block being decoded and the 64 KiB a linked block may reach back into
    /// are held: a 50 MB list is scanned without ever being whole in memory. `body` sees a block's bytes once
    /// and must not keep the span (it is reused); an error after some blocks means the input was corrupt or over
    /// the bound, and what `body` saw must then be discarded by the caller.
    public static func decode(
        _ bytes: [UInt8], maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) {
        guard isFrame(bytes) else {
            if bytes.count >= 4, readLE32(bytes, 0) == 0x184C_2102 {
                throw FormatError(.unsupported, "\(name) is in the legacy LZ4 format, which Bulkhead does not read")
            }
            throw FormatError(.corrupt, "\(name) is not an LZ4 frame (too short or no LZ4 frame magic)")
        }
        var window = Window()
        var position = 0
        while position < bytes.count {
            guard bytes.count - position >= 4 else {
                throw FormatError(.corrupt, "\(name): \(bytes.count - position) trailing byte(s) after the last LZ4 frame")
            }
            if let next = try DecoderSupport.skippableFrameEnd(bytes.span, at: position, name: name) {
                position = next
                continue
            }
            let magic = readLE32(bytes, position)
            guard magic == frameMagic else {
                let legacy = magic == 0x184C_2102 ? " (the legacy LZ4 format, which Bulkhead does not read)" : ""
                throw FormatError(legacy.isEmpty ? .corrupt : .unsupported, "\(name): no LZ4 frame magic at byte \(position)\(legacy)")
            }
            position = try frame(bytes, at: position + 4, window: &window, maxSize: maxSize, name: name, body)
        }
    }

    /// The decoder's output buffer: the history a linked block may reach back into (at most 64 KiB are kept)
    /// followed by room for the block being decoded. `produced` counts every byte of every frame (the bound).
    struct Window {
        static let history = 1 << 16
        var buffer: [UInt8] = []
        /// Bytes of `buffer` in use.
        var used = 0
        /// Where the current frame's output starts in `buffer` (0 once the start has slid out).
        var frameStart = 0
        var produced = 0

        /// Makes room for a block of up to `room` bytes after the history, sliding the last 64 KiB to the front.
        mutating func reserve(_ room: Int) {
            if buffer.count - used >= room { return }
            let keep = min(used, Self.history)
            let shift = used - keep
            if shift > 0 {
                var span = buffer.mutableSpan
                for i in 0..<keep { span[i] = span[shift + i] }
                used = keep
                frameStart = max(0, frameStart - shift)
            }
            if buffer.count - used < room {
                // Room for many blocks at once (1 MiB, or one block when larger), so the history slides once
                // per MiB rather than once per block.
                let size = max(used + room, Self.history + max(room, 1 << 20))
                buffer.append(contentsOf: repeatElement(0, count: size - buffer.count))
            }
        }
    }

    /// One frame from its descriptor (`at` is just past the magic); returns the position after it.
    static func frame(
        _ bytes: [UInt8], at start: Int, window: inout Window, maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) -> Int {
        var p = start
        func need(_ n: Int, _ what: String) throws(FormatError) {
            guard n <= bytes.count - p else { throw FormatError(.corrupt, "\(name): truncated LZ4 frame (\(what))") }
        }
        try need(2, "frame descriptor")
        let flags = bytes[p]
        let bd = bytes[p + 1]
        guard flags >> 6 == 1 else { throw FormatError(.unsupported, "\(name): LZ4 frame version \(flags >> 6) (only 01 is defined)") }
        guard flags & 0x02 == 0, bd & 0x8F == 0 else { throw FormatError(.corrupt, "\(name): LZ4 frame descriptor sets reserved bits") }
        let independent = flags & 0x20 != 0
        let blockChecksum = flags & 0x10 != 0
        let hasContentSize = flags & 0x08 != 0
        let contentChecksum = flags & 0x04 != 0
        guard flags & 0x01 == 0 else {
            throw FormatError(.unsupported, "\(name): the LZ4 frame needs a preset dictionary, which Bulkhead does not have")
        }
        let sizeCode = Int(bd >> 4) & 0x07
        guard sizeCode >= 4 else { throw FormatError(.corrupt, "\(name): LZ4 block maximum size code \(sizeCode) is reserved") }
        let blockMax = 1 << (8 + 2 * sizeCode)  // 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
        let descriptorLength = 2 + (hasContentSize ? 8 : 0)
        try need(descriptorLength + 1, "frame descriptor")
        var contentSize: UInt64?
        if hasContentSize {
            contentSize = UInt64(readLE32(bytes, p + 2)) | UInt64(readLE32(bytes, p + 6)) << 32
        }
        let headerChecksum = UInt8(truncatingIfNeeded: XXHash32.hash(bytes.span.extracting(p..<(p + descriptorLength))) >> 8)
        guard headerChecksum == bytes[p + descriptorLength] else {
            throw FormatError(.corrupt, "\(name): LZ4 frame header checksum does not match")
        }
        p += descriptorLength + 1
        window.frameStart = window.used
        let frameProduced = window.produced
        var content = XXHash32.Stream()
        while true {
            try need(4, "block size")
            let word = readLE32(bytes, p)
            p += 4
            if word == 0 { break }  // the end mark
            let stored = word & 0x8000_0000 != 0
            let size = Int(word & 0x7FFF_FFFF)
            guard size <= blockMax else {
                throw FormatError(.corrupt, "\(name): LZ4 block of \(size) bytes is over the frame's maximum of \(blockMax)")
            }
            try need(size + (blockChecksum ? 4 : 0), "block data")
            let block = p..<(p + size)
            if blockChecksum {
                guard XXHash32.hash(bytes.span.extracting(block)) == readLE32(bytes, p + size) else {
                    throw FormatError(.corrupt, "\(name): LZ4 block checksum does not match at byte \(p)")
                }
            }
            // The block may write up to its maximum, or to the bound, whichever is nearer.
            let allowance = min(blockMax, maxSize - window.produced)
            window.reserve(min(blockMax, allowance + 1))
            let blockStart = window.used
            let floor = independent ? blockStart : window.frameStart
            let end: Int
            if stored {
                guard size <= maxSize - window.produced else { throw tooLarge(name, maxSize) }
                var out = window.buffer.mutableSpan
                let input = bytes.span
                for i in 0..<size { out[blockStart + i] = input[p + i] }
                end = blockStart + size
            } else {
                var out = window.buffer.mutableSpan
                end = try decodeBlock(
                    bytes.span, block, into: &out, at: blockStart, floor: floor, limit: blockStart + allowance,
                    blockLimit: blockStart + blockMax, maxSize: maxSize, name: name)
            }
            do {
                let output = window.buffer.span.extracting(blockStart..<end)
                if contentChecksum { content.update(output) }
                body(output)
            }
            window.produced += end - blockStart
            window.used = end
            p += size + (blockChecksum ? 4 : 0)
        }
        if let contentSize, contentSize != UInt64(window.produced - frameProduced) {
            throw FormatError(
                .corrupt,
                "\(name): the LZ4 frame declares \(contentSize) bytes but holds \(window.produced - frameProduced) (truncated or corrupt)")
        }
        if contentChecksum {
            try need(4, "content checksum")
            guard content.digest() == readLE32(bytes, p) else {
                throw FormatError(.corrupt, "\(name): LZ4 content checksum does not match (truncated or corrupt)")
            }
            p += 4
        }
        return p
    }

    /// One compressed block (`block`, a range of `input`) written into `out` from `at`: sequences of a token,
    /// literals, a 2-byte offset and a match length. A match may reach back to `floor` (the frame's start for
    /// linked blocks, the block's for independent ones). Writing past `limit` is over the bound (`tooLarge`)
    /// when that is `maxSize`, else past the frame's block maximum (`corrupt`). Returns where the output ends.
    static func decodeBlock(
        _ input: Span<UInt8>, _ block: Range<Int>, into out: inout MutableSpan<UInt8>, at start: Int, floor: Int, limit: Int,
        blockLimit: Int, maxSize: Int, name: String
    ) throws(FormatError) -> Int {
        var i = block.lowerBound
        let end = block.upperBound
        var o = start
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt LZ4 block (\(what))") }
        func over() -> FormatError {
            limit < blockLimit
                ? tooLarge(name, maxSize)
                : FormatError(.corrupt, "\(name): an LZ4 block decodes to more than the frame's maximum of \(blockLimit - start) bytes")
        }
        func length(_ base: Int) throws(FormatError) -> Int {
            var n = base
            guard base == 15 else { return n }
            while true {
                guard i < end else { throw corrupt("length runs past the block") }
                let b = input[i]
                i += 1
                n += Int(b)
                guard n <= limit - o else { throw over() }
                if b != 255 { return n }
            }
        }
        guard i < end else { throw corrupt("empty block") }
        while true {
            guard i < end else { throw corrupt("a sequence runs past the block") }
            let token = input[i]
            i += 1
            let literals = try length(Int(token >> 4))
            guard literals <= end - i else { throw corrupt("literals run past the block") }
            guard literals <= limit - o else { throw over() }
            for k in 0..<literals { out[o &+ k] = input[i &+ k] }
            o += literals
            i += literals
            if i == end { return o }  // the last sequence holds literals only
            guard end - i >= 2 else { throw corrupt("a match offset runs past the block") }
            let offset = Int(input[i]) | Int(input[i + 1]) << 8
            i += 2
            guard offset > 0, offset <= o - floor else {
                throw corrupt("a match offset of \(offset) reaches before the data")
            }
            let match = try length(Int(token & 0x0F)) + 4
            guard match <= limit - o else { throw over() }
            DecoderSupport.copyMatch(&out, at: o, offset: offset, length: match)
            o &+= match
        }
    }

    static func tooLarge(_ name: String, _ maxSize: Int) -> FormatError { DecoderSupport.tooLarge(name, maxSize) }

    static func readLE32(_ bytes: [UInt8], _ at: Int) -> UInt32 { DecoderSupport.le32(bytes.span, at) }
}

/// xxHash-32 (seed 0 by default), the checksum of LZ4 frames: in one call over bytes at hand, or as a stream
/// over the blocks of a frame's content.
public enum XXHash32: XXHashWidth {
    static let p1: UInt32 = 2_654_435_761
    static let p2: UInt32 = 2_246_822_519
    static let p3: UInt32 = 3_266_489_917
    static let p4: UInt32 = 668_265_263
    static let p5: UInt32 = 374_761_393

    public static func hash(_ data: [UInt8], seed: UInt32 = 0) -> UInt32 { hash(data.span, seed: seed) }

    public static func hash(_ data: Span<UInt8>, seed: UInt32 = 0) -> UInt32 { oneShot(data, seed: seed) }

    static func round(_ acc: UInt32, _ input: UInt32) -> UInt32 { rotl(acc &+ input &* p2, 13) &* p1 }
    static func lane(_ data: Span<UInt8>, _ at: Int) -> UInt32 { DecoderSupport.le32(data, at) }

    /// The hash fed in pieces of any size (`XXHashLanes`: 16-byte stripes).
    public struct Stream {
        var lanes: XXHashLanes<XXHash32>

        public init(seed: UInt32 = 0) { lanes = XXHashLanes(seed: seed) }

        public mutating func update(_ data: Span<UInt8>) { lanes.feed(data) }

        public func digest() -> UInt32 { XXHash32.digest(lanes) }
    }

    static func digest(_ lanes: XXHashLanes<XXHash32>) -> UInt32 {
        var h: UInt32 = lanes.total >= 16 ? lanes.converged : lanes.seed &+ p5
        h = h &+ UInt32(truncatingIfNeeded: lanes.total)
        let rest = lanes.pending.span
        var i = 0
        while rest.count - i >= 4 {
            h = rotl(h &+ lane(rest, i) &* p3, 17) &* p4
            i += 4
        }
        while i < rest.count {
            h = rotl(h &+ UInt32(rest[i]) &* p5, 11) &* p1
            i += 1
        }
        return avalanche(h, shifts: (15, 13, 16))
    }
}
