import BulkheadModel
import Foundation
import Testing

@testable import Lab

/// Lab findings are about the catalog product the mechanism exercises, typed, with no subject rewriting.
@Suite struct LabProductTests {
    /// Every scenario says what to do when it fails (reports print it beside each FAIL), and scenario titles
    /// name the property that holds, so "TITLE: PASS" reads forwards.
    @Test func everyScenarioHasARemedyAndReadsForwards() {
        #expect(Set(Scenarios.all.map(\.id)) == Set(Scenario.remedies.keys))
        for s in Scenarios.all {
            let text = Scenario.remedies[s.id]?.text ?? ""
            #expect(text.count > 20, "\(s.id)")
            #expect(["low", "medium", "high"].contains(Scenario.remedies[s.id]?.effort ?? ""), "\(s.id)")
            for word in [" is not ", " is exposed", " keeps ", " can reach", " sees ", " is shared"] {
                #expect(!s.title.contains(word), "\(s.id): \(s.title) names the threat, not the property")
            }
        }
    }

    @Test func mechanismsNameTheirCatalogProduct() {
        #expect(LabMechanism.runsc.product == "gvisor")
        #expect(LabMechanism.bwrap.product == "bubblewrap")
        #expect(LabMechanism(exercising: "gvisor") == .runsc)
        #expect(LabMechanism(exercising: "qemu") == .qemu)
        #expect(LabMechanism(exercising: "bubblewrap") == .bwrap)
        #expect(LabMechanism(exercising: "crun") == .crun)
        #expect(LabMechanism(exercising: "firecracker") == nil)
        #expect(LabMechanism.allCases.allSatisfy { LabMechanism(exercising: $0.product) == $0 })
    }

    @Test func findingsAreAboutTheProduct() {
        let scenario = ScenarioResult(
            id: "seccomp", title: "Seccomp filter", threat: "a syscall reaches the host kernel", expected: "Seccomp: 2",
            observed: "Seccomp: 2", outcome: .pass, controls: [.ism1460], severity: .high)
        let run = LabRun(
            mechanism: .runsc, variant: "baseline", command: ["runsc", "do", "true"], timedOut: false, identified: "gvisor",
            scenarios: [scenario], timings: LabTimings())
        let report = LabReport(startedAt: Date(timeIntervalSince1970: 0), host: "lab", runs: [run])
        let findings = report.findings()
        #expect(findings.map(\.subject) == ["gvisor/lab baseline"])
        #expect(findings.first?.checkID == "lab.seccomp")
        #expect(findings.first?.evidence.isEmpty == false)
    }
}
