import BulkheadModel
import Discovery
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1743 for the host OS and Kata's configured VMM, read from a host root through the one collection.
@Suite struct StackAssessmentTests {
    /// Real-shaped host trees and Kata configurations kept by the checks' tests (their PROVENANCE.md).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ChecksTests/Fixtures")

    /// A host root holding `files` (root path → fixture path or literal text).
    func root(_ files: [String: String]) throws -> (DirectoryHostRoot, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-stack-\(UUID().uuidString)")
        for (path, content) in files {
            let target = dir.appendingPathComponent(String(path.dropFirst()))
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            let source = Self.fixtures.appendingPathComponent(content)
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: target)
            } else {
                try Data(content.utf8).write(to: target)
            }
        }
        return (DirectoryHostRoot(directory: dir.path), dir)
    }

    func assess(_ files: [String: String], mechanisms: [IsolationMechanism] = []) throws -> AssessmentReport {
        let (host, dir) = try root(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let evidence = Support.evidence(host)
        return Assessor(catalog: Support.catalog, asOf: Support.asOf).run(on: evidence, discovery: Support.discovery(mechanisms))
    }

    func ism1743(_ report: AssessmentReport) throws -> ControlAssessment {
        try #require(report.hostControls?.first { $0.verdict.control == .ism1743 })
    }

    @Test func aDebianHostIsJudgedAsDebianWithItsKernel() throws {
        let report = try assess(["/etc/os-release": "hosts/debian-auditd/etc/os-release"])
        let os = try ism1743(report)
        #expect(os.verdict.subject == "host")
        #expect(os.verdict.status == .partiallySatisfied)
        #expect(os.verdict.rationale.first?.hasPrefix("ISM-1743 partiallySatisfied for Debian GNU/Linux") == true)
        #expect(os.verdict.rationale.contains { $0.contains("/etc/os-release ID=debian") && $0.contains("catalog product debian") })
        let e = try #require(os.ism1460)
        #expect(e.control == .ism1743)
        #expect(e.dependencies.contains { $0.product == "linux-kernel" })
    }

    @Test func anUnknownDistributionIsNotAssessedAndSaysWhy() throws {
        let os = try ism1743(try assess(["/etc/os-release": "ID=centos\nVERSION_ID=\"9\"\n"]))
        #expect(os.verdict.status == .notAssessed)
        #expect(os.verdict.rationale.first?.contains("\"centos\" has no catalog entry") == true)
        #expect(os.verdict.rationale.first?.contains("debian, rhel, sled, sles, ubuntu") == true)
    }

    @Test func aHostWithoutOSReleaseIsNotAssessed() throws {
        let os = try ism1743(try assess(["/etc/hostname": "empty\n"]))
        #expect(os.verdict.status == .notAssessed)
        #expect(os.verdict.rationale.first?.contains("no readable /etc/os-release ID") == true)
        // A hostile ID is not echoed.
        let hostile = try ism1743(try assess(["/etc/os-release": "ID=\"deb\u{1B}[31mian\"\n"]))
        #expect(hostile.verdict.status == .notAssessed)
        #expect(!hostile.verdict.rationale.joined().contains("\u{1B}"))
    }

    func kata(_ config: String?) throws -> ISM1460Evaluation {
        var files = ["/etc/os-release": "hosts/debian-auditd/etc/os-release"]
        if let config { files["/etc/kata-containers/configuration.toml"] = config }
        let report = try assess(files, mechanisms: [Support.mechanism("kata-containers", "Kata Containers", role: .containerRuntime)])
        return try #require(report.mechanisms.first?.ism1460)
    }

    @Test func kataFollowsTheCloudHypervisorItsConfigurationNames() throws {
        let e = try kata("kata/configuration-clh-hardened.toml")
        let vmm = try #require(e.components.first { $0.component.id == "vmm" })
        #expect(vmm.component.name == "Hypervisor VMM: Cloud Hypervisor")
        #expect(vmm.component.product == "cloud-hypervisor")
        #expect(e.result(.memorySafeLanguages)?.outcome == .met)  // Rust runtime + Rust VMM
        #expect(e.dependencies.contains { $0.product == "cloud-hypervisor" })
        #expect(!e.dependencies.contains { $0.product == "qemu" })
        #expect(e.rationale.contains { $0.contains("[hypervisor.clh] in /etc/kata-containers/configuration.toml") })
    }

    @Test func kataWithQEMUConfiguredIsJudgedWithQEMU() throws {
        let e = try kata("kata/configuration-qemu-defaults.toml")
        #expect(e.result(.memorySafeLanguages)?.outcome == .partiallyMet)
        #expect(e.dependencies.contains { $0.product == "qemu" && $0.cap == .satisfiedLessPreferred })
    }

    @Test func kataWithoutAReadableChoiceDoesNotAssumeQEMU() throws {
        let none = try kata(nil)
        #expect(!none.dependencies.contains { $0.product == "qemu" })
        #expect(none.rationale.contains { $0.contains("no Kata configuration was collected") })
        #expect(none.components.first { $0.component.id == "vmm" }?.status == .unknown)
        let two = try kata("kata/configuration-debug-9p.toml")  // firecracker and qemu sections both
        #expect(two.rationale.contains { $0.contains("the sections firecracker, qemu") })
    }

    /// Issue 14 §6: each vendor verdict says which of its evidence Bulkhead observed on this host and which the
    /// catalog researched — Firecracker (ISM-1460) and the Debian host (ISM-1743) on the shipped catalog.
    @Test func eachVerdictSaysWhatWasObservedHereAndWhatTheCatalogResearched() throws {
        var fc = Support.mechanism("firecracker", "Firecracker", role: .vmm)
        fc.version = "1.9.1"
        let report = try assess(["/etc/os-release": "hosts/debian-auditd/etc/os-release"], mechanisms: [fc])
        let rationale = try #require(report.mechanisms.first?.controls.first { $0.verdict.control == .ism1460 }?.verdict.rationale)
        let basis = try #require(rationale.first { $0.hasPrefix("Evidence basis — ") })
        #expect(basis.contains("observed on the host by Bulkhead: Firecracker 1.9.1 (running) was discovered on this host"))
        #expect(basis.contains("measured by Bulkhead this run: none"))
        // Every deciding fact of the shipped catalog is desk research, dated.
        let e = try #require(report.mechanisms.first?.ism1460)
        let researched = Set(e.criteria.flatMap(\.facts).map(\.decided.fact)).count
        #expect(researched > 5 && basis.contains("researched in Bulkhead's catalog, not observed here: \(researched) fact(s), observed "))
        #expect(!basis.contains("attested"))
        let os = try ism1743(report)
        #expect(
            os.verdict.rationale.contains {
                $0.hasPrefix("Evidence basis — observed on the host by Bulkhead: /etc/os-release ID=debian; measured by Bulkhead this run: none")
                    && $0.contains("researched in Bulkhead's catalog, not observed here")
            })
    }
}
