/// How a file Bulkhead reads is compressed, told by its name, and its bytes decoded under a bound: the one place
/// that maps names to decoders (apt's `Packages` lists, dnf's repository metadata). A file whose name says a
/// compression Bulkhead does not read is named as unread by the caller (`isUnread`), never guessed at.
public enum FileCompression: String, Sendable, Hashable, CaseIterable {
    case plain, gzip, lz4, zstd, xz

    /// The suffixes read, after the name's stem.
    static let suffixes: [(suffix: String, compression: FileCompression)] = [(".gz", .gzip), (".lz4", .lz4), (".zst", .zstd), (".xz", .xz)]

    /// Compressions Bulkhead names but does not read: bzip2, lzma (LZMA-alone), zchunk.
    public static let unreadSuffixes = [".bz2", ".lzma", ".zck"]

    /// The compression of a file named `name` whose plain form ends in `stem` (`_Packages`, `.xml`): plain when
    /// it ends in the stem, else the compression whose suffix follows the stem; nil for anything else.
    public static func of(_ name: String, stem: String) -> FileCompression? {
        if name.hasSuffix(stem) { return .plain }
        return suffixes.first { name.hasSuffix(stem + $0.suffix) }?.compression
    }

    /// True when `name` is the stem in a compression Bulkhead does not read.
    public static func isUnread(_ name: String, stem: String) -> Bool {
        unreadSuffixes.contains { name.hasSuffix(stem + $0) }
    }

    /// Decodes `bytes`, handing the plain bytes to `body` in order, at most `maxSize` in all: block by block for
    /// LZ4, zstd and xz, 256 KiB at a time for gzip (only their windows held), in one piece for plain. An error after some pieces means
    /// the input was corrupt or over the bound, and what `body` saw must be discarded.
    public func decode(_ bytes: [UInt8], maxSize: Int, name: String, _ body: (Span<UInt8>) -> Void) throws(FormatError) {
        switch self {
        case .plain:
            guard bytes.count <= maxSize else {
                throw FormatError(.tooLarge, "\(name) is \(bytes.count) bytes, over the cap of \(maxSize) (refused)")
            }
            body(bytes.span)
        case .gzip:
            try Gzip.decode(bytes, maxSize: maxSize, name: name, body)
        case .lz4:
            try LZ4.decode(bytes, maxSize: maxSize, name: name, body)
        case .zstd:
            try Zstd.decode(bytes, maxSize: maxSize, name: name, body)
        case .xz:
            try XZ.decode(bytes, maxSize: maxSize, name: name, body)
        }
    }

    /// The plain bytes of `bytes`, at most `maxSize`.
    public func decompress(_ bytes: [UInt8], maxSize: Int, name: String) throws(FormatError) -> [UInt8] {
        switch self {
        case .plain:
            guard bytes.count <= maxSize else {
                throw FormatError(.tooLarge, "\(name) is \(bytes.count) bytes, over the cap of \(maxSize) (refused)")
            }
            return bytes
        case .gzip: return try Gzip.decompress(bytes, maxSize: maxSize, name: name)
        case .lz4: return try LZ4.decompress(bytes, maxSize: maxSize, name: name)
        case .zstd: return try Zstd.decompress(bytes, maxSize: maxSize, name: name)
        case .xz: return try XZ.decompress(bytes, maxSize: maxSize, name: name)
        }
    }
}
