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
public enum LZ4 {
    public static let frameMagic: UInt32 = 0x184D_2204

    /// True when `bytes` starts with the LZ4 frame magic.
    public static func isFrame(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && readLE32(bytes, 0) == frameMagic
    }

    /// Decodes every frame in `bytes` into at most `maxSize` bytes; `name` names the input in errors.
    public static func decompress(_ bytes: [UInt8], maxSize: Int, name: String) throws(FormatError) -> [UInt8] {
        guard isFrame(bytes) else {
            if bytes.count >= 4, readLE32(bytes, 0) == 0x184C_2102 {
                throw FormatError(.unsupported, "\(name) is in the legacy LZ4 format, which Bulkhead does not read")
            }
            throw FormatError(.corrupt, "\(name) is not an LZ4 frame (too short or no LZ4 frame magic)")
        }
        var out: [UInt8] = []
        var position = 0
        while position < bytes.count {
            guard bytes.count - position >= 4 else {
                throw FormatError(.corrupt, "\(name): \(bytes.count - position) trailing byte(s) after the last LZ4 frame")
            }
            let magic = readLE32(bytes, position)
            if magic & 0xFFFF_FFF0 == 0x184D_2A50 {  // a skippable frame: magic, 4-byte size, data
                guard bytes.count - position >= 8 else { throw FormatError(.corrupt, "\(name): truncated skippable frame") }
                let size = Int(readLE32(bytes, position + 4))
                guard size <= bytes.count - position - 8 else { throw FormatError(.corrupt, "\(name): truncated skippable frame") }
                position += 8 + size
                continue
            }
            guard magic == frameMagic else {
                let legacy = magic == 0x184C_2102 ? " (the legacy LZ4 format, which Bulkhead does not read)" : ""
                throw FormatError(legacy.isEmpty ? .corrupt : .unsupported, "\(name): no LZ4 frame magic at byte \(position)\(legacy)")
            }
            position = try frame(bytes, at: position + 4, into: &out, maxSize: maxSize, name: name)
        }
        return out
    }

    /// One frame from its descriptor (`at` is just past the magic); returns the position after it.
    static func frame(_ bytes: [UInt8], at start: Int, into out: inout [UInt8], maxSize: Int, name: String) throws(FormatError)
        -> Int
    {
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
        let headerChecksum = UInt8(truncatingIfNeeded: XXHash32.hash(bytes[p..<(p + descriptorLength)]) >> 8)
        guard headerChecksum == bytes[p + descriptorLength] else {
            throw FormatError(.corrupt, "\(name): LZ4 frame header checksum does not match")
        }
        p += descriptorLength + 1
        let frameStart = out.count
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
            let block = bytes[p..<(p + size)]
            if blockChecksum {
                guard XXHash32.hash(block) == readLE32(bytes, p + size) else {
                    throw FormatError(.corrupt, "\(name): LZ4 block checksum does not match at byte \(p)")
                }
            }
            let blockStart = out.count
            if stored {
                guard size <= maxSize - out.count else { throw tooLarge(name, maxSize) }
                out.append(contentsOf: block)
            } else {
                try decodeBlock(
                    block, into: &out, windowStart: independent ? blockStart : frameStart, maxSize: maxSize, name: name)
            }
            guard out.count - blockStart <= blockMax else {
                throw FormatError(.corrupt, "\(name): an LZ4 block decodes to more than the frame's maximum of \(blockMax) bytes")
            }
            p += size + (blockChecksum ? 4 : 0)
        }
        if let contentSize, contentSize != UInt64(out.count - frameStart) {
            throw FormatError(
                .corrupt, "\(name): the LZ4 frame declares \(contentSize) bytes but holds \(out.count - frameStart) (truncated or corrupt)")
        }
        if contentChecksum {
            try need(4, "content checksum")
            guard XXHash32.hash(out[frameStart...]) == readLE32(bytes, p) else {
                throw FormatError(.corrupt, "\(name): LZ4 content checksum does not match (truncated or corrupt)")
            }
            p += 4
        }
        return p
    }

    /// One compressed block: sequences of a token, literals, a 2-byte offset and a match length. A match
    /// may reach back to `windowStart` (the frame's start for linked blocks, the block's for independent ones).
    static func decodeBlock(
        _ block: ArraySlice<UInt8>, into out: inout [UInt8], windowStart: Int, maxSize: Int, name: String
    ) throws(FormatError) {
        var i = block.startIndex
        let end = block.endIndex
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt LZ4 block (\(what))") }
        func length(_ base: Int) throws(FormatError) -> Int {
            var n = base
            guard base == 15 else { return n }
            while true {
                guard i < end else { throw corrupt("length runs past the block") }
                let b = block[i]
                i += 1
                n += Int(b)
                guard n <= maxSize else { throw tooLarge(name, maxSize) }
                if b != 255 { return n }
            }
        }
        guard i < end else { throw corrupt("empty block") }
        while true {
            guard i < end else { throw corrupt("a sequence runs past the block") }
            let token = block[i]
            i += 1
            let literals = try length(Int(token >> 4))
            guard literals <= end - i else { throw corrupt("literals run past the block") }
            guard literals <= maxSize - out.count else { throw tooLarge(name, maxSize) }
            out.append(contentsOf: block[i..<(i + literals)])
            i += literals
            if i == end { return }  // the last sequence holds literals only
            guard end - i >= 2 else { throw corrupt("a match offset runs past the block") }
            let offset = Int(block[i]) | Int(block[i + 1]) << 8
            i += 2
            guard offset > 0, offset <= out.count - windowStart else {
                throw corrupt("a match offset of \(offset) reaches before the data")
            }
            let match = try length(Int(token & 0x0F)) + 4
            guard match <= maxSize - out.count else { throw tooLarge(name, maxSize) }
            // Byte by byte: a match may overlap the bytes it produces (offset < length repeats them).
            var from = out.count - offset
            for _ in 0..<match {
                out.append(out[from])
                from += 1
            }
        }
    }

    static func tooLarge(_ name: String, _ maxSize: Int) -> FormatError {
        FormatError(.tooLarge, "\(name) decompresses to more than the cap of \(maxSize) bytes (refused)")
    }

    static func readLE32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}

/// xxHash-32 (seed 0 by default), the checksum of LZ4 frames.
public enum XXHash32 {
    static let p1: UInt32 = 2_654_435_761
    static let p2: UInt32 = 2_246_822_519
    static let p3: UInt32 = 3_266_489_917
    static let p4: UInt32 = 668_265_263
    static let p5: UInt32 = 374_761_393

    public static func hash<C: RandomAccessCollection>(_ data: C, seed: UInt32 = 0) -> UInt32 where C.Element == UInt8, C.Index == Int {
        func lane(_ at: Int) -> UInt32 {
            UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
        }
        func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }
        func round(_ acc: UInt32, _ input: UInt32) -> UInt32 { rotl(acc &+ input &* p2, 13) &* p1 }
        var i = data.startIndex
        let end = data.endIndex
        var h: UInt32
        if data.count >= 16 {
            var v1 = seed &+ p1 &+ p2
            var v2 = seed &+ p2
            var v3 = seed
            var v4 = seed &- p1
            while end - i >= 16 {
                v1 = round(v1, lane(i))
                v2 = round(v2, lane(i + 4))
                v3 = round(v3, lane(i + 8))
                v4 = round(v4, lane(i + 12))
                i += 16
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt32(truncatingIfNeeded: data.count)
        while end - i >= 4 {
            h = rotl(h &+ lane(i) &* p3, 17) &* p4
            i += 4
        }
        while i < end {
            h = rotl(h &+ UInt32(data[i]) &* p5, 11) &* p1
            i += 1
        }
        h ^= h >> 15
        h = h &* p2
        h ^= h >> 13
        h = h &* p3
        h ^= h >> 16
        return h
    }
}
