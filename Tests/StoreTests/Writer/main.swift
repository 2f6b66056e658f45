// Test helper for StoreTests: records assessments into a store, optionally slowly, so a test can kill it
// with SIGKILL mid-transaction or run two of it at once. Not shipped; not a user command.
//
//   StoreTestWriter --store PATH --host NAME [--findings N] [--delay-ms MS] [--runs K] [--busy-timeout S]
//
// Prints "started <run>" after the first row of each run is written (inside the transaction), and
// "recorded <id>" after each commit. Exit 0 on success, 3 when the store is busy, 1 on any other error.
import BulkheadModel
import Foundation
import Store

var options: [String: String] = [:]
var args = CommandLine.arguments.dropFirst().makeIterator()
while let key = args.next() {
    guard key.hasPrefix("--"), let value = args.next() else {
        FileHandle.standardError.write(Data("usage: StoreTestWriter --store PATH --host NAME [...]\n".utf8))
        exit(2)
    }
    options[String(key.dropFirst(2))] = value
}
guard let path = options["store"], let host = options["host"] else {
    FileHandle.standardError.write(Data("--store and --host are required\n".utf8))
    exit(2)
}
let findings = Int(options["findings"] ?? "") ?? 50
let delay = UInt32(options["delay-ms"] ?? "") ?? 0
let runs = Int(options["runs"] ?? "") ?? 1
let busyTimeout = Double(options["busy-timeout"] ?? "") ?? Store.defaultBusyTimeout

@Sendable func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

do {
    let store = try Store.open(at: path, busyTimeout: busyTimeout)
    for run in 0..<runs {
        let now = Date()
        let record = AssessmentRecord(
            host: host, source: "live", startedAt: now, finishedAt: now, bulkheadVersion: "test",
            mechanisms: [IsolationMechanism(product: "qemu", name: "QEMU", version: "8.2.2", role: .vmm, state: .running)],
            findings: (0..<findings).map {
                Finding(checkID: "test.check-\($0)", subject: "qemu", outcome: $0 % 2 == 0 ? .pass : .fail, severity: .medium, controls: [.ism1604])
            },
            openAdvisories: ["qemu": ["CVE-2024-0001"]])
        let id = try store.record(record) { row in
            if row == 1 { say("started \(run)") }
            if delay > 0 { usleep(delay * 1000) }
        }
        say("recorded \(id)")
    }
    try store.close()
} catch let error as StoreError {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(error.code == .busy ? 3 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
