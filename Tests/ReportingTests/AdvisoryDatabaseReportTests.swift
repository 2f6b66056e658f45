import Advisories
import Assessment
import BulkheadModel
import BulkheadTestSupport
import Foundation
import HostInspection
import Testing
import VendorEvidence

@testable import Reporting

/// Issue 14 §5: every report shows the advisory database's age, sources and record counts. The database is
/// imported from the real CVE 5 records and CISA KEV catalog under ../shared/reference/advisories (PROVENANCE.md
/// there); its ISM-1606 findings and per-product coverage come from the real evaluation on an empty root.
@Suite struct AdvisoryDatabaseReportTests {
    struct Built {
        var report: AssessmentReport
        var info: AssessmentReport.AdvisoryDatabaseInfo
        /// The temporary directory to remove afterwards.
        var dir: String
    }

    /// `name`: the directory the database is made in, under a fresh temporary directory (a hostile one for the
    /// escaping test).
    static func build(in name: String = "db") async throws -> Built {
        let top = ReportSupport.temp("advisory-db").deletingLastPathComponent()
        // Removed here if building fails; the caller removes it (`Built.dir`) once it is returned.
        var built = false
        defer { if !built { try? FileManager.default.removeItem(at: top) } }
        let dir = top.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fixtures = ReportSupport.sharedReference.appendingPathComponent("advisories").path
        let path = dir + "/advisories.sqlite"
        let db = try AdvisoryDatabase(path: path)
        _ = try await AdvisoryImporter.run([fixtures + "/cve5", fixtures + "/kev"], into: db)
        var report = ReportSupport.report()
        let opened = OpenedAdvisoryDatabase.open(path: path)
        let root = DirectoryHostRoot(directory: dir)
        let evidence = HostInspector(root: root).collectEvidence(
            EvidencePlan.needs(catalog: Catalog.bundled()),
            given: HostFacts(collectedAt: ReportSupport.asOf, source: root.label, packages: []), now: ReportSupport.asOf)
        let evaluated = AdvisoryFindings.evaluate(
            mechanisms: report.mechanisms.map(\.mechanism), evidence: evidence, aliases: AdvisoryAliases.all(Catalog.bundled()),
            database: opened, now: ReportSupport.asOf)
        var info = AdvisoryFindings.info(opened, now: ReportSupport.asOf)
        info.coverage = evaluated.coverage
        report.inputs.advisoryDatabase = info
        let verdict = ControlVerdict(
            control: .ism1606, subject: "host", status: .notAssessed, confidence: .low,
            rationale: ["advisories.patched is inconclusive for every mechanism (no installed package)"],
            evidence: evaluated.findings.flatMap(\.evidence))
        report.hostControls = (report.hostControls ?? []) + [ControlAssessment(verdict: verdict, findings: evaluated.findings)]
        built = true
        return Built(report: report, info: info, dir: top.path)
    }

    /// The lines every format must carry: the database's path and state, each source's record count, and
    /// each source's newest record date.
    static func expected(_ info: AssessmentReport.AdvisoryDatabaseInfo) throws -> [String] {
        let sources = try #require(info.sources)
        return [info.path, info.state] + sources.map { "\($0.format): \($0.records) records" }
            + sources.compactMap { $0.newestRecord.map { "newest record \($0.prefix(10))" } }
    }

    @Test func everyFormatShowsTheDatabasesAgeSourcesAndRecordCounts() async throws {
        let built = try await Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        let info = built.info
        #expect(info.state == "available")
        let sources = try #require(info.sources)
        let cve5 = try #require(sources.first { $0.format == "cve5" })
        #expect(cve5.records == 21)  // the 21 records under advisories/cve5
        #expect(sources.contains { $0.format == "kev" && $0.records > 1000 })
        #expect(info.coverage?.contains { $0.product == "qemu" && $0.covered } == true)
        let lines = AdvisoryDatabaseLines.lines(built.report)
        #expect(lines.contains { $0.contains("source cve5: 21 records, newest record 20") })
        #expect(lines.contains { $0.hasPrefix("  coverage qemu: cve5 ") })

        let report = built.report
        let texts = try ReportSupport.renderedTexts(report)
        for (name, wrapped) in texts {
            // The table wraps at 100 columns (continuation lines indented): compare with the breaks undone.
            let text = wrapped.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            for piece in try Self.expected(info) { #expect(text.contains(piece), "\(name) lacks \(piece)") }
            #expect(text.contains("current (limit 7 days)"), "\(name) lacks the age against the limit")
            #expect(text.contains("coverage qemu: cve5"), "\(name) lacks QEMU's coverage")
        }
        // JSON carries the database as data.
        let json = try JSONCoding.decoder().decode(AssessmentReport.self, from: try JSONCoding.encoder().encode(report))
        #expect(json.inputs.advisoryDatabase == info)
    }

    @Test func sarifCarriesTheDatabaseAsRunProperties() async throws {
        let built = try await Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        let root = try #require(try JSONSerialization.jsonObject(with: try SARIFRenderer.render(built.report)) as? [String: Any])
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        let db = try #require((run["properties"] as? [String: Any])?["advisoryDatabase"] as? [String: Any])
        #expect(db["path"] as? String == built.info.path)
        #expect(db["stale"] as? Bool == false)
        #expect(db["maximumAgeDays"] as? String == "7")
        let sources = try #require(db["sources"] as? [[String: Any]])
        #expect(sources.contains { $0["format"] as? String == "cve5" && $0["records"] as? Int == 21 })
        #expect(sources.allSatisfy { $0["importedAt"] is String })
        let coverage = try #require(db["coverage"] as? [[String: Any]])
        #expect(coverage.contains { $0["product"] as? String == "qemu" && $0["covered"] as? Bool == true })
        #expect((db["lines"] as? [String]) == AdvisoryDatabaseLines.lines(built.report))
    }

    @Test func oscalObservesTheDatabaseAndRelatesItToISM1606() async throws {
        let built = try await Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        let root = try #require(try JSONSerialization.jsonObject(with: try OSCALRenderer.render(built.report)) as? [String: Any])
        let result = try #require(((root["assessment-results"] as? [String: Any])?["results"] as? [[String: Any]])?.first)
        let observations = try #require(result["observations"] as? [[String: Any]])
        let db = try #require(observations.first { ($0["title"] as? String)?.hasPrefix("Advisory database") == true })
        let props = try #require(db["props"] as? [[String: Any]])
        func values(_ name: String) -> [String] { props.filter { $0["name"] as? String == name }.compactMap { $0["value"] as? String } }
        #expect(values("advisory-database-state") == ["available"])
        #expect(values("advisory-database-stale") == ["false"])
        #expect(values("advisory-database-maximum-age-days") == ["7"])
        #expect(values("advisory-source").contains { $0.hasPrefix("cve5: 21 records, newest record 20") })
        let newest = try #require(built.info.sources?.compactMap { $0.newestRecord.map { String($0.prefix(10)) } }.max())
        #expect(values("advisory-database-newest-record") == [newest])
        let evidence = try #require(db["relevant-evidence"] as? [[String: Any]])
        #expect(evidence.first?["href"] as? String == URL(fileURLWithPath: built.info.path).absoluteString)
        // The host's ISM-1606 finding relates the observation.
        let findings = try #require(result["findings"] as? [[String: Any]])
        let ism1606 = try #require(
            findings.first { (($0["target"] as? [String: Any])?["target-id"] as? String) == ControlID.ism1606.oscalID })
        let related = (ism1606["related-observations"] as? [[String: Any]] ?? []).compactMap { $0["observation-uuid"] as? String }
        #expect(related.contains(try #require(db["uuid"] as? String)))
        // Byte-identical for the same report.
        #expect(try OSCALRenderer.render(built.report) == OSCALRenderer.render(built.report))
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func theOSCALAndSARIFWithTheDatabaseAreSchemaValid() async throws {
        let built = try await Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        try Self.expectSchemaValid(built.report)
    }

    /// compliance-trestle (the OSCAL SDK assessors use) loads the document and finds the observation's props.
    @Test(
        .enabled(
            if: Tool.runsPython(importing: "trestle.oscal.assessment_results"), "needs python3 with compliance-trestle (.ci/run installs it)"))
    func theOSCALWithTheDatabaseLoadsInComplianceTrestle() async throws {
        let built = try await Self.build()
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        let python = try #require(
            Tool.python(importing: "trestle.oscal.assessment_results"), "python3 with compliance-trestle is missing (.ci/run installs it)")
        let file = ReportSupport.temp("assessment-results.json")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try OSCALRenderer.render(built.report).write(to: file)
        let script = """
            import sys, pathlib
            from trestle.oscal.assessment_results import AssessmentResults
            ar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))
            o = [o for o in ar.results[0].observations if o.title.startswith("Advisory database")][0]
            print(" | ".join(p.name + "=" + p.value for p in o.props if p.name == "advisory-source"))
            """
        let run = try ReportSupport.run(python, ["-c", script, file.path])
        #expect(run.status == 0, "trestle failed: \(run.stderr.suffix(3000))")
        #expect(run.stdout.contains("advisory-source=cve5: 21 records, newest record 20"))
        #expect(run.stdout.contains("advisory-source=kev: "))
    }

    /// A database path from the host (`--advisory-database`) is hostile text like any other: HTML escapes it,
    /// the table strips control characters, and OSCAL stays schema-valid with it in a title, props and an href.
    @Test func aHostileDatabasePathIsEscapedEverywhere() async throws {
        let built = try await Self.build(in: "<script>alert(1)</script>\n\u{1B}[2Jx")
        defer { try? FileManager.default.removeItem(atPath: built.dir) }
        #expect(built.info.state == "available")
        let html = HTMLRenderer.render(built.report)
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!AssessmentText.render(built.report).contains("\u{1B}"))
        #expect(!MarkdownRenderer.render(built.report).contains("\u{1B}"))
        if Tool.runsPython(importing: "jsonschema", "regex") {
            try Self.expectSchemaValid(built.report)
        }
    }

    /// The OSCAL assessment results (NIST 1.1.2) and the SARIF (2.1.0) of `report` are valid against their schemas.
    static func expectSchemaValid(_ report: AssessmentReport) throws {
        let oscal = try ReportSupport.validate(
            try OSCALRenderer.render(report),
            schema: ReportSupport.sharedReference.appendingPathComponent("schemas/oscal/v1.1.2/oscal_assessment-results_schema.json"))
        #expect(oscal.status == 0, "OSCAL schema errors:\n\(oscal.stdout)\(oscal.stderr)")
        let sarif = try ReportSupport.validate(
            try SARIFRenderer.render(report),
            schema: ReportSupport.sharedReference.appendingPathComponent("schemas/sarif/sarif-schema-2.1.0.json"))
        #expect(sarif.status == 0, "SARIF schema errors:\n\(sarif.stdout)\(sarif.stderr)")
    }
}
