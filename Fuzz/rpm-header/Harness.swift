import Formats
import Foundation

/// An rpm header blob (as rpmdb.sqlite stores them) through the header reader and its accessors.
func fuzz(_ data: Data) {
    guard let header = try? RPMHeader(bytes: [UInt8](data)) else { return }
    for tag: Int32 in [1000, 1001, 1002, 1003, 1004, 1022, 1044, 1047, 5011] {
        _ = header.string(tag)
        _ = header.strings(tag)
        _ = header.int32s(tag)
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

/// NUL-separated arguments, as /proc/PID/cmdline holds them.
func argv(_ data: Data) -> [String] {
    data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
}
