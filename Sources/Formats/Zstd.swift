/// The Zstandard frame format (RFC 8878), decoded in memory-safe Swift: a pure function from bytes to bytes with
/// a bound on the output. Fedora's dnf stores its repository metadata this way (`*-primary.xml.zst`,
/// `*-updateinfo.xml.zst`), and apt may store its lists as `_Packages.zst`.
///
/// What it reads: one or more concatenated frames, skippable frames (skipped), raw, RLE and compressed blocks,
/// Huffman-coded literals (a new tree or the previous one, one or four streams), sequences with FSE tables in
/// all four modes (predefined, RLE, described, repeat) and repeat offsets, single-segment frames, the frame
/// content size (checked) and the XXH64 content checksum (checked, streamed). What it refuses: a frame that
/// needs a dictionary (`unsupported`), a window over `maxWindowSize` (`tooLarge`), any table, offset or length
/// that does not fit, a bit stream not consumed exactly, truncation or trailing bytes (`corrupt`), and an
/// output past `maxSize` (`tooLarge`, checked before each write, so a small hostile frame cannot allocate more
/// than the cap). Every index is checked and every sum is bounded first: a hostile frame gives an error, never
/// a trap.
public enum Zstd: StreamingDecoder {
    public static let frameMagic: UInt32 = 0xFD2F_B528
    /// The largest window Bulkhead decodes with, 128 MiB (window log 27): the `zstd` program's own default
    /// limit for decompression (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`), so every frame `zstd -d` reads without
    /// `--memory`, including `--long=27`, reads here, and a frame cannot make Bulkhead hold more history.
    public static let maxWindowSize = 1 << 27
    /// RFC 8878's block maximum (128 KiB), or the window when that is smaller.
    static let blockMaximum = 1 << 17

    /// True when `bytes` starts with the Zstandard frame magic or a skippable frame's.
    public static func isFrame(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = readLE32(bytes.span, 0)
        return magic == frameMagic || magic & 0xFFFF_FFF0 == 0x184D_2A50
    }

    /// Decodes every frame in `bytes`, handing the output to `body` one block at a time, in order, at most
    /// `maxSize` bytes in all. Only the block being decoded and the frame's window (at most `maxWindowSize`,
    /// and never more than `maxSize`) are held: a 50 MB list compressed with an 8 MiB window is scanned with
    /// about 16 MiB in memory. `body` sees a block's bytes once and must not keep the span (it is reused); an
    /// error after some blocks means the input was corrupt or over the bound, and what `body` saw must then be
    /// discarded by the caller.
    public static func decode(
        _ bytes: [UInt8], maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) {
        let input = bytes.span
        guard isFrame(bytes) else {
            throw FormatError(.corrupt, "\(name) is not a Zstandard frame (too short or no zstd frame magic)")
        }
        var window = Window()
        var state = FrameState()
        let bound = max(0, maxSize)
        var position = 0
        while position < input.count {
            guard input.count - position >= 4 else {
                throw FormatError(.corrupt, "\(name): \(input.count - position) trailing byte(s) after the last Zstandard frame")
            }
            if let next = try DecoderSupport.skippableFrameEnd(input, at: position, name: name) {
                position = next
                continue
            }
            let magic = readLE32(input, position)
            guard magic == frameMagic else {
                let what = magic == 0xEC30_A437 ? " (a zstd dictionary, not a frame)" : ""
                throw FormatError(.corrupt, "\(name): no Zstandard frame magic at byte \(position)\(what)")
            }
            position = try frame(input, at: position + 4, window: &window, state: &state, maxSize: bound, name: name, body)
        }
    }

    /// The decoder's output buffer: the frame's window (the history a match may reach back into) followed by room
    /// for the block being decoded. It grows as output arrives, to at most twice the history and two blocks;
    /// then the last `history` bytes slide to the front, so each byte is moved at most about once.
    struct Window {
        var buffer: [UInt8] = []
        /// Bytes of `buffer` in use (the current frame's, since frames share no history).
        var used = 0
        /// Every byte of every frame so far (the bound).
        var produced = 0
        var history = 0

        mutating func start(history: Int) {
            used = 0
            self.history = history
        }

        mutating func reserve(_ room: Int) {
            if buffer.count - used >= room { return }
            let capacity = 2 * history + 2 * Zstd.blockMaximum
            if buffer.count >= capacity, used > history {
                let keep = history
                let shift = used - keep
                var span = buffer.mutableSpan
                for i in 0..<keep { span[i] = span[shift &+ i] }
                used = keep
                if buffer.count - used >= room { return }
            }
            let size = max(used + room, min(capacity, max(buffer.count * 2, 1 << 20)))
            if size > buffer.count { buffer.append(contentsOf: repeatElement(0, count: size - buffer.count)) }
        }
    }

    /// What one block leaves for the next in the same frame: the Huffman table, the three sequence tables, the
    /// repeat offsets; and the literals buffer, reused.
    struct FrameState {
        var huffman: HuffmanTable?
        var literalLengths: FSETable?
        var offsets: FSETable?
        var matchLengths: FSETable?
        var repeats = (1, 4, 8)
        var literals = [UInt8](repeating: 0, count: Zstd.blockMaximum)

        mutating func reset() {
            huffman = nil
            literalLengths = nil
            offsets = nil
            matchLengths = nil
            repeats = (1, 4, 8)
        }
    }

    /// One frame from its header (`at` is just past the magic); returns the position after it.
    static func frame(
        _ input: Span<UInt8>, at start: Int, window: inout Window, state: inout FrameState, maxSize: Int, name: String,
        _ body: (Span<UInt8>) -> Void
    ) throws(FormatError) -> Int {
        var p = start
        func need(_ n: Int, _ what: String) throws(FormatError) {
            guard n <= input.count - p else { throw FormatError(.corrupt, "\(name): truncated Zstandard frame (\(what))") }
        }
        try need(1, "frame header")
        let descriptor = input[p]
        guard descriptor & 0x08 == 0 else { throw FormatError(.corrupt, "\(name): Zstandard frame header sets its reserved bit") }
        let singleSegment = descriptor & 0x20 != 0
        let hasChecksum = descriptor & 0x04 != 0
        let dictionaryBytes = [0, 1, 2, 4][Int(descriptor & 0x03)]
        let sizeFlag = Int(descriptor >> 6)
        let sizeBytes = sizeFlag == 0 ? (singleSegment ? 1 : 0) : 1 << sizeFlag
        try need(1 + (singleSegment ? 0 : 1) + dictionaryBytes + sizeBytes, "frame header")
        p += 1
        var windowSize = 0
        if !singleSegment {
            let exponent = Int(input[p] >> 3)
            let base = 1 << (10 + exponent)  // at most 2^41
            windowSize = base + (base / 8) * Int(input[p] & 0x07)
            p += 1
        }
        var dictionary: UInt32 = 0
        for i in 0..<dictionaryBytes { dictionary |= UInt32(input[p + i]) << (8 * i) }
        p += dictionaryBytes
        guard dictionary == 0 else {
            throw FormatError(.unsupported, "\(name): the Zstandard frame needs dictionary \(dictionary), which Bulkhead does not have")
        }
        var contentSize: UInt64?
        if sizeBytes > 0 {
            var value: UInt64 = 0
            for i in 0..<sizeBytes { value |= UInt64(input[p + i]) << (8 * i) }
            contentSize = sizeBytes == 2 ? value + 256 : value
            p += sizeBytes
        }
        if singleSegment { windowSize = Int(clamping: contentSize ?? 0) }
        guard windowSize <= maxWindowSize else {
            throw FormatError(
                .tooLarge, "\(name): the Zstandard frame's window of \(windowSize) bytes is over Bulkhead's limit of \(maxWindowSize) (refused)")
        }
        if let contentSize, contentSize > UInt64(maxSize - window.produced) { throw tooLarge(name, maxSize) }
        let blockMax = min(windowSize, blockMaximum)
        window.start(history: min(windowSize, maxSize))
        state.reset()
        let frameProduced = window.produced
        var checksum = XXHash64.Stream()
        while true {
            try need(3, "block header")
            let header = Int(input[p]) | Int(input[p + 1]) << 8 | Int(input[p + 2]) << 16
            p += 3
            let type = (header >> 1) & 3
            let size = header >> 3
            guard type != 3 else { throw FormatError(.corrupt, "\(name): Zstandard block of the reserved type at byte \(p - 3)") }
            guard size <= blockMax else {
                throw FormatError(.corrupt, "\(name): Zstandard block of \(size) bytes is over the frame's maximum of \(blockMax)")
            }
            let payload = type == 1 ? 1 : size
            try need(payload, "block data")
            let allowance = min(blockMax, maxSize - window.produced)
            window.reserve(allowance)
            let blockStart = window.used
            var end = blockStart
            switch type {
            case 0, 1:
                guard size <= allowance else { throw tooLarge(name, maxSize) }
                var out = window.buffer.mutableSpan
                if type == 0 {
                    for i in 0..<size { out[blockStart &+ i] = input[p &+ i] }
                } else {
                    let byte = input[p]
                    for i in 0..<size { out[blockStart &+ i] = byte }
                }
                end = blockStart + size
            default:
                var out = window.buffer.mutableSpan
                end = try compressedBlock(
                    input, p..<(p + size), state: &state, into: &out, at: blockStart,
                    limit: blockStart + allowance, blockLimit: blockStart + blockMax, windowSize: windowSize,
                    maxSize: maxSize, name: name)
            }
            do {
                let output = window.buffer.span.extracting(blockStart..<end)
                if hasChecksum { checksum.update(output) }
                body(output)
            }
            window.produced += end - blockStart
            window.used = end
            p += payload
            if header & 1 != 0 { break }
        }
        let frameSize = window.produced - frameProduced
        if let contentSize, contentSize != UInt64(frameSize) {
            throw FormatError(
                .corrupt, "\(name): the Zstandard frame declares \(contentSize) bytes but holds \(frameSize) (truncated or corrupt)")
        }
        if hasChecksum {
            try need(4, "content checksum")
            guard UInt32(truncatingIfNeeded: checksum.digest()) == readLE32(input, p) else {
                throw FormatError(.corrupt, "\(name): Zstandard content checksum does not match (truncated or corrupt)")
            }
            p += 4
        }
        return p
    }

    // MARK: - Compressed blocks

    /// One compressed block (`block`, a range of `input`) written into `out` from `at`: the literals section,
    /// then the sequences that interleave literals with matches. Writing past `limit` is over the bound
    /// (`tooLarge`) when that is `maxSize`, else past the block maximum (`corrupt`). Returns where the output ends.
    static func compressedBlock(
        _ input: Span<UInt8>, _ block: Range<Int>, state: inout FrameState, into out: inout MutableSpan<UInt8>,
        at start: Int, limit: Int, blockLimit: Int, windowSize: Int, maxSize: Int, name: String
    ) throws(FormatError) -> Int {
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt Zstandard block (\(what))") }
        func over() -> FormatError {
            limit < blockLimit
                ? tooLarge(name, maxSize)
                : FormatError(.corrupt, "\(name): a Zstandard block decodes to more than its maximum of \(blockLimit - start) bytes")
        }
        var p = block.lowerBound
        let end = block.upperBound

        // The literals section header.
        guard p < end else { throw corrupt("empty block") }
        let b0 = Int(input[p])
        let literalsType = b0 & 3
        let sizeFormat = (b0 >> 2) & 3
        var regenerated = 0
        var compressedSize = 0
        var fourStreams = false
        let headerSize = literalsType < 2 ? [1, 2, 1, 3][sizeFormat] : [3, 3, 4, 5][sizeFormat]
        guard headerSize <= end - p else { throw corrupt("literals header runs past the block") }
        var word = 0
        for i in 0..<headerSize { word |= Int(input[p + i]) << (8 * i) }
        if literalsType < 2 {
            regenerated = headerSize == 1 ? word >> 3 : word >> 4
        } else {
            fourStreams = sizeFormat != 0
            let bits = [10, 10, 14, 18][sizeFormat]
            regenerated = (word >> 4) & ((1 << bits) - 1)
            compressedSize = (word >> (4 + bits)) & ((1 << bits) - 1)
        }
        p += headerSize
        guard regenerated <= blockLimit - start else { throw corrupt("\(regenerated) literals, over the block maximum") }

        // The literals.
        switch literalsType {
        case 0:
            guard regenerated <= end - p else { throw corrupt("raw literals run past the block") }
            var literals = state.literals.mutableSpan
            for i in 0..<regenerated { literals[i] = input[p &+ i] }
            p += regenerated
        case 1:
            guard p < end else { throw corrupt("RLE literals run past the block") }
            let byte = input[p]
            var literals = state.literals.mutableSpan
            for i in 0..<regenerated { literals[i] = byte }
            p += 1
        default:
            guard compressedSize <= end - p else { throw corrupt("compressed literals run past the block") }
            let sectionEnd = p + compressedSize
            if literalsType == 2 {
                state.huffman = try huffmanTable(input, &p, sectionEnd, name: name)
            }
            guard let table = state.huffman else { throw corrupt("literals repeat a Huffman table the frame has not set") }
            var literals = state.literals.mutableSpan
            if fourStreams {
                guard sectionEnd - p >= 6 else { throw corrupt("no room for the four streams' jump table") }
                let s1 = Int(input[p]) | Int(input[p + 1]) << 8
                let s2 = Int(input[p + 2]) | Int(input[p + 3]) << 8
                let s3 = Int(input[p + 4]) | Int(input[p + 5]) << 8
                p += 6
                let total = sectionEnd - p
                guard s1 + s2 + s3 < total else { throw corrupt("the jump table's streams run past the literals") }
                let segment = (regenerated + 3) / 4
                guard 3 * segment <= regenerated else { throw corrupt("too few literals for four streams") }
                let starts = [p, p + s1, p + s1 + s2, p + s1 + s2 + s3, sectionEnd]
                for k in 0..<4 {
                    let outEnd = k == 3 ? regenerated : segment * (k + 1)
                    guard
                        huffmanStream(input, starts[k]..<starts[k + 1], table, into: &literals, segment * k..<outEnd)
                    else { throw corrupt("Huffman stream \(k + 1) is not consumed exactly") }
                }
            } else {
                guard huffmanStream(input, p..<sectionEnd, table, into: &literals, 0..<regenerated) else {
                    throw corrupt("the Huffman stream is not consumed exactly")
                }
            }
            p = sectionEnd
        }

        // The sequences section header.
        guard p < end else { throw corrupt("no sequences section") }
        var count = Int(input[p])
        p += 1
        if count >= 255 {
            guard end - p >= 2 else { throw corrupt("sequence count runs past the block") }
            count = Int(input[p]) + (Int(input[p + 1]) << 8) + 0x7F00
            p += 2
        } else if count >= 128 {
            guard p < end else { throw corrupt("sequence count runs past the block") }
            count = ((count - 128) << 8) + Int(input[p])
            p += 1
        }
        var o = start
        let literalsBuffer = state.literals
        let literalSpan = literalsBuffer.span
        if count == 0 {
            guard p == end else { throw corrupt("bytes after a block with no sequences") }
            guard regenerated <= limit - o else { throw over() }
            for i in 0..<regenerated { out[o &+ i] = literalSpan[i] }
            return o + regenerated
        }
        guard p < end else { throw corrupt("no compression modes") }
        let modes = Int(input[p])
        p += 1
        guard modes & 3 == 0 else { throw corrupt("compression modes set reserved bits") }
        state.literalLengths = try sequenceTable(
            (modes >> 6) & 3, .literalLength, previous: state.literalLengths, input, &p, end, name: name)
        state.offsets = try sequenceTable((modes >> 4) & 3, .offset, previous: state.offsets, input, &p, end, name: name)
        state.matchLengths = try sequenceTable(
            (modes >> 2) & 3, .matchLength, previous: state.matchLengths, input, &p, end, name: name)
        guard let llTable = state.literalLengths, let ofTable = state.offsets, let mlTable = state.matchLengths else {
            throw corrupt("a sequence table is missing")
        }

        // The sequences: one backward bit stream, three interleaved FSE states.
        guard var bits = BackwardBits(input, p..<end) else { throw corrupt("the sequences' bit stream has no end mark") }
        let ll = llTable.entries.span
        let of = ofTable.entries.span
        let ml = mlTable.entries.span
        let llBase = literalLengthBaseline.span
        let llExtra = literalLengthBits.span
        let mlBase = matchLengthBaseline.span
        let mlExtra = matchLengthBits.span
        var llState = bits.read(llTable.log)
        var ofState = bits.read(ofTable.log)
        var mlState = bits.read(mlTable.log)
        bits.reload(input)
        var (rep1, rep2, rep3) = state.repeats
        var literalPosition = 0
        for n in 0..<count {
            let llEntry = ll[llState]
            let ofEntry = of[ofState]
            let mlEntry = ml[mlState]
            let ofCode = Int(ofEntry & 0xFF)
            let mlCode = Int(mlEntry & 0xFF)
            let llCode = Int(llEntry & 0xFF)
            let offsetValue = (1 << ofCode) + bits.read(ofCode)
            bits.reload(input)
            let matchLength = Int(mlBase[mlCode]) + bits.read(Int(mlExtra[mlCode]))
            let literalLength = Int(llBase[llCode]) + bits.read(Int(llExtra[llCode]))
            bits.reload(input)
            if n + 1 < count {
                llState = Int(llEntry >> 16) + bits.read(Int((llEntry >> 8) & 0xFF))
                mlState = Int(mlEntry >> 16) + bits.read(Int((mlEntry >> 8) & 0xFF))
                ofState = Int(ofEntry >> 16) + bits.read(Int((ofEntry >> 8) & 0xFF))
                bits.reload(input)
            }
            let offset: Int
            if offsetValue > 3 {
                offset = offsetValue - 3
                (rep1, rep2, rep3) = (offset, rep1, rep2)
            } else {
                switch offsetValue + (literalLength == 0 ? 1 : 0) {
                case 1: offset = rep1
                case 2:
                    offset = rep2
                    (rep1, rep2) = (offset, rep1)
                case 3:
                    offset = rep3
                    (rep1, rep2, rep3) = (offset, rep1, rep2)
                default:
                    offset = rep1 - 1
                    (rep1, rep2, rep3) = (offset, rep1, rep2)
                }
            }
            guard literalLength <= regenerated - literalPosition else { throw corrupt("a literal length runs past the literals") }
            guard literalLength <= limit - o else { throw over() }
            for k in 0..<literalLength { out[o &+ k] = literalSpan[literalPosition &+ k] }
            o += literalLength
            literalPosition += literalLength
            guard offset > 0, offset <= o, offset <= windowSize else {
                throw corrupt("a match offset of \(offset) reaches before the data or the window")
            }
            guard matchLength <= limit - o else { throw over() }
            DecoderSupport.copyMatch(&out, at: o, offset: offset, length: matchLength)
            o &+= matchLength
        }
        guard bits.finished else { throw corrupt("the sequences' bit stream is not consumed exactly") }
        state.repeats = (rep1, rep2, rep3)
        let rest = regenerated - literalPosition
        guard rest <= limit - o else { throw over() }
        for k in 0..<rest { out[o &+ k] = literalSpan[literalPosition &+ k] }
        return o + rest
    }

    // MARK: - Huffman literals

    /// A Huffman decoding table: `1 << maxBits` entries, each the symbol (low byte) and its code length.
    struct HuffmanTable {
        var maxBits: Int
        var entries: [UInt16]
    }

    /// The Huffman tree description at `p` (weights, direct or FSE-compressed), up to `end`.
    static func huffmanTable(_ input: Span<UInt8>, _ p: inout Int, _ end: Int, name: String) throws(FormatError) -> HuffmanTable {
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt Zstandard Huffman tree (\(what))") }
        guard p < end else { throw corrupt("no header") }
        let header = Int(input[p])
        p += 1
        var weights: [UInt8] = []
        if header >= 128 {
            let count = header - 127
            guard (count + 1) / 2 <= end - p else { throw corrupt("weights run past the literals") }
            for i in 0..<count {
                let byte = input[p + i / 2]
                weights.append(i % 2 == 0 ? byte >> 4 : byte & 0x0F)
            }
            p += (count + 1) / 2
        } else {
            guard header > 0, header <= end - p else { throw corrupt("compressed weights run past the literals") }
            let sectionEnd = p + header
            let distribution = try readDistribution(input, &p, sectionEnd, maxLog: 6, maxSymbol: 12, name: name)
            guard let table = FSETable(distribution.counts, log: distribution.log) else { throw corrupt("inconsistent weight table") }
            guard var bits = BackwardBits(input, p..<sectionEnd) else { throw corrupt("the weights' bit stream has no end mark") }
            let entries = table.entries.span
            var state = bits.read(table.log)
            var other = bits.read(table.log)
            bits.reload(input)
            // Two states take turns (the first read first) until the stream is read past its start; the other
            // state's symbol is last.
            while true {
                guard weights.count < 255 else { throw corrupt("more than 255 weights") }
                let e = entries[state]
                weights.append(UInt8(truncatingIfNeeded: e))
                state = Int(e >> 16) + bits.read(Int((e >> 8) & 0xFF))
                bits.reload(input)
                if bits.overflowed {
                    weights.append(UInt8(truncatingIfNeeded: entries[other]))
                    break
                }
                swap(&state, &other)
            }
            guard weights.count <= 255 else { throw corrupt("more than 255 weights") }
            p = sectionEnd
        }
        var total = 0
        for w in weights {
            guard w <= 11 else { throw corrupt("a weight of \(w)") }
            if w > 0 { total += 1 << (w - 1) }
        }
        guard total > 0 else { throw corrupt("every weight is zero") }
        let maxBits = highBit(total) + 1
        guard maxBits <= 11 else { throw corrupt("codes longer than 11 bits") }
        let rest = (1 << maxBits) - total
        guard rest > 0, rest & (rest - 1) == 0 else { throw corrupt("the weights leave no power of two for the last symbol") }
        weights.append(UInt8(highBit(rest) + 1))
        var rankStart = [Int](repeating: 0, count: 13)
        var position = 0
        for w in 1...11 {
            rankStart[w] = position
            for weight in weights where Int(weight) == w { position += 1 << (w - 1) }
        }
        guard position == 1 << maxBits else { throw corrupt("the weights do not fill the table") }
        var entries = [UInt16](repeating: 0, count: 1 << maxBits)
        for (symbol, weight) in weights.enumerated() where weight > 0 {
            let w = Int(weight)
            let entry = UInt16(symbol) | UInt16(maxBits + 1 - w) << 8
            let from = rankStart[w]
            for k in from..<(from + (1 << (w - 1))) { entries[k] = entry }
            rankStart[w] = from + (1 << (w - 1))
        }
        return HuffmanTable(maxBits: maxBits, entries: entries)
    }

    /// One Huffman stream (`range` of `input`) decoded into `literals[output]`; false when the stream is not
    /// consumed exactly (read past its start, or bits left over).
    static func huffmanStream(
        _ input: Span<UInt8>, _ range: Range<Int>, _ table: HuffmanTable, into literals: inout MutableSpan<UInt8>,
        _ output: Range<Int>
    ) -> Bool {
        guard var bits = BackwardBits(input, range) else { return false }
        let maxBits = table.maxBits
        let entries = table.entries.span
        let refill = 64 - maxBits
        for k in output {
            if bits.consumed > refill { bits.reload(input) }
            let entry = entries[bits.peek(maxBits)]
            literals[k] = UInt8(truncatingIfNeeded: entry)
            bits.consumed &+= Int(entry >> 8)
        }
        bits.reload(input)
        return bits.finished
    }

    // MARK: - FSE tables

    /// An FSE decoding table: `1 << log` entries, each the symbol (bits 0–7), the bits to read (8–15) and the
    /// base of the next state (16–31).
    struct FSETable {
        var log: Int
        var entries: [UInt32]

        /// The one-symbol table of RLE mode.
        init(symbol: UInt8) {
            log = 0
            entries = [UInt32(symbol)]
        }

        /// The table of a normalised distribution (`-1` for a "less than one" probability); nil when the
        /// counts do not fill the table exactly.
        init?(_ counts: [Int16], log: Int) {
            let size = 1 << log
            var sum = 0
            for c in counts { sum += c < 0 ? 1 : Int(c) }
            guard sum == size, counts.count <= 256 else { return nil }
            var symbols = [UInt8](repeating: 0, count: size)
            var next = [Int](repeating: 0, count: counts.count)
            var high = size - 1
            for (s, c) in counts.enumerated() {
                if c == -1 {
                    symbols[high] = UInt8(s)
                    high -= 1
                    next[s] = 1
                } else {
                    next[s] = Int(c)
                }
            }
            let step = (size >> 1) + (size >> 3) + 3
            let mask = size - 1
            var position = 0
            for (s, c) in counts.enumerated() where c > 0 {
                guard high >= 0 else { return nil }
                for _ in 0..<Int(c) {
                    symbols[position] = UInt8(s)
                    repeat { position = (position + step) & mask } while position > high
                }
            }
            guard position == 0 else { return nil }
            var entries = [UInt32](repeating: 0, count: size)
            for u in 0..<size {
                let s = Int(symbols[u])
                let x = next[s]
                next[s] += 1
                let bits = log - highBit(x)
                guard bits >= 0 else { return nil }
                let state = (x << bits) - size
                entries[u] = UInt32(s) | UInt32(bits) << 8 | UInt32(state) << 16
            }
            self.log = log
            self.entries = entries
        }
    }

    enum SequenceKind {
        case literalLength, offset, matchLength

        var maxLog: Int { self == .offset ? 8 : 9 }
        var maxSymbol: Int {
            switch self {
            case .literalLength: 35
            case .offset: 31
            case .matchLength: 52
            }
        }
        var predefined: FSETable {
            switch self {
            case .literalLength: Zstd.predefinedLiteralLengths
            case .offset: Zstd.predefinedOffsets
            case .matchLength: Zstd.predefinedMatchLengths
            }
        }
    }

    /// One sequence table in its mode: 0 predefined, 1 RLE (one symbol byte), 2 described (an FSE table
    /// description), 3 repeat (the previous block's table for the same field).
    static func sequenceTable(
        _ mode: Int, _ kind: SequenceKind, previous: FSETable?, _ input: Span<UInt8>, _ p: inout Int, _ end: Int, name: String
    ) throws(FormatError) -> FSETable {
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt Zstandard sequence table (\(what))") }
        switch mode {
        case 0:
            return kind.predefined
        case 1:
            guard p < end else { throw corrupt("RLE symbol runs past the block") }
            let symbol = input[p]
            p += 1
            guard Int(symbol) <= kind.maxSymbol else { throw corrupt("RLE symbol \(symbol) out of range") }
            return FSETable(symbol: symbol)
        case 2:
            let distribution = try readDistribution(input, &p, end, maxLog: kind.maxLog, maxSymbol: kind.maxSymbol, name: name)
            guard let table = FSETable(distribution.counts, log: distribution.log) else { throw corrupt("inconsistent distribution") }
            return table
        default:
            guard let previous else { throw corrupt("repeat mode with no previous table in the frame") }
            return previous
        }
    }

    /// An FSE table description (RFC 8878 4.1.1) read forward from `p`, bounded by `end`.
    static func readDistribution(
        _ input: Span<UInt8>, _ p: inout Int, _ end: Int, maxLog: Int, maxSymbol: Int, name: String
    ) throws(FormatError) -> (counts: [Int16], log: Int) {
        func corrupt(_ what: String) -> FormatError { FormatError(.corrupt, "\(name): corrupt Zstandard FSE table description (\(what))") }
        let available = end - p
        guard available > 0 else { throw corrupt("empty") }
        let base = p
        var bitPosition = 0
        // The next `n` (at most 17) bits, zero past the end (the end is checked once all are read).
        func peek(_ n: Int) -> Int {
            let byte = bitPosition >> 3
            var word = 0
            for i in 0..<3 where byte + i < available { word |= Int(input[base + byte + i]) << (8 * i) }
            return (word >> (bitPosition & 7)) & ((1 << n) - 1)
        }
        let log = peek(4) + 5
        bitPosition = 4
        guard log <= maxLog else { throw corrupt("accuracy log \(log) over \(maxLog)") }
        var remaining = (1 << log) + 1
        var threshold = 1 << log
        var bitCount = log + 1
        var counts: [Int16] = []
        var previousZero = false
        while remaining > 1 {
            if previousZero {
                var symbol = counts.count
                while true {
                    let repeats = peek(2)
                    bitPosition += 2
                    symbol += repeats
                    guard symbol <= maxSymbol else { throw corrupt("zero repeats run past symbol \(maxSymbol)") }
                    if repeats != 3 { break }
                }
                while counts.count < symbol { counts.append(0) }
            }
            guard counts.count <= maxSymbol else { throw corrupt("more than \(maxSymbol + 1) symbols") }
            let most = (2 * threshold - 1) - remaining
            var count: Int
            let low = peek(bitCount - 1)
            if low < most {
                count = low
                bitPosition += bitCount - 1
            } else {
                count = peek(bitCount)
                if count >= threshold { count -= most }
                bitPosition += bitCount
            }
            count -= 1
            remaining -= abs(count)
            guard remaining >= 1 else { throw corrupt("probabilities over the table size") }
            counts.append(Int16(count))
            previousZero = count == 0
            while remaining < threshold {
                bitCount -= 1
                threshold >>= 1
            }
            guard bitPosition <= available * 8 else { throw corrupt("runs past its section") }
        }
        let bytes = (bitPosition + 7) >> 3
        guard bytes <= available else { throw corrupt("runs past its section") }
        p += bytes
        return (counts, log)
    }

    static let predefinedLiteralLengths =
        FSETable(
            [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1],
            log: 6) ?? FSETable(symbol: 0)
    static let predefinedMatchLengths =
        FSETable(
            [
                1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
            ], log: 6) ?? FSETable(symbol: 0)
    static let predefinedOffsets =
        FSETable(
            [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1], log: 5)
        ?? FSETable(symbol: 0)

    static let literalLengthBaseline: [UInt32] =
        Array(0..<16)
        + [16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]
    static let literalLengthBits: [UInt8] = Array(repeating: 0, count: 16) + [1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    static let matchLengthBaseline: [UInt32] =
        Array(3..<35)
        + [35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539]
    static let matchLengthBits: [UInt8] = Array(repeating: 0, count: 32) + [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]

    // MARK: - Bits

    /// A bit stream read backwards (RFC 8878 4.1): from the highest bit below the end mark of its last byte
    /// down to its first byte's lowest, through a 64-bit container refilled from the span. Reading past the
    /// start gives zeros and counts as an overflow; `finished` when every bit was read exactly.
    struct BackwardBits {
        var container: UInt64 = 0
        /// Bits of the container already read, from its top.
        var consumed = 0
        /// Where the container was loaded from.
        var position: Int
        let start: Int

        init?(_ input: Span<UInt8>, _ range: Range<Int>) {
            start = range.lowerBound
            let n = range.count
            guard n > 0, range.upperBound <= input.count, range.lowerBound >= 0 else { return nil }
            let last = input[range.upperBound - 1]
            guard last != 0 else { return nil }
            if n >= 8 {
                position = range.upperBound - 8
                container = Self.load(input, position)
            } else {
                position = start
                for i in 0..<n { container |= UInt64(input[start + i]) << (8 * i) }
                consumed = (8 - n) * 8
            }
            consumed += last.leadingZeroBitCount + 1
        }

        static func load(_ input: Span<UInt8>, _ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(input[at &+ i]) &<< UInt64(8 &* i) }
            return value
        }

        /// The next `n` bits (0–56 after a reload) without reading them.
        func peek(_ n: Int) -> Int { Int(truncatingIfNeeded: (container << consumed) >> (64 - n)) }

        mutating func read(_ n: Int) -> Int {
            let value = peek(n)
            consumed &+= n
            return value
        }

        mutating func reload(_ input: Span<UInt8>) {
            guard consumed <= 64 else { return }
            if position - start >= 8 {
                position -= consumed >> 3
                consumed &= 7
                container = Self.load(input, position)
            } else if position > start {
                let bytes = min(consumed >> 3, position - start)
                position -= bytes
                consumed -= bytes * 8
                container = Self.load(input, position)
            }
        }

        var overflowed: Bool { consumed > 64 }
        var finished: Bool { position == start && consumed == 64 }
    }

    static func highBit(_ x: Int) -> Int { Int.bitWidth - 1 - x.leadingZeroBitCount }

    static func tooLarge(_ name: String, _ maxSize: Int) -> FormatError { DecoderSupport.tooLarge(name, maxSize) }

    @inline(__always)
    static func readLE32(_ bytes: Span<UInt8>, _ at: Int) -> UInt32 { DecoderSupport.le32(bytes, at) }
}

/// XXH64 (seed 0 by default), the content checksum of Zstandard frames (which keep its low 32 bits): in one
/// call over bytes at hand, or as a stream over the blocks of a frame's content.
public enum XXHash64: XXHashWidth {
    static let p1: UInt64 = 11_400_714_785_074_694_791
    static let p2: UInt64 = 14_029_467_366_897_019_727
    static let p3: UInt64 = 1_609_587_929_392_839_161
    static let p4: UInt64 = 9_650_029_242_287_828_579
    static let p5: UInt64 = 2_870_177_450_012_600_261

    public static func hash(_ data: [UInt8], seed: UInt64 = 0) -> UInt64 { hash(data.span, seed: seed) }

    public static func hash(_ data: Span<UInt8>, seed: UInt64 = 0) -> UInt64 { oneShot(data, seed: seed) }

    static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 { rotl(acc &+ input &* p2, 31) &* p1 }
    static func merge(_ acc: UInt64, _ value: UInt64) -> UInt64 { (acc ^ round(0, value)) &* p1 &+ p4 }
    static func lane(_ data: Span<UInt8>, _ at: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(data[at &+ i]) &<< UInt64(8 &* i) }
        return value
    }
    static func lane32(_ data: Span<UInt8>, _ at: Int) -> UInt64 { UInt64(DecoderSupport.le32(data, at)) }

    /// The hash fed in pieces of any size (`XXHashLanes`: 32-byte stripes).
    public struct Stream {
        var lanes: XXHashLanes<XXHash64>

        public init(seed: UInt64 = 0) { lanes = XXHashLanes(seed: seed) }

        public mutating func update(_ data: Span<UInt8>) { lanes.feed(data) }

        public func digest() -> UInt64 { XXHash64.digest(lanes) }
    }

    static func digest(_ lanes: XXHashLanes<XXHash64>) -> UInt64 {
        var h: UInt64
        if lanes.total >= 32 {
            h = lanes.converged
            h = merge(h, lanes.v1)
            h = merge(h, lanes.v2)
            h = merge(h, lanes.v3)
            h = merge(h, lanes.v4)
        } else {
            h = lanes.seed &+ p5
        }
        h = h &+ UInt64(truncatingIfNeeded: lanes.total)
        let rest = lanes.pending.span
        var i = 0
        while rest.count - i >= 8 {
            h ^= round(0, lane(rest, i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if rest.count - i >= 4 {
            h ^= lane32(rest, i) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < rest.count {
            h ^= UInt64(rest[i]) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        return avalanche(h, shifts: (33, 29, 32))
    }
}
