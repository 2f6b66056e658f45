import BulkheadModel
import Foundation

/// The text functions every output passes through: the terminal sanitiser must leave no unsafe scalar,
/// the redaction must be idempotent, the duplicate-key scanner must terminate.
func fuzz(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self)
    for out in [TerminalText.field(text), TerminalText.line(text)] {
        precondition(!out.unicodeScalars.contains(where: TerminalText.isUnsafe), "an unsafe scalar survived")
    }
    precondition(
        !TerminalText.document(text).unicodeScalars.contains { TerminalText.isUnsafe($0) && $0 != "\n" && $0 != "\t" },
        "an unsafe scalar survived the document pass")
    let once = Redaction.argument(text)
    precondition(Redaction.argument(once) == once, "redaction is not idempotent")
    _ = JSONDuplicateKeys.first(in: data)
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
