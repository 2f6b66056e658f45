import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import Testing

@testable import Reporting

@Suite struct OSCALTests {
    let report = ReportSupport.report()
    var schema: URL {
        ReportSupport.sharedReference.appendingPathComponent("schemas/oscal/v1.1.2/oscal_assessment-results_schema.json")
    }

    func json(_ data: Data) throws -> [String: Any] {
        let any = try JSONSerialization.jsonObject(with: data)
        let root = try #require(any as? [String: Any])
        return try #require(root["assessment-results"] as? [String: Any])
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func validatesAgainstTheNISTSchema() throws {
        #expect(FileManager.default.fileExists(atPath: schema.path), "schema missing at \(schema.path)")
        let data = try OSCALRenderer.render(report)
        let run = try ReportSupport.validate(data, schema: schema)
        #expect(run.status == 0, "OSCAL schema errors:\n\(run.stdout)\(run.stderr)")
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func theValidatorRejectsABrokenDocument() throws {
        // Proves the schema test can fail: drop a required field and use a bad status state.
        var text = String(decoding: try OSCALRenderer.render(report), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"collected\"", with: "\"gathered\"")
        text = text.replacingOccurrences(of: "\"state\" : \"not-satisfied\"", with: "\"state\" : \"nearly\"")
        let run = try ReportSupport.validate(Data(text.utf8), schema: schema)
        #expect(run.status != 0)
        #expect(run.stdout.contains("'collected' is a required property"))
    }

    // MARK: The assessment plan written beside the results

    var planSchema: URL {
        ReportSupport.sharedReference.appendingPathComponent("schemas/oscal/v1.1.2/oscal_assessment-plan_schema.json")
    }

    func profiled(_ toml: String) throws -> AssessmentReport {
        var r = report
        r.profile = try SystemProfile.parse(Data(toml.utf8), path: "/etc/bulkhead/bulkhead.toml")
        return r
    }

    static let profileText = """
        [system]
        name = "Payments platform"
        boundary = "kvm-host-01 and its guests"
        security_plan = "https://intranet.example/ssp/payments-v3.pdf"
        [assessor]
        name = "A. Assessor\\u001b[31m\\nsecond line"
        irap = "IRAP-1234"
        [host]
        classification = "PROTECTED"
        """

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func thePlanAndTheResultsThatImportItAreSchemaValid() throws {
        for r in [report, try profiled(Self.profileText)] {
            let plan = try ReportSupport.validate(try OSCALRenderer.renderPlan(r), schema: planSchema)
            #expect(plan.status == 0, "OSCAL assessment-plan schema errors:\n\(plan.stdout)\(plan.stderr)")
            let results = try ReportSupport.validate(try OSCALRenderer.render(r), schema: schema)
            #expect(results.status == 0, "OSCAL assessment-results schema errors:\n\(results.stdout)\(results.stderr)")
        }
        // The plan validator can fail: a plan without import-ssp is refused.
        var broken = String(decoding: try OSCALRenderer.renderPlan(report), as: UTF8.self)
        broken = broken.replacingOccurrences(of: "\"import-ssp\"", with: "\"import-sp\"")
        #expect(try ReportSupport.validate(Data(broken.utf8), schema: planSchema).status != 0)
    }

    @Test func theResultsImportThePlanByNameAndHash() throws {
        let r = try profiled(Self.profileText)
        let ar = try json(try OSCALRenderer.render(r))
        let importAP = try #require(ar["import-ap"] as? [String: Any])
        let href = try #require(importAP["href"] as? String)
        #expect(href.hasPrefix("#"))
        let resources = try #require((ar["back-matter"] as? [String: Any])?["resources"] as? [[String: Any]])
        let resource = try #require(resources.first { "#" + ($0["uuid"] as? String ?? "") == href })
        let rlink = try #require((resource["rlinks"] as? [[String: Any]])?.first)
        #expect(rlink["href"] as? String == "assessment-plan.oscal.json")
        let hash = try #require((rlink["hashes"] as? [[String: Any]])?.first?["value"] as? String)
        let plan = try OSCALRenderer.renderPlan(r)
        // Checked by sha256sum, not by the code that wrote it.
        let sha256sum = try #require(Tool.find("sha256sum"), "coreutils' sha256sum is missing")
        let file = ReportSupport.temp("plan.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try plan.write(to: file)
        let summed = try ReportSupport.run(sha256sum, [file.path])
        #expect(summed.stdout.hasPrefix(hash + " "))
        // The plan's subjects are the results' components: the host and every mechanism.
        let apRoot = try #require(try JSONSerialization.jsonObject(with: plan) as? [String: Any])
        let ap = try #require(apRoot["assessment-plan"] as? [String: Any])
        let subjects = try #require((ap["assessment-subjects"] as? [[String: Any]])?.first?["include-subjects"] as? [[String: Any]])
        let result = try #require((ar["results"] as? [[String: Any]])?.first)
        let components = try #require((result["local-definitions"] as? [String: Any])?["components"] as? [[String: Any]])
        #expect(Set(subjects.compactMap { $0["subject-uuid"] as? String }) == Set(components.compactMap { $0["uuid"] as? String }))
        #expect(subjects.count == r.mechanisms.count + 1)
    }

    @Test func theAssessorAndPartiesComeFromTheProfileAndNothingIsInventedWithoutOne() throws {
        let r = try profiled(Self.profileText)
        for document in [try json(try OSCALRenderer.render(r)), try planJSON(r)] {
            let metadata = try #require(document["metadata"] as? [String: Any])
            let party = try #require((metadata["parties"] as? [[String: Any]])?.first)
            // The hostile newline and escape are folded into one line.
            let name = try #require(party["name"] as? String)
            #expect(name.hasPrefix("A. Assessor") && !name.contains("\n") && !name.contains("\u{1b}"))
            #expect((party["props"] as? [[String: Any]])?.first?["value"] as? String == "IRAP-1234")
            let responsible = try #require((metadata["responsible-parties"] as? [[String: Any]])?.first)
            #expect(responsible["role-id"] as? String == "assessor")
            #expect((responsible["party-uuids"] as? [String]) == [party["uuid"] as? String].compactMap { $0 })
            let remarks = try #require(metadata["remarks"] as? String)
            #expect(remarks.contains("System: Payments platform.") && remarks.contains("Host classification: PROTECTED"))
        }
        // The plan names the security plan as its import-ssp resource, linked.
        let ap = try planJSON(r)
        let ssp = try #require((ap["import-ssp"] as? [String: Any])?["href"] as? String)
        let resources = try #require((ap["back-matter"] as? [String: Any])?["resources"] as? [[String: Any]])
        let sspResource = try #require(resources.first { "#" + ($0["uuid"] as? String ?? "") == ssp })
        #expect((sspResource["rlinks"] as? [[String: Any]])?.first?["href"] as? String == "https://intranet.example/ssp/payments-v3.pdf")
        // Without a profile: no party, no role, and the plan says what it assumed.
        let bare = try planJSON(report)
        let metadata = try #require(bare["metadata"] as? [String: Any])
        #expect(metadata["parties"] == nil && metadata["roles"] == nil)
        #expect((metadata["remarks"] as? String)?.contains("profile") == true)
        let bareResources = try #require((bare["back-matter"] as? [String: Any])?["resources"] as? [[String: Any]])
        #expect(bareResources.contains { ($0["title"] as? String) == "No system security plan declared" })
    }

    func planJSON(_ r: AssessmentReport) throws -> [String: Any] {
        let root = try #require(try JSONSerialization.jsonObject(with: try OSCALRenderer.renderPlan(r)) as? [String: Any])
        return try #require(root["assessment-plan"] as? [String: Any])
    }

    @Test func isDeterministic() throws {
        let a = try OSCALRenderer.render(report)
        let b = try OSCALRenderer.render(ReportSupport.report())
        #expect(a == b)
        // A JSON round trip of the report (what `--format json` then a later render would do) gives the same bytes.
        let decoded = try JSONCoding.decoder().decode(AssessmentReport.self, from: JSONCoding.encoder().encode(report))
        #expect(try OSCALRenderer.render(decoded) == a)
        // Another host gives other UUIDs.
        let other = try OSCALRenderer.render(ReportSupport.report(hostname: "kvm-host-02"))
        #expect(other != a)
    }

    @Test func findingsObservationsAndControls() throws {
        let ar = try json(try OSCALRenderer.render(report))
        let result = try #require((ar["results"] as? [[String: Any]])?.first)
        let findings = try #require(result["findings"] as? [[String: Any]])
        let observations = try #require(result["observations"] as? [[String: Any]])
        // One finding per control per mechanism: 5 mechanisms × ISM-1460 + QEMU's ISM-1604.
        #expect(findings.count == report.mechanisms.count + 1)
        let obsUUIDs = Set(observations.compactMap { $0["uuid"] as? String })
        #expect(obsUUIDs.count == observations.count, "observation UUIDs are unique")
        var allUUIDs: [String] = []
        for f in findings {
            allUUIDs.append(f["uuid"] as? String ?? "")
            for r in f["related-observations"] as? [[String: String]] ?? [] {
                #expect(obsUUIDs.contains(r["observation-uuid"] ?? ""), "dangling related-observation")
            }
            let target = try #require(f["target"] as? [String: Any])
            #expect(target["type"] as? String == "objective-id")
        }
        #expect(Set(allUUIDs).count == allUUIDs.count)
        func finding(_ title: String) -> [String: Any]? {
            findings.first { ($0["title"] as? String)?.hasPrefix(title) == true }
        }
        func state(_ f: [String: Any]?) -> String? {
            ((f?["target"] as? [String: Any])?["status"] as? [String: Any])?["state"] as? String
        }
        #expect(state(finding("ISM-1460 — Firecracker")) == "satisfied")
        #expect(state(finding("ISM-1460 — QEMU")) == "not-satisfied")  // partiallySatisfied
        #expect(state(finding("ISM-1604 — QEMU")) == "not-satisfied")
        #expect(state(finding("ISM-1460 — Mystery")) == "not-satisfied")  // notAssessed is never a pass
        let f1604 = try #require(finding("ISM-1604 — QEMU"))
        #expect((f1604["target"] as? [String: Any])?["target-id"] as? String == "ism-1604")
        // One observation per criterion (6) for each catalogued mechanism, and one per check (3, incl. host).
        let criterionObs = observations.filter { ($0["title"] as? String)?.contains("criterion (4a)") == true }
        #expect(criterionObs.count == 5)
        let checks = observations.filter { ($0["title"] as? String)?.hasPrefix("Check ") == true }
        #expect(checks.count == 3)
        #expect(checks.contains { ($0["title"] as? String) == "Check host.kernel-lockdown — host" })
        // Evidence with hrefs and collected times.
        let fcCriterion = try #require(
            observations.first {
                ($0["title"] as? String)?.hasPrefix("ISM-1460 criterion (1)") == true
                    && ($0["title"] as? String)?.hasSuffix("Firecracker") == true
            })
        let evidence = try #require(fcCriterion["relevant-evidence"] as? [[String: Any]])
        #expect(evidence.contains { ($0["href"] as? String)?.hasPrefix("https://") == true })
        #expect(fcCriterion["collected"] as? String != nil)
        // Reviewed controls by ISM id, and the catalog in back-matter.
        let selections = try #require((result["reviewed-controls"] as? [String: Any])?["control-selections"] as? [[String: Any]])
        let ids = (selections.first?["include-controls"] as? [[String: String]] ?? []).compactMap { $0["control-id"] }
        #expect(ids == ["ism-1460", "ism-1604"])
        let resources = try #require((ar["back-matter"] as? [String: Any])?["resources"] as? [[String: Any]])
        let catalog = try #require(resources.first { ($0["title"] as? String)?.contains("Information security manual") == true })
        let rlinks = catalog["rlinks"] as? [[String: Any]] ?? []
        #expect(rlinks.contains { ($0["href"] as? String)?.hasSuffix("ISM_catalog.json") == true })
        #expect((ar["import-ap"] as? [String: Any])?["href"] as? String != nil)
    }

    @Test func stableUUIDsAreVersion5AndMatchRFCVectors() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        #expect(StableUUID.format(StableUUID.make(namespace: dns, name: "python.org")) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let a = StableUUID.make("finding", "qemu", "ism-1460")
        #expect(a == StableUUID.make("finding", "qemu", "ism-1460"))
        #expect(a != StableUUID.make("finding", "qemu|ism-1460"))  // parts cannot run together
        #expect(Array(a)[14] == "5")
    }

    @Test func statusMapping() {
        #expect(OSCALRenderer.objectiveStatus(.satisfied).state == "satisfied")
        #expect(OSCALRenderer.objectiveStatus(.satisfiedLessPreferred).state == "satisfied")
        #expect(OSCALRenderer.objectiveStatus(.partiallySatisfied).state == "not-satisfied")
        #expect(OSCALRenderer.objectiveStatus(.notSatisfied).state == "not-satisfied")
        #expect(OSCALRenderer.objectiveStatus(.notAssessed) == ("not-satisfied", "other"))
        #expect(OSCALRenderer.objectiveStatus(.notApplicable) == ("satisfied", "other"))
    }

    /// compliance-trestle (the OSCAL SDK assessors use) loads the document into its pydantic models.
    @Test(
        .enabled(
            if: Tool.runsPython(importing: "trestle.oscal.assessment_results"), "needs python3 with compliance-trestle (.ci/run installs it)"))
    func loadsInComplianceTrestle() throws {
        let python = try #require(
            Tool.python(importing: "trestle.oscal.assessment_results"), "python3 with compliance-trestle is missing (.ci/run installs it)")
        let file = ReportSupport.temp("assessment-results.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try OSCALRenderer.render(report).write(to: file)
        let script = """
            import sys, pathlib
            from trestle.oscal.assessment_results import AssessmentResults
            ar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))
            r = ar.results[0]
            print(len(r.findings), len(r.observations), r.reviewed_controls.control_selections[0].include_controls[0].control_id)
            """
        let run = try ReportSupport.run(python, ["-c", script, file.path])
        #expect(run.status == 0, "trestle failed: \(run.stderr.suffix(3000))")
        #expect(run.stdout.hasPrefix("\(report.mechanisms.count + 1) "))
        #expect(run.stdout.contains("ism-1460"))
    }
}
