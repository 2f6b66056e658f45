import BulkheadModel
import Checks
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Assessment

/// ISM-1461 by the classification the system profile declares (catalog applicability S, TS), on the captured
/// fc-guest host whose SMT/KSM findings would otherwise decide it.
@Suite struct ClassificationTests {
    static let host = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ChecksTests/Fixtures/hosts/fc-guest").path

    func ism1461(_ profileText: String?, guests: [String] = []) throws -> ControlAssessment? {
        var assessor = Assessor(catalog: Support.catalog, asOf: Support.asOf, plan: AssessmentPlan(checks: try CheckCatalog.standard()))
        if let profileText { assessor.profile = try SystemProfile.parse(Data(profileText.utf8), path: "bulkhead.toml") }
        var qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        qemu.guests = guests.map { Guest(name: $0, running: true) }
        let report = assessor.run(on: Support.evidence(DirectoryHostRoot(directory: Self.host)), discovery: Support.discovery([qemu]))
        if profileText == nil { #expect(report.assumptions?.first?.contains("ISM-1461 is not assessed") == true) }
        return report.hostControls?.first { $0.verdict.control == .ism1461 }
    }

    @Test func withoutAClassificationISM1461IsNotAssessed() throws {
        let c = try #require(try ism1461(nil))
        #expect(c.verdict.status == .notAssessed)
        #expect(c.verdict.rationale.first?.contains("no classification is declared") == true)
    }

    @Test func belowSecretItIsNotApplicable() throws {
        for classification in ["OFFICIAL", "OFFICIAL: Sensitive", "PROTECTED"] {
            let c = try #require(try ism1461("[host]\nclassification = \"\(classification)\"\n"))
            #expect(c.verdict.status == .notApplicable, "\(classification)")
        }
        let unknown = try #require(try ism1461("[host]\nclassification = \"CONFIDENTIAL\"\n"))
        #expect(unknown.verdict.status == .notAssessed)
    }

    @Test func atSecretEveryGuestMustShareTheHostsClassificationAndDomain() throws {
        let base = "[system]\nname = \"Lab\"\n[host]\nclassification = \"SECRET\"\ndomain = \"D1\"\n"
        let mixed = try #require(
            try ism1461(
                base
                    + "[guests.web01]\nclassification = \"SECRET\"\ndomain = \"D1\"\n[guests.db01]\nclassification = \"PROTECTED\"\ndomain = \"D2\"\n",
                guests: ["web01", "db01"]))
        #expect(mixed.verdict.status == .notSatisfied)
        #expect(mixed.findings.contains { $0.checkID == "profile.guest-classification" && $0.outcome == .fail })
        let undeclared = try #require(try ism1461(base, guests: ["web01"]))
        #expect(undeclared.findings.contains { $0.checkID == "profile.guest-classification" && $0.outcome != .pass })
        #expect(undeclared.verdict.status != .satisfied)
    }

    @Test func aProfileThatIsNotTOMLIsRefused() {
        #expect(throws: SystemProfile.LoadError.self) { try SystemProfile.parse(Data("[host\nclassification".utf8), path: "bad.toml") }
    }
}
