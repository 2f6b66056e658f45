import Assessment
import Foundation
import GRDB
import Testing

@testable import Advisories

/// The stored per-record facts (`advisory_facts`, schema v7) give the criterion-5 statistics the body path
/// gives, for every catalog product, on the real fixture records: imported now, and in a database whose
/// facts the v7 migration fills from the stored bodies.
@Suite struct MatchSummaryTests {
    static let inputs = ["cve5", "osv", "nvd2", "kev"].map(Fixture.path)

    /// Every stored record's facts, in row order.
    static func allFacts(_ db: AdvisoryDatabase) throws -> [AdvisoryFacts] {
        try db.queue.read { db in
            try AdvisoryDatabase.facts(db, rows: try Int64.fetchAll(db, sql: "SELECT n FROM advisories ORDER BY n"))
        }
    }

    /// A fix date for every other CVE of the database (so medians have samples), and KEV as imported.
    static func expectSameStatistics(_ db: AdvisoryDatabase) throws -> Int {
        let kev = try db.kevEntries()
        let cves = try db.queue.read { try String.fetchAll($0, sql: "SELECT id FROM advisories WHERE id LIKE 'CVE-%' ORDER BY n") }
        var fixDates: [String: Date] = [:]
        for (i, c) in cves.enumerated() where i % 2 == 0 { fixDates[c] = Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 86_400) }
        var mapped = 0
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            let bodies = AdvisoryStats.compute(aliases, candidates: try db.candidates(for: aliases), kev: kev, fixDates: fixDates, fixSource: "t")
            let facts = try db.statistics(for: aliases, kev: kev, fixDates: fixDates, fixSource: "t")
            #expect(facts == bodies, "\(aliases.product)")
            if bodies.total > 0 { mapped += 1 }
        }
        return mapped
    }

    @Test func factsGiveTheStatisticsTheBodiesGiveForEveryProduct() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        let facts = try Self.allFacts(db)
        #expect(facts.count == (try db.counts()).advisories)
        // Several products have records in the fixtures (runc, QEMU, Xen, containerd …): the comparison is not vacuous.
        #expect(try Self.expectSameStatistics(db) >= 4)
    }

    @Test func theMigrationFillsTheFactsTheImportWrites() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.sqlite"
        let imported: [AdvisoryFacts]
        do {
            let db = try AdvisoryDatabase(path: path)
            _ = try await AdvisoryImporter.run(Self.inputs, into: db)
            imported = try Self.allFacts(db)
            // Back to a v6 database, as a build before v7 left it.
            try await db.queue.write { db in
                try db.execute(
                    sql: "DROP TRIGGER advisory_facts_gone; DROP TABLE advisory_facts; DELETE FROM grdb_migrations WHERE identifier = 'v7'")
            }
        }
        let reopened = try AdvisoryDatabase(path: path)
        let migrated = try Self.allFacts(reopened)
        #expect(migrated.count == imported.count && !migrated.isEmpty)
        #expect(migrated == imported)
        #expect(try Self.expectSameStatistics(reopened) >= 4)
    }

    /// A build before v7 opens a v7 database and imports into it without writing facts: those records'
    /// statistics come from their bodies.
    @Test func recordsWithoutFactsAreCountedFromTheirBodies() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        try await db.queue.write { try $0.execute(sql: "DELETE FROM advisory_facts WHERE n % 2 = 0") }
        #expect(try Self.allFacts(db).count < (try db.counts()).advisories)
        #expect(try Self.expectSameStatistics(db) >= 4)
    }

    @Test func replacedAndRemovedRecordsTakeTheirFactsWithThem() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        let file = dir + "/CVE-2024-21626.json"
        try FileManager.default.copyItem(atPath: Fixture.path("cve5/CVE-2024-21626.json"), toPath: file)
        _ = try await AdvisoryImporter.run([dir], into: db)
        let runc = try Fixture.aliases("runc")
        #expect(try db.statistics(for: runc, kev: [:]).total == 1)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"opencontainers\"", with: "\"opencontainers-changed\"")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        _ = try await AdvisoryImporter.run([dir], into: db)
        let rows = try await db.queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisories"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM advisory_facts"))
        }
        #expect(rows.0 == 1 && rows.1 == 1)
        #expect(try db.statistics(for: runc, kev: [:]) == AdvisoryStats.compute(runc, candidates: try db.candidates(for: runc), kev: [:]))
        #expect(try db.statistics(for: runc, kev: [:]).total == 0)
    }

    /// A product name holding a key separator is not an exact key: its records are decoded and mapped as
    /// the body path maps them (the separator could join another vendor and product into the same key).
    @Test func namesWithKeySeparatorsAreMappedFromTheBodies() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        var runc = try Fixture.aliases("runc")
        runc.cve5 += [.init("opencontainers|runc", "x"), .init("a:b", "c")]
        runc.cpe += [.init("linuxfoundation:runc", "x")]
        let kev = try db.kevEntries()
        #expect(try db.statistics(for: runc, kev: kev) == AdvisoryStats.compute(runc, candidates: try db.candidates(for: runc), kev: kev))
    }
}
