public import Assessment
import BulkheadModel
import Foundation
import VendorEvidence

/// Plain-text view of an assessment for `bulkhead assess`. Pure: returns a string.
public enum AssessmentText {
    public static func render(_ report: AssessmentReport) -> String {
        var out =
            "Bulkhead \(report.tool.version) — Virtualisation hardening assessment (ISM-1460 and sister controls) of \(report.host.hostname ?? "unnamed host") (\(report.host.source))\n"
        out += "Assessed \(CalendarDate.format(report.assessedAt)); catalog of \(report.inputs.catalogProducts) products"
        if !report.inputs.evidenceFiles.isEmpty { out += "; evidence: \(report.inputs.evidenceFiles.joined(separator: ", "))" }
        if !report.inputs.measuredBy.isEmpty { out += "; measured by \(report.inputs.measuredBy.joined(separator: ", "))" }
        out += "\n\n"
        if report.mechanisms.isEmpty {
            out += "No software isolation mechanisms were found.\n"
        } else {
            let others: [ControlID] = [.ism1604, .ism1606, .ism1607, .ism1848]
            var rows: [[String]] = [
                ["MECHANISM", "VERSION", "STATE", "ISM-1460", "CONFIDENCE"] + others.map(\.rawValue) + ["WEAKEST COMPONENT"]
            ]
            for m in report.mechanisms {
                let v = m.verdict(for: .ism1460)
                rows.append(
                    [
                        m.mechanism.product.rawValue, m.mechanism.version ?? "-", m.mechanism.state.rawValue,
                        v?.status.rawValue ?? "-", v?.confidence.rawValue ?? "-",
                    ] + others.map { m.verdict(for: $0)?.status.rawValue ?? "-" } + [m.ism1460?.weakestComponent ?? "-"])
            }
            out += CatalogText.table(rows) + "\n"
            if let host = report.hostControls, !host.isEmpty {
                out += "The host itself (underlying operating system):\n"
                for c in host {
                    out += "  \(c.verdict.control): \(c.verdict.status.rawValue) — \(clean(c.verdict.rationale.joined(separator: " ")))\n"
                }
                out += "\n"
            }
            for m in report.mechanisms {
                out += "== \(m.mechanism.name) (\(m.mechanism.product)\(m.mechanism.version.map { " \($0)" } ?? ""), \(m.mechanism.state.rawValue))\n"
                if let e = m.ism1460 { out += CatalogText.evaluation(e, indent: "  ") }
                out += findingsText(m.controls.filter { $0.verdict.control != .ism1460 }, indent: "  ")
                out += "\n"
            }
        }
        if let host = report.hostControls, !host.isEmpty {
            out += "== The host\n" + findingsText(host, indent: "  ") + "\n"
        }
        let quoted = ISMQuote.lines(report)
        out += "== ISM controls assessed\n" + quoted.map { "  \($0)\n" }.joined() + "\n"
        if !report.problems.isEmpty {
            out += "Problems (the items they concern are inconclusive):\n"
            for p in report.problems { out += "  - \(p)\n" }
        }
        return out
    }

    /// Each non-1460 control with its failing and inconclusive checks (passes are counted, not listed).
    static func findingsText(_ controls: [ControlAssessment], indent: String) -> String {
        var out = ""
        for c in controls {
            out += "\(indent)\(c.verdict.control): \(c.verdict.status.rawValue) (confidence \(c.verdict.confidence.rawValue))\n"
            let passed = c.findings.filter { $0.outcome == .pass }.count
            for f in c.findings where f.outcome != .pass && f.outcome != .notApplicable {
                var line = "\(indent)    \(f.outcome.label.uppercased()) \(f.checkID) [\(f.severity.rawValue)] \(clean(f.subject))"
                if let observed = f.observed { line += " — observed: \(clean(observed))" }
                if case .inconclusive(let reason) = f.outcome { line += " — \(clean(reason))" }
                if let expected = f.expected, f.outcome == .fail { line += "; expected: \(clean(expected))" }
                out += line + "\n"
            }
            if passed > 0 { out += "\(indent)    \(passed) check(s) pass\n" }
        }
        return out
    }

    /// Host- and guest-derived text, made safe for a terminal: control characters become `?`, length is capped.
    static func clean(_ text: String, max: Int = 240) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(max) {
            out.unicodeScalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar)
        }
        return text.unicodeScalars.count > max ? out + "…" : out
    }
}
