import Formats
import Foundation

/// apt's `.lz4` lists: LZ4 frames (one or several, content and block checksums) decoded under an output bound.
func fuzz(_ data: Data) {
    let bytes = [UInt8](data)
    _ = LZ4.isFrame(bytes)
    if let out = try? LZ4.decompress(bytes, maxSize: 1 << 20, name: "fuzz.lz4"), out.count > 1 << 20 {
        fatalError("LZ4 produced \(out.count) bytes over its 1 MiB bound")
    }
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
