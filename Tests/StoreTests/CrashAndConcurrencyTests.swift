import Foundation
import GRDB
import Store
import Testing

/// Real child processes writing to one store: killed with SIGKILL mid-transaction, and racing each other.
@Suite(.serialized) struct CrashAndConcurrencyTests {
    @Test func killedWriterLeavesEarlierHistoryIntactAndNoPartialRun() throws {
        let dir = try TempDir()
        let path = dir.path("bulkhead.sqlite")
        do {
            let store = try Store.open(at: path)
            for day in 1...3 { try store.record(sampleRecord(finished: at(2026, 10, day))) }
            try store.close()
        }
        // 400 findings at 5 ms per row: the transaction is open for ~2 s; kill it a moment after it starts.
        let child = try Child(["--store", path, "--host", "victim", "--findings", "400", "--delay-ms", "5"], in: dir)
        try child.waitFor("started 0")
        Thread.sleep(forTimeInterval: 0.3)
        #expect(child.process.isRunning, "the writer finished before it could be killed")
        kill(child.process.processIdentifier, SIGKILL)
        let status = child.wait()
        #expect(child.process.terminationReason == .uncaughtSignal && status == SIGKILL)
        #expect(!child.stdout.contains("recorded"))

        let store = try Store.open(at: path)
        let runs = try store.runs()
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { $0.host == "hv01" })
        #expect(try store.assessment(run: 1).findings.count == 3)
        let q = try DatabaseQueue(path: path)
        let (integrity, orphans, findings, fkProblems) = try q.read { db in
            (
                try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings WHERE runId NOT IN (SELECT id FROM runs)"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM findings"),
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count
            )
        }
        #expect(integrity == ["ok"])
        #expect(orphans == 0)
        #expect(findings == 9)
        #expect(fkProblems == 0)
        // And the store takes new writes after the crash.
        try store.record(sampleRecord(finished: at(2026, 10, 4)))
        #expect(try store.runs().count == 4)
    }

    @Test func twoWritersAtOnceBothSucceedOrOneIsBusy() throws {
        let dir = try TempDir()
        let path = dir.path("bulkhead.sqlite")  // not created yet: both race to create and migrate it
        let a = try Child(["--store", path, "--host", "a", "--findings", "100", "--delay-ms", "1", "--runs", "3"], in: dir)
        let b = try Child(["--store", path, "--host", "b", "--findings", "100", "--delay-ms", "1", "--runs", "3"], in: dir)
        let sa = a.wait()
        let sb = b.wait()
        for (child, status) in [(a, sa), (b, sb)] {
            // 0 = every run recorded; 3 = a clear busy error. Nothing else is acceptable.
            #expect(status == 0 || (status == 3 && child.stderr.contains("busy")), "exit \(status): \(child.stderr)")
        }
        #expect(sa == 0 || sb == 0)
        let store = try Store.open(at: path)
        let runs = try store.runs()
        let recorded = (a.stdout + b.stdout).components(separatedBy: "recorded ").count - 1
        #expect(runs.count == recorded)
        for r in runs { #expect(r.outcomeCounts.values.reduce(0, +) == 100) }
    }

    /// Many processes creating the same new store at once (agents started by one timer): each migration another
    /// process commits first makes ours fail on the tables it made, and that is not an error as long as the
    /// schema ends complete. Before the fix, a writer that lost v1 while the other was still on v2 or v3 gave up
    /// with "Cannot migrate the store … table bulkhead_store already exists" (seen in CI under load).
    @Test func manyWritersCreatingOneNewStoreAllSucceedOrAreBusy() throws {
        for round in 1...8 {
            let dir = try TempDir()
            let path = dir.path("bulkhead.sqlite")
            let children = try (1...8).map { i in
                try Child(["--store", path, "--host", "h\(i)", "--findings", "1", "--delay-ms", "0", "--runs", "1"], in: dir)
            }
            let statuses = children.map { $0.wait() }
            for (child, status) in zip(children, statuses) {
                #expect(status == 0 || (status == 3 && child.stderr.contains("busy")), "round \(round): exit \(status): \(child.stderr)")
            }
            let store = try Store.open(at: path)
            #expect(try store.runs().count == statuses.filter { $0 == 0 }.count)
            #expect(try store.schemaVersions() == ["v1-history", "v2-review-process", "v3-whole-assessment"])
        }
    }

    @Test func aWriterThatCannotGetTheLockGetsAClearBusyError() throws {
        let dir = try TempDir()
        let path = dir.path("bulkhead.sqlite")
        try Store.open(at: path).close()
        // The child holds the write lock for ~3 s; we wait at most 0.2 s.
        let child = try Child(["--store", path, "--host", "slow", "--findings", "300", "--delay-ms", "10"], in: dir)
        try child.waitFor("started 0")
        let store = try Store.open(at: path, busyTimeout: 0.2)
        do {
            try store.record(sampleRecord(finished: at(2026, 11, 1)))
            Issue.record("wrote while another process held the lock")
        } catch let e as StoreError {
            #expect(e.code == .busy)
            #expect(e.message.contains("busy"))
            #expect(e.message.contains("another Bulkhead process"))
        }
        // Readers are not blocked by the writer (WAL).
        #expect(try store.runs().isEmpty)
        #expect(child.wait() == 0)
        #expect(try store.runs().count == 1)
    }
}
