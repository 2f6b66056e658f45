// bulkhead-probe: runs inside a guest or sandbox and prints JSON describing what isolates it.
// FoundationEssentials only; never crashes on what it finds. Schema: docs/probe-schema.md.
//
//   bulkhead-probe [--marker TAG] [--canary PATH]
//     --marker TAG   print @@BULKHEAD-PROBE-BEGIN-TAG@@ and @@BULKHEAD-PROBE-END-TAG@@ lines around the JSON
//                    (used on a serial console shared with kernel messages)
//     --canary PATH  report whether PATH (a file the host planted) is readable here, and its first line
import FoundationEssentials

struct Options {
    var marker: String?
    var canaryPath: String?
    var help = false

    init(_ argv: [String]) {
        var it = argv.makeIterator()
        while let argument = it.next() {
            switch argument {
            case "--marker":
                marker = it.next().map { String($0.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }.prefix(64)) }
            case "--canary": canaryPath = it.next()
            case "--help", "-h": help = true
            default: break
            }
        }
    }
}

func runProbe(_ options: Options) {
    if let marker = options.marker { print("@@BULKHEAD-PROBE-BEGIN-\(marker)@@") }
    var files = Files()
    var report = Collector.collect(files: &files)
    if let canaryPath = options.canaryPath {
        let content = files.line(canaryPath).map { clip($0, 128) }
        report.canary = CanaryReport(path: clip(printable(canaryPath), 256), content: content)
    }
    report.problems = files.problems
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let data = try? encoder.encode(report) {
        print(String(decoding: data, as: UTF8.self))
    } else {
        print("{\"schemaVersion\":1,\"problems\":[{\"subject\":\"probe\",\"message\":\"could not encode the report\"}]}")
    }
    if let marker = options.marker { print("@@BULKHEAD-PROBE-END-\(marker)@@") }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
if options.help {
    print("usage: bulkhead-probe [--marker TAG] [--canary PATH]   (JSON to stdout; see docs/probe-schema.md)")
} else {
    runProbe(options)
}
