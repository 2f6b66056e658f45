import Foundation
import Testing

@testable import Advisories

@Suite struct CVE5RangeTests {
    func entry(_ ranges: [VersionRange], defaultStatus: String? = nil) -> AffectedEntry {
        AffectedEntry(vendor: "v", product: "p", defaultStatus: defaultStatus, ranges: ranges)
    }

    @Test func lessThanAndDefaultStatus() {
        let r = VersionRange.cve5(version: "8.0", lessThan: "8.0.3", lessThanOrEqual: nil, status: "affected", versionType: "custom", changes: [])
        #expect(RangeEvaluator.evaluate(entry([r]), installed: "8.0.2", scheme: .upstream).label == "affected")
        // Outside the range, no defaultStatus: the CVE 5 default is unknown, never "not affected".
        #expect(RangeEvaluator.evaluate(entry([r]), installed: "8.0.3", scheme: .upstream).label == "unknown")
        #expect(RangeEvaluator.evaluate(entry([r], defaultStatus: "unaffected"), installed: "8.0.3", scheme: .upstream).label == "not affected")
    }

    @Test func lessThanOrEqualAndChanges() {
        let r = VersionRange.cve5(
            version: "1.0", lessThan: nil, lessThanOrEqual: "2.0", status: "affected", versionType: nil,
            changes: [StatusChange(at: "1.5", status: "unaffected")])
        let e = entry([r], defaultStatus: "unaffected")
        #expect(RangeEvaluator.evaluate(e, installed: "1.2", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(e, installed: "1.7", scheme: .upstream).label == "not affected")
        #expect(RangeEvaluator.evaluate(e, installed: "2.0", scheme: .upstream).label == "not affected")
        #expect(RangeEvaluator.evaluate(e, installed: "2.1", scheme: .upstream).label == "not affected")
    }

    @Test func packedExpressionOfRealRuncRecord() throws {
        let a = try Fixture.advisory("cve5/CVE-2024-21626.json")
        let runc = try Fixture.aliases("runc")
        #expect(ProductMatcher.match(a, runc, installed: "1.1.11")?.status.label == "affected")
        #expect(ProductMatcher.match(a, runc, installed: "1.0.0-rc95")?.status.label == "affected")
        #expect(ProductMatcher.match(a, runc, installed: "1.0.0-rc92")?.status.label == "unknown")
        #expect(ProductMatcher.match(a, runc, installed: "1.1.12")?.status.label == "unknown")
    }

    @Test func gitVersionTypeAndProseAreUnknown() {
        let git = VersionRange.cve5(version: "abc123", lessThan: "def456", lessThanOrEqual: nil, status: "affected", versionType: "git", changes: [])
        #expect(RangeEvaluator.evaluate(entry([git], defaultStatus: "unaffected"), installed: "1.0", scheme: .upstream).label == "unknown")
        let prose = VersionRange.cve5(
            version: "QEMU versions before 5.2.0", lessThan: nil, lessThanOrEqual: nil, status: "affected", versionType: nil, changes: [])
        #expect(RangeEvaluator.evaluate(entry([prose], defaultStatus: "unaffected"), installed: "7.2", scheme: .upstream).label == "unknown")
    }
}

@Suite struct OSVRangeTests {
    func entry(_ type: String, _ events: [OSVEvent], eco: String = "Go", versions: [String] = []) -> AffectedEntry {
        AffectedEntry(packageName: "github.com/opencontainers/runc", ecosystem: eco, ranges: [.osv(type: type, events: events)], versions: versions)
    }

    @Test func introducedFixedLastAffected() {
        let e = entry("SEMVER", [OSVEvent(.introduced, "1.0.0-rc93"), OSVEvent(.fixed, "1.1.12")])
        #expect(RangeEvaluator.evaluate(e, installed: "1.1.11", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(e, installed: "1.1.12", scheme: .upstream).label == "not affected")
        #expect(RangeEvaluator.evaluate(e, installed: "1.0.0-rc92", scheme: .upstream).label == "not affected")
        let l = entry("ECOSYSTEM", [OSVEvent(.introduced, "0"), OSVEvent(.lastAffected, "0.12.1")], eco: "crates.io")
        #expect(RangeEvaluator.evaluate(l, installed: "0.12.1", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(l, installed: "0.12.2", scheme: .upstream).label == "not affected")
    }

    @Test func severalBranches() throws {
        // GO-2025-4096 lists several introduced/fixed pairs.
        let a = try Fixture.advisory("osv/GO-2025-4096.json")
        let runc = try Fixture.aliases("runc")
        let m = try #require(ProductMatcher.match(a, runc, installed: "1.0.0"))
        #expect(m.mappedBy.contains("OSV package Go/github.com/opencontainers/runc"))
        #expect(m.status.label == "affected")
    }

    @Test func gitRangesAreNeverNotAffected() {
        let e = entry("GIT", [OSVEvent(.introduced, "0"), OSVEvent(.fixed, "6a672503973b")])
        let s = RangeEvaluator.evaluate(e, installed: "3.27.0", scheme: .upstream)
        #expect(s.label == "unknown")
        #expect(s.reason.contains("GIT"))
    }

    @Test func unknownEcosystemAndVersionsList() {
        let e = entry("ECOSYSTEM", [OSVEvent(.introduced, "1.0")], eco: "Weird")
        #expect(RangeEvaluator.evaluate(e, installed: "1.1", scheme: .upstream).label == "unknown")
        let v = AffectedEntry(packageName: "x", ecosystem: "crates.io", versions: ["0.1.0", "0.2.0"])
        #expect(RangeEvaluator.evaluate(v, installed: "0.2.0", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(v, installed: "0.3.0", scheme: .upstream).label == "not affected")
    }

    @Test func kataPseudoVersionFix() throws {
        // Fixed only as a pseudo-version: Go ordering puts release 3.27.0 after it (the pitfall is
        // documented; the evaluation follows Go's rules and says so in its reason).
        let a = try Fixture.advisory("osv/GO-2026-4517.json")
        let kata = try Fixture.aliases("kata-containers")
        let m = try #require(ProductMatcher.match(a, kata, installed: "0.0.0-20260101000000-aaaaaaaaaaaa"))
        #expect(m.status.label == "affected")
    }
}

@Suite struct NVDRangeTests {
    @Test func boundsAndUpdateField() {
        func cpe(_ v: String, _ u: String? = "*", si: String? = nil, se: String? = nil, ei: String? = nil, ee: String? = nil) -> AffectedEntry {
            AffectedEntry(
                cpeVendor: "qemu", cpeProduct: "qemu",
                ranges: [
                    .cpe(
                        version: v, update: u, startIncluding: si, startExcluding: se, endIncluding: ei, endExcluding: ee, vulnerable: true,
                        platformCondition: false)
                ])
        }
        #expect(RangeEvaluator.evaluate(cpe("*", si: "4.5.0"), installed: "4.5.0", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(cpe("*", se: "4.5.0"), installed: "4.5.0", scheme: .upstream).label == "not affected")
        #expect(RangeEvaluator.evaluate(cpe("*", ei: "5.0"), installed: "5.0", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(cpe("*", ee: "5.0"), installed: "5.0", scheme: .upstream).label == "not affected")
        #expect(RangeEvaluator.evaluate(cpe("6.1.0", "rc1"), installed: "6.1.0-rc1", scheme: .upstream).label == "affected")
        #expect(RangeEvaluator.evaluate(cpe("-"), installed: "1", scheme: .upstream).label == "unknown")
        #expect(RangeEvaluator.evaluate(cpe("*", ee: "consult vendor"), installed: "1.0", scheme: .upstream).label == "unknown")
    }
}

@Suite struct DateVersionTests {
    @Test func gvisorSnapshotVersusDateBound() throws {
        // NVD CVE-2018-19333: cpe google:gvisor versionEndExcluding "2018-11-01" (a date).
        let a = try Fixture.advisory("nvd2/CVE-2018-19333.json")
        let gvisor = try Fixture.aliases("gvisor")
        let installed = try #require(DebianVersion("0.0~20221219.0-2+b3")).upstreamForMatching
        #expect(installed == "2022-12-19")
        #expect(ProductMatcher.match(a, gvisor, installed: installed)?.status.label == "not affected")
        #expect(ProductMatcher.match(a, gvisor, installed: "2018-10-01")?.status.label == "affected")
        // A release number cannot be ordered against a date: unknown, not "not affected".
        #expect(ProductMatcher.match(a, gvisor, installed: "1.2.3")?.status.label == "unknown")
    }

    @Test func runcBranchesOfGO20254096() throws {
        let a = try Fixture.advisory("osv/GO-2025-4096.json")
        let runc = try Fixture.aliases("runc")
        for (v, label) in [
            ("1.2.7", "affected"), ("1.2.8", "not affected"), ("1.3.0-rc.1", "affected"), ("1.3.3", "not affected"),
            ("1.4.0-rc.2", "affected"), ("1.4.0-rc.3", "not affected"),
        ] {
            #expect(ProductMatcher.match(a, runc, installed: v)?.status.label == label, "\(v)")
        }
    }
}
