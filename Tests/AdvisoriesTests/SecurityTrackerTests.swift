import Foundation
import Testing

@testable import Advisories

/// The Debian security-tracker JSON export, on the slice VulnerableCode vendors (see the fixture's PROVENANCE.md).
@Suite struct SecurityTrackerTests {
    static let file = "debian-security-tracker/debian.json"

    @Test func resolvedAtOrBelowTheInstalledVersionIsFixed() throws {
        let t = try DebianSecurityTracker.load(path: Fixture.path(Self.file))
        #expect(t.problems.isEmpty)
        // TEMP- ids are not CVEs and are not kept.
        #expect(t.packages["mimetex"]?.keys.sorted() == ["CVE-2009-1382", "CVE-2009-2459"])
        #expect(t.packages["mimetex"]?["CVE-2009-1382"]?["buster"]?.fixedVersion == "1.50-1.1")
        // buster ships 1.76-1: both resolved in 1.50-1.1 ≤ 1.76-1.
        let fixes = t.fixes(sourcePackage: "mimetex", codename: "buster", installed: "1.76-1")
        #expect(fixes.keys.sorted() == ["CVE-2009-1382", "CVE-2009-2459"])
        let fix = try #require(fixes["CVE-2009-1382"])
        #expect(fix.via == .securityTracker && fix.revision == "1.50-1.1" && fix.file == Fixture.path(Self.file))
        #expect(fix.text.contains("resolved in buster by 1.50-1.1 (urgency medium)"))
        // An installed version below fixed_version (dpkg ordering: 1.50-1 < 1.50-1.1) is not fixed.
        #expect(t.fixes(sourcePackage: "mimetex", codename: "buster", installed: "1.50-1").isEmpty)
        // An open issue is never fixed; an unknown release or package gives nothing.
        #expect(t.fixes(sourcePackage: "librsync", codename: "buster", installed: "9.9-9").isEmpty)
        #expect(t.fixes(sourcePackage: "mimetex", codename: "bookworm", installed: "1.76-1").isEmpty)
        #expect(t.fixes(sourcePackage: "qemu", codename: "buster", installed: "1.76-1").isEmpty)
    }

    @Test func checkReportsTrackerFixWithEvidence() throws {
        let t = try DebianSecurityTracker.load(path: Fixture.path(Self.file))
        let adv = Advisory(
            id: "CVE-2009-1382", format: .nvd, published: "2009-07-01T00:00:00Z", summary: "mimeTeX overflow",
            affected: [
                AffectedEntry(
                    cpeVendor: "mimetex", cpeProduct: "mimetex",
                    ranges: [
                        .cpe(
                            version: "*", update: "*", startIncluding: nil,
                            startExcluding: nil, endIncluding: "1.74", endExcluding: nil, vulnerable: true, platformCondition: false)
                    ])
            ])
        var aliases = try Fixture.aliases("qemu")
        aliases.cpe = [.init("mimetex", "mimetex")]
        let installed = InstalledProduct(product: "qemu", package: "mimetex", version: "1.74-1", manager: "dpkg")
        let now = Date(timeIntervalSince1970: 1_764_288_000)
        let without = AdvisoryCheck.evaluate(installed, aliases: aliases, candidates: [adv], kev: [:], fixes: [:], now: now, internetFacing: false)
        #expect(without.findings.first?.state == .open)
        let fixes = t.fixes(sourcePackage: "mimetex", codename: "stretch", installed: "1.74-1")
        let with = AdvisoryCheck.evaluate(installed, aliases: aliases, candidates: [adv], kev: [:], fixes: fixes, now: now, internetFacing: false)
        let f = try #require(with.findings.first)
        #expect(f.state == .fixedByBackport)
        #expect(f.reason.contains("Debian security tracker") && f.reason.contains("1.50-1.1"))
        #expect(f.evidence.contains { if case .file(let p, _) = $0.source { p == Fixture.path(Self.file) } else { false } })
    }

    @Test func hostileTrackerFiles() throws {
        // Not the export's shape at all: an error naming the file.
        #expect(throws: AdvisoriesError.self) { try DebianSecurityTracker.parse(Data("[1,2]".utf8), file: "x.json") }
        #expect(throws: AdvisoriesError.self) { try DebianSecurityTracker.parse(Data("{\"p\": ".utf8), file: "x.json") }
        // A malformed entry is skipped and counted; the rest is used.
        let text =
            #"{"p": {"CVE-2024-0001": {"releases": "oops"}, "CVE-2024-0002": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1.0-1"}}}, "CVE-2024-0003": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "not a version!"}}}}}"#
        let t = try DebianSecurityTracker.parse(Data(text.utf8), file: "x.json")
        #expect(t.problems.first?.message.contains("1 CVE entries") == true)
        #expect(t.fixes(sourcePackage: "p", codename: "bookworm", installed: "1.0-2").keys.sorted() == ["CVE-2024-0002"])
        // A gzip file that is truncated is an error, not an empty tracker.
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: dir + "/t.json.gz"))
        #expect(throws: AdvisoriesError.self) { try DebianSecurityTracker.load(path: dir + "/t.json.gz") }
    }
}
