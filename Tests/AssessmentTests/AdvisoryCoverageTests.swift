import Advisories
import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import HostInspection
import Testing

/// Issue 18, freshness and coverage; issue 14 §5, KVM against the running kernel. Roots are built from
/// this machine's real dpkg paragraphs of its kernel packages and their real changelog; the advisory
/// database is imported from the real records under AdvisoriesTests/Fixtures (none of which is a Linux
/// kernel record, so KVM is product-blind there).
@Suite struct AdvisoryCoverageTests {
    static let kernelChangelog = "/usr/share/doc/linux-image-amd64/changelog.gz"
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AdvisoriesTests/Fixtures").path
    static let kvm = Support.mechanism("kvm", "KVM", role: .kernelHypervisor)
    static let qemu = Support.mechanism("qemu", "QEMU", role: .vmm)

    static var machineKernelPackages: [String] {
        guard let status = try? String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8) else { return [] }
        return status.components(separatedBy: "\n\n").filter { $0.hasPrefix("Package: linux-image-") && $0.contains("Status: install ok installed") }
    }
    static var hasKernelPackages: Bool { machineKernelPackages.count >= 2 && Tool.hasFile(kernelChangelog) }

    struct Tree {
        var dir: String
        var database: String
        /// The release of the versioned linux-image package (6.1.0-57-amd64).
        var packagedRelease: String
    }

    /// A root with the real kernel packages' dpkg paragraphs and changelogs and `osrelease` as the running
    /// kernel (nil: the packaged release), and a database imported from the fixtures.
    static func makeTree(osrelease: String?, nvd: Bool = false) async throws -> Tree {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-coverage-\(UUID().uuidString)").path
        let fm = FileManager.default
        let paragraphs = machineKernelPackages
        let names = paragraphs.map { p in p.split(separator: "\n").first.map { String($0.dropFirst("Package: ".count)) } ?? "" }
        let versionedNames = names.filter { $0.dropFirst("linux-image-".count).first?.isNumber == true }
        let versioned = try #require(versionedNames.first)
        let release = String(versioned.dropFirst("linux-image-".count))
        for sub in ["var/lib/dpkg", "proc/sys/kernel", "etc"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try Data((paragraphs.joined(separator: "\n\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/var/lib/dpkg/status"))
        try Data(((osrelease ?? release) + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/proc/sys/kernel/osrelease"))
        for name in ["linux-image-amd64", versioned] {
            let doc = "/usr/share/doc/\(name)"
            try fm.createDirectory(atPath: dir + doc, withIntermediateDirectories: true)
            try fm.copyItem(atPath: kernelChangelog, toPath: dir + doc + "/changelog.gz")
        }
        let database = dir + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: database)
        // The CVE 5 records that do not name Linux anywhere (no kernel record: KVM is product-blind), and with
        // `nvd`, the NVD records too (their QEMU configurations name cpe linux:linux_kernel, which maps to KVM).
        let records = dir + "/records"
        try fm.createDirectory(atPath: records, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: fixtures + "/cve5") where name.hasSuffix(".json") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/cve5/" + name))
            if String(decoding: bytes, as: UTF8.self).lowercased().contains("linux") { continue }
            try bytes.write(to: URL(fileURLWithPath: records + "/" + name))
        }
        _ = try await AdvisoryImporter.run([records, fixtures + "/kev"] + (nvd ? [fixtures + "/nvd2"] : []), into: db)
        return Tree(dir: dir, database: database, packagedRelease: release)
    }

    func evaluate(_ tree: Tree, _ mechanisms: [IsolationMechanism], now: Date = Date()) throws -> (
        findings: [Finding], coverage: [AssessmentReport.ProductCoverage], evidence: HostEvidence
    ) {
        let evidence = Support.evidence(DirectoryHostRoot(directory: tree.dir), now: now)
        let r = AdvisoryFindings.evaluate(
            mechanisms: mechanisms, evidence: evidence, aliases: AdvisoryAliases.all(Support.catalog),
            database: .open(path: tree.database), now: now)
        return (r.findings, r.coverage, evidence)
    }

    @Test(.enabled(if: AdvisoryCoverageTests.hasKernelPackages, "needs the Debian kernel packages and their changelog"))
    func productBlindKVMIsInconclusiveNotAPass() async throws {
        let tree = try await Self.makeTree(osrelease: nil)
        defer { try? FileManager.default.removeItem(atPath: tree.dir) }
        let (findings, coverage, _) = try evaluate(tree, [Self.kvm])
        let kvm = try #require(findings.first { $0.subject == "kvm" })
        // Before: "0 open … " and a pass, with no record of the database describing the kernel at all.
        #expect(kvm.outcome != Outcome.pass)
        guard case .inconclusive(let reason) = kvm.outcome else {
            Issue.record("expected inconclusive, got \(kvm.outcome)")
            return
        }
        #expect(reason.contains("no record in \(tree.database) maps to KVM"))
        #expect(reason.contains("running kernel \(tree.packagedRelease)"))
        #expect(coverage == [AssessmentReport.ProductCoverage(product: "kvm", recordsBySource: [:])])
        #expect(coverage.first?.covered == false)

        // With the NVD records, a source covers KVM and the finding is a judgement again.
        let covered = try await Self.makeTree(osrelease: nil, nvd: true)
        defer { try? FileManager.default.removeItem(atPath: covered.dir) }
        let again = try evaluate(covered, [Self.kvm])
        #expect((again.coverage.first?.recordsBySource["nvd"] ?? 0) > 0)
        #expect(again.coverage.first?.covered == true)
        let judged = try #require(again.findings.first)
        #expect(judged.observed?.contains("matched against the running kernel \(covered.packagedRelease)") == true)
    }

    @Test(.enabled(if: AdvisoryCoverageTests.hasKernelPackages, "needs the Debian kernel packages and their changelog"))
    func theRunningKernelIsWhatIsMatched() async throws {
        // Running the packaged kernel: its own package and changelog.
        let packaged = try await Self.makeTree(osrelease: nil)
        defer { try? FileManager.default.removeItem(atPath: packaged.dir) }
        let e = Support.evidence(DirectoryHostRoot(directory: packaged.dir))
        let target = RunningKernel.target(e.facts)
        #expect(target.running == packaged.packagedRelease)
        #expect(target.package?.name == "linux-image-\(packaged.packagedRelease)")
        #expect(target.package?.manager == "dpkg")
        #expect(target.note.contains("matched against the running kernel \(packaged.packagedRelease)"))
        // The collection read the running kernel's changelog (BackportEvidenceNeed asks for it).
        #expect((try? e.files.read("/usr/share/doc/linux-image-\(packaged.packagedRelease)/changelog.gz", limit: 8 << 20))?.isEmpty == false)

        // A kernel no installed package provides (this machine's VMM-supplied guest kernel, e.g.): its upstream
        // version, no backports, and a reboot pending against the newest installed package.
        let foreign = try await Self.makeTree(osrelease: "6.18.44-fc-v1045")
        defer { try? FileManager.default.removeItem(atPath: foreign.dir) }
        let f = Support.evidence(DirectoryHostRoot(directory: foreign.dir))
        let other = RunningKernel.target(f.facts)
        #expect(other.package?.version == "6.18.44")
        #expect(other.package?.manager == RunningKernel.unpackagedManager)
        #expect(other.note.contains("no installed package provides it"))
        let (findings, _, _) = try evaluate(foreign, [Self.kvm])
        guard case .inconclusive(let reason) = try #require(findings.first).outcome else {
            Issue.record("KVM with no kernel record must stay inconclusive")
            return
        }
        #expect(reason.contains("upstream 6.18.44"))
    }

    /// Records that name the product but none of which can be evaluated against the installed version (Xen's
    /// CVE-2024-45817 gives its versions as prose, "consult Xen advisory"): nothing was shown either way, so the
    /// finding is inconclusive, not a pass with "0 open".
    @Test func recordsNoneOfWhichCanBeEvaluatedAreInconclusive() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-unevaluable-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/var/lib/dpkg", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/records", withIntermediateDirectories: true)
        // Debian 12's xen-system-amd64 paragraph (the version bookworm ships).
        let status = """
            Package: xen-system-amd64
            Status: install ok installed
            Architecture: amd64
            Source: xen
            Version: 4.17.3+10-g091466ba55-1~deb12u1

            """
        try Data(status.utf8).write(to: URL(fileURLWithPath: dir + "/var/lib/dpkg/status"))
        try fm.copyItem(atPath: Self.fixtures + "/cve5/CVE-2024-45817.json", toPath: dir + "/records/CVE-2024-45817.json")
        let database = dir + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: database)
        _ = try await AdvisoryImporter.run([dir + "/records"], into: db)
        let tree = Tree(dir: dir, database: database, packagedRelease: "")
        let xen = Support.mechanism("xen", "Xen", role: .type1Hypervisor)
        let (findings, coverage, _) = try evaluate(tree, [xen])
        #expect(coverage.first?.covered == true, "the record maps to Xen")
        let finding = try #require(findings.first { $0.subject == "xen" })
        guard case .inconclusive(let reason) = finding.outcome else {
            Issue.record("an advisory that cannot be evaluated gave \(finding.outcome)")
            return
        }
        #expect(reason.contains("none could be evaluated against the installed version"))
    }

    @Test func noRunningKernelReleaseIsSaid() {
        let facts = HostFacts(collectedAt: Support.asOf, source: "constructed", packages: [])
        let target = RunningKernel.target(facts)
        #expect(target.package == nil)
        #expect(target.note.contains("/proc/sys/kernel/osrelease) was not read"))
    }

    @Test func staleLimitIsConfigurableAndSaidInTheReason() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-stale-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try AdvisoryDatabase(path: dir + "/a.sqlite")
        _ = try await AdvisoryImporter.run(["cve5", "kev"].map { Self.fixtures + "/" + $0 }, into: db)
        let opened = OpenedAdvisoryDatabase.available(path: db.path, db)
        let later = Date().addingTimeInterval(3 * 86400)
        let strict = AdvisoryFindings.info(opened, now: later, maximumAgeDays: 2)
        #expect(strict.stale)
        #expect(AdvisoryFindings.info(opened, now: later).stale == false)
        // Per source: records, newest record, import time.
        let sources = try #require(strict.sources)
        let cve5 = try #require(sources.first { $0.format == "cve5" })
        #expect(cve5.records == 21)
        #expect(cve5.newestRecord?.hasPrefix("20") == true)
        #expect(cve5.importedAt != nil)
        #expect(sources.contains { $0.format == "kev" && $0.records > 0 && $0.importedAt != nil })
        let pass = Finding(
            checkID: AdvisoryFindings.checkID, subject: "qemu", outcome: .pass, observed: "0 open", severity: .high, controls: [.ism1606])
        guard case .inconclusive(let reason) = AdvisoryFindings.applyAge([pass], strict)[0].outcome else {
            Issue.record("a stale database must not pass")
            return
        }
        #expect(reason.contains("more than 2 days, --advisory-max-age-days"))
    }
}
