// bulkhead-probe: runs inside a guest or sandbox and prints JSON describing what isolates it.
// FoundationEssentials only; never crashes on what it finds. Schema: docs/probe-schema.md.
import FoundationEssentials

var files = Files()
let report = Collector.collect(files: &files)
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
if let data = try? encoder.encode(report) {
    print(String(decoding: data, as: UTF8.self))
} else {
    print("{\"schemaVersion\":1,\"problems\":[{\"subject\":\"probe\",\"message\":\"could not encode the report\"}]}")
}
