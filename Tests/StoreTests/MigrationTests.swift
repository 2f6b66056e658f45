import Foundation
import GRDB
import Store
import Testing

/// Every earlier schema version, kept verbatim as it shipped, migrated forward by the current code.
@Suite struct MigrationTests {
    /// Schema v1 ("v1-history") exactly as first released. Do not edit: it is the fixture of old stores.
    static let v1Fixture = """
        PRAGMA application_id = 1112229956;
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES ('v1-history');
        CREATE TABLE bulkhead_store (format TEXT NOT NULL, createdAt TEXT NOT NULL);
        INSERT INTO bulkhead_store VALUES ('bulkhead-store', '2026-06-01 00:00:00');
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, host TEXT NOT NULL, source TEXT NOT NULL,
            startedAt DATETIME NOT NULL, finishedAt DATETIME NOT NULL, bulkheadVersion TEXT NOT NULL, recordedAt DATETIME NOT NULL);
        CREATE INDEX runs_host ON runs(host, finishedAt);
        CREATE TABLE mechanisms (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, product TEXT NOT NULL,
            name TEXT NOT NULL, version TEXT, role TEXT NOT NULL, state TEXT NOT NULL, json BLOB NOT NULL, PRIMARY KEY (runId, product));
        CREATE TABLE guests (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, product TEXT NOT NULL,
            name TEXT NOT NULL, running INTEGER NOT NULL);
        CREATE INDEX guests_run ON guests(runId);
        CREATE TABLE findings (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, checkId TEXT NOT NULL,
            subject TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, severity TEXT NOT NULL, json BLOB NOT NULL);
        CREATE INDEX findings_run ON findings(runId, checkId, subject);
        CREATE TABLE verdicts (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, control TEXT NOT NULL,
            subject TEXT NOT NULL, status TEXT NOT NULL, confidence TEXT NOT NULL, json BLOB NOT NULL);
        CREATE INDEX verdicts_run ON verdicts(runId);
        CREATE TABLE advisories (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, product TEXT NOT NULL,
            advisoryId TEXT NOT NULL, PRIMARY KEY (runId, product, advisoryId));
        CREATE TABLE staleFacts (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, fact TEXT NOT NULL, PRIMARY KEY (runId, fact));
        CREATE TABLE problems (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, subject TEXT NOT NULL, message TEXT NOT NULL);
        CREATE INDEX problems_run ON problems(runId);
        CREATE TABLE documents (runId INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
            content BLOB NOT NULL, PRIMARY KEY (runId, name));
        INSERT INTO runs VALUES (1, 'legacy-hv', 'live', '2026-06-01 10:00:00.000', '2026-06-01 10:00:30.000', '0.1.0', '2026-06-01 10:00:31.000');
        INSERT INTO mechanisms VALUES (1, 'qemu', 'QEMU', '8.2.2', 'vmm', 'running',
            '{"evidence":[],"guests":[{"evidence":[],"name":"old-guest","problems":[],"running":true}],"name":"QEMU","problems":[],"product":"qemu","role":"vmm","state":"running","version":"8.2.2"}');
        INSERT INTO guests VALUES (1, 'qemu', 'old-guest', 1);
        INSERT INTO findings VALUES (1, 'qemu.sandbox', 'qemu/old-guest', 'fail', NULL, 'high',
            '{"checkID":"qemu.sandbox","controls":["ISM-1604"],"evidence":[],"outcome":{"fail":{}},"severity":"high","subject":"qemu/old-guest"}');
        INSERT INTO advisories VALUES (1, 'qemu', 'CVE-2024-3446');
        INSERT INTO documents VALUES (1, 'assessment.json', X'7B7D');
        """

    func makeV1(_ path: String) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { db in try db.execute(sql: Self.v1Fixture) }
        try q.close()
    }

    func schema(_ path: String) throws -> Set<String> {
        let q = try DatabaseQueue(path: path)
        defer { try? q.close() }
        return try q.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        }
    }

    @Test func fromV1KeepsHistoryAndAddsTheReviewProcess() throws {
        let dir = try TempDir()
        let path = dir.path("v1.sqlite")
        try makeV1(path)
        let store = try Store.open(at: path)
        #expect(try store.schemaVersions() == ["v1-history", "v2-review-process", "v3-whole-assessment"])
        let runs = try store.runs()
        #expect(runs.count == 1)
        #expect(runs.first?.host == "legacy-hv")
        #expect(runs.first?.outcomeCounts["fail"] == 1)
        let old = try store.assessment(run: 1)
        #expect(old.mechanisms.first?.guests.first?.name == "old-guest")
        #expect(old.findings.first?.outcome == .fail)
        #expect(old.openAdvisories["qemu"] == ["CVE-2024-3446"])
        #expect(old.documents["assessment.json"] == Data("{}".utf8))
        // The v2 tables work on the migrated store, and new runs follow the old id.
        let w = try store.addWaiver(
            checkID: "qemu.sandbox", host: "legacy-hv", from: at(2026, 6, 1), until: at(2027, 1, 1), reason: "vendor fix pending",
            approver: "CISO", recordedAt: at(2026, 6, 1))
        #expect(w.id == 1)
        let next = try store.record(sampleRecord(host: "legacy-hv", finished: at(2026, 7, 1)))
        #expect(next == 2)
        let drift = try store.drift(host: "legacy-hv", at: at(2026, 7, 2))
        #expect(drift.from.id == 1 && drift.to.id == 2)
        try store.close()
        // Same shape as a store created fresh by this version.
        let fresh = dir.path("fresh.sqlite")
        try Store.open(at: fresh).close()
        #expect(try schema(path) == schema(fresh))
    }

    /// A store written by the v2 code (Fixtures/PROVENANCE.md): its run of the fc-guest host tree kept no
    /// finding although the report held three host FAILs. Migrating reads them back from `assessment.json`.
    @Test func fromV2RecoversTheHostFindingsOfEveryRun() throws {
        let dir = try TempDir()
        let path = dir.path("v2.sqlite")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v2-store-fc-guest.sql")
        let q = try DatabaseQueue(path: path)
        try q.writeWithoutTransaction { db in try db.execute(sql: try String(contentsOf: fixture, encoding: .utf8)) }
        try q.close()
        let before = try DatabaseQueue(path: path)
        #expect(try before.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM findings") } == 0)
        try before.close()

        let store = try Store.open(at: path)
        #expect(try store.schemaVersions() == ["v1-history", "v2-review-process", "v3-whole-assessment"])
        let run = try #require(try store.runs().first)
        #expect(run.outcomeCounts == ["fail": 3, "pass": 2, "inconclusive": 5, "notApplicable": 2])
        let record = try store.assessment(run: run.id)
        let failed = Set(record.findings.filter { $0.outcome == .fail }.map { "\($0.checkID) \($0.subject)" })
        #expect(failed == ["host.cpu-vulnerabilities host", "host.iommu host", "host.mitigations-off host"])
        let host = Dictionary(record.verdicts.filter { $0.subject == "host" }.map { ($0.control, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(host[.ism1605] == .notSatisfied && host[.ism1461] == .notSatisfied && host.count == 5)
        #expect(record.inputs?.catalogProducts == 30)
        // A waiver on a host check now covers the recovered failure.
        try store.checkWaiverTarget(checkID: "host.mitigations-off", host: run.host, subject: "host", knownCheckIDs: [])
        try store.addWaiver(
            checkID: "host.mitigations-off", host: run.host, from: run.finishedAt, until: run.finishedAt.addingTimeInterval(86_400),
            reason: "guest kernel of the CI VMM", approver: "CISO")
        #expect(try store.effectiveCounts(run: run.id, at: run.finishedAt)["waived"] == 1)
        try store.close()
        // Same shape as a fresh store; opening again changes nothing.
        let fresh = dir.path("fresh.sqlite")
        try Store.open(at: fresh).close()
        #expect(try schema(path) == schema(fresh))
        let again = try Store.open(at: path)
        #expect(try again.runs().first?.outcomeCounts == run.outcomeCounts)
    }

    @Test func fromNothingCreatesTheLatestSchema() throws {
        let dir = try TempDir()
        let store = try Store.open(at: dir.path("new.sqlite"))
        #expect(try store.schemaVersions() == ["v1-history", "v2-review-process", "v3-whole-assessment"])
        #expect(try store.runs().isEmpty)
    }

    @Test func reopeningAMigratedStoreIsANoOp() throws {
        let dir = try TempDir()
        let path = dir.path("v1.sqlite")
        try makeV1(path)
        try Store.open(at: path).close()
        let s = try Store.open(at: path)
        #expect(try s.schemaVersions().count == 3)
        #expect(try s.runs().count == 1)
    }
}
