public import Foundation
import BulkheadModel
import VendorEvidence

/// Plain-text view of an assessment for `bulkhead assess`. Pure: returns a string.
public enum AssessmentText {
    public static func render(_ report: AssessmentReport) -> String {
        var out = "Bulkhead \(report.tool.version) — ISM-1460 assessment of \(report.host.hostname ?? "unnamed host") (\(report.host.source))\n"
        out += "Assessed \(CalendarDate.format(report.assessedAt)); catalog of \(report.inputs.catalogProducts) products"
        if !report.inputs.evidenceFiles.isEmpty { out += "; evidence: \(report.inputs.evidenceFiles.joined(separator: ", "))" }
        if !report.inputs.measuredBy.isEmpty { out += "; measured by \(report.inputs.measuredBy.joined(separator: ", "))" }
        out += "\n\n"
        if report.mechanisms.isEmpty {
            out += "No software isolation mechanisms were found.\n"
        } else {
            var rows: [[String]] = [["MECHANISM", "VERSION", "STATE", "ISM-1460", "CONFIDENCE", "WEAKEST COMPONENT"]]
            for m in report.mechanisms {
                let v = m.verdict(for: .ism1460)
                rows.append([
                    m.mechanism.product.rawValue, m.mechanism.version ?? "-", m.mechanism.state.rawValue,
                    v?.status.rawValue ?? "-", v?.confidence.rawValue ?? "-", m.ism1460?.weakestComponent ?? "-",
                ])
            }
            out += CatalogText.table(rows) + "\n"
            for m in report.mechanisms {
                out += "== \(m.mechanism.name) (\(m.mechanism.product)\(m.mechanism.version.map { " \($0)" } ?? ""), \(m.mechanism.state.rawValue))\n"
                if let e = m.ism1460 { out += CatalogText.evaluation(e, indent: "  ") }
                out += "\n"
            }
        }
        if !report.problems.isEmpty {
            out += "Problems (the items they concern are inconclusive):\n"
            for p in report.problems { out += "  - \(p)\n" }
        }
        return out
    }
}
