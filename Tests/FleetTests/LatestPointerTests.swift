import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import PostgresNIO
import Testing

@testable import FleetServer

/// Migration 6: each host's latest-assessment pointer, kept by the ingest statement (late and concurrent
/// submissions), the estate summaries the pages read instead of every run's rows, and the posture's waiver gates
/// kept at ingest (no stored report decoded per request). Real stored assessments (this machine's live report with
/// a QEMU mechanism), real PostgreSQL.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct LatestPointerTests {
    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("latest")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    /// The report with another `assessedAt` (the time the pointer orders by).
    static func assessed(_ report: Data, day: Int, second: Int = 0) throws -> Data {
        var json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        json["assessedAt"] = String(format: "2026-01-%02dT08:00:%02dZ", day, second)
        return try JSONSerialization.data(withJSONObject: json)
    }

    func enrolled(_ host: String, server: FleetHarness.Running) async throws -> AgentIdentity {
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: host, server: server, databaseURL: databaseURL)
        return identity
    }

    func submit(_ document: Data, identity: AgentIdentity, server: FleetHarness.Running, createdAt: Date = Date()) async throws -> Int64 {
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        let bundle = try FleetHarness.bundle(document, signedBy: identity, in: dir, createdAt: createdAt)
        let outcome = await client.submit(bundle, identity: identity)
        guard case .accepted(201, let body) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
        return try FleetWire.decoder().decode(SubmissionResponse.self, from: body).id
    }

    func pointer(_ host: String) throws -> String {
        try FleetHarness.sql(databaseURL, "SELECT latest_assessment_id FROM hosts WHERE name = '\(host)'")
    }

    /// What the pointer must be: the host's assessment with the latest assessed_at, then the highest id.
    func latestByScan(_ host: String) throws -> String {
        try FleetHarness.sql(
            databaseURL,
            "SELECT a.id FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = '\(host)' ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1")
    }

    @Test func thePointerFollowsTheLatestAssessmentUnderLateAndConcurrentSubmissions() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        defer { Task { await server.stop() } }
        let report = try FleetHarness.liveReport.get()
        let identity = try await enrolled("ptr-host", server: server)
        #expect(try pointer("ptr-host").isEmpty)

        // A later assessment, then an earlier one arriving late: the pointer stays on the later one.
        let day5Report = try Self.assessed(report, day: 5)
        let day5 = try await submit(day5Report, identity: identity, server: server)
        #expect(try pointer("ptr-host") == String(day5))
        // Stored as the bytes the host signed (migration 7: bytea, not re-serialised jsonb).
        let stored = try await FleetHarness.withDatabase(databaseURL) { try await $0.document(assessmentID: day5) }
        #expect(stored?.json == String(decoding: day5Report, as: UTF8.self))
        let day3 = try await submit(try Self.assessed(report, day: 3), identity: identity, server: server)
        #expect(day3 > day5)
        #expect(try pointer("ptr-host") == String(day5))
        let hosts = try await FleetHarness.withDatabase(databaseURL) { try await $0.hosts() }
        #expect(hosts.first { $0.name == "ptr-host" }?.latestAssessmentID == day5)

        // Twelve submissions at once, in shuffled order, two of them assessed at the same second: the pointer is
        // the latest (the higher id of the tie), as a scan of every run chooses it.
        let days = ([10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map { ($0, 0) } + [(20, 7), (20, 7)]).shuffled()
        let base = Date()
        let ids = try await withThrowingTaskGroup(of: (Int, Int64).self) { group in
            for (index, (day, second)) in days.enumerated() {
                let document = try Self.assessed(report, day: day, second: second)
                group.addTask {
                    (day, try await submit(document, identity: identity, server: server, createdAt: base.addingTimeInterval(Double(index))))
                }
            }
            var out: [(Int, Int64)] = []
            for try await pair in group { out.append(pair) }
            return out
        }
        let tie = ids.filter { $0.0 == 20 }.map(\.1)
        #expect(tie.count == 2)
        #expect(try pointer("ptr-host") == String(tie.max() ?? 0))
        #expect(try pointer("ptr-host") == (try latestByScan("ptr-host")))
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM assessments") == "14")

        // The estate reads it: the findings of the latest assessment only, once per host.
        let findings = try await FleetHarness.withDatabase(databaseURL) { try await $0.findings(.init(host: "ptr-host"), limit: 100_000) }
        #expect(Set(findings.map(\.assessmentID)) == [tie.max() ?? 0] || findings.isEmpty)
        #expect(
            try FleetHarness.sql(
                databaseURL,
                "SELECT latest_assessed_at = (SELECT assessed_at FROM assessments WHERE id = \(tie.max() ?? 0)) FROM hosts WHERE name = 'ptr-host'")
                == "t")
        // Migration 8: the host row carries its latest assessment's failing checks, moved with the pointer.
        #expect(
            try FleetHarness.sql(
                databaseURL,
                """
                SELECT h.latest_failing_checks = a.failing_checks AND cardinality(a.failing_checks) > 0
                FROM hosts h JOIN assessments a ON a.id = h.latest_assessment_id WHERE h.name = 'ptr-host'
                """) == "t")
    }

    func posture(_ now: Date = Date()) async throws -> [String: (count: Int, waived: Int)] {
        let rows = try await FleetHarness.withDatabase(databaseURL) { try await $0.posture(control: "ISM-1604", now: now) }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.status, ($0.count, $0.waived)) })
    }

    func same(_ a: [String: (count: Int, waived: Int)], _ b: [String: (count: Int, waived: Int)]) -> Bool {
        a.mapValues { [$0.count, $0.waived] } == b.mapValues { [$0.count, $0.waived] }
    }

    @Test func thePostureAppliesWaiversFromTheStoredGatesWithoutDecodingReports() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        defer { Task { await server.stop() } }
        let document = try #require(FleetWaiverDriftTests.failingSandbox)
        for host in ["gate-a", "gate-b"] { _ = try await submit(document, identity: try await enrolled(host, server: server), server: server) }
        // ISM-1604 of the QEMU mechanism: notSatisfied by a failing qemu.sandbox (high) beside a passing qemu.seccomp.
        #expect(
            try FleetHarness.sql(
                databaseURL,
                "SELECT count(*) FROM control_verdicts WHERE control = 'ISM-1604' AND product = 'qemu' AND gate_failing = ARRAY['qemu.sandbox']")
                == "2")
        let recorded = try await posture()
        let notSatisfied = recorded["notSatisfied"]?.count ?? 0
        #expect(notSatisfied >= 2)

        // A fleet-wide waiver: both rolled up without the waived failure (the pass is left: satisfied, by waiver).
        let waiver = try await FleetHarness.withDatabase(databaseURL) {
            try await $0.addWaiver(.init(check: "qemu.sandbox", reason: "upgrade", expires: "2099-12-31"), actor: "test")
        }
        let waived = try await posture()
        #expect((waived["notSatisfied"]?.count ?? 0) == notSatisfied - 2)
        #expect(waived["satisfied"]?.count == (recorded["satisfied"]?.count ?? 0) + 2 && waived["satisfied"]?.waived == 2)

        // gate-b's stored report made unreadable: the posture is unchanged, so it was not decoded.
        _ = try FleetHarness.sql(
            databaseURL, "UPDATE assessments SET document = '{\"not\": \"a report\"}' WHERE host_id = (SELECT id FROM hosts WHERE name = 'gate-b')")
        #expect(same(try await posture(), waived))
        // gate-a as an assessment stored before migration 6 (no gates, not summarised): its report is decoded as before.
        _ = try FleetHarness.sql(
            databaseURL,
            """
            UPDATE control_verdicts SET gate = NULL, gate_failing = NULL WHERE host_id = (SELECT id FROM hosts WHERE name = 'gate-a');
            UPDATE assessments SET summarised = false WHERE host_id = (SELECT id FROM hosts WHERE name = 'gate-a')
            """)
        #expect(same(try await posture(), waived))

        // Expired (judged a day after it ends) or revoked, the waiver acts no more: the posture is as recorded.
        #expect(same(try await posture(Date(timeIntervalSince1970: 4_102_531_200)), recorded))
        try await FleetHarness.withDatabase(databaseURL) { try await $0.revokeWaiver(id: waiver, reason: "done", actor: "test") }
        #expect(same(try await posture(), recorded))
        // A waiver on one host acts on that host alone.
        _ = try await FleetHarness.withDatabase(databaseURL) {
            try await $0.addWaiver(.init(check: "qemu.sandbox", host: "gate-b", reason: "one host", expires: "2099-12-31"), actor: "test")
        }
        let one = try await posture()
        #expect((one["notSatisfied"]?.count ?? 0) == notSatisfied - 1 && one["satisfied"]?.waived == 1)
    }

    /// Migration 6 on a database at version 5 holding two runs of a host: the pointer is the later run, the summaries
    /// and the classification are filled from the stored rows, and the estate reads them.
    @Test func migratesAVersion5DatabaseWithAssessmentsToThePointerAndBytes() async throws {
        let url = try TestPostgres.freshDatabase("migrate_v5")
        let client = PostgresClient(configuration: try DatabaseURL(url).clientConfiguration(), backgroundLogger: FleetHarness.logger)
        let applied5 = try await withThrowingTaskGroup(of: [Int]?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let applied = try await Migrations.run(client, logger: FleetHarness.logger, through: 5)
            group.cancelAll()
            return applied
        }
        #expect(applied5 == [1, 2, 3, 4, 5])
        _ = try FleetHarness.sql(
            url,
            """
            INSERT INTO hosts (id, name) VALUES (1, 'old-host'), (2, 'quiet-host');
            INSERT INTO assessments (id, host_id, bundle_sha256, assessed_at, bulkhead_version, manifest, document) VALUES
              (1, 1, 'a', '2026-01-02T00:00:00Z', '0.1.0', '{}', '{"profile": {"host": {"classification": "OFFICIAL"}}}'),
              (2, 1, 'b', '2026-01-05T00:00:00Z', '0.1.0', '{}', '{"profile": {"host": {"classification": "PROTECTED"}}}'),
              (3, 1, 'c', '2026-01-04T00:00:00Z', '0.1.0', '{}', '{}');
            INSERT INTO control_verdicts (assessment_id, host_id, assessed_at, subject, product, product_version, control, status) VALUES
              (2, 1, '2026-01-05T00:00:00Z', 'qemu', 'qemu', '8.2', 'ISM-1604', 'notSatisfied'),
              (2, 1, '2026-01-05T00:00:00Z', 'host', NULL, NULL, 'ISM-1605', 'satisfied');
            INSERT INTO findings (assessment_id, host_id, assessed_at, check_id, severity, verdict, subject, product, controls) VALUES
              (2, 1, '2026-01-05T00:00:00Z', 'qemu.sandbox', 'high', 'fail', 'qemu/vm1', 'qemu', '{ISM-1604}'),
              (2, 1, '2026-01-05T00:00:00Z', 'qemu.sandbox', 'high', 'fail', 'qemu/vm2', 'qemu', '{ISM-1604}'),
              (2, 1, '2026-01-05T00:00:00Z', 'host.smt', 'medium', 'pass', 'host', NULL, '{ISM-1605}'),
              (1, 1, '2026-01-02T00:00:00Z', 'old.check', 'low', 'fail', 'host', NULL, '{ISM-1605}');
            SELECT setval('assessments_id_seq', 3)
            """)
        let (hosts, findings, failing) = try await FleetHarness.withDatabase(url) { database in
            (try await database.hosts(), try await database.findings(.init(classification: "PROTECTED")), try await database.failingChecks())
        }
        #expect(try FleetHarness.sql(url, "SELECT max(version) FROM schema_migrations") == String(Migrations.newestVersion))
        #expect(
            try FleetHarness.sql(url, "SELECT name || ':' || coalesce(latest_assessment_id::text, '-') FROM hosts ORDER BY id")
                == "old-host:2\nquiet-host:-")
        #expect(
            try FleetHarness.sql(
                url, "SELECT classification || ' ' || failing_count || ' ' || not_satisfied || ' ' || summarised FROM assessments WHERE id = 2")
                == "PROTECTED 2 1 false")
        // Migration 7 kept each report, now as bytes.
        #expect(
            try FleetHarness.sql(
                url, "SELECT convert_from(document, 'UTF8')::jsonb #>> '{profile,host,classification}' FROM assessments WHERE id = 1")
                == "OFFICIAL")
        #expect(hosts.map(\.name) == ["old-host", "quiet-host"])
        #expect(hosts[0].latestAssessmentID == 2 && hosts[0].failingChecks == 2 && hosts[0].notSatisfied == 1 && hosts[0].products == ["qemu"])
        #expect(hosts[1].latestAssessmentID == nil && hosts[1].failingChecks == 0)
        #expect(findings.map(\.subject) == ["host", "qemu/vm1", "qemu/vm2"] && findings.allSatisfy { $0.assessmentID == 2 })
        #expect(failing == [.init(checkID: "qemu.sandbox", hosts: 1, severities: ["high"], products: ["qemu"])])
        // Migration 8 filled each host's failing checks from its latest assessment; the filter of hosts failing a check
        // reads them (old.check failed only on an earlier run).
        #expect(
            try FleetHarness.sql(url, "SELECT name || ':' || array_to_string(latest_failing_checks, ',') FROM hosts ORDER BY id")
                == "old-host:qemu.sandbox\nquiet-host:")
        let (sandbox, old) = try await FleetHarness.withDatabase(url) { database in
            (
                try await database.firstFindings(.init(checkID: "qemu.sandbox", verdict: "fail"), limit: 10),
                try await database.firstFindings(.init(checkID: "old.check", verdict: "fail"), limit: 10)
            )
        }
        #expect(sandbox.map(\.subject) == ["qemu/vm1", "qemu/vm2"] && old.isEmpty)

        // One server's summaries are kept with the estate state they were read at: a pointer that moves (here back to
        // the first run, as no ingest does, so the counts must change) is read again, never answered from before.
        let (before, moved, postureBefore, postureMoved) = try await FleetHarness.withDatabase(url) { database in
            let before = try await database.failingChecks()
            let postureBefore = try await database.posture()
            _ = try FleetHarness.sql(url, "UPDATE hosts SET latest_assessment_id = 1, latest_assessed_at = '2026-01-02T00:00:00Z' WHERE id = 1")
            return (before, try await database.failingChecks(), postureBefore, try await database.posture())
        }
        #expect(before.map(\.checkID) == ["qemu.sandbox"] && moved.map(\.checkID) == ["old.check"])
        #expect(!postureBefore.isEmpty && postureMoved.isEmpty)
    }
}
