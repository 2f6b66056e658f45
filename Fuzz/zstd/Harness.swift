import Formats
import Foundation

/// Fedora's `.zst` repodata and apt's `_Packages.zst` lists: Zstandard frames (one or several, skippable frames,
/// every block and table mode, content checksum) decoded under an output bound; the streamed pieces must be the
/// collected output, and no piece more than a block.
func fuzz(_ data: Data) {
    let bytes = [UInt8](data)
    _ = Zstd.isFrame(bytes)
    let out = try? Zstd.decompress(bytes, maxSize: 1 << 20, name: "fuzz.zst")
    if let out, out.count > 1 << 20 { fatalError("Zstd produced \(out.count) bytes over its 1 MiB bound") }
    var streamed: [UInt8] = []
    var largest = 0
    let ok =
        (try? Zstd.decode(bytes, maxSize: 1 << 20, name: "fuzz.zst") { piece in
            largest = max(largest, piece.count)
            for i in piece.indices { streamed.append(piece[i]) }
        }) != nil
    if ok != (out != nil) || (out.map { $0 != streamed } ?? false) { fatalError("Zstd.decode and Zstd.decompress disagree") }
    if largest > 1 << 17 { fatalError("Zstd handed over a piece of \(largest) bytes, more than a block") }
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
