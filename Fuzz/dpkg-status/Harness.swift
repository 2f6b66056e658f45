import Formats
import Foundation

/// /var/lib/dpkg/status (any bytes; the reader takes text) and the versions it yields.
func fuzz(_ data: Data) {
    let parsed = DpkgStatus.parse(String(decoding: data, as: UTF8.self), source: "status")
    for p in parsed.packages { _ = p.version }
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
