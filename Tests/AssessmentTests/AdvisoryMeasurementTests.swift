import Advisories
import Assessment
import BulkheadModel
import BulkheadTestSupport
import Formats
import Foundation
import HostInspection
import Testing
import VendorEvidence

/// ISM-1460 criterion 5 measured from an advisory database imported from the real fixture records
/// (Tests/AdvisoriesTests/Fixtures, provenance in its PROVENANCE.md).
@Suite struct AdvisoryMeasurementTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AdvisoriesTests/Fixtures").path

    /// A temporary database with every CVE 5, OSV, NVD and KEV fixture imported; removed by the caller.
    static func database() async throws -> (path: String, dir: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-c5-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: path)
        let report = try await AdvisoryImporter.run(["cve5", "osv", "nvd2", "kev"].map { fixtures + "/" + $0 }, into: db)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.advisories > 60, "fixtures not found under \(fixtures)")
        return (path, dir)
    }

    static let offline = DirectoryHostRoot(directory: FileManager.default.temporaryDirectory.path)

    @Test func factsFromTheDatabaseAreMeasuredWithSourceDateAndConfidence() async throws {
        let (path, dir) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mechanisms = [
            Support.mechanism("runc", "runc", role: .containerRuntime), Support.mechanism("qemu", "QEMU", role: .vmm),
            Support.mechanism("crosvm", "crosvm", role: .vmm),
        ]
        let (facts, problems) = AdvisoryMeasurements.facts(
            for: mechanisms, evidence: Support.evidence(Self.offline, packages: []), catalog: Support.catalog, databasePath: path, now: Support.asOf)
        #expect(problems.isEmpty, "\(problems)")
        #expect(facts.allSatisfy { $0.origin == .measurement(stage: "advisories") && $0.criterion == .vulnerabilityHandling })
        #expect(facts.allSatisfy { $0.evidence.source == .file(path: path, sha256: nil) && $0.evidence.observedAt == Support.asOf })

        // runc: 17 distinct vulnerabilities (CVE 5 + GHSA + Go records of one CVE count once; GO-2025-3543 is
        // withdrawn); only CVE-2024-21626 has a format with a CWE field, and it carries one.
        let runcCWE = try #require(facts.first { $0.product == "runc" && $0.aspect == .cveWithCWE })
        #expect(runcCWE.value == .percent(100))
        #expect(runcCWE.evidence.confidence == .low)  // one sample
        #expect(runcCWE.evidence.claim.contains("of the 17 runc vulnerabilities"), "\(runcCWE.evidence.claim)")
        #expect(runcCWE.evidence.claim.contains("1 of the 1 with a CVE 5, NVD or GHSA record"), "\(runcCWE.evidence.claim)")
        #expect(runcCWE.evidence.claim.contains("1 withdrawn/rejected not counted"))
        // No installed package, so no changelog to date fixes by: cadence unknown, and it says why.
        let runcCadence = try #require(facts.first { $0.product == "runc" && $0.aspect == .patchCadence })
        #expect(runcCadence.value == .unknown)
        #expect(runcCadence.evidence.claim.contains("no installed Debian package"), "\(runcCadence.evidence.claim)")

        // QEMU: CVE-2020-14364 (CWE-125), CVE-2021-3682 (CWE-763), CVE-2024-7409: three records with CWE fields.
        let qemuCWE = try #require(facts.first { $0.product == "qemu" && $0.aspect == .cveWithCWE })
        guard case .percent(let p) = qemuCWE.value else {
            Issue.record("qemu CWE share is \(qemuCWE.value)")
            return
        }
        #expect(p > 0 && p <= 100)
        #expect(qemuCWE.evidence.claim.contains("memory-safety weaknesses"))

        // crosvm: no record maps to it; that is said, and it is not evidence either way.
        let crosvm = facts.filter { $0.product == "crosvm" }
        #expect(crosvm.count == 1)
        #expect(crosvm.first?.aspect == .advisories && crosvm.first?.value == .unknown)
        #expect(crosvm.first?.evidence.claim.contains("not evidence") == true)
    }

    @Test func measuredFactsReachTheISM1460CriterionFiveEvidence() async throws {
        let (path, dir) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        let measured = AdvisoryMeasurements.facts(
            for: [qemu], evidence: Support.evidence(Self.offline, packages: []), catalog: Support.catalog, databasePath: path, now: Support.asOf)
        let report = Assessor(catalog: Support.catalog, measured: measured.facts, asOf: Support.asOf).assess(Support.discovery([qemu]))
        #expect(report.inputs.measuredBy == ["advisories"])
        let e = try #require(report.mechanisms.first?.ism1460)
        let c5 = try #require(e.result(.vulnerabilityHandling))
        let cwe = try #require(c5.facts.first { $0.aspect == .cveWithCWE })
        #expect(cwe.decided.fact.origin == .measurement(stage: "advisories"))
        #expect(c5.reasons.contains { $0.contains("CWE/CPE transparency of the") })
        // The verdict's evidence carries the database as the source.
        let v = try #require(report.mechanisms.first?.verdict(for: .ism1460))
        #expect(v.evidence.contains { $0.source == .file(path: path, sha256: nil) })
        // The catalog's VDP and advisories facts still decide the outcome.
        #expect(c5.outcome == .met)
    }

    @Test func aCWEShareBelowHalfIsShownNotCounted() throws {
        func evaluate(_ percent: Double) throws -> CriterionResult {
            let fact = CriterionFact(
                product: "runc", aspect: .cveWithCWE, value: .percent(percent),
                evidence: Evidence(
                    claim: "measured CWE share \(percent)", source: .file(path: "/tmp/a.sqlite", sha256: nil), observedAt: Support.asOf,
                    confidence: .medium),
                origin: .measurement(stage: "advisories"))
            let product = try #require(Support.catalog.product("runc"))
            return try #require(ISM1460Evaluator(asOf: Support.asOf).evaluate(product, measured: [fact]).result(.vulnerabilityHandling))
        }
        let low = try evaluate(20)
        // The measurement decides over the catalog's "yes" (equal confidence, measurement first) and says so.
        let cwe = try #require(low.facts.first { $0.aspect == .cveWithCWE })
        #expect(cwe.conflict && cwe.decided.fact.value == .percent(20))
        #expect(low.reasons.contains { $0.hasPrefix("for information: measured CWE share 20.0") })
        #expect(!low.reasons.contains { !$0.hasPrefix("for information") && $0.contains("measured CWE share") })
        let high = try evaluate(80)
        #expect(high.reasons.contains { !$0.hasPrefix("for information") && $0.contains("measured CWE share 80.0") })
    }

    @Test func noDatabaseChangesNothingAndCreatesNoFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-none-\(UUID().uuidString).sqlite").path
        let (facts, problems) = AdvisoryMeasurements.facts(
            for: [Support.mechanism("qemu", "QEMU", role: .vmm)], evidence: Support.evidence(Self.offline, packages: []), catalog: Support.catalog,
            databasePath: path, now: Support.asOf)
        #expect(facts.isEmpty && problems.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        let plan = AssessmentPlan(advisoryDatabase: path)
        let report = Assessor(catalog: Support.catalog, asOf: Support.asOf, plan: plan).run(on: Support.evidence(Self.offline))
        #expect(!report.inputs.measuredBy.contains("advisories"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func anUnreadableDatabaseIsAProblemNotAFailure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/advisories.sqlite"
        try Data("this is not an SQLite database, it is text long enough to fill a header page".utf8).write(to: URL(fileURLWithPath: path))
        let (facts, problems) = AdvisoryMeasurements.facts(
            for: [Support.mechanism("qemu", "QEMU", role: .vmm)], evidence: Support.evidence(Self.offline, packages: []), catalog: Support.catalog,
            databasePath: path, now: Support.asOf)
        #expect(facts.isEmpty)
        #expect(problems.first?.subject == path)
        #expect(problems.first?.message.contains("criterion 5") == true)
    }

    /// On the live host the installed qemu-system-x86's Debian changelog dates the fixes: a real median.
    @Test(.enabled(if: Tool.hasDebianPackages("qemu-system-x86"), "needs the Debian package qemu-system-x86 (.ci/run installs it)"))
    func liveHostDatesFixesFromTheInstalledQEMUChangelog() async throws {
        let changelog = try #require(
            DebianChangelog.path(forPackage: "qemu-system-x86"), "qemu-system-x86 has no changelog.Debian.gz; .ci/run installs it")
        let status = try DirectoryHostRoot.live.readText("/var/lib/dpkg/status", limit: 64 << 20)
        let installed = try #require(DpkgStatus.parse(status).packages.first { $0.name == "qemu-system-x86" })
        let (path, dir) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (facts, _) = AdvisoryMeasurements.facts(
            for: [Support.mechanism("qemu", "QEMU", role: .vmm)],
            evidence: Support.evidence(
                DirectoryHostRoot.live,
                packages: [InstalledPackage(name: "qemu-system-x86", version: installed.version, manager: "dpkg", sourcePackage: "qemu")]),
            catalog: Support.catalog, databasePath: path, now: Support.asOf)
        let cadence = try #require(facts.first { $0.aspect == .patchCadence })
        guard case .days(let median) = cadence.value else {
            Issue.record("no median from \(changelog): \(cadence.evidence.claim)")
            return
        }
        #expect(median >= 0)
        #expect(cadence.evidence.claim.contains("Debian changelog of qemu-system-x86"))
        #expect(cadence.evidence.claim.contains("vulnerabilities with a fix date"))
    }
}
