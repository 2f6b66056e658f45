import BulkheadModel
import Foundation
import Testing

@Suite struct ModelTests {
    @Test func confidenceOrdersAndLowers() {
        #expect(Confidence.low < .medium && Confidence.medium < .high)
        #expect(Confidence.high.lowered == .medium)
        #expect(Confidence.low.lowered == .low)
    }

    @Test func controlIDNormalisesAndMapsToOSCAL() {
        let id = ControlID(rawValue: "ism-1460")
        #expect(id == .ism1460)
        #expect(id.oscalID == "ism-1460")
    }

    @Test func evidenceRoundTripsThroughJSON() throws {
        let e = Evidence(
            claim: "QEMU runs with -sandbox on", source: .process(pid: 42, field: "cmdline"),
            observedAt: Date(timeIntervalSince1970: 1_700_000_000), confidence: .high)
        let data = try JSONEncoder().encode(e)
        #expect(try JSONDecoder().decode(Evidence.self, from: data) == e)
    }
}
