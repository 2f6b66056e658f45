// Parse-time benchmark for the advisory formats (driven by Benchmarks/formats-parse.sh, which compiles
// this file with -O together with the Advisories format sources of the working tree or of a git revision).
// Repeats AdvisoryParser.parse over the OSV, NVD 2.0 and KEV fixture files and, in the same run, the peer:
// Foundation's JSONSerialization.jsonObject over the same bytes (parse only, no model). Best of 3.
import Foundation

func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
let root = CommandLine.arguments[1]
for dir in ["osv", "nvd2", "kev"] {
    let files = try FileManager.default.contentsOfDirectory(atPath: root + "/" + dir).filter { $0.hasSuffix(".json") && !$0.contains("schema") }
        .sorted()
    let datas = try files.map { try Data(contentsOf: URL(fileURLWithPath: root + "/" + dir + "/" + $0)) }
    let bytes = datas.reduce(0) { $0 + $1.count }
    let reps = dir == "kev" ? 20 : 1000
    let clock = ContinuousClock()
    var n = 0
    var best1 = Double.infinity, best2 = Double.infinity
    for _ in 0..<3 {
        let t1 = clock.measure {
            for _ in 0..<reps {
                for d in datas { let p = AdvisoryParser.parse(d, file: "x"); n += p.advisories.count + p.kev.count + p.problems.count }
            }
        }
        let t2 = clock.measure { for _ in 0..<reps { for d in datas { if (try? JSONSerialization.jsonObject(with: d)) != nil { n += 1 } } } }
        best1 = min(best1, secs(t1)); best2 = min(best2, secs(t2))
    }
    let mb = Double(bytes * reps) / 1e6
    print(
        "\(dir): \(files.count) files, \(bytes) B x \(reps): AdvisoryParser.parse \(String(format: "%.3f", best1)) s (\(String(format: "%.0f", mb / best1)) MB/s); peer JSONSerialization.jsonObject alone \(String(format: "%.3f", best2)) s (\(String(format: "%.0f", mb / best2)) MB/s) [\(n)]"
    )
}
