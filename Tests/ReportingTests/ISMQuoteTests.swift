import Assessment
import BulkheadModel
import Foundation
import Reporting
import Testing
import VendorEvidence

/// Every report format names the ISM release and quotes each assessed control's statement and revision,
/// read from the OSCAL catalog (the built-in extract of ../shared/reference/ism/ISM_catalog.json, 2025.12.9).
@Suite struct ISMQuoteTests {
    let report = ReportSupport.report()
    static let statement1460 =
        "When using a software-based isolation mechanism to share a physical server’s hardware, the isolation mechanism is from a vendor that has demonstrated a commitment to Secure by Design"

    @Test func theBuiltInExtractIsTheReleasesOwnText() throws {
        let c = try ISMCatalog.bundled()
        #expect(c.release == "2025.12.9")
        #expect(c.control(.ism1460)?.revision == "5" && c.control(.ism1460)?.updated == "Mar-25")
        #expect(c.control(.ism1460)?.statement.hasPrefix(Self.statement1460) == true)
        #expect(c.control(.ism1743)?.statement.hasSuffix("are used for operating systems.") == true)
        #expect(c.control(.ism1461)?.applicability == ["S", "TS"])
        #expect(Set(c.controls.map(\.id)) == Set(ISMCatalog.assessed))
    }

    @Test func aNewerCatalogFileIsReadAndABadOneRefused() throws {
        let full = try ISMCatalog.load(path: ReportSupport.sharedReference.appendingPathComponent("ism/ISM_catalog.json").path)
        #expect(full.release == "2025.12.9" && full.controls.count == ISMCatalog.assessed.count)
        let dir = ReportSupport.temp("ism")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("not-oscal.json")
        try Data(#"{"catalog": {"controls": []}}"#.utf8).write(to: bad)
        #expect(throws: VendorEvidenceError.self) { try ISMCatalog.load(path: bad.path) }
    }

    @Test func everyFormatQuotesTheControlsAndNamesTheRelease() throws {
        #expect(report.ism?.release == "2025.12.9")
        #expect(report.ism?.controls.contains { $0.id == .ism1460 } == true)
        let texts = try ReportSupport.renderedTexts(report) + [("json", String(decoding: try JSONEncoder().encode(report), as: UTF8.self))]
        for (name, wrapped) in texts {
            // The table wraps at 100 columns (continuation lines indented): compare with the breaks undone.
            let text = wrapped.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(text.contains("2025.12.9"), "\(name)")
            // JSON escapes the apostrophe differently; the words after it are the same everywhere.
            #expect(text.contains("the isolation mechanism is from a vendor that has demonstrated a commitment"), "\(name)")
            if name != "json" { #expect(text.contains("ISM-1460 (revision 5, updated Mar-25)"), "\(name)") }
        }
    }

    /// Every control Bulkhead assesses (ISMCatalog.assessed: the virtualisation hardening controls and
    /// ISM-1743), each with a verdict in one report: every format quotes each one's statement from the built-in
    /// catalog, with its revision and update, as each format writes text (table wrapped, Markdown and HTML
    /// escaped, SARIF, OSCAL and JSON as JSON strings).
    @Test func everyFormatQuotesEveryAssessedControlsStatement() throws {
        let catalog = try ISMCatalog.bundled()
        var report = ReportSupport.report()
        let present = Set(report.assessedControls)
        for id in ISMCatalog.assessed where !present.contains(id) {
            let verdict = ControlVerdict(
                control: id, subject: "host", status: .notAssessed, confidence: .low, rationale: ["for the quote test"], evidence: [])
            report.hostControls = (report.hostControls ?? []) + [ControlAssessment(verdict: verdict)]
        }
        report.quote(catalog)
        #expect(report.assessedControls == ISMCatalog.assessed)
        let controls = try #require(report.ism?.controls)
        #expect(controls.map(\.id) == ISMCatalog.assessed)
        #expect(controls.count >= 8)
        for c in controls {
            #expect(c.statement == catalog.control(c.id)?.statement)
            #expect(c.statement.count > 40 && c.revision != nil && c.updated != nil, "\(c.id)")
        }
        let quotes = controls.map(ISMQuote.control)

        /// Every string in a JSON document, as decoded (escapes undone).
        func strings(_ data: Data) throws -> [String] {
            var out: [String] = []
            func walk(_ v: Any) {
                if let s = v as? String {
                    out.append(s)
                } else if let a = v as? [Any] {
                    a.forEach(walk)
                } else if let o = v as? [String: Any] {
                    o.values.forEach(walk)
                }
            }
            walk(try JSONSerialization.jsonObject(with: data))
            return out
        }
        func unwrapped(_ text: String) -> String {
            // The table wraps at 100 columns (continuation lines indented): compare with the breaks undone.
            text.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        let table = unwrapped(AssessmentText.render(report))
        let markdown = MarkdownRenderer.render(report)
        let html = HTMLRenderer.render(report)
        let sarif = try strings(try SARIFRenderer.render(report))
        let oscal = try strings(try OSCALRenderer.render(report))
        let json = try strings(try JSONCoding.encoder().encode(report))
        for (c, quote) in zip(controls, quotes) {
            #expect(table.contains(unwrapped(quote)), "table lacks \(c.id)")
            #expect(markdown.contains(Escape.markdown(quote)), "markdown lacks \(c.id)")
            #expect(html.contains(Escape.html(quote)), "html lacks \(c.id)")
            #expect(sarif.contains(quote), "sarif lacks \(c.id)")
            #expect(oscal.contains { $0.contains(quote) }, "oscal lacks \(c.id)")
            // JSON carries the catalog as data: the statement, revision and release as fields.
            #expect(json.contains(c.statement), "json lacks \(c.id)")
        }
        for (name, text) in [("table", table), ("markdown", markdown), ("html", html)] {
            #expect(text.contains("ISM release 2025.12.9"), "\(name)")
        }
        #expect(sarif.contains { $0.hasPrefix("ISM release 2025.12.9") })
        #expect(oscal.contains { $0.contains("ISM release 2025.12.9") })
        #expect(json.contains("2025.12.9"))
    }
}
