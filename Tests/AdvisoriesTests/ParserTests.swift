import Foundation
import Testing

@testable import Advisories

@Suite struct CVE5ParserTests {
    @Test func everyRealRecordParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.path("cve5")).filter { $0.hasSuffix(".json") }
        #expect(files.count == 21)
        for f in files {
            let p = try Fixture.parse("cve5/" + f)
            #expect(p.problems.isEmpty, "\(f): \(p.problems)")
            #expect(p.advisories.first?.id == String(f.dropLast(5)))
        }
    }

    @Test func runcPackedRangeAndGitHubCNA() throws {
        let a = try Fixture.advisory("cve5/CVE-2024-21626.json")
        #expect(a.assigner == "GitHub_M")
        #expect(a.published?.hasPrefix("2024-01-31") == true)
        let e = try #require(a.affected.first)
        #expect(e.vendor == "opencontainers" && e.product == "runc")
        #expect(
            e.ranges.first
                == .cve5(version: ">=v1.0.0-rc93, < 1.1.12", lessThan: nil, lessThanOrEqual: nil, status: "affected", versionType: nil, changes: []))
        #expect(a.cwes.contains { $0.id == 403 && $0.source == "cna" })
    }

    @Test func cweFromCNAAndADP() throws {
        // CVE-2021-3682: QEMU "release of invalid pointer" CWE-763 — a memory-safety CWE.
        let a = try Fixture.advisory("cve5/CVE-2021-3682.json")
        #expect(a.cwes.contains { $0.id == 763 })
        #expect(a.memorySafety.isMemorySafety)
        // CVE-2025-22224: CNA free text "Heap-overflow", ADP CWE-367 — classified by keyword, source recorded.
        let b = try Fixture.advisory("cve5/CVE-2025-22224.json")
        #expect(b.memorySafety.isMemorySafety)
        #expect(b.memorySafety.reason.contains("keyword") || b.memorySafety.reason.contains("CWE"))
    }

    @Test func xenRecordHasUnevaluableVersion() throws {
        let a = try Fixture.advisory("cve5/CVE-2024-45817.json")
        let xen = try Fixture.aliases("xen")
        let m = try #require(ProductMatcher.match(a, xen, installed: "4.17.3"))
        guard case .unknown = m.status else {
            Issue.record("prose version \"consult Xen advisory\" must give unknown, got \(m.status)")
            return
        }
    }
}

@Suite struct OSVParserTests {
    @Test func everyRealRecordParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.path("osv")).filter { $0.hasSuffix(".json") }
        #expect(files.count == 31)
        for f in files {
            let p = try Fixture.parse("osv/" + f)
            #expect(p.problems.isEmpty, "\(f): \(p.problems)")
            #expect(p.advisories.count == 1)
        }
    }

    @Test func withdrawnGoEntry() throws {
        let a = try Fixture.advisory("osv/GO-2025-3543.json")
        #expect(a.withdrawn != nil)
        let runc = try Fixture.aliases("runc")
        let m = try #require(ProductMatcher.match(a, runc, installed: "1.1.0"))
        guard case .notAffected(let why) = m.status else { Issue.record("withdrawn must not be reported: \(m.status)"); return }
        #expect(why.contains("withdrawn"))
    }

    @Test func rustsecCategoriesAndGHSASeverity() throws {
        let r = try Fixture.advisory("osv/RUSTSEC-2023-0056.json")
        #expect(r.categories.contains("memory-exposure"))
        #expect(r.memorySafety.isMemorySafety)
        #expect(r.aliases.contains("CVE-2023-41051"))
        let g = try Fixture.advisory("osv/GHSA-xr7r-f8xq-vfvv.json")
        #expect(g.severities.contains { $0.rating == "HIGH" })
        #expect(g.cwes.contains { $0.id == 403 })
    }
}

@Suite struct NVDParserTests {
    @Test func perCVEFilesAndEnvelope() throws {
        for f in try FileManager.default.contentsOfDirectory(atPath: Fixture.path("nvd2")) where f.hasPrefix("CVE-") {
            let p = try Fixture.parse("nvd2/" + f)
            #expect(p.problems.isEmpty && p.advisories.count == 1, "\(f)")
        }
        let env = try Fixture.parse("nvd2/nvd_test.json")
        #expect(env.problems.isEmpty)
        #expect(env.advisories.count == 3)
    }

    @Test func qemuCPERange() throws {
        let a = try Fixture.advisory("nvd2/CVE-2021-3682.json")
        let qemu = try Fixture.aliases("qemu")
        // versionEndExcluding 6.1.0, plus 6.1.0:rc1 exactly.
        #expect(ProductMatcher.match(a, qemu, installed: "6.0.0")?.status.label == "affected")
        #expect(ProductMatcher.match(a, qemu, installed: "6.1.0-rc1")?.status.label == "affected")
        #expect(ProductMatcher.match(a, qemu, installed: "6.1.0")?.status.label == "not affected")
        #expect(ProductMatcher.match(a, qemu, installed: "7.2")?.status.label == "not affected")
        #expect(a.cwes.first?.id == 763)
    }
}

@Suite struct KEVParserTests {
    @Test func realCatalog() throws {
        let p = try Fixture.parse("kev/known_exploited_vulnerabilities.json")
        #expect(p.problems.isEmpty)
        #expect(p.kev.count == 1674)
        #expect(p.kev.contains { $0.cveID == "CVE-2026-73570" && $0.dateAdded == "2026-08-21" })
    }
}

@Suite struct MalformedInputTests {
    @Test(arguments: [
        ("malformed/missing-cveId.json", "malformed", "cveId"),
        ("malformed/wrong-type-versions.json", "malformed", "versions"),
        ("malformed/schema-6.json", "unknownSchemaVersion", "6.0"),
        ("malformed/invalid-utf8.json", "invalidUTF8", "UTF-8"),
        ("malformed/truncated.json", "malformed", "JSON"),
        ("malformed/not-advisory.json", "unknownFormat", "not a CVE 5"),
    ])
    func reportedByFileAndReason(_ file: String, _ code: String, _ reasonFragment: String) throws {
        let p = try Fixture.parse(file)
        #expect(p.advisories.isEmpty)
        let problem = try #require(p.problems.first)
        #expect(problem.file == file)
        #expect(problem.code == code, "\(problem)")
        #expect(problem.reason.contains(reasonFragment), "\(problem.reason)")
    }

    @Test func badElementInEnvelopeDoesNotStopTheOthers() throws {
        let p = try Fixture.parse("malformed/nvd-one-bad.json")
        #expect(p.advisories.count == 3)
        #expect(p.problems.count == 1)
        #expect(p.problems.first?.file.hasSuffix("#vulnerabilities[1]") == true)
    }
}
