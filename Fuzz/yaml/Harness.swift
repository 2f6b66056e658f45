import Formats
import Foundation

/// YAML documents (log forwarders' configurations): Formats' YAMLReader, whose bounds (size, depth, alias
/// expansion, aliases as keys) must end every input quickly with a tree or an error.
func fuzz(_ data: Data) {
    guard let text = String(data: data, encoding: .utf8) else { return }
    _ = try? YAMLReader.documents(text, source: "fuzz.yaml", limits: .init(maxBytes: 1 << 16, maxDepth: 64, maxNodes: 100_000))
}

// The libFuzzer entry point: the one place outside the package targets where a pointer is touched (the C ABI
// hands over a pointer and a length); the bytes are copied into a Data at once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    fuzz(data)
    return 0
}
