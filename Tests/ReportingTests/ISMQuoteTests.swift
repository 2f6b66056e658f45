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
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bad = dir.appendingPathComponent("not-oscal.json")
        try Data(#"{"catalog": {"controls": []}}"#.utf8).write(to: bad)
        #expect(throws: VendorEvidenceError.self) { try ISMCatalog.load(path: bad.path) }
    }

    @Test func everyFormatQuotesTheControlsAndNamesTheRelease() throws {
        #expect(report.ism?.release == "2025.12.9")
        #expect(report.ism?.controls.contains { $0.id == .ism1460 } == true)
        let texts: [(String, String)] = [
            ("table", AssessmentText.render(report)),
            ("markdown", MarkdownRenderer.render(report)),
            ("html", HTMLRenderer.render(report)),
            ("sarif", String(decoding: try SARIFRenderer.render(report), as: UTF8.self)),
            ("oscal", String(decoding: try OSCALRenderer.render(report), as: UTF8.self)),
            ("json", String(decoding: try JSONEncoder().encode(report), as: UTF8.self)),
        ]
        for (name, wrapped) in texts {
            // The table wraps at 100 columns (continuation lines indented): compare with the breaks undone.
            let text = wrapped.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(text.contains("2025.12.9"), "\(name)")
            // JSON escapes the apostrophe differently; the words after it are the same everywhere.
            #expect(text.contains("the isolation mechanism is from a vendor that has demonstrated a commitment"), "\(name)")
            if name != "json" { #expect(text.contains("ISM-1460 (revision 5, updated Mar-25)"), "\(name)") }
        }
    }
}
