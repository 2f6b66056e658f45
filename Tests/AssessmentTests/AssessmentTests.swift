import Assessment
import BulkheadModel
import BulkheadTestSupport
import Discovery
import Foundation
import HostInspection
import Reporting
import Testing
import VendorEvidence

enum Support {
    static let asOf = CalendarDate.parse("2026-11-28") ?? Date(timeIntervalSince1970: 0)
    static let catalog = Catalog.bundled()

    static func mechanism(_ id: ProductID, _ name: String, role: MechanismRole, state: MechanismState = .running) -> IsolationMechanism {
        IsolationMechanism(
            product: id, name: name, version: "1.0", role: role, state: state,
            evidence: [Evidence(claim: "binary present", source: .file(path: "/usr/bin/\(id)", sha256: nil), observedAt: asOf, confidence: .high)])
    }

    /// One collection of `root` for everything an assessment reads; with `packages`, those stand for the
    /// package inventory (the other facts empty) and only the stages' files are read.
    static func evidence(_ root: any HostRoot, packages: [InstalledPackage]? = nil, now: Date = asOf) -> HostEvidence {
        let known = packages.map { HostFacts(collectedAt: now, source: root.label, packages: $0) }
        return HostInspector(root: root).collectEvidence(EvidencePlan.needs(catalog: catalog), given: known, now: now)
    }

    static func discovery(_ mechanisms: [IsolationMechanism]) -> DiscoveryResult {
        DiscoveryResult(
            hostname: "test-host", source: "constructed", collectedAt: asOf, virtualization: HostVirtualization(),
            mechanisms: mechanisms, problems: [Problem(subject: "/proc/1/status", message: "permission denied")])
    }
}

@Suite struct AssessorTests {
    let assessor = Assessor(catalog: Support.catalog, asOf: Support.asOf)

    @Test func assessesConstructedMechanismsWithReasons() throws {
        let report = assessor.assess(
            Support.discovery([
                Support.mechanism("qemu", "QEMU", role: .vmm),
                Support.mechanism("firecracker", "Firecracker", role: .vmm),
                Support.mechanism("gvisor", "gVisor (runsc)", role: .sandboxKernel),
                Support.mechanism("crun", "crun", role: .containerRuntime, state: .installed),
                Support.mechanism("bubblewrap", "bubblewrap", role: .namespaceSandbox, state: .installed),
            ]))
        func verdict(_ id: ProductID) -> ControlVerdict? {
            report.mechanisms.first { $0.mechanism.product == id }?.verdict(for: .ism1460)
        }
        #expect(verdict("qemu")?.status == .partiallySatisfied)
        #expect(verdict("qemu")?.rationale.contains { $0.contains("(4a) Memory-safe languages: notMet") } == true)
        #expect(verdict("qemu")?.rationale.contains { $0.contains("(4b) Memory-safe practices (less preferred): met") } == true)
        #expect(verdict("qemu")?.rationale.contains { $0.hasPrefix("Weakest component: QEMU device model") } == true)
        // Firecracker and gVisor: press-only pledges, and KVM / the host kernel cap them below satisfied.
        #expect(verdict("firecracker")?.status == .partiallySatisfied)
        #expect(verdict("firecracker")?.rationale.contains { $0.contains("Weakest component: KVM kernel module") } == true)
        #expect(verdict("firecracker")?.rationale.contains { $0.hasPrefix("Depends on KVM kernel module (Linux)") } == true)
        #expect(verdict("gvisor")?.status == .partiallySatisfied)
        #expect(verdict("crun")?.status == .partiallySatisfied)
        #expect(verdict("crun")?.rationale.contains { $0.contains("crun / libcrun (C, mechanism layer) is the weakest") } == true)
        #expect(verdict("bubblewrap")?.status == .partiallySatisfied)
        // Evidence carries sources and dates.
        let ev = try #require(verdict("firecracker")?.evidence)
        #expect(ev.contains { if case .document(let url, _) = $0.source { url.contains("firecracker-microvm/firecracker") } else { false } })
        #expect(report.count(.satisfied) == 0)
        #expect(report.host.hostname == "test-host")
        #expect(report.problems.contains { $0.subject == "/proc/1/status" })
    }

    @Test func unknownMechanismIsNotAssessedWithTheFileToAdd() throws {
        let report = assessor.assess(Support.discovery([Support.mechanism("mystery-vmm", "Mystery VMM", role: .vmm)]))
        let m = try #require(report.mechanisms.first)
        #expect(m.catalogProduct == nil)
        let v = try #require(m.verdict(for: .ism1460))
        #expect(v.status == .notAssessed)
        #expect(v.rationale.joined().contains("mystery-vmm.json"))
        #expect(v.rationale.joined().contains("\"facts\""))
        let text = AssessmentText.render(report)
        #expect(text.contains("notAssessed"))
        #expect(text.contains("mystery-vmm.json"))
    }

    @Test func measuredCensusShareOverridesTheCatalogInTheReport() throws {
        let measured = CriterionFact.measuredMemorySafeShare(
            product: "crun", component: "crun", percent: 1.2,
            evidence: Evidence(
                claim: "census of crun 1.21 source", source: .measurement(command: "bulkhead census --package crun"),
                observedAt: Support.asOf, confidence: .high))
        let a = Assessor(catalog: Support.catalog, measured: [measured], asOf: Support.asOf)
        let report = a.assess(Support.discovery([Support.mechanism("crun", "crun", role: .containerRuntime)]))
        #expect(report.inputs.measuredBy == ["census"])
        let e = try #require(report.mechanisms.first?.ism1460)
        let share = try #require(e.result(.memorySafeLanguages)?.facts.first { $0.aspect == .memorySafeShare })
        #expect(share.value == .percent(1.2))
        #expect(share.others.first?.fact.value == .percent(0.9))
        #expect(share.resolution?.contains("measurement") == true)
        let text = AssessmentText.render(report)
        #expect(text.contains("measured by census"))
        #expect(text.contains("CONFLICT"))
    }

    @Test func reportRoundTripsThroughJSONWithItsSchemaVersion() throws {
        let report = assessor.assess(Support.discovery([Support.mechanism("qemu", "QEMU", role: .vmm)]))
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .iso8601
        enc.outputFormatting = [.sortedKeys]
        let data = try enc.encode(report)
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .iso8601
        let back = try dec.decode(AssessmentReport.self, from: data)
        #expect(back == report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1)
        let mechs = try #require(json["mechanisms"] as? [[String: Any]])
        let controls = try #require(mechs.first?["controls"] as? [[String: Any]])
        let verdict = try #require(controls.first?["verdict"] as? [String: Any])
        #expect(verdict["control"] as? String == "ISM-1460")
        #expect(verdict["status"] as? String == "partiallySatisfied")
    }
}

/// On a machine with QEMU, runsc, bwrap and crun installed (the CI machine), `assess` gives each a
/// verdict with its reasons; one test per program, each skipped where its program is missing.
@Suite(.serialized) struct LiveAssessTests {
    /// Assesses this machine; `id`, installed as one of `binaries`, gets `status` with `reason` among its reasons.
    func expectLiveVerdict(_ id: ProductID, binaries: [String], _ status: VerdictStatus, _ reason: String) throws {
        try #require(
            binaries.contains { FileManager.default.fileExists(atPath: $0) },
            "\(id) is not installed (\(binaries.joined(separator: " or "))); .ci/run installs it")
        let report = Assessor(catalog: Support.catalog, asOf: Support.asOf).run(on: Support.evidence(DirectoryHostRoot.live))
        let m = try #require(
            report.mechanisms.first { $0.mechanism.product == id },
            "\(id) is installed but was not discovered: \(report.mechanisms.map(\.mechanism.product))")
        let v = try #require(m.verdict(for: .ism1460))
        #expect(v.status == status, "\(id): \(v.rationale.joined(separator: "\n"))")
        #expect(v.rationale.contains { $0.contains(reason) }, "\(id) rationale lacks \(reason)")
        #expect(!v.evidence.isEmpty)
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func liveQEMUGetsItsVerdictWithReasons() throws {
        try expectLiveVerdict("qemu", binaries: ["/usr/bin/qemu-system-x86_64"], .partiallySatisfied, "(4a) Memory-safe languages: notMet")
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/runsc") || Tool.runs("/usr/local/bin/runsc"), "needs runsc (.ci/run installs it)"))
    func liveGVisorGetsItsVerdictWithReasons() throws {
        try expectLiveVerdict(
            "gvisor", binaries: ["/usr/bin/runsc", "/usr/local/bin/runsc"], .partiallySatisfied, "(4a) Memory-safe languages: met")
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/bwrap"), "needs bubblewrap (.ci/run installs it)"))
    func liveBubblewrapGetsItsVerdictWithReasons() throws {
        try expectLiveVerdict("bubblewrap", binaries: ["/usr/bin/bwrap"], .partiallySatisfied, "(2) Secure by Default: partiallyMet")
    }

    @Test(.enabled(if: Tool.runs("/usr/bin/crun"), "needs crun (.ci/run installs it)"))
    func liveCrunGetsItsVerdictWithReasons() throws {
        try expectLiveVerdict("crun", binaries: ["/usr/bin/crun"], .partiallySatisfied, "(4a) Memory-safe languages: notMet")
    }
}

extension LiveAssessTests {
    @Test(.enabled(if: Tool.runs("/usr/bin/qemu-system-x86_64"), "needs qemu-system-x86 (.ci/run installs it)"))
    func runningQEMUGuestIsAssessedWithItsReasons() throws {
        let qemu = try #require(Tool.find("/usr/bin/qemu-system-x86_64"), "qemu-system-x86 is not installed; .ci/run installs it")
        let name = "bulkhead-assess-\(UInt32.random(in: 0...UInt32.max))"
        let guest = try LiveProgram([
            qemu, "-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-m", "64", "-name", "guest=\(name)",
        ])
        guest.waitUntilVisible(containing: name)
        let evidence = Support.evidence(DirectoryHostRoot.live)
        let (facts, discovery) = (evidence.facts, DiscoveryEngine().run(evidence))
        let report = Assessor(catalog: Support.catalog, asOf: Support.asOf).assess(discovery)
        let m = try #require(report.mechanisms.first { $0.mechanism.product == "qemu" })
        // Process inspection comes from the host-inspection stage; once it reads /proc, the guest must show.
        if !facts.processes.isEmpty {
            #expect(m.mechanism.state == .running)
            #expect(m.mechanism.guests.contains { $0.name == name })
        }
        let v = try #require(m.verdict(for: .ism1460))
        #expect(v.status == .partiallySatisfied)
        #expect(v.rationale.contains { $0.contains("(4a) Memory-safe languages: notMet") })
        #expect(v.rationale.contains { $0.contains("(4b) Memory-safe practices (less preferred): met") })
        #expect(v.rationale.contains { $0.contains("QEMU device model and VMM (C, mechanism layer) is the weakest") })
        let text = AssessmentText.render(report)
        #expect(text.contains("== QEMU (qemu"))
    }

    /// Run as nobody on the CI machine, assess reported 212 problems "permission denied (run as root to read
    /// it)" for /proc/1/exe, /proc/1/ns, /proc/2/exe … (captured 2026-12-02); they become one problem.
    @Test func permissionDeniedProblemsCollapseIntoOneWithTheHint() {
        let denied = "permission denied (run as root to read it)"
        var problems = [Problem(subject: "catalog/x.json", message: "bad fact")]
        for pid in 1...106 {
            problems.append(Problem(subject: "/proc/\(pid)/exe", message: denied))
            problems.append(Problem(subject: "/proc/\(pid)/ns", message: denied))
        }
        problems.append(Problem(subject: "pid 99", message: "process exited while reading"))
        let out = Assessor.collapsingPermissionDenied(problems)
        #expect(out.count == 3)
        #expect(out[0].subject == "catalog/x.json" && out[2].subject == "pid 99")
        #expect(out[1].subject == "212 paths")
        #expect(out[1].message.contains("permission denied reading 212 paths (e.g. /proc/1/exe, /proc/1/ns, /proc/2/exe, /proc/2/ns, …)"))
        #expect(out[1].message.contains("as root"))
        // One such problem stays as it is.
        let one = [Problem(subject: "/proc/1/exe", message: denied)]
        #expect(Assessor.collapsingPermissionDenied(one) == one)
    }
}
