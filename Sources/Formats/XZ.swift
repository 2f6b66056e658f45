internal import Crypto

/// The .xz format (tukaani's "The .xz File Format" 1.2.0) with the LZMA2 filter, decoded in memory-safe Swift: a
/// pure function from bytes to bytes with a bound on the output. apt may store its lists this way
/// (`/var/lib/apt/lists/*_Packages.xz`) and dnf repositories may ship `*-primary.xml.xz` / `*-updateinfo.xml.xz`.
///
/// What it reads: one or more concatenated streams with stream padding between them, any number of blocks per
/// stream (`xz -T2 --block-size=…`), the LZMA2 filter (LZMA chunks with state, property and dictionary resets,
/// and uncompressed chunks), and the checks None, CRC32, CRC64 and SHA-256 (swift-crypto), each verified. The
/// stream header and footer (their CRC32s, the footer's backward size and flags) and every block header (its
/// CRC32, declared sizes, padding) are checked, and the index is checked against the blocks actually read
/// (count, unpadded and uncompressed sizes, CRC32).
///
/// What it refuses: any filter but LZMA2 (BCJ x86/ARM/…, delta: `unsupported`, naming the filter), a check type
/// other than the four above and reserved flags (`unsupported`), a dictionary over `maxDictionary`
/// (`unsupported`), the legacy `.lzma` (LZMA-alone) format (`unsupported`), any inconsistency, a check that
/// does not match, truncation, trailing bytes that are not stream padding (`corrupt`), and an output past
/// `maxSize` (`tooLarge`, checked before each LZMA2 chunk is written: a chunk declares its size, so a small
/// hostile stream cannot make the decoder allocate more than the cap). All arithmetic on sizes read from the
/// input is checked before use: no input traps.
public enum XZ: StreamingDecoder {
    static let magic: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]

    /// The largest LZMA2 dictionary accepted: 64 MiB, what `xz -9` (and `-8e`/`-9e`) uses, the largest of xz's
    /// presets. The decoder keeps at most this much history (and never more than `maxSize`), so the bound is the
    /// memory a hostile header can make it hold; a larger dictionary needs `xz --lzma2=dict=…` by hand.
    public static let maxDictionary = 64 << 20

    /// True when `bytes` starts with the .xz stream header magic.
    public static func isStream(_ bytes: [UInt8]) -> Bool {
        hasMagic(bytes, at: 0)
    }

    static func hasMagic(_ bytes: [UInt8], at p: Int) -> Bool {
        guard bytes.count - p >= 6 else { return false }
        for i in 0..<6 where bytes[p + i] != magic[i] { return false }
        return true
    }

    /// Decodes every stream in `bytes`, handing the output to `body` in pieces, in order, at most `maxSize` bytes
    /// in all. Only the LZMA2 dictionary (the history a match may reach back into, at most the block's dictionary
    /// size) and room for the chunks being decoded are held: a 50 MB list is scanned without ever being whole in
    /// memory. `body` sees each byte once and must not keep the span (it is reused); a block's check is verified
    /// after its last piece, so an error after some pieces means the input was corrupt or over the bound, and
    /// what `body` saw must then be discarded by the caller.
    public static func decode(
        _ bytes: [UInt8], maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) {
        guard isStream(bytes) else {
            // LZMA-alone starts with its properties byte, 0x5D for every preset of xz and lzma (lc 3, lp 0, pb 2).
            if bytes.count >= 13, bytes[0] == 0x5D, bytes[1] == 0 {
                throw FormatError(.unsupported, "\(name) looks like the legacy .lzma (LZMA-alone) format, which Bulkhead does not read")
            }
            throw FormatError(.corrupt, "\(name) is not an xz stream (too short or no xz stream header magic)")
        }
        var decoder = Decoder(input: bytes, maxSize: maxSize, name: name)
        var p = 0
        while true {
            p = try decoder.stream(at: p, body)
            var q = p
            while q < bytes.count, bytes[q] == 0 { q += 1 }
            if q == bytes.count, q == p { return }
            guard (q - p) % 4 == 0 else {
                throw FormatError(.corrupt, "\(name): xz stream padding of \(q - p) bytes at byte \(p) is not a multiple of four")
            }
            if q == bytes.count { return }
            guard hasMagic(bytes, at: q) else {
                throw FormatError(.corrupt, "\(name): \(bytes.count - q) trailing byte(s) after the xz stream at byte \(q)")
            }
            p = q
        }
    }

    /// The names of the filters .xz defines, for the refusal.
    static func filterName(_ id: UInt64) -> String {
        switch id {
        case 0x03: "the delta filter"
        case 0x04: "the x86 BCJ filter"
        case 0x05: "the PowerPC BCJ filter"
        case 0x06: "the IA-64 BCJ filter"
        case 0x07: "the ARM BCJ filter"
        case 0x08: "the ARM-Thumb BCJ filter"
        case 0x09: "the SPARC BCJ filter"
        case 0x0A: "the ARM64 BCJ filter"
        case 0x0B: "the RISC-V BCJ filter"
        case 0x21: "LZMA2"
        case 0x4000_0000_0000_0001: "LZMA1 (not allowed in .xz)"
        default: "the filter 0x\(String(id, radix: 16))"
        }
    }

    /// A block's integrity check, fed the block's output as it is handed over.
    struct Check {
        enum Kind { case none, crc32, crc64, sha256 }
        let kind: Kind
        var crc32: UInt32 = 0
        var crc64: UInt64 = 0
        var sha: SHA256? = nil

        init(_ kind: Kind) {
            self.kind = kind
            if kind == .sha256 { sha = SHA256() }
        }

        /// The check's size in bytes after the block.
        var size: Int {
            switch kind {
            case .none: 0
            case .crc32: 4
            case .crc64: 8
            case .sha256: 32
            }
        }

        mutating func update(_ data: Span<UInt8>) {
            switch kind {
            case .none: break
            case .crc32: crc32 = CRC32.update(crc32, data)
            case .crc64: crc64 = CRC64.update(crc64, data)
            case .sha256:
                var copy = [UInt8](repeating: 0, count: data.count)
                var span = copy.mutableSpan
                for i in 0..<data.count { span[i] = data[i] }
                sha?.update(data: copy)
            }
        }

        /// The check as stored after the block (CRC32 and CRC64 little-endian, SHA-256 as its digest).
        func stored() -> [UInt8] {
            switch kind {
            case .none: []
            case .crc32: (0..<4).map { UInt8(truncatingIfNeeded: crc32 >> (8 * $0)) }
            case .crc64: (0..<8).map { UInt8(truncatingIfNeeded: crc64 >> (8 * UInt64($0))) }
            case .sha256: sha.map { Array($0.finalize()) } ?? []
            }
        }
    }

    /// The output buffer: the dictionary (the history a match may reach back into) followed by room for the
    /// chunks being decoded. Bytes from `flushed` to `used` are decoded but not yet handed over.
    struct Window {
        var buffer: [UInt8] = []
        var used = 0
        var flushed = 0
        /// The buffer index of the last dictionary reset (negative once it has slid out of the buffer): a match
        /// may reach back no further, and the LZMA position (for `pb`/`lp`) counts from it.
        var origin = 0
        /// Every byte decoded, over all streams (the bound).
        var produced = 0

        /// Hands the decoded bytes not yet handed over to `check` and `body`.
        mutating func flush(_ check: inout Check, _ body: (Span<UInt8>) -> Void) {
            guard used > flushed else { return }
            let range = flushed..<used
            do {
                let piece = buffer.span.extracting(range)
                check.update(piece)
                body(piece)
            }
            flushed = range.upperBound
        }

        /// Makes room for `room` more bytes, keeping the last `dictionary` bytes since the last reset; the buffer
        /// grows to at most the history plus what `maxSize` still allows.
        mutating func reserve(
            _ room: Int, dictionary: Int, maxSize: Int, _ check: inout Check, _ body: (Span<UInt8>) -> Void
        ) {
            if buffer.count - used >= room { return }
            flush(&check, body)
            let keep = min(used - max(origin, 0), dictionary)
            let shift = used - keep
            if shift > 0 {
                buffer.replaceSubrange(0..<shift, with: EmptyCollection())
                buffer.append(contentsOf: repeatElement(0, count: shift))
                used = keep
                flushed = keep
                origin -= shift
            }
            if buffer.count - used < room {
                // Room for the history again (or 1 MiB), so that it slides once per dictionary's worth of
                // output, but never more than the bound still allows.
                let want = max(room, min(max(keep, 1 << 20), maxSize - produced))
                buffer.append(contentsOf: repeatElement(0, count: used + want - buffer.count))
            }
        }
    }

    /// The decoder's state over the streams of one input.
    struct Decoder {
        let input: [UInt8]
        let maxSize: Int
        let name: String
        var window = Window()

        init(input: [UInt8], maxSize: Int, name: String) {
            self.input = input
            self.maxSize = maxSize
            self.name = name
        }

        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): \(what)") }

        func need(_ n: Int, at p: Int, _ what: String) throws(FormatError) {
            guard n >= 0, n <= input.count - p else { throw corrupt("truncated xz stream (\(what))") }
        }

        func le32(_ p: Int) -> UInt32 { DecoderSupport.le32(input.span, p) }

        func crc32(_ range: Range<Int>) -> UInt32 { CRC32.update(0, input.span.extracting(range)) }

        /// A multibyte integer (7 bits a byte, low first, at most 9 bytes, no redundant trailing zero byte) that
        /// must end before `limit`.
        func varint(_ p: inout Int, limit: Int, _ what: String) throws(FormatError) -> UInt64 {
            var value: UInt64 = 0
            var i = 0
            while true {
                guard p < limit, p < input.count else { throw corrupt("truncated xz \(what)") }
                let b = input[p]
                p += 1
                value |= UInt64(b & 0x7F) << UInt64(7 * i)
                i += 1
                if b & 0x80 == 0 {
                    guard b != 0 || i == 1 else { throw corrupt("xz \(what) is not minimally encoded") }
                    return value
                }
                guard i < 9 else { throw corrupt("xz \(what) is longer than nine bytes") }
            }
        }

        /// One stream from its header at `start`; returns the position after its footer.
        mutating func stream(at start: Int, _ body: (Span<UInt8>) -> Void) throws(FormatError) -> Int {
            try need(12, at: start, "stream header")
            let flags = (input[start + 6], input[start + 7])
            guard crc32((start + 6)..<(start + 8)) == le32(start + 8) else {
                throw corrupt("xz stream header CRC32 does not match at byte \(start)")
            }
            guard flags.0 == 0, flags.1 & 0xF0 == 0 else {
                throw FormatError(.unsupported, "\(name): xz stream flags set reserved bits (a newer format)")
            }
            let kind: Check.Kind
            switch flags.1 {
            case 0x00: kind = .none
            case 0x01: kind = .crc32
            case 0x04: kind = .crc64
            case 0x0A: kind = .sha256
            default: throw FormatError(.unsupported, "\(name): xz check type \(flags.1), which Bulkhead does not read")
            }
            var p = start + 12
            var records: [(unpadded: Int, uncompressed: Int)] = []
            while true {
                try need(1, at: p, "block header or index")
                if input[p] == 0 { break }
                records.append(try block(at: &p, kind, body))
            }
            // The index: the indicator, the record count, the records, padding, CRC32.
            let indexStart = p
            p += 1
            let count = try varint(&p, limit: input.count, "index record count")
            guard count == UInt64(records.count) else {
                throw corrupt("the xz index lists \(count) block(s) but the stream holds \(records.count)")
            }
            for (i, record) in records.enumerated() {
                let unpadded = try varint(&p, limit: input.count, "index record")
                let uncompressed = try varint(&p, limit: input.count, "index record")
                guard unpadded == UInt64(record.unpadded), uncompressed == UInt64(record.uncompressed) else {
                    throw corrupt("the xz index record of block \(i + 1) does not match the block")
                }
            }
            while (p - indexStart) % 4 != 0 {
                try need(1, at: p, "index padding")
                guard input[p] == 0 else { throw corrupt("xz index padding is not zero") }
                p += 1
            }
            try need(4, at: p, "index CRC32")
            guard crc32(indexStart..<p) == le32(p) else { throw corrupt("xz index CRC32 does not match") }
            p += 4
            let indexSize = p - indexStart
            // The footer: CRC32, backward size, the flags again, "YZ".
            try need(12, at: p, "stream footer")
            guard crc32((p + 4)..<(p + 10)) == le32(p) else { throw corrupt("xz stream footer CRC32 does not match") }
            guard (Int(le32(p + 4)) + 1) * 4 == indexSize else {
                throw corrupt("the xz stream footer's backward size does not match the index")
            }
            guard input[p + 8] == flags.0, input[p + 9] == flags.1 else {
                throw corrupt("the xz stream footer's flags differ from the header's")
            }
            guard input[p + 10] == 0x59, input[p + 11] == 0x5A else { throw corrupt("no xz stream footer magic at byte \(p + 10)") }
            return p + 12
        }

        /// One block from its header at `p` (moved past the block's check); returns its index record.
        mutating func block(
            at p: inout Int, _ kind: Check.Kind, _ body: (Span<UInt8>) -> Void
        ) throws(FormatError) -> (unpadded: Int, uncompressed: Int) {
            let start = p
            let headerSize = (Int(input[p]) + 1) * 4
            try need(headerSize, at: p, "block header")
            let end = p + headerSize - 4
            guard crc32(p..<end) == le32(end) else { throw corrupt("xz block header CRC32 does not match at byte \(p)") }
            let flags = input[p + 1]
            guard flags & 0x3C == 0 else { throw FormatError(.unsupported, "\(name): xz block flags set reserved bits") }
            var q = p + 2
            var declaredCompressed: UInt64?
            var declaredUncompressed: UInt64?
            if flags & 0x40 != 0 {
                declaredCompressed = try varint(&q, limit: end, "block compressed size")
                guard declaredCompressed != 0 else { throw corrupt("xz block declares a compressed size of zero") }
            }
            if flags & 0x80 != 0 { declaredUncompressed = try varint(&q, limit: end, "block uncompressed size") }
            let filters = Int(flags & 0x03) + 1
            var dictionary = 0
            for i in 0..<filters {
                let id = try varint(&q, limit: end, "filter ID")
                let size = try varint(&q, limit: end, "filter properties size")
                guard size <= UInt64(end - q) else { throw corrupt("xz filter properties run past the block header") }
                if id != 0x21 || i != filters - 1 {
                    throw FormatError(
                        .unsupported, "\(name): the xz block uses \(XZ.filterName(id)), which Bulkhead does not read (only LZMA2 alone)")
                }
                guard size == 1 else { throw corrupt("xz LZMA2 filter properties of \(size) bytes (one expected)") }
                let bits = Int(input[q])
                guard bits <= 40 else { throw corrupt("xz LZMA2 dictionary size code \(bits) is over 40") }
                q += 1
                let size64 = bits == 40 ? UInt64(UInt32.max) : UInt64(2 | bits & 1) << UInt64(bits / 2 + 11)
                guard size64 <= UInt64(maxDictionary) else {
                    throw FormatError(
                        .unsupported,
                        "\(name): the xz block's LZMA2 dictionary of \(size64) bytes is over Bulkhead's bound of 64 MiB (what xz -9 uses)")
                }
                dictionary = Int(size64)
            }
            while q < end {
                guard input[q] == 0 else { throw corrupt("xz block header padding is not zero") }
                q += 1
            }
            p = start + headerSize
            var check = Check(kind)
            let before = window.produced
            let dataStart = p
            p = try lzma2(at: p, dictionary: dictionary, &check, body)
            let compressed = p - dataStart
            let uncompressed = window.produced - before
            if let declaredCompressed, declaredCompressed != UInt64(compressed) {
                throw corrupt("xz block declares \(declaredCompressed) compressed bytes but holds \(compressed)")
            }
            if let declaredUncompressed, declaredUncompressed != UInt64(uncompressed) {
                throw corrupt("xz block declares \(declaredUncompressed) bytes but decodes to \(uncompressed)")
            }
            while (p - start) % 4 != 0 {
                try need(1, at: p, "block padding")
                guard input[p] == 0 else { throw corrupt("xz block padding is not zero") }
                p += 1
            }
            let size = check.size
            try need(size, at: p, "block check")
            let expected = check.stored()
            for i in 0..<size where input[p + i] != expected[i] {
                throw corrupt("xz block check (\(kind)) does not match (corrupt or truncated)")
            }
            p += size
            return (headerSize + compressed + size, uncompressed)
        }

        /// LZMA2 data from `p` up to its end mark, written into the window; returns the position after the mark.
        mutating func lzma2(
            at start: Int, dictionary: Int, _ check: inout Check, _ body: (Span<UInt8>) -> Void
        ) throws(FormatError) -> Int {
            // A block starts afresh: nothing before it may be reached.
            window.used = 0
            window.flushed = 0
            window.origin = 0
            var p = start
            var needReset = true
            var needProperties = true
            var lzma = LZMA()  // a block's first LZMA chunk sets the properties
            let input = self.input
            while true {
                try need(1, at: p, "LZMA2 chunk")
                let control = input[p]
                p += 1
                if control == 0 { break }
                if control >= 0xE0 || control == 1 {
                    needProperties = true
                    needReset = false
                    window.origin = window.used
                } else if needReset {
                    throw corrupt("the first LZMA2 chunk of an xz block does not reset the dictionary")
                }
                let unpacked: Int
                if control >= 0x80 {
                    try need(4, at: p, "LZMA2 chunk header")
                    unpacked = (Int(control & 0x1F) << 16 | Int(input[p]) << 8 | Int(input[p + 1])) + 1
                    let packed = (Int(input[p + 2]) << 8 | Int(input[p + 3])) + 1
                    p += 4
                    let reset = (control >> 5) & 3
                    if reset >= 2 {
                        try need(1, at: p, "LZMA2 properties")
                        guard lzma.setProperties(input[p]) else {
                            throw corrupt("LZMA2 properties 0x\(String(input[p], radix: 16)) are invalid (lc + lp over 4 or pb over 4)")
                        }
                        p += 1
                        needProperties = false
                    } else if needProperties {
                        throw corrupt("an LZMA2 chunk continues without the properties it needs")
                    } else if reset == 1 {
                        lzma.resetState()
                    }
                    try need(packed, at: p, "LZMA2 chunk data")
                    guard unpacked <= maxSize - window.produced else { throw tooLarge() }
                    window.reserve(unpacked, dictionary: dictionary, maxSize: maxSize, &check, body)
                    let at = window.used
                    let origin = window.origin
                    var out = window.buffer.mutableSpan
                    let ok = lzma.decodeChunk(
                        input.span, p..<(p + packed), into: &out, at: at, count: unpacked, origin: origin, dictionary: dictionary)
                    guard ok else { throw corrupt("corrupt LZMA2 chunk at byte \(p)") }
                    p += packed
                } else {
                    guard control <= 2 else { throw corrupt("LZMA2 control byte 0x\(String(control, radix: 16)) is invalid") }
                    try need(2, at: p, "LZMA2 chunk header")
                    unpacked = (Int(input[p]) << 8 | Int(input[p + 1])) + 1
                    p += 2
                    try need(unpacked, at: p, "LZMA2 uncompressed chunk")
                    guard unpacked <= maxSize - window.produced else { throw tooLarge() }
                    window.reserve(unpacked, dictionary: dictionary, maxSize: maxSize, &check, body)
                    let at = window.used
                    var out = window.buffer.mutableSpan
                    let from = input.span
                    for i in 0..<unpacked { out[at + i] = from[p + i] }
                    p += unpacked
                }
                window.used += unpacked
                window.produced += unpacked
            }
            window.flush(&check, body)
            return p
        }

        func tooLarge() -> FormatError { DecoderSupport.tooLarge(name, maxSize) }
    }
}

/// The LZMA decoder of LZMA2 chunks (the LZMA specification in the LZMA SDK, `lzma-specification.txt`): a range
/// decoder over adaptive bit probabilities; literals (plain or matched against the byte at the last distance),
/// matches, and the four repeated distances, driven by a 12-state machine.
struct LZMA {
    var lc = 0
    var lp = 0
    var pb = 0
    var probs: [UInt16] = []
    var state = 0
    var rep0 = 0
    var rep1 = 0
    var rep2 = 0
    var rep3 = 0

    // Where each group of probabilities starts in `probs`.
    static let isMatch = 0  // [state << 4 | posState]
    static let isRep = 192
    static let isRepG0 = 204
    static let isRepG1 = 216
    static let isRepG2 = 228
    static let isRep0Long = 240  // [state << 4 | posState]
    static let distSlot = 432  // 4 × 64
    static let distSpecial = 688  // 115
    static let align = 803  // 16
    static let matchLength = 819  // 514: choice, choice2, low 16 × 8, mid 16 × 8, high 256
    static let repLength = 1333
    static let literal = 1847  // 0x300 << (lc + lp)

    /// Reads the properties byte ((pb × 5 + lp) × 9 + lc) and resets the state; false when invalid for LZMA2.
    mutating func setProperties(_ byte: UInt8) -> Bool {
        var b = Int(byte)
        guard b < 225 else { return false }
        let newLc = b % 9
        b /= 9
        let newLp = b % 5
        let newPb = b / 5
        guard newLc + newLp <= 4, newPb <= 4 else { return false }
        lc = newLc
        lp = newLp
        pb = newPb
        resetState()
        return true
    }

    mutating func resetState() {
        let count = Self.literal + (0x300 << (lc + lp))
        if probs.count != count {
            probs = [UInt16](repeating: 1024, count: count)
        } else {
            var span = probs.mutableSpan
            for i in 0..<count { span[i] = 1024 }
        }
        state = 0
        rep0 = 0
        rep1 = 0
        rep2 = 0
        rep3 = 0
    }

    /// The range decoder over one chunk's bytes; reading past them sets `overrun` (the chunk is then corrupt).
    struct RangeDecoder {
        var range: UInt32 = 0xFFFF_FFFF
        var code: UInt32 = 0
        var p: Int
        let end: Int
        var overrun = false

        @inline(__always) mutating func normalize(_ input: Span<UInt8>) {
            if range < 1 << 24 {
                range <<= 8
                if p < end {
                    code = code << 8 | UInt32(input[p])
                    p += 1
                } else {
                    code <<= 8
                    overrun = true
                }
            }
        }

        @inline(__always) mutating func bit(_ probs: inout MutableSpan<UInt16>, _ i: Int, _ input: Span<UInt8>) -> Int {
            normalize(input)
            let prob = UInt32(probs[i])
            let bound = (range >> 11) &* prob
            if code < bound {
                range = bound
                probs[i] = UInt16(truncatingIfNeeded: prob &+ ((2048 &- prob) >> 5))
                return 0
            }
            range &-= bound
            code &-= bound
            probs[i] = UInt16(truncatingIfNeeded: prob &- (prob >> 5))
            return 1
        }

        /// `bits` bits from a bit tree at `base` (most significant first).
        @inline(__always) mutating func tree(_ probs: inout MutableSpan<UInt16>, _ base: Int, _ bits: Int, _ input: Span<UInt8>) -> Int {
            var m = 1
            for _ in 0..<bits { m = m << 1 | bit(&probs, base + m, input) }
            return m - (1 << bits)
        }

        /// `bits` bits from a bit tree at `base`, least significant first.
        @inline(__always) mutating func reverse(_ probs: inout MutableSpan<UInt16>, _ base: Int, _ bits: Int, _ input: Span<UInt8>) -> Int {
            var m = 1
            var symbol = 0
            for i in 0..<bits {
                let b = bit(&probs, base + m, input)
                m = m << 1 | b
                symbol |= b << i
            }
            return symbol
        }

        /// `bits` bits with probability one half each.
        @inline(__always) mutating func direct(_ bits: Int, _ input: Span<UInt8>) -> Int {
            var result = 0
            for _ in 0..<bits {
                normalize(input)
                range >>= 1
                if code >= range {
                    code &-= range
                    result = result << 1 | 1
                } else {
                    result <<= 1
                }
            }
            return result
        }

        /// A match length (2…273) from the length coder at `base`.
        @inline(__always) mutating func length(_ probs: inout MutableSpan<UInt16>, _ base: Int, _ posState: Int, _ input: Span<UInt8>) -> Int {
            if bit(&probs, base, input) == 0 { return 2 + tree(&probs, base + 2 + posState << 3, 3, input) }
            if bit(&probs, base + 1, input) == 0 { return 10 + tree(&probs, base + 130 + posState << 3, 3, input) }
            return 18 + tree(&probs, base + 258, 8, input)
        }
    }

    /// Decodes one LZMA chunk (`chunk`, a range of `input`) into exactly `count` bytes of `out` from `at`. A
    /// distance may reach back to `origin` (the last dictionary reset) and at most `dictionary` bytes. False
    /// when the chunk is corrupt: a distance before the data, a match past the chunk's size, the end marker
    /// (LZMA2 has none), input read past the chunk or left over, a range coder that does not finish at zero.
    mutating func decodeChunk(
        _ input: Span<UInt8>, _ chunk: Range<Int>, into out: inout MutableSpan<UInt8>, at start: Int, count: Int, origin: Int,
        dictionary: Int
    ) -> Bool {
        guard chunk.count >= 5, input[chunk.lowerBound] == 0 else { return false }
        var rc = RangeDecoder(p: chunk.lowerBound + 5, end: chunk.upperBound)
        for i in 1...4 { rc.code = rc.code << 8 | UInt32(input[chunk.lowerBound + i]) }
        guard rc.code != 0xFFFF_FFFF else { return false }
        var table: [UInt16] = []
        swap(&table, &probs)
        defer { swap(&table, &probs) }
        var probs = table.mutableSpan
        let lc = self.lc
        let pbMask = (1 << pb) - 1
        let lpMask = (1 << lp) - 1
        var state = self.state
        var rep0 = self.rep0
        var rep1 = self.rep1
        var rep2 = self.rep2
        var rep3 = self.rep3
        var o = start
        let end = start + count
        while o < end {
            let pos = o - origin
            let posState = pos & pbMask
            if rc.bit(&probs, Self.isMatch + state << 4 + posState, input) == 0 {
                let previous = pos > 0 ? Int(out[o - 1]) : 0
                let base = Self.literal + 0x300 * ((pos & lpMask) << lc + previous >> (8 - lc))
                var symbol = 1
                if state >= 7 {
                    // A matched literal: guided by the byte at the last distance while the bits agree.
                    guard rep0 < pos else { return false }
                    var matchByte = Int(out[o - rep0 - 1])
                    while symbol < 0x100 {
                        let matchBit = (matchByte >> 7) & 1
                        matchByte <<= 1
                        let b = rc.bit(&probs, base + (1 + matchBit) << 8 + symbol, input)
                        symbol = symbol << 1 | b
                        if b != matchBit { break }
                    }
                }
                while symbol < 0x100 { symbol = symbol << 1 | rc.bit(&probs, base + symbol, input) }
                out[o] = UInt8(truncatingIfNeeded: symbol)
                o += 1
                state = state < 4 ? 0 : (state < 10 ? state - 3 : state - 6)
                continue
            }
            var length: Int
            if rc.bit(&probs, Self.isRep + state, input) == 0 {
                rep3 = rep2
                rep2 = rep1
                rep1 = rep0
                length = rc.length(&probs, Self.matchLength, posState, input)
                state = state < 7 ? 7 : 10
                let slot = rc.tree(&probs, Self.distSlot + min(length - 2, 3) << 6, 6, input)
                if slot < 4 {
                    rep0 = slot
                } else {
                    let directBits = slot >> 1 - 1
                    var distance = (2 | slot & 1) << directBits
                    if slot < 14 {
                        distance += rc.reverse(&probs, Self.distSpecial + distance - slot, directBits, input)
                    } else {
                        distance += rc.direct(directBits - 4, input) << 4
                        distance += rc.reverse(&probs, Self.align, 4, input)
                    }
                    rep0 = distance  // 0xFFFF_FFFF, the end marker, is refused below as too far
                }
            } else {
                if rc.bit(&probs, Self.isRepG0 + state, input) == 0 {
                    if rc.bit(&probs, Self.isRep0Long + state << 4 + posState, input) == 0 {
                        guard rep0 < pos, rep0 < dictionary else { return false }
                        state = state < 7 ? 9 : 11
                        out[o] = out[o - rep0 - 1]
                        o += 1
                        continue
                    }
                } else {
                    let distance: Int
                    if rc.bit(&probs, Self.isRepG1 + state, input) == 0 {
                        distance = rep1
                    } else {
                        if rc.bit(&probs, Self.isRepG2 + state, input) == 0 {
                            distance = rep2
                        } else {
                            distance = rep3
                            rep3 = rep2
                        }
                        rep2 = rep1
                    }
                    rep1 = rep0
                    rep0 = distance
                }
                length = rc.length(&probs, Self.repLength, posState, input)
                state = state < 7 ? 8 : 11
            }
            guard rep0 < pos, rep0 < dictionary, length <= end - o else { return false }
            var from = o - rep0 - 1
            for k in o..<(o + length) {
                out[k] = out[from]
                from += 1
            }
            o += length
        }
        rc.normalize(input)
        self.state = state
        self.rep0 = rep0
        self.rep1 = rep1
        self.rep2 = rep2
        self.rep3 = rep3
        return !rc.overrun && rc.p == chunk.upperBound && rc.code == 0
    }
}
