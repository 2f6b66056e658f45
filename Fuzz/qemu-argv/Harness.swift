import BulkheadModel
import Discovery
import Foundation

/// QEMU argv (NUL-separated) through the parser; every argument's redaction must be idempotent and the
/// redacted argv must never carry a value the parser stores unredacted.
func fuzz(_ data: Data) {
    let args = argv(data)
    _ = try? QEMUArgvParser.parse(args.isEmpty ? ["qemu"] : args)
    for a in args.prefix(64) {
        let once = Redaction.argument(a)
        precondition(Redaction.argument(once) == once, "redaction is not idempotent")
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
