public import Assessment
import BulkheadModel
import Foundation
import VendorEvidence

/// Markdown: the summary table, then per mechanism the rationale, criteria and findings. Every cell
/// from the host or a guest goes through `Escape.markdown`.
public enum MarkdownRenderer {
    /// `waived`: failing findings under a waiver in force (`ReportSummary.key`), counted as waived.
    public static func render(_ report: AssessmentReport, waived: Set<String> = []) -> String {
        let e = Escape.markdown
        var o = "# Bulkhead assessment of \(e(report.host.hostname ?? "unnamed host"))\n\n"
        o += "- Source: \(e(report.host.source))\n- Collected: \(Timestamp.string(report.host.collectedAt))\n"
        o += "- Assessed: \(Timestamp.string(report.assessedAt)) by \(e(report.tool.name)) \(e(report.tool.version))\n"
        o += "- Catalog: \(report.inputs.catalogProducts) products"
        if !report.inputs.evidenceFiles.isEmpty { o += "; evidence: \(e(report.inputs.evidenceFiles.joined(separator: ", ")))" }
        for line in AdvisoryDatabaseLines.lines(report) {
            o += line.hasPrefix("  ") ? "\n  - \(e(String(line.dropFirst(2))))" : "\n- \(e(line))"
        }
        o += "\n\n## Summary\n\n"
        o += summary(ReportSummary(report, waived: waived))
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
                    o += "| Check | Subject | Outcome | Severity | Observed | Expected | Remediation |\n|---|---|---|---|---|---|---|\n"
                    for f in c.findings {
                        o +=
                            "| \(e(f.checkID)) | \(e(f.subject)) | \(e(outcomeText(f.outcome))) | \(f.severity.rawValue) | \(e(f.observed ?? "-")) | \(e(f.expected ?? "-")) | \(e(f.outcome == .fail ? remediation(report.guidance?[f.checkID], f.checkID) : "-")) |\n"
                    }
                    o += "\n"
                }
            }
        }
        return o
    }

    /// Counts by severity and control, the verdict line per control, and the fixes grouped by effort
    /// (ranked by severity × reach within each group).
    static func summary(_ s: ReportSummary) -> String {
        let e = Escape.markdown
        var o = ""
        if s.total.total > 0 {
            o += "Findings: \(ReportSummary.countsText(s.total)).\n\n"
            for table in s.countTables {
                o += "| " + ([table.heading] + ReportSummary.countColumns).joined(separator: " | ") + " |\n|---|---|---|---|---|---|\n"
                for row in table.rows { o += "| " + ([row.label] + row.cells.map(String.init)).joined(separator: " | ") + " |\n" }
                o += "\n"
            }
        }
        if !s.controls.isEmpty {
            o += "Verdicts:\n\n"
            for line in s.controls { o += "- \(e(ReportSummary.verdictLine(line)))\n" }
            o += "\n"
        }
        guard !s.fixes.isEmpty else { return o + "No check fails.\n\n" }
        o += "### Fix first\n\n\(s.fixesIntro)\n\n"
        for (effort, group) in s.topFixesByEffort {
            o += "#### Effort: \(effort)\n\n"
            for (rank, fix) in group {
                o += "\(rank). **\(e(fix.checkID))** [\(fix.severity.rawValue)] on \(fix.subjects.map { e($0) }.joined(separator: ", "))"
                if let title = fix.guidance?.title { o += " — \(e(title))" }
                o += "\n"
                if let observed = fix.observed { o += "   - Observed: \(e(observed))\n" }
                o += "   - Fix: \(e(remediation(fix.guidance, fix.checkID)))\n"
                for ref in fix.guidance?.references.prefix(2) ?? [] { o += "   - Reference: [\(e(ref.title))](\(e(ref.url)))\n" }
            }
            o += "\n"
        }
        return o
    }

    static func remediation(_ g: CheckGuidance?, _ checkID: String) -> String {
        guard let g else { return "see `bulkhead checks show \(checkID)`" }
        return g.remediation + (g.references.first.map { " (\($0.title) <\($0.url)>)" } ?? "")
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
        "weakest_component", "failed_checks", "inconclusive_checks", "rationale", "failed_findings", "remediation",
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
                open.filter { $0.outcome == .fail }.map { f in "\(f.checkID) [\(f.severity.rawValue)] on \(f.subject): observed \(f.observed ?? "-")"
                }
                .joined(separator: " | "),
                Set(open.filter { $0.outcome == .fail }.map(\.checkID)).sorted().map { id in
                    "\(id): " + MarkdownRenderer.remediation(report.guidance?[id], id)
                }.joined(separator: " | "),
            ]
            lines.append(cells.map(Escape.csv).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
