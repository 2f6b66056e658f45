import BulkheadModel
import Checks
import Discovery
import Foundation
import HostInspection
import Testing

@testable import Assessment

/// `bulkhead checks run` and `bulkhead assess` give the checks the same inputs (`AssessmentInputs.checkInput`).
@Suite struct CheckInputTests {
    @Test func liveHostInputCarriesObservationsLifecycleAndPolicies() {
        let evidence = Support.evidence(DirectoryHostRoot.live)
        let discovery = DiscoveryEngine().run(evidence)
        let input = AssessmentInputs.checkInput(
            evidence: evidence, mechanisms: discovery.mechanisms, catalog: Support.catalog, now: Support.asOf)
        #expect(input.observations != nil)
        // The catalog's dated lines (Xen, Firecracker, containerd …) are always there.
        #expect((input.lifecycle ?? []).contains { $0.product == "xen" })
        #expect(!input.supportPolicies.isEmpty)
        // With those inputs the lifecycle check decides for the host's own OS instead of saying inconclusive.
        let catalog: CheckCatalog
        do { catalog = try CheckCatalog.standard() } catch {
            Issue.record("the check catalog does not load: \(error)")
            return
        }
        let report = CheckRunner(catalog: catalog).run(input)
        let hostOS = report.findings.first { $0.checkID == "lifecycle.host-os" }
        if FileManager.default.fileExists(atPath: "/usr/share/distro-info/debian.csv") {
            #expect(hostOS.map { if case .inconclusive = $0.outcome { false } else { true } } == true, "\(String(describing: hostOS))")
        }
    }
}
