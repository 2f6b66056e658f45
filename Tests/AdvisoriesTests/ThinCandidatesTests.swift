import Foundation
import GRDB
import Testing

@testable import Advisories
@testable import Assessment

/// The ISM-1606 check's undecoded records (`ProductCandidates`, `AdvisoryFacts.unknownUnless`, schema v8) give
/// the matches and check results the decoded bodies give, for every catalog product and a range of installed
/// versions, on the real fixture records (with a Linux kernel CVE record of cvelistV5): imported now, and in a
/// database the v8 migration fills from the stored bodies of a v7 database. What an assessment reports of the records it
/// counts instead of matching (`UnknownTally`) equals what it reports of their findings.
@Suite struct ThinCandidatesTests {
    static let inputs = ["cve5", "cve5-kernel", "osv", "nvd2", "kev"].map(Fixture.path)
    static let kernelCVE = "CVE-2024-26581"
    /// A kernel record with one single-version point (`3.7`, affected) beside its git ranges.
    static let pointCVE = "CVE-2024-26600"
    /// Around the kernel records' bounds (6.1.78, 6.6.17, 6.7.5, 6.8-rc4; the point 3.7), and versions no scheme orders.
    static let versions = [
        "6.1.78", "6.1.77", "6.1.0", "6.6.17", "6.7.5", "6.8-rc4", "6.8", "6.18.44", "4.8", "5.10", "1.0", "7.2", "2.1.0", "1.1.12",
        "4.17.3", "", "89a4d1a89751", "v6.1.78", "3.7", "3.7.0", "3.6", "3.7-1",
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
                        let counted = try AdvisoryCheck.matches(
                            thin, database: db, aliases: aliases, for: installed, decided: decided, unknownIDs: AdvisoryFindings.entriesShown)
                        expectSameReport(
                            full: check(expected), fullMatches: expected, counted: check(counted.matches), tally: counted.unknown,
                            countedMatches: counted.matches, "\(aliases.product) \(version) \(decided)")
                    }
                }
            }
        }
        return undecoded
    }

    /// What `AdvisoryFindings` reports of a check result: the findings that are not unknown as `shown`, the number of
    /// unknown ones, the records per source, and the "decided by" evidence; with the tally, from the rest of the findings.
    static func expectSameReport(
        full: CheckResult, fullMatches: [AdvisoryMatch], counted: CheckResult, tally: UnknownTally, countedMatches: [AdvisoryMatch],
        _ label: String
    ) {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(counted.count(.unknown) + tally.findings == full.count(.unknown), "\(label)")
        #expect(counted.findings.count + tally.findings == full.findings.count, "\(label)")
        let decided = Set(shown(full))
        #expect(shown(counted).allSatisfy { decided.contains($0) }, "\(label)")
        #expect(shown(counted).filter { !$0.contains(" unknown ") } == shown(full).filter { !$0.contains(" unknown ") }, "\(label)")
        var bySource: [String: Int] = [:]
        for m in fullMatches { bySource[m.advisory.format.rawValue, default: 0] += 1 }
        var countedBySource = tally.recordsByFormat
        for m in countedMatches { countedBySource[m.advisory.format.rawValue, default: 0] += 1 }
        #expect(countedBySource == bySource, "\(label)")
        #expect(
            AdvisoryFindings.decidedByEvidence(counted.findings, unknown: [tally], now: now).map(\.claim)
                == AdvisoryFindings.decidedByEvidence(full.findings, now: now).map(\.claim), "\(label)")
    }

    /// The tally keeps the smallest entries and counts the rest, as the sorted list of findings would show them.
    @Test func theTallyListsWhatTheSortedFindingsWould() {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let findings = (0..<40).map { i in
            CheckFinding(
                id: "CVE-2024-\(1000 + (i * 7919) % 997)", cves: [], state: i % 3 == 0 ? .open : .unknown, reason: "", mappedBy: "",
                severity: nil, knownExploited: false, published: nil, backport: nil, evidence: [], decidedBy: "upstream records: x")
        }
        let whole = AdvisoryFindings.decidedByEvidence(findings, now: now).map(\.claim)
        var tally = UnknownTally()
        let unknown = findings.filter { $0.state == .unknown }
        tally.findings = unknown.count
        tally.smallestEntries = Array(unknown.map { "\($0.id) unknown" }.sorted().prefix(AdvisoryFindings.entriesShown))
        #expect(AdvisoryFindings.decidedByEvidence(findings.filter { $0.state != .unknown }, unknown: [tally], now: now).map(\.claim) == whole)
        #expect(whole.first?.contains("40 advisories") == true && whole.first?.contains("(24 more)") == true)
    }

    /// `unknownUnless` reads `<`, `>`, a leading `=`, tabs and newlines as bytes: the real record's point `3.7` with
    /// such a byte that a combining mark follows (one Character, which Foundation's `contains("<")` and
    /// `hasPrefix("=")` do not see) is not a point, so the record is left to the full evaluation, and no point with a
    /// newline byte is stored to split the point list. The plain point and an ASCII expression are unchanged.
    @Test func pointsAreCheckedByteByByte() throws {
        let record = try Fixture.advisory("cve5-kernel/\(Self.pointCVE).json")
        #expect(AdvisoryFacts.unknownUnless(record) == "\t3.7")
        func withPoint(_ point: String) -> Advisory {
            var a = record
            a.affected = a.affected.map { e in
                var e = e
                e.ranges = e.ranges.map { r in
                    guard case .cve5("3.7", let lt, let lte, let status, let type, let changes) = r else { return r }
                    return .cve5(version: point, lessThan: lt, lessThanOrEqual: lte, status: status, versionType: type, changes: changes)
                }
                return e
            }
            return a
        }
        #expect(AdvisoryFacts.unknownUnless(withPoint("3.8")) == "\t3.8")
        #expect(AdvisoryFacts.unknownUnless(withPoint("<3.8")) == nil)
        for combined in ["<\u{338}3.7", ">\u{301}3.7", "=\u{338}3.7", "3.7\n\u{301}", "3.7\t\u{301}"] {
            #expect(AdvisoryFacts.unknownUnless(withPoint(combined)) == nil, "\(combined.unicodeScalars.map(\.value))")
        }
    }

    /// The point branch on a real record: CVE-2024-26600 (cvelistV5) says `3.7` affected as a single version beside its git
    /// ranges and stable-branch bounds. Installed 3.7 equals the point: the body is read and the CVE is open; other
    /// versions are counted unknown without it.
    @Test func anInstalledVersionEqualToAPointIsDecodedAndDecided() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        let record = try Fixture.advisory("cve5-kernel/\(Self.pointCVE).json")
        #expect(AdvisoryFacts.unknownUnless(record) == "\t3.7")
        let kvm = try Fixture.aliases("kvm")
        let thin = try db.productCandidates(for: kvm)
        #expect(thin.thin.contains { $0.advisory.id == Self.pointCVE })
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        for (version, open) in [("3.7", true), ("3.6", false), ("3.8", false), ("6.1.78", false)] {
            let installed = InstalledProduct(product: kvm.product, package: "linux-image", version: version, manager: "kernel")
            let counted = try AdvisoryCheck.matches(thin, database: db, aliases: kvm, for: installed, decided: [], unknownIDs: 16)
            let matched = counted.matches.first { $0.advisory.id == Self.pointCVE }
            // Decoded: the body's match (its severity-free record has a publication date from the body).
            #expect((matched != nil) == open, "\(version)")
            if let matched {
                guard case .affected = matched.status else {
                    Issue.record("\(version): \(matched.status)")
                    continue
                }
                #expect(matched.advisory.published == "2024-02-24T14:56:55.674Z")
                #expect(!matched.advisory.affected.isEmpty)
            } else {
                #expect(counted.unknown.smallestEntries.contains("\(Self.pointCVE) unknown"), "\(version)")
            }
            let result = AdvisoryCheck.evaluate(
                installed, aliases: kvm, matches: counted.matches, kev: [:], fixes: [:], now: now, internetFacing: false, detail: .overdueOnly)
            let finding = result.findings.first { $0.id == Self.pointCVE }
            #expect((finding?.state == .open) == open, "\(version)")
            if open {
                // Published 2024-02-24, no severity: one month's deadline, long past.
                #expect(finding?.overdue == true && finding?.deadlineDays == 30)
                #expect(finding?.decidedBy == "upstream records: \(Self.pointCVE) (cve5)")
            }
        }
    }

    @Test func undecodedRecordsDecideAsTheirBodiesForEveryProduct() async throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(Self.inputs, into: db)
        // The kernel records are of the undecoded shape (git ranges, no severity): the comparison is not vacuous.
        let kernel = try Fixture.advisory("cve5-kernel/CVE-2024-26581.json")
        #expect(AdvisoryFacts.unknownUnless(kernel) == "")
        #expect(try db.productCandidates(for: Fixture.aliases("kvm")).undecodedCount == 2)
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
