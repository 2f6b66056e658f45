import BulkheadTestSupport
import FleetServer
import Foundation
import PostgresNIO
import Testing

@Suite(.enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct FleetMigrationTests {
    @Test func migratesAnEmptyDatabaseOnceAndAgainIsANoOp() async throws {
        let url = try TestPostgres.freshDatabase("migrate")
        let first = try await FleetHarness.withDatabase(url) { try await Migrations.run($0.client, logger: $0.logger) }
        // withDatabase itself ran the migrations before the body: the body's run applies nothing.
        #expect(first.isEmpty)
        let versions = try FleetHarness.sql(url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")
        #expect(versions == Migrations.all.map { String($0.version) }.joined(separator: ","))
        let tables = try FleetHarness.sql(
            url, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")
        #expect(
            tables
                == "assessments,audit_log,control_verdicts,enrol_tokens,findings,hosts,schema_migrations,submission_nonces,waivers")
    }

    @Test func concurrentStartsApplyEachMigrationOnce() async throws {
        let url = try TestPostgres.freshDatabase("migrate_race")
        async let a = FleetHarness.withDatabase(url) { _ in 1 }
        async let b = FleetHarness.withDatabase(url) { _ in 2 }
        async let c = FleetHarness.withDatabase(url) { _ in 3 }
        _ = try await (a, b, c)
        #expect(try FleetHarness.sql(url, "SELECT count(*) FROM schema_migrations") == String(Migrations.all.count))
    }

    @Test func theAuditTableRefusesUpdateDeleteAndTruncate() async throws {
        let url = try TestPostgres.freshDatabase("audit")
        _ = try await FleetHarness.withDatabase(url) { try await $0.issueEnrolToken(host: "audited-host", actor: "test") }
        #expect(try FleetHarness.sql(url, "SELECT action || ' ' || target FROM audit_log") == "enrol.issue audited-host")
        for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
            #expect(throws: TestPostgres.Failure.self, "\(statement)") { try FleetHarness.sql(url, statement) }
        }
        #expect(try FleetHarness.sql(url, "SELECT count(*) || ' ' || min(actor) FROM audit_log") == "1 test")
    }

    /// Migration 4 (waiver revocation) on a database at version 3 that holds waivers: the rows are kept,
    /// none revoked, and the new columns are there.
    @Test func migratesAVersion3DatabaseWithWaiversUpToRevocation() async throws {
        let url = try TestPostgres.freshDatabase("migrate_v3")
        let config = try DatabaseURL(url).clientConfiguration()
        let client = PostgresClient(configuration: config, backgroundLogger: FleetHarness.logger)
        let applied3 = try await withThrowingTaskGroup(of: [Int]?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let applied = try await Migrations.run(client, logger: FleetHarness.logger, through: 3)
            group.cancelAll()
            return applied
        }
        #expect(applied3 == [1, 2, 3])
        _ = try FleetHarness.sql(
            url,
            """
            INSERT INTO waivers (check_id, host, reason, expires_at, created_by) VALUES
              ('qemu.sandbox', NULL, 'upgrade in Q3', now() + interval '30 days', 'alice'),
              ('host.smt', 'kvm-1', 'old', now() - interval '1 day', 'bob')
            """)
        #expect(try FleetHarness.sql(url, "SELECT max(version) FROM schema_migrations") == "3")
        let applied = try await FleetHarness.withDatabase(url) { database in try await database.waivers() }
        #expect(applied.map(\.checkID) == ["host.smt", "qemu.sandbox"])
        #expect(applied.map(\.state) == [.expired, .active] && applied.allSatisfy { $0.revokedAt == nil })
        #expect(try FleetHarness.sql(url, "SELECT max(version) FROM schema_migrations") == String(Migrations.newestVersion))
        #expect(try FleetHarness.sql(url, "SELECT count(*) FROM waivers WHERE revoked_at IS NULL AND revoked_by IS NULL") == "2")
    }
}
