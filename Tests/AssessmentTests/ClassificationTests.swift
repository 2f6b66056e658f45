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

    func report(_ profileText: String?, guests: [String] = [], ism: ISMCatalog? = try? ISMCatalog.bundled()) throws -> AssessmentReport {
        var assessor = Assessor(catalog: Support.catalog, asOf: Support.asOf, plan: AssessmentPlan(checks: try CheckCatalog.standard()))
        assessor.ismCatalog = ism
        if let profileText { assessor.profile = try SystemProfile.parse(Data(profileText.utf8), path: "bulkhead.toml") }
        var qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        qemu.guests = guests.map { Guest(name: $0, running: true) }
        let report = assessor.run(on: Support.evidence(DirectoryHostRoot(directory: Self.host)), discovery: Support.discovery([qemu]))
        if profileText == nil { #expect(report.assumptions?.first?.contains("ISM-1461 is not assessed") == true) }
        return report
    }

    func ism1461(_ profileText: String?, guests: [String] = []) throws -> ControlAssessment? {
        try report(profileText, guests: guests).hostControls?.first { $0.verdict.control == .ism1461 }
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

    /// Guests are declared by name or by a glob over names (`match = "web*"`, issue 14 §4); a name's own entry wins.
    @Test func guestsAreDeclaredByNameOrGlob() throws {
        let base = "[host]\nclassification = \"SECRET\"\ndomain = \"D1\"\n"
        let globbed = try #require(
            try ism1461(base + "[guests.web]\nmatch = \"web*\"\nclassification = \"SECRET\"\ndomain = \"D1\"\n", guests: ["web01", "web-02"]))
        let finding = try #require(globbed.findings.first { $0.checkID == "profile.guest-classification" })
        #expect(finding.outcome == .pass, "\(finding.outcome)")
        // One guest the glob does not cover is undeclared; one whose own entry differs fails even under a matching glob.
        let partly = try #require(
            try ism1461(base + "[guests.web]\nmatch = \"web*\"\nclassification = \"SECRET\"\ndomain = \"D1\"\n", guests: ["web01", "db01"]))
        #expect(partly.findings.contains { $0.checkID == "profile.guest-classification" && $0.outcome != .pass })
        let own = try #require(
            try ism1461(
                base
                    + "[guests.web]\nmatch = \"web*\"\nclassification = \"SECRET\"\ndomain = \"D1\"\n[guests.web9]\nclassification = \"PROTECTED\"\n",
                guests: ["web01", "web9"]))
        #expect(own.verdict.status == .notSatisfied)
        #expect(SystemProfile.glob("db-??", matches: "db-01") && !SystemProfile.glob("db-??", matches: "db-1"))
        #expect(
            SystemProfile.glob("*", matches: "") && SystemProfile.glob("a*b*c", matches: "axxbyyc") && !SystemProfile.glob("a*b", matches: "ab c"))
    }

    /// Every control's applicability comes from the ISM catalog's own properties: with a catalog (a newer release given
    /// with --ism-catalog) that applies ISM-1606 to SECRET and TOP SECRET only, a PROTECTED host's ISM-1606 is not
    /// applicable, and a SECRET host's is judged; with the shipped catalog (every other control NC to TS) it is judged.
    @Test func eachControlsApplicabilityComesFromTheCatalog() throws {
        var ism = try ISMCatalog.bundled()
        let index = try #require(ism.controls.firstIndex { $0.id == .ism1606 })
        ism.controls[index].applicability = ["S", "TS"]
        let protected = try report("[host]\nclassification = \"PROTECTED\"\n", ism: ism)
        let host1606 = try #require(protected.hostControls?.first { $0.verdict.control == .ism1606 })
        #expect(host1606.verdict.status == .notApplicable)
        #expect(host1606.verdict.rationale.first?.contains("the host is declared PROTECTED (P)") == true)
        #expect(protected.mechanisms.flatMap(\.controls).filter { $0.verdict.control == .ism1606 }.allSatisfy { $0.verdict.status == .notApplicable })
        #expect(protected.hostControls?.first { $0.verdict.control == .ism1605 }?.verdict.status != .notApplicable)
        let secret = try report("[host]\nclassification = \"SECRET\"\n", ism: ism)
        #expect(secret.hostControls?.first { $0.verdict.control == .ism1606 }?.verdict.status != .notApplicable)
        let shipped = try report("[host]\nclassification = \"PROTECTED\"\n")
        #expect(shipped.hostControls?.first { $0.verdict.control == .ism1606 }?.verdict.status != .notApplicable)
    }
}
