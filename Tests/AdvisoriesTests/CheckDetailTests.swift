import Assessment
import BulkheadModel
import Foundation
import Testing

@testable import Advisories

/// What an assessment leaves out of the advisory check (issue 18) changes nothing it reports: matches made
/// without reasons decide the same statuses, `.overdueOnly` findings equal `.full` ones but for the per-record
/// sentences of findings that are not overdue, and the normalised names map exactly what the names do. Over
/// every fixture record (real CVE 5, NVD 2.0 and OSV records), for every catalog product and several versions.
@Suite struct CheckDetailTests {
    static func all() throws -> [Advisory] {
        var out: [Advisory] = []
        for dir in ["cve5", "nvd2", "osv"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir)).sorted() where f.hasSuffix(".json") {
                out += try Fixture.parse(dir + "/" + f).advisories
            }
        }
        return out
    }

    static let installedVersions: [(String, String)] = [
        ("1:7.2+dfsg-7+deb12u7", "dpkg"), ("8.2.2", "upstream"), ("1.1.11", "upstream"), ("1.1.12", "upstream"),
        ("6.1.0", "upstream"), ("20230101.0", "upstream"), ("4.17.5-1.el9", "rpm"), ("0", "upstream"),
    ]

    @Test func matchesWithoutReasonsDecideTheSameStatuses() throws {
        let records = try Self.all()
        var compared = 0
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            for (version, manager) in Self.installedVersions {
                let installed = InstalledProduct(product: aliases.product, package: "p", version: version, manager: manager)
                let full = AdvisoryCheck.matches(records, aliases: aliases, for: installed)
                let lean = AdvisoryCheck.matches(records, aliases: aliases, for: installed, reasons: false)
                #expect(full.map(\.advisory.id) == lean.map(\.advisory.id), "\(aliases.product) \(version)")
                for (f, l) in zip(full, lean) {
                    #expect(f.status.label == l.status.label, "\(f.advisory.id) \(aliases.product) \(version): \(f.status) vs \(l.status)")
                    #expect(!f.mappedBy.isEmpty)
                    compared += 1
                }
            }
        }
        #expect(compared > 100)
    }

    @Test func overdueOnlyKeepsEveryStateAndTheOverdueEvidence() throws {
        let records = try Self.all()
        let now = Date(timeIntervalSince1970: 1_764_288_000)  // 2025-11-28
        var overdue = 0
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            for (version, manager) in Self.installedVersions {
                let installed = InstalledProduct(product: aliases.product, package: "p", version: version, manager: manager)
                let full = AdvisoryCheck.evaluate(
                    installed, aliases: aliases, matches: AdvisoryCheck.matches(records, aliases: aliases, for: installed), kev: [:], fixes: [:],
                    now: now, internetFacing: false)
                let lean = AdvisoryCheck.evaluate(
                    installed, aliases: aliases, matches: AdvisoryCheck.matches(records, aliases: aliases, for: installed, reasons: false),
                    kev: [:], fixes: [:], now: now, internetFacing: false, detail: .overdueOnly)
                #expect(full.findings.count == lean.findings.count)
                for (f, l) in zip(full.findings, lean.findings) {
                    #expect(f.id == l.id && f.state == l.state && f.cves == l.cves && f.overdue == l.overdue && f.daysOpen == l.daysOpen)
                    #expect(f.decidedBy?.hasPrefix("upstream") == l.decidedBy?.hasPrefix("upstream"))
                    if f.state == .open && f.overdue == true {
                        overdue += 1
                        #expect(f.evidence.map(\.claim) == l.evidence.map(\.claim), "\(f.id)")
                    } else {
                        // The package, then whatever decided; no sentence per record.
                        let sentences = f.evidence.count - l.evidence.count
                        #expect(l.evidence.map(\.claim) == [f.evidence[0].claim] + f.evidence.dropFirst(1 + sentences).map(\.claim))
                    }
                }
            }
        }
        #expect(overdue > 0)
    }

    @Test func normalisedNamesMapWhatTheNamesMap() throws {
        let records = try Self.all()
        for aliases in AdvisoryAliases.all(Fixture.catalog) {
            let n = aliases.normalized
            for a in records {
                #expect(n.maps(a) == ProductMatcher.maps(a, aliases), "\(a.id) \(aliases.product)")
                for e in a.affected { #expect(n.naming(e) == aliases.naming(e), "\(a.id) \(aliases.product)") }
            }
        }
        // Case, white space and non-ASCII names.
        for (s, n, equal) in [
            (" QEMU\t", "qemu", true), ("Qemu", "qemu", true), ("qemu ", "qem", false), ("ÄRGER", "ärger", true), ("", "", true),
            ("n/a", "n/a", true), ("N/A ", "n/a", true), ("xen", "xen ", false),
        ] {
            #expect(ProductAliases.normEquals(s, n) == equal, "\(s) \(n)")
            #expect(ProductAliases.normEquals(s, n) == (ProductAliases.norm(s) == n))
        }
        #expect(ProductAliases.normEquals(nil, ""))
        #expect(!ProductAliases.normEquals(nil, "qemu"))
    }
}
