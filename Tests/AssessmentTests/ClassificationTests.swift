import BulkheadModel
import Checks
import Discovery
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

    func report(
        _ profileText: String?, guests: [String] = [], libvirt: [Guest] = [], ism: ISMCatalog? = try? ISMCatalog.bundled()
    ) throws -> AssessmentReport {
        var assessor = Assessor(catalog: Support.catalog, asOf: Support.asOf, plan: AssessmentPlan(checks: try CheckCatalog.standard()))
        assessor.ismCatalog = ism
        if let profileText { assessor.profile = try SystemProfile.parse(Data(profileText.utf8), path: "bulkhead.toml") }
        var qemu = Support.mechanism("qemu", "QEMU", role: .vmm)
        qemu.guests = guests.map { Guest(name: $0, running: true) } + libvirt
        let report = assessor.run(on: Support.evidence(DirectoryHostRoot(directory: Self.host)), discovery: Support.discovery([qemu]))
        if profileText == nil { #expect(report.assumptions?.first?.contains("ISM-1461 is not assessed") == true) }
        return report
    }

    func ism1461(_ profileText: String?, guests: [String] = [], libvirt: [Guest] = []) throws -> ControlAssessment? {
        try report(profileText, guests: guests, libvirt: libvirt).hostControls?.first { $0.verdict.control == .ism1461 }
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

    /// libvirt's own test domain (DiscoveryTests/Fixtures/libvirt-xml-args-pairs/graphics-spice.xml, PROVENANCE.md)
    /// with a `<metadata><bulkhead:guest>` block added after `<uuid>`, parsed by the real parser, as guest `name`.
    func libvirtGuest(_ name: String, classification: String, domain: String) throws -> Guest {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DiscoveryTests/Fixtures/libvirt-xml-args-pairs/graphics-spice.xml")
        let xml = try String(contentsOf: fixture, encoding: .utf8)
        let block =
            "</uuid>\n  <metadata>\n    <bulkhead:guest xmlns:bulkhead=\"https://bulkhead.dev/xmlns/guest/1\">"
            + "<classification>\(classification)</classification><domain>\(domain)</domain></bulkhead:guest>\n  </metadata>"
        #expect(xml.contains("</uuid>"))
        let parsed = try LibvirtDomainParser.parse(text: xml.replacingOccurrences(of: "</uuid>", with: block), source: "\(name).xml")
        return Guest(name: name, running: false, configuration: .libvirt(parsed.value))
    }

    /// A guest with no profile entry is marked by its own libvirt metadata (issue 14 §4); the profile's entry wins.
    @Test func guestsAreMarkedByTheirLibvirtMetadata() throws {
        let base = "[host]\nclassification = \"SECRET\"\ndomain = \"ops\"\n"
        let same = try #require(
            try ism1461(
                base,
                libvirt: [libvirtGuest("g1", classification: "SECRET", domain: "ops"), libvirtGuest("g2", classification: "SECRET", domain: "ops")]))
        let pass = try #require(same.findings.first { $0.checkID == "profile.guest-classification" })
        #expect(pass.outcome == .pass, "\(pass.outcome)")
        let official = try #require(
            try ism1461(
                base,
                libvirt: [libvirtGuest("g1", classification: "SECRET", domain: "ops"), libvirtGuest("g2", classification: "OFFICIAL", domain: "ops")])
        )
        #expect(official.verdict.status == .notSatisfied)
        let fail = try #require(official.findings.first { $0.checkID == "profile.guest-classification" })
        #expect(fail.outcome == .fail && fail.observed?.contains("g2 is OFFICIAL/ops (libvirt metadata)") == true, "\(fail)")
        // The profile's entry by name wins over the guest's own metadata.
        let overridden = try #require(
            try ism1461(
                base + "[guests.g2]\nclassification = \"SECRET\"\ndomain = \"ops\"\n",
                libvirt: [libvirtGuest("g2", classification: "OFFICIAL", domain: "ops")]))
        #expect(overridden.findings.first { $0.checkID == "profile.guest-classification" }?.outcome == .pass)
    }

    /// Metadata is the tenant's: an unknown word, an overlong value or a bidi control make the classification unknown,
    /// so ISM-1461 is inconclusive with the reason, never satisfied.
    @Test func unknownOrHostileLibvirtMetadataIsNeverSatisfied() throws {
        let base = "[host]\nclassification = \"SECRET\"\ndomain = \"ops\"\n"
        let cases: [(String, String, String)] = [
            ("CONFIDENTIAL", "ops", "\"CONFIDENTIAL\" is not one of"),
            ("SECRET\u{202E}", "ops", "holds characters other than"),
            ("SECRET", String(repeating: "o", count: 65), "longer than 64"),
            ("", "ops", "no classification declared"),
        ]
        for (classification, domain, reason) in cases {
            let c = try #require(
                try ism1461(
                    base,
                    libvirt: [
                        libvirtGuest("g1", classification: "SECRET", domain: "ops"),
                        libvirtGuest("g2", classification: classification, domain: domain),
                    ]))
            #expect(c.verdict.status != .satisfied, "\(classification)")
            let finding = try #require(c.findings.first { $0.checkID == "profile.guest-classification" })
            guard case .inconclusive(let why) = finding.outcome else {
                Issue.record("\(classification): \(finding.outcome)")
                continue
            }
            #expect(why.contains(reason) && why.contains("g2") && !why.contains("\u{202E}"), "\(why)")
        }
    }
}
