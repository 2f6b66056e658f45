public import Assessment
import BulkheadModel
import Foundation
public import VendorEvidence

/// The ISM's own words for the controls in a report, as every renderer quotes them.
public enum ISMQuote {
    /// "ISM release 2025.12.9 (Information security manual, built in …)".
    public static func release(_ c: ISMCatalog) -> String {
        "ISM release \(c.release) (\(c.title)\(c.published.map { ", published \($0)" } ?? ""); read from \(c.source))"
    }

    /// "ISM-1460 (revision 5, updated Mar-25): When using …".
    public static func control(_ c: ISMCatalog.Control) -> String {
        let meta = [c.revision.map { "revision \($0)" }, c.updated.map { "updated \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return "\(c.id.rawValue)\(meta.isEmpty ? "" : " (\(meta))"): \(c.statement)"
    }

    /// The quoted lines for a report, or a line saying the text was not available.
    public static func lines(_ report: AssessmentReport) -> [String] {
        guard let c = report.ism else { return ["The ISM control text was not available to this report."] }
        return [release(c)] + c.controls.map(control)
    }
}
