import Formats
import Foundation

/// `.xz` lists and repodata (apt's `_Packages.xz`, dnf's `*-primary.xml.xz`): streams (several, padded, any
/// check) decoded under an output bound, in one piece and streamed.
func fuzz(_ data: Data) {
    let bytes = [UInt8](data)
    _ = XZ.isStream(bytes)
    let out = try? XZ.decompress(bytes, maxSize: 1 << 20, name: "fuzz.xz")
    if let out, out.count > 1 << 20 {
        fatalError("XZ produced \(out.count) bytes over its 1 MiB bound")
    }
    // The streamed decoder hands over the same bytes in pieces, never more than the bound.
    var streamed: [UInt8] = []
    let ok =
        (try? XZ.decode(bytes, maxSize: 1 << 20, name: "fuzz.xz") { piece in
            for i in piece.indices { streamed.append(piece[i]) }
        }) != nil
    if streamed.count > 1 << 20 { fatalError("XZ.decode handed over \(streamed.count) bytes over its 1 MiB bound") }
    if ok != (out != nil) || (ok && streamed != out) { fatalError("XZ.decode and XZ.decompress disagree") }
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
