import Assessment
import BulkheadModel
import BulkheadTestSupport
import Census
import Checks
import Discovery
import Foundation
import HostInspection
import Testing
import VendorEvidence

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ControlRollupTests {
    func finding(_ outcome: Outcome, _ severity: Severity = .medium, control: ControlID = .ism1604, subject: String = "qemu/vm1")
        -> Finding
    {
        Finding(
            checkID: "test.\(outcome.label)", subject: subject, outcome: outcome, severity: severity, controls: [control],
            evidence: [Evidence(claim: "seen", source: .process(pid: 1, field: "cmdline"), observedAt: Support.asOf, confidence: .high)])
    }

    @Test func noFindingMeansNoVerdict() {
        #expect(ControlRollup.verdict(control: .ism1604, subject: "qemu", findings: []) == nil)
        #expect(ControlRollup.verdict(control: .ism1605, subject: "qemu", findings: [finding(.pass)]) == nil)
    }

    @Test func everyPathOfTheRule() throws {
        let v = { (f: [Finding]) in try #require(ControlRollup.verdict(control: .ism1604, subject: "qemu", findings: f)) }
        #expect(try v([finding(.pass), finding(.pass)]).status == .satisfied)
        #expect(try v([finding(.pass), finding(.pass)]).confidence == .high)
        #expect(try v([finding(.notApplicable)]).status == .notApplicable)
        #expect(try v([finding(.inconclusive(reason: "not read")), finding(.notApplicable)]).status == .notAssessed)
        #expect(try v([finding(.pass), finding(.fail, .high)]).status == .notSatisfied)
        #expect(try v([finding(.fail, .critical)]).status == .notSatisfied)
        #expect(try v([finding(.pass), finding(.fail, .low)]).status == .partiallySatisfied)
        // Passes beside an unobserved check never add up to satisfied.
        let mixed = try v([finding(.pass), finding(.inconclusive(reason: "unreadable"))])
        #expect(mixed.status == .partiallySatisfied)
        #expect(mixed.confidence == .medium)
        #expect(mixed.rationale.joined().contains("inconclusive"))
    }

    @Test func subjectsMapToTheirMechanism() {
        #expect(ControlRollup.product(ofSubject: "host") == nil)
        #expect(ControlRollup.product(ofSubject: "qemu") == "qemu")
        #expect(ControlRollup.product(ofSubject: "qemu/web01") == "qemu")
        #expect(ControlRollup.product(ofSubject: "libvirt:/etc/libvirt/qemu.conf") == "libvirt")
    }

    @Test func findingsAreAttachedToMechanismsAndTheHost() {
        let assessor = Assessor(catalog: Support.catalog, asOf: Support.asOf)
        var report = assessor.assess(Support.discovery([Support.mechanism("qemu", "QEMU", role: .vmm)]))
        assessor.attach(
            [
                finding(.fail, .high, subject: "qemu/vm1"), finding(.pass, control: .ism1605, subject: "host"),
                finding(.pass, control: .ism1460, subject: "qemu/lab baseline"),
            ], to: &report)
        let qemu = report.mechanisms[0]
        #expect(qemu.verdict(for: .ism1604)?.status == .notSatisfied)
        // ISM-1460 keeps its catalog evaluation; the lab finding is added beside it.
        #expect(qemu.ism1460 != nil)
        #expect(qemu.controls.first { $0.verdict.control == .ism1460 }?.findings.count == 1)
        #expect(report.hostControls?.first?.verdict.control == .ism1605)
        #expect(report.hostControls?.first?.verdict.status == .satisfied)
    }
}

@Suite struct CensusMeasurementTests {
    /// A real census of a small tree, cached as if it measured the installed qemu, overrides the catalog's share.
    @Test func aCachedMeasurementOfTheInstalledVersionDecides4a() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-census-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try Data("fn main() {\n    let x = 1;\n    println!(\"{}\", x);\n}\n".utf8).write(to: tree.appendingPathComponent("main.rs"))
        try Data("int main(void) {\n  return 0;\n}\n".utf8).write(to: tree.appendingPathComponent("shim.c"))
        let report = try await Census.run(
            root: tree, options: CensusOptions(),
            subject: .init(kind: .directory, path: tree.path, product: "qemu", version: "1:7.2+dfsg-7+deb12u18"),
            command: "bulkhead census \(tree.path)")
        let cache = CensusCache(directory: dir.appendingPathComponent("cache"))
        try cache.store(report)
        var qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        qemu.version = "1:7.2+dfsg-7+deb12u18+b3"  // a binNMU of the measured source version
        let measured = CensusMeasurements.facts(for: [qemu], packages: [], catalog: Support.catalog, cache: cache)
        let fact = try #require(measured.facts.first)
        #expect(fact.value == .percent(try #require(report.share.ratio) * 100))
        let assessor = Assessor(catalog: Support.catalog, measured: measured.facts, asOf: Support.asOf)
        let evaluation = try #require(assessor.assess(qemu).ism1460)
        let component = try #require(evaluation.components.first { $0.component.id == "qemu" })
        if case .percent(let p) = fact.value { #expect(component.share == p) }
        #expect(component.basis.contains("measured") || component.basis.contains("census"), "\(component.basis)")

        // Another installed version is not decided by this measurement.
        qemu.version = "1:8.0.0-1"
        #expect(CensusMeasurements.facts(for: [qemu], packages: [], catalog: Support.catalog, cache: cache).facts.isEmpty)
    }
}

@Suite(.serialized) struct LiveAssessmentTests {
    /// A careless QEMU guest (no -sandbox, VNC on every address, a floppy controller) fails ISM-1604 for
    /// QEMU with the checks that say why; the host gets its own controls.
    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func liveQEMUGuestFailsISM1604AndTheHostIsAssessed() throws {
        let qemu = try #require(Tool.find("/usr/bin/qemu-system-x86_64"), "qemu-system-x86 is not installed; .ci/run installs it")
        let name = "bulkhead-integ-\(UInt32.random(in: 0...UInt32.max))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = [
            "-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-m", "64", "-name", "guest=\(name)",
            "-vnc", "0.0.0.0:\(Int.random(in: 60...99))", "-device", "isa-fdc",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            // QEMU started from here inherits blocked signals, so SIGTERM may never arrive: use SIGKILL.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let cmdline = FileManager.default.contents(atPath: "/proc/\(process.processIdentifier)/cmdline") ?? Data()
            if String(decoding: cmdline, as: UTF8.self).contains(name) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let plan = AssessmentPlan(checks: try CheckCatalog.standard())
        let report = Assessor(catalog: Support.catalog, asOf: Date(), plan: plan).run(on: Support.evidence(DirectoryHostRoot.live))
        let m = try #require(report.mechanisms.first { $0.mechanism.product == "qemu" })
        let c1604 = try #require(m.controls.first { $0.verdict.control == .ism1604 })
        #expect(c1604.verdict.status == .notSatisfied)
        let failed = Set(c1604.findings.filter { $0.outcome == .fail && $0.subject == "qemu/\(name)" }.map(\.checkID))
        #expect(failed.isSuperset(of: ["qemu.sandbox", "qemu.display-exposure", "qemu.legacy-devices"]), "\(failed)")
        #expect(m.verdict(for: .ism1460) != nil)
        let host = try #require(report.hostControls)
        #expect(host.contains { $0.verdict.control == .ism1605 })
        // Check-decided host controls carry their findings; ISM-1743 carries the evaluation of the OS vendor.
        #expect(host.filter { $0.verdict.control != .ism1743 }.allSatisfy { !$0.findings.isEmpty })
        let os = try #require(host.first { $0.verdict.control == .ism1743 })
        #expect(os.ism1460?.control == .ism1743)
    }
}

@Suite struct AdvisoryFindingTests {
    @Test func withoutADatabaseISM1606IsInconclusiveAndSaysHowToFixIt() {
        let findings = AdvisoryFindings.findings(
            mechanisms: [Support.mechanism("qemu", "QEMU", role: .vmm)], packages: [],
            aliases: AdvisoryAliases.all(Support.catalog), databasePath: "/nonexistent/advisories.sqlite", root: DirectoryHostRoot.live,
            now: Support.asOf)
        let f = findings.first
        #expect(f?.controls == [.ism1606])
        guard case .inconclusive(let reason)? = f?.outcome else {
            Issue.record("expected inconclusive, got \(String(describing: f?.outcome))")
            return
        }
        #expect(reason.contains("bulkhead advisories fetch"))
    }
}
