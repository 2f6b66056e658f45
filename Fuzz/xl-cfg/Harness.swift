import Discovery
import Foundation

/// xl.cfg (a guest) and xl.conf (the toolstack) through the Xen parsers.
func fuzz(_ data: Data) {
    _ = try? XenConfigParser.parse(data, source: "fuzz.cfg")
    _ = try? XenConfigParser.parseToolstack(data, source: "xl.conf")
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
