import BulkheadModel
import Foundation
import Testing

@testable import Lab

/// Lab findings are about the catalog product the mechanism exercises, typed, with no subject rewriting.
@Suite struct LabProductTests {
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
