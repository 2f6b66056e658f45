import Assessment
import Foundation
import GRDB
import Testing

@testable import Advisories

/// The ISM-1606 check's undecoded records (`ProductCandidates`, `AdvisoryFacts.unknownUnless`, schema v8) give
/// the matches and check results the decoded bodies give, for every catalog product and a range of installed
/// versions, on the real fixture records (with a Linux kernel CVE record of cvelistV5): imported now, and in a
/// database the v8 migration fills from the stored bodies of a v7 database.
@Suite struct ThinCandidatesTests {
    static let inputs = ["cve5", "cve5-kernel", "osv", "nvd2", "kev"].map(Fixture.path)
    static let kernelCVE = "CVE-2024-26581"
    /// Around the kernel record's bounds (6.1.78, 6.6.17, 6.7.5, 6.8-rc4), and versions no scheme orders.
    static let versions = [
        "6.1.78", "6.1.77", "6.1.0", "6.6.17", "6.7.5", "6.8-rc4", "6.8", "6.18.44", "4.8", "5.10", "1.0", "7.2", "2.1.0", "1.1.12",
        "4.17.3", "", "89a4d1a89751", "v6.1.78",
    ]

    /// What an assessment can show of a check result: every finding's ids, state, reason, deciding source and
    /// evidence, and for an open finding its severity, exploitation and deadline too (a stand-in carries no
    /// severity: its finding is never open).
    static func shown(_ r: CheckResult) -> [String] {
        r.findings.map { f in
            var s = "\(f.id) \(f.cves) \(f.state) \(f.reason) \(f.mappedBy) \(f.published ?? "-") \(f.decidedBy ?? "-")"
            s += " \(String(describing: f.distribution)) \(String(describing: f.backport)) \(f.evidence.map(\.claim))"
            if f.state == .open {
                s += " \(String(describing: f.severity)) \(f.knownExploited) \(f.daysOpen ?? -1) \(f.deadlineDays ?? -1) \(f.overdue ?? false)"
            }
            return s
        } + r.problems.map(\.description)
    }

    /// Returns how many records were left undecoded over all products.
    static func expectSameDecisions(_ db: AdvisoryDatabase) throws -> Int {
        let kev = try db.kevEntries()
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        var undecoded = 0
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            let bodies = try db.candidates(for: aliases)
            let thin = try db.productCandidates(for: aliases)
            undecoded += thin.undecodedCount
            for version in versions {
                for manager in ["kernel", "dpkg", "rpm"] {
                    let installed = InstalledProduct(product: aliases.product, package: "p", version: version, manager: manager)
                    for decided in [Set<String>(), [kernelCVE]] {
                        let expected = AdvisoryCheck.matches(bodies, aliases: aliases, for: installed, reasons: false)
                        let got = try AdvisoryCheck.matches(thin, database: db, aliases: aliases, for: installed, decided: decided)
                        #expect(got.map(\.advisory.id) == expected.map(\.advisory.id), "\(aliases.product) \(version)")
                        #expect(got.map(\.status) == expected.map(\.status), "\(aliases.product) \(version)")
                        #expect(got.map(\.mappedBy) == expected.map(\.mappedBy), "\(aliases.product) \(version)")
                        // A distribution decision for the kernel CVE (affected: open and overdue) and a changelog fix.
                        let distro: [String: DistroDecision] =
                            decided.isEmpty
                            ? [:]
                            : [
                                kernelCVE: DistroDecision(
                                    cve: kernelCVE, verdict: .affected, via: .securityTracker, document: "tracker.json", stream: "bookworm",
                                    fixedVersion: nil, note: nil, file: "tracker.json", reason: "vulnerable in bookworm")
                            ]
                        func check(_ ms: [AdvisoryMatch]) -> CheckResult {
                            AdvisoryCheck.evaluate(
                                installed, aliases: aliases, matches: ms, kev: kev, fixes: [:], distro: distro, now: now, internetFacing: false,
                                detail: .overdueOnly)
                        }
                        #expect(shown(check(got)) == shown(check(expected)), "\(aliases.product) \(version) \(decided)")
                    }
                }
            }
        }
        return undecoded
    }

    @Test func undecodedRecordsDecideAsTheirBodiesForEveryProduct() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        // The kernel record is of the undecoded shape (git ranges, no severity): the comparison is not vacuous.
        let kernel = try Fixture.advisory("cve5-kernel/CVE-2024-26581.json")
        #expect(AdvisoryFacts.unknownUnless(kernel) == "")
        #expect(try db.productCandidates(for: Fixture.aliases("kvm")).undecodedCount == 1)
        #expect(try Self.expectSameDecisions(db) >= 1)
    }

    @Test func theV8MigrationFillsWhatTheImportWrites() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.sqlite"
        let imported: [AdvisoryFacts]
        do {
            let db = try AdvisoryDatabase(path: path)
            _ = try await AdvisoryImporter.run(Self.inputs, into: db)
            imported = try MatchSummaryTests.allFacts(db)
            #expect(imported.contains { $0.unknownUnless != nil } && imported.contains { $0.unknownUnless == nil })
            // Back to a v7 database, as a build before v8 left it.
            try await db.queue.write { db in
                try db.execute(sql: "ALTER TABLE advisory_facts DROP COLUMN unknown_unless; DELETE FROM grdb_migrations WHERE identifier = 'v8'")
            }
        }
        let reopened = try AdvisoryDatabase(path: path)
        let migrated = try MatchSummaryTests.allFacts(reopened)
        #expect(migrated == imported)
        #expect(try Self.expectSameDecisions(reopened) >= 1)
    }

    /// Records a build before v8 imported have no `unknown_unless`: they are decoded.
    @Test func recordsWithoutTheColumnAreDecoded() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        try await db.queue.write { try $0.execute(sql: "UPDATE advisory_facts SET unknown_unless = NULL") }
        #expect(try db.productCandidates(for: Fixture.aliases("kvm")).undecodedCount == 0)
        #expect(try Self.expectSameDecisions(db) == 0)
    }
}
