/// What the decoders of compressed formats (LZ4, Zstandard, xz, gzip) share: little-endian words, the match copy
/// of LZ4 and Zstandard, the error for output over the cap, skippable frames (LZ4's, which Zstandard adopted), the
/// whole output of a streaming decode, and the stripe buffering of a streamed xxHash. It needs nothing of the
/// package but `FormatError(code, message)`, so the decode benchmarks compile it beside the decoder alone.
enum DecoderSupport {
    /// The little-endian 32-bit word at `at` (the caller has checked that four bytes are there).
    @inline(__always)
    static func le32(_ bytes: Span<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    /// The match step of LZ4 and Zstandard: `length` bytes copied to `at` from `offset` bytes before it, byte by
    /// byte, since a match may overlap the bytes it produces (offset < length repeats them). The caller has
    /// checked that the offset reaches no further back than the output and the length fits.
    @inline(__always)
    static func copyMatch(_ out: inout MutableSpan<UInt8>, at o: Int, offset: Int, length: Int) {
        var from = o &- offset
        for k in o..<(o &+ length) {
            out[k] = out[from]
            from &+= 1
        }
    }

    /// The error for output past the caller's cap.
    static func tooLarge(_ name: String, _ maxSize: Int) -> FormatError {
        FormatError(.tooLarge, "\(name) decompresses to more than the cap of \(maxSize) bytes (refused)")
    }

    /// When a skippable frame (magic 0x184D2A50–0x184D2A5F, a 4-byte size, that many bytes) starts at `position`
    /// (which has four bytes), the position after it; nil for any other magic.
    static func skippableFrameEnd(_ input: Span<UInt8>, at position: Int, name: String) throws(FormatError) -> Int? {
        guard le32(input, position) & 0xFFFF_FFF0 == 0x184D_2A50 else { return nil }
        guard input.count - position >= 8 else { throw FormatError(.corrupt, "\(name): truncated skippable frame") }
        let size = Int(le32(input, position + 4))
        guard size <= input.count - position - 8 else { throw FormatError(.corrupt, "\(name): truncated skippable frame") }
        return position + 8 + size
    }
}

/// A compressed format decoded into pieces handed over in order (LZ4, Zstandard, xz); `decompress` gathers them.
public protocol StreamingDecoder {
    /// Decodes `bytes`, handing the output to `body` in pieces, in order, at most `maxSize` bytes in all; `name`
    /// names the input in errors. `body` must not keep a piece's span; after an error what it saw is discarded.
    static func decode(_ bytes: [UInt8], maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void) throws(FormatError)
}

extension StreamingDecoder {
    /// Decodes all of `bytes` into at most `maxSize` bytes; `name` names the input in errors.
    public static func decompress(_ bytes: [UInt8], maxSize: Int, name: String) throws(FormatError) -> [UInt8] {
        var out: [UInt8] = []
        try decode(bytes, maxSize: maxSize, name: name) { piece in
            for i in piece.indices { out.append(piece[i]) }
        }
        return out
    }
}

/// One width of xxHash (XXH32, XXH64: one construction over 32- or 64-bit words), as `XXHashLanes` needs it.
protocol XXHashWidth {
    associatedtype Word: FixedWidthInteger & UnsignedInteger
    static var p1: Word { get }
    static var p2: Word { get }
    static var p3: Word { get }
    /// One accumulator round over an input word.
    static func round(_ acc: Word, _ input: Word) -> Word
    /// The little-endian word at `at`.
    static func lane(_ data: Span<UInt8>, _ at: Int) -> Word
    /// The hash of what `lanes` was fed (the tail and the final mix differ between widths).
    static func digest(_ lanes: XXHashLanes<Self>) -> Word
}

extension XXHashWidth {
    static func rotl(_ x: Word, _ r: Word) -> Word { (x << r) | (x >> (Word(Word.bitWidth) - r)) }

    /// The hash of `data` in one call.
    static func oneShot(_ data: Span<UInt8>, seed: Word) -> Word {
        var lanes = XXHashLanes<Self>(seed: seed)
        lanes.feed(data)
        return digest(lanes)
    }

    /// The last step of a digest for both widths: three xor-shifts by `shifts`, with multiplications by p2 and
    /// p3 between them.
    static func avalanche(_ h: Word, shifts: (Word, Word, Word)) -> Word {
        var h = h ^ (h >> shifts.0)
        h = h &* p2
        h ^= h >> shifts.1
        h = h &* p3
        return h ^ (h >> shifts.2)
    }
}

/// A streamed xxHash's state: four accumulators seeded from `seed`; whole stripes (a word for each accumulator)
/// go through them as they arrive; a stripe cut between two pieces waits in `pending`, and what is left there at
/// the end is the digest's tail.
struct XXHashLanes<Width: XXHashWidth> {
    typealias Word = Width.Word
    static var stripeSize: Int { Word.bitWidth / 2 }
    let seed: Word
    var v1: Word
    var v2: Word
    var v3: Word
    var v4: Word
    var total = 0
    var pending: [UInt8] = []

    init(seed: Word) {
        self.seed = seed
        v1 = seed &+ Width.p1 &+ Width.p2
        v2 = seed &+ Width.p2
        v3 = seed
        v4 = seed &- Width.p1
    }

    /// The four accumulators folded into one (the digest's start once a whole stripe was read).
    var converged: Word { Width.rotl(v1, 1) &+ Width.rotl(v2, 7) &+ Width.rotl(v3, 12) &+ Width.rotl(v4, 18) }

    mutating func stripe(_ data: Span<UInt8>, _ at: Int) {
        let width = Word.bitWidth / 8
        v1 = Width.round(v1, Width.lane(data, at))
        v2 = Width.round(v2, Width.lane(data, at &+ width))
        v3 = Width.round(v3, Width.lane(data, at &+ 2 &* width))
        v4 = Width.round(v4, Width.lane(data, at &+ 3 &* width))
    }

    mutating func feed(_ data: Span<UInt8>) {
        total += data.count
        var i = 0
        if !pending.isEmpty {
            while pending.count < Self.stripeSize, i < data.count {
                pending.append(data[i])
                i += 1
            }
            guard pending.count == Self.stripeSize else { return }
            let full = pending
            stripe(full.span, 0)
            pending.removeAll(keepingCapacity: true)
        }
        while data.count - i >= Self.stripeSize {
            stripe(data, i)
            i += Self.stripeSize
        }
        while i < data.count {
            pending.append(data[i])
            i += 1
        }
    }
}
