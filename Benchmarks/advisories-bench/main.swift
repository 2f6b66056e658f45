// Benchmark driver: the same code path as `bulkhead advisories import`, in an executable that links
// only the Advisories target (so a release build does not rebuild the whole CLI).
// Usage: advisories-bench DB PATH…  — prints the ImportReport summary as JSON.
import Advisories
import Foundation

let args = CommandLine.arguments.dropFirst()
guard args.count >= 2, let dbPath = args.first else {
    FileHandle.standardError.write(Data("usage: advisories-bench DB PATH…\n".utf8))
    exit(2)
}
do {
    let db = try AdvisoryDatabase(path: dbPath)
    let report = try await AdvisoryImporter.run(Array(args.dropFirst()), into: db)
    let summary: [String: Double] = [
        "files": Double(report.filesSeen), "advisories": Double(report.advisories),
        "problems": Double(report.problems.count), "seconds": report.seconds,
    ]
    let data = try JSONEncoder().encode(summary)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
} catch {
    FileHandle.standardError.write(Data("advisories-bench: \(error)\n".utf8))
    exit(1)
}
