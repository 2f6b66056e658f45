import BulkheadModel
import Foundation
import Reporting
import Testing

@testable import Advisories

@Suite struct StatsTests {
    func loadAll() throws -> [Advisory] {
        var out: [Advisory] = []
        for dir in ["cve5", "nvd2", "osv"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir)) where f.hasSuffix(".json") {
                out += try Fixture.parse(dir + "/" + f).advisories
            }
        }
        return out
    }

    @Test func runcDeduplicatesAcrossFormats() throws {
        let all = try loadAll()
        let runc = try Fixture.aliases("runc")
        let s = AdvisoryStats.compute(runc, candidates: all, kev: [:])
        // CVE-2024-21626 appears as CVE 5, GO-2024-2491 and GHSA-xr7r-f8xq-vfvv: counted once.
        let ids = all.filter { ProductMatcher.match($0, runc, installed: nil) != nil && $0.cveIDs.contains("CVE-2024-21626") }
        #expect(ids.count >= 3)
        #expect(s.total > 0 && s.total < all.filter { ProductMatcher.match($0, runc, installed: nil) != nil }.count)
        #expect(s.withdrawn == 1)  // GO-2025-3543
        // Every counted vulnerability is in one year or undated: the breakdown adds up to the total.
        #expect(s.byYear.values.reduce(0, +) + s.undated == s.total)
    }

    /// `advisories stats runc` said 17 while its years added up to 5: records with no publication date
    /// (Go vulndb's 0001-01-01 placeholder, an OSV record without `published`) fell out of the breakdown.
    @Test func undatedVulnerabilitiesAreCountedAndShown() throws {
        let runc = try Fixture.aliases("runc")
        let dated = try #require(try loadAll().first { ProductMatcher.match($0, runc, installed: nil) != nil && $0.withdrawn == nil })
        var placeholder = dated
        placeholder.id = "GO-2099-0001"
        placeholder.aliases = ["CVE-2099-0001"]
        placeholder.published = "0001-01-01T00:00:00Z"
        var missing = dated
        missing.id = "GHSA-test-test-test"
        missing.aliases = ["CVE-2099-0002"]
        missing.published = nil
        let s = AdvisoryStats.compute(runc, candidates: [dated, placeholder, missing], kev: [:])
        #expect(s.total == 3)
        #expect(s.undated == 2)
        #expect(s.byYear.values.reduce(0, +) == 1)
        #expect(AdvisoryText.stats(s).contains("no publication date: 2"))
    }

    @Test func qemuMemorySafetyAndKEV() throws {
        let all = try loadAll()
        let qemu = try Fixture.aliases("qemu")
        let kev = ["CVE-2021-3682": KEVEntry(cveID: "CVE-2021-3682", dateAdded: "2022-01-01")]
        let fix = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: 2021, month: 8, day: 15)
            .date
        let s = AdvisoryStats.compute(qemu, candidates: all, kev: kev, fixDates: ["CVE-2021-3682": try #require(fix)], fixSource: "test")
        #expect(s.total >= 3)
        #expect(s.memorySafety >= 1)  // CVE-2021-3682, CWE-763
        #expect(s.knownExploited == 1)
        #expect(s.fixSamples == 1)
        #expect(s.medianDaysToFix != nil)
        let facts = AdvisoryStats.criterion5Facts(s, databasePath: "/tmp/x.sqlite")
        #expect(facts.map(\.aspect) == [.cveWithCWE, .patchCadence])
        #expect(
            facts.allSatisfy { $0.evidence.source == .file(path: "/tmp/x.sqlite", sha256: nil) && $0.origin == .measurement(stage: "advisories") })
        #expect(facts.last?.value == .days(try #require(s.medianDaysToFix)))
        #expect(facts.last?.evidence.confidence == .low)  // one fix date is a small sample
    }

    @Test func memorySafetyClassificationSources() {
        var a = Advisory(id: "X", format: .osv, summary: "logic bug")
        #expect(!a.memorySafety.isMemorySafety)
        a.cwes = [CWERef(id: 416, source: "cna")]
        #expect(a.memorySafety.reason == "CWE-416 (cna)")
        a.cwes = [CWERef(id: 20, source: "cna")]
        a.summary = "an out-of-bounds write"
        #expect(a.memorySafety.isMemorySafety && a.memorySafety.reason.contains("keyword"))
    }
}
