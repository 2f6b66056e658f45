import Foundation
import Lab

/// What a guest prints on its serial console: the probe's begin/end-marked JSON among kernel messages.
func fuzz(_ data: Data) {
    _ = ProbeOutputParser.extract(Array(data), begin: "@@BULKHEAD-PROBE-BEGIN-fuzz@@", end: "@@BULKHEAD-PROBE-END-fuzz@@")
    _ = ProbeOutputParser.decode(Array(data))
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
