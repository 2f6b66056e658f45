// Benchmark driver: the same code path as `bulkhead advisories import`, in an executable that links
// only the Advisories target (so a release build does not rebuild the whole CLI).
// Usage: advisories-bench DB PATH…           — imports; prints the ImportReport summary as JSON.
//        advisories-bench --floor DIR        — the floor under any import: every *.json under DIR read
//                                              and validated by JSONPull on all cores, nothing decoded
//                                              or stored; prints files, bytes and seconds as JSON.
import Advisories
import Formats
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("advisories-bench: \(message)\n".utf8))
    exit(2)
}

let args = Array(CommandLine.arguments.dropFirst())
if args.first == "--floor" {
    guard args.count == 2 else { fail("usage: advisories-bench --floor DIR") }
    let root = args[1]
    var files: [String] = []
    guard let e = FileManager.default.enumerator(atPath: root) else { fail("cannot list \(root)") }
    while let rel = e.nextObject() as? String {
        if rel.hasSuffix(".json") { files.append(root + "/" + rel) }
    }
    let start = Date()
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let totals = await withTaskGroup(of: (Int, Int).self) { group in
        for k in 0..<cores {
            let mine = stride(from: k, to: files.count, by: cores).map { files[$0] }
            group.addTask {
                var bytes = 0
                var bad = 0
                for path in mine {
                    guard let h = FileHandle(forReadingAtPath: path), let data = try? h.readToEnd() else {
                        bad += 1
                        continue
                    }
                    try? h.close()
                    bytes += data.count
                    var r = JSONPull()
                    do throws(JSONPull.Failure) {
                        try r.skipValue(data.span)
                        try r.end(data.span)
                    } catch {
                        bad += 1
                    }
                }
                return (bytes, bad)
            }
        }
        var sum = (0, 0)
        for await t in group { sum = (sum.0 + t.0, sum.1 + t.1) }
        return sum
    }
    let summary: [String: Double] = [
        "files": Double(files.count), "bytes": Double(totals.0), "invalid": Double(totals.1), "seconds": Date().timeIntervalSince(start),
    ]
    FileHandle.standardOutput.write((try? JSONEncoder().encode(summary)) ?? Data())
    FileHandle.standardOutput.write(Data("\n".utf8))
    exit(0)
}
guard args.count >= 2, let dbPath = args.first else { fail("usage: advisories-bench DB PATH…  |  advisories-bench --floor DIR") }
do {
    let db = try AdvisoryDatabase(path: dbPath)
    let report = try await AdvisoryImporter.run(Array(args.dropFirst()), into: db)
    let summary: [String: Double] = [
        "files": Double(report.filesSeen), "advisories": Double(report.advisories),
        "problems": Double(report.problems.count), "seconds": report.seconds, "filesImported": Double(report.filesImported),
        "membersUnchanged": Double(report.membersUnchanged),
    ]
    let data = try JSONEncoder().encode(summary)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
} catch {
    FileHandle.standardError.write(Data("advisories-bench: \(error)\n".utf8))
    exit(1)
}
