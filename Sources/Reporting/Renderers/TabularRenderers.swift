public import Assessment
import BulkheadModel
import Foundation
import VendorEvidence

/// Markdown: the summary table, then per mechanism the rationale, criteria and findings. Every cell
/// from the host or a guest goes through `Escape.markdown`.
public enum MarkdownRenderer {
    public static func render(_ report: AssessmentReport) -> String {
        let e = Escape.markdown
        var o = "# Bulkhead assessment of \(e(report.host.hostname ?? "unnamed host"))\n\n"
        o += "- Source: \(e(report.host.source))\n- Collected: \(Timestamp.string(report.host.collectedAt))\n"
        o += "- Assessed: \(Timestamp.string(report.assessedAt)) by \(e(report.tool.name)) \(e(report.tool.version))\n"
        o += "- Catalog: \(report.inputs.catalogProducts) products"
        if !report.inputs.evidenceFiles.isEmpty { o += "; evidence: \(e(report.inputs.evidenceFiles.joined(separator: ", ")))" }
        o += "\n\n## Summary\n\n"
        let controls = ReportRow.controls(report)
        if report.mechanisms.isEmpty {
            o += "No software isolation mechanisms were found.\n\n"
        } else {
            o += "| Mechanism | Version | State | " + controls.map(\.rawValue).joined(separator: " | ") + " |\n"
            o += "|---|---|---|" + String(repeating: "---|", count: controls.count) + "\n"
            for m in report.mechanisms {
                o += "| \(e(m.mechanism.name)) | \(e(m.mechanism.version ?? "-")) | \(m.mechanism.state.rawValue) | "
                o +=
                    controls.map { c in m.verdict(for: c).map { "\($0.status.rawValue) (\($0.confidence.rawValue))" } ?? "-" }
                    .joined(separator: " | ") + " |\n"
            }
            o += "\n"
        }
        o += "## ISM controls assessed\n\n" + ISMQuote.lines(report).map { "- \(e($0))\n" }.joined() + "\n"
        if !report.problems.isEmpty {
            o += "## Problems\n\n"
            for p in report.problems { o += "- \(e(p.subject)): \(e(p.message))\n" }
            o += "\n"
        }
        for m in report.mechanisms {
            o += "## \(e(m.mechanism.name)) (\(e(m.mechanism.product.rawValue)))\n\n"
            if !m.mechanism.guests.isEmpty {
                o += "Guests: " + m.mechanism.guests.map { e($0.name) }.joined(separator: ", ") + "\n\n"
            }
            for c in m.controls {
                o += "### \(c.verdict.control.rawValue): \(c.verdict.status.rawValue) (confidence \(c.verdict.confidence.rawValue))\n\n"
                for r in c.verdict.rationale { o += "- \(e(r))\n" }
                o += "\n"
                if let ev = c.ism1460, !ev.criteria.isEmpty {
                    o += "| Criterion | Outcome | Reasons |\n|---|---|---|\n"
                    for r in ev.criteria {
                        o += "| (\(r.criterion.number)) \(e(r.criterion.title)) | \(r.outcome.rawValue) | \(e(r.reasons.joined(separator: " "))) |\n"
                    }
                    o += "\n"
                }
                if !c.findings.isEmpty {
                    o += "| Check | Subject | Outcome | Severity | Observed | Expected |\n|---|---|---|---|---|---|\n"
                    for f in c.findings {
                        o +=
                            "| \(e(f.checkID)) | \(e(f.subject)) | \(e(outcomeText(f.outcome))) | \(f.severity.rawValue) | \(e(f.observed ?? "-")) | \(e(f.expected ?? "-")) |\n"
                    }
                    o += "\n"
                }
            }
        }
        return o
    }

    static func outcomeText(_ o: Outcome) -> String {
        if case .inconclusive(let reason) = o { return "inconclusive: \(reason)" }
        return o.label
    }
}

/// CSV (RFC 4180, CRLF line ends): one row per mechanism × control, formula-injection guarded.
public enum CSVRenderer {
    public static let header = [
        "hostname", "mechanism", "product", "version", "state", "control", "status", "confidence",
        "weakest_component", "failed_checks", "inconclusive_checks", "rationale",
    ]

    public static func render(_ report: AssessmentReport) -> String {
        var lines = [header.map(Escape.csv).joined(separator: ",")]
        for row in ReportRow.rows(report) {
            let open = row.openFindings
            let failed = open.filter { if case .fail = $0.outcome { true } else { false } }.count
            let cells = [
                report.host.hostname ?? "", row.mechanism.mechanism.name, row.mechanism.mechanism.product.rawValue,
                row.mechanism.mechanism.version ?? "", row.mechanism.mechanism.state.rawValue,
                row.verdict.control.rawValue, row.verdict.status.rawValue, row.verdict.confidence.rawValue,
                row.control.ism1460?.weakestComponent ?? "", String(failed), String(open.count - failed),
                row.verdict.rationale.joined(separator: " | "),
            ]
            lines.append(cells.map(Escape.csv).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
