import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import Reporting
import Testing

@Suite struct SARIFTests {
    let report = ReportSupport.report()
    var schema: URL { ReportSupport.sharedReference.appendingPathComponent("schemas/sarif/sarif-schema-2.1.0.json") }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func validatesAgainstTheSARIF210Schema() throws {
        #expect(FileManager.default.fileExists(atPath: schema.path), "schema missing at \(schema.path)")
        let data = try SARIFRenderer.render(report)
        let run = try ReportSupport.validate(data, schema: schema)
        #expect(run.status == 0, "SARIF schema errors:\n\(run.stdout)\(run.stderr)")
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func theValidatorRejectsABrokenSARIF() throws {
        var text = String(decoding: try SARIFRenderer.render(report), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"level\" : \"error\"", with: "\"level\" : \"catastrophic\"")
        let run = try ReportSupport.validate(Data(text.utf8), schema: schema)
        #expect(run.status != 0)
    }

    @Test func resultsForFailuresNotForPasses() throws {
        let any = try JSONSerialization.jsonObject(with: try SARIFRenderer.render(report))
        let root = try #require(any as? [String: Any])
        #expect(root["version"] as? String == "2.1.0")
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let ruleIDs = results.compactMap { $0["ruleId"] as? String }
        #expect(ruleIDs.contains("qemu.sandbox"))
        #expect(ruleIDs.contains("host.kernel-lockdown"))  // inconclusive: a review item
        #expect(!ruleIDs.contains("qemu.run-as-root"))  // passed
        #expect(ruleIDs.contains("ISM-1604"))
        #expect(ruleIDs.contains("ISM-1460"))  // QEMU partiallySatisfied, Mystery notAssessed
        let messages = results.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
        #expect(!messages.contains { $0.hasPrefix("ISM-1460 satisfied for Firecracker") })
        let lockdown = try #require(results.first { $0["ruleId"] as? String == "host.kernel-lockdown" })
        #expect(lockdown["kind"] as? String == "review")
        #expect(lockdown["level"] as? String == "none")
        let sandbox = try #require(results.first { $0["ruleId"] as? String == "qemu.sandbox" })
        #expect(sandbox["level"] as? String == "error")
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        // ruleIndex points at the rule with the same id.
        for r in results {
            let i = try #require(r["ruleIndex"] as? Int)
            #expect(i < rules.count && rules[i]["id"] as? String == r["ruleId"] as? String)
        }
        #expect(try SARIFRenderer.render(report) == SARIFRenderer.render(ReportSupport.report()))
    }
}
