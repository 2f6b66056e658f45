public import Assessment
import BulkheadModel
import Foundation
import VendorEvidence

/// Plain-text view of an assessment for `bulkhead assess`. Pure: returns a string.
///
/// Summary first (findings by severity and control, the fixes ranked by severity × reach, a verdict line
/// per control), then the mechanism table and each mechanism's detail. Every line fits `width` columns
/// (text is wrapped at spaces; only a single word longer than the width — a URL — can exceed it); the
/// catalog's citations (each fact's source, date and confidence) are shown with `evidenceDetail` only.
public enum AssessmentText {
    public struct Options: Sendable {
        /// Columns of the terminal (default 100).
        public var width: Int
        /// ANSI colour for outcomes and verdicts (only on a terminal, never with NO_COLOR or --no-color).
        public var color: Bool
        /// Every ISM-1460 fact with its source, date and confidence (`--evidence-detail`).
        public var evidenceDetail: Bool
        /// Failing findings under a waiver in force (`ReportSummary.key`), counted as waived.
        public var waived: Set<String>

        public init(width: Int = 100, color: Bool = false, evidenceDetail: Bool = false, waived: Set<String> = []) {
            self.width = width
            self.color = color
            self.evidenceDetail = evidenceDetail
            self.waived = waived
        }
    }

    public static func render(_ report: AssessmentReport, options: Options = Options()) -> String {
        var out: [String] = []
        out.append(
            "Bulkhead \(report.tool.version) — ISM virtualisation hardening assessment of \(clean(report.host.hostname ?? "unnamed host")) (\(clean(report.host.source)))"
        )
        var assessed = "Assessed \(CalendarDate.format(report.assessedAt)); catalog of \(report.inputs.catalogProducts) products"
        if !report.inputs.evidenceFiles.isEmpty { assessed += "; evidence: \(clean(report.inputs.evidenceFiles.joined(separator: ", ")))" }
        if !report.inputs.measuredBy.isEmpty { assessed += "; measured by \(report.inputs.measuredBy.joined(separator: ", "))" }
        out.append(assessed)
        out += AdvisoryDatabaseLines.lines(report).map { clean($0) }
        out.append("")
        out += summary(report, waived: options.waived)
        if report.mechanisms.isEmpty {
            out.append("No software isolation mechanisms were found.")
        } else {
            out += mechanismTable(report, width: options.width)
            out.append("")
            for m in report.mechanisms {
                out.append(
                    "== \(clean(m.mechanism.name)) (\(m.mechanism.product)\(m.mechanism.version.map { " \(clean($0))" } ?? ""), \(m.mechanism.state.rawValue))"
                )
                if let e = m.ism1460 { out += evaluation(e, indent: "  ", detail: options.evidenceDetail) }
                out += findingsLines(
                    m.controls.filter { $0.verdict.control != .ism1460 }, guidance: report.guidance, waived: options.waived, indent: "  ")
                out.append("")
            }
        }
        if let host = report.hostControls, !host.isEmpty {
            out.append("== The host (underlying operating system)")
            out += findingsLines(host, guidance: report.guidance, waived: options.waived, indent: "  ")
            out.append("")
        }
        let quoted = ISMQuote.lines(report)
        out.append("== ISM controls assessed")
        out += quoted.map { "  \(clean($0, max: 2000))" }
        out.append("")
        if !report.problems.isEmpty {
            out.append("Problems (the items they concern are inconclusive):")
            for p in report.problems { out.append("  - \(clean(p.description, max: 600))") }
        }
        if !options.evidenceDetail && report.mechanisms.contains(where: { $0.ism1460 != nil }) {
            out.append("Each ISM-1460 fact's source, date and confidence: --evidence-detail, or the HTML and JSON reports.")
        }
        let wrapped = out.flatMap { wrap($0, width: options.width) }
        let text = wrapped.map { options.color ? colorize($0) : $0 }.joined(separator: "\n") + "\n"
        return text
    }

    /// Findings by severity and by control, the ranked fixes, the verdict line per control.
    static func summary(_ report: AssessmentReport, waived: Set<String> = []) -> [String] {
        let s = ReportSummary(report, waived: waived)
        var out = ["SUMMARY"]
        guard s.total.total > 0 || !s.controls.isEmpty else { return [] }
        if s.total.total > 0 {
            out.append("  Findings: " + ReportSummary.countsText(s.total))
            for (severity, c) in s.bySeverity {
                out.append("    " + severity.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + ReportSummary.countsText(c))
            }
            out.append("  By control:")
            for (control, c) in s.byControl {
                out.append("    " + control.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + ReportSummary.countsText(c))
            }
        }
        out.append("  Verdicts:")
        for line in s.controls { out.append("    " + ReportSummary.verdictLine(line)) }
        if !s.fixes.isEmpty {
            out.append("  Fix first (severity × reach):")
            for (i, fix) in s.fixes.prefix(ReportSummary.topFixes).enumerated() {
                out += fixLines(fix, number: i + 1)
            }
            if s.fixes.count > ReportSummary.topFixes { out.append("    … \(s.fixes.count - ReportSummary.topFixes) more failing check(s) below") }
        } else {
            out.append("  No check fails.")
        }
        out.append("")
        return out
    }

    static func fixLines(_ fix: ReportSummary.Fix, number: Int) -> [String] {
        let reach =
            fix.subjects.count == 1
            ? clean(fix.subjects[0])
            : "\(fix.subjects.count) subjects (\(fix.subjects.prefix(4).map { clean($0) }.joined(separator: ", "))\(fix.subjects.count > 4 ? ", …" : ""))"
        var out = [
            "  \(String(number).leftPad(3)). [\(fix.severity.rawValue)] \(fix.checkID) on \(reach)\(fix.guidance.map { " — effort \($0.effort)" } ?? "")"
        ]
        if let observed = fix.observed { out.append("        observed: \(clean(observed))") }
        if let g = fix.guidance {
            out.append("        fix: \(g.remediation)")
            if let ref = ReportSummary.reference(g) { out.append("        see: \(ref)") }
        } else {
            out.append("        fix: see `bulkhead checks show \(fix.checkID)`")
        }
        return out
    }

    /// The mechanisms and their verdict per control, short words so the table fits the width.
    static func mechanismTable(_ report: AssessmentReport, width: Int) -> [String] {
        let controls: [ControlID] = [.ism1460, .ism1604, .ism1606, .ism1607, .ism1848]
        var rows: [[String]] = [["MECHANISM", "VERSION", "STATE"] + controls.map { String($0.rawValue.dropFirst(4)) }]
        for m in report.mechanisms {
            rows.append(
                [clean(m.mechanism.product.rawValue, max: 14), clean(m.mechanism.version ?? "-", max: 20), m.mechanism.state.rawValue]
                    + controls.map { c in m.verdict(for: c).map { short($0.status) } ?? "-" })
        }
        var out = CatalogText.table(rows).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while out.last == "" { out.removeLast() }
        out.append("  1460 … 1848: ISM controls; sat satisfied, sat-less satisfied (less preferred), partial,")
        out.append("  NOT-SAT not satisfied, n/assd not assessed, n/a not applicable. Criteria and findings below.")
        return out
    }

    static func short(_ s: VerdictStatus) -> String {
        switch s {
        case .satisfied: "sat"
        case .satisfiedLessPreferred: "sat-less"
        case .partiallySatisfied: "partial"
        case .notSatisfied: "NOT-SAT"
        case .notAssessed: "n/assd"
        case .notApplicable: "n/a"
        }
    }

    /// ISM-1460: the verdict, the weakest component, one line per criterion; with `detail` every fact.
    static func evaluation(_ e: ISM1460Evaluation, indent: String, detail: Bool) -> [String] {
        if detail {
            return CatalogText.evaluation(e, indent: indent).split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter {
                !$0.isEmpty
            }
        }
        var out = ["\(indent)ISM-1460: \(e.status.rawValue) (confidence \(e.confidence.rawValue), memory safety via \(e.memorySafety.rawValue))"]
        if let w = e.weakestComponent { out.append("\(indent)  weakest component: \(w)") }
        for r in e.criteria {
            var line = "\(indent)  (\(r.criterion.number)) \(r.criterion.title): \(r.outcome.rawValue)"
            if let first = r.reasons.first { line += " — \(first)" }
            out.append(line)
            for f in r.facts { if let res = f.resolution, f.conflict { out.append("\(indent)      CONFLICT: \(res)") } }
        }
        if !e.staleFacts.isEmpty {
            out.append("\(indent)  \(e.staleFacts.count) stale fact(s) (observed more than 12 months ago; confidence lowered one level)")
        }
        if e.status == .notAssessed, e.components.isEmpty {
            for line in e.rationale.dropFirst() { out.append("\(indent)\(line)") }
        }
        return out
    }

    /// Each non-1460 control with its failing and inconclusive checks (passes are counted, not listed);
    /// every FAIL with its observed value, what is expected, the fix and the vendor reference.
    static func findingsLines(
        _ controls: [ControlAssessment], guidance: [String: CheckGuidance]?, waived: Set<String> = [], indent: String
    ) -> [String] {
        var out: [String] = []
        for c in controls {
            out.append("\(indent)\(c.verdict.control): \(c.verdict.status.rawValue) (confidence \(c.verdict.confidence.rawValue))")
            let passed = c.findings.filter { $0.outcome == .pass }.count
            for f in c.findings where f.outcome != .pass && f.outcome != .notApplicable {
                let isWaived = f.outcome == .fail && waived.contains(ReportSummary.key(checkID: f.checkID, subject: f.subject))
                let label = isWaived ? "FAIL (waived)" : f.outcome.label.uppercased()
                var line = "\(indent)    \(label) \(f.checkID) [\(f.severity.rawValue)] \(clean(f.subject))"
                if case .inconclusive(let reason) = f.outcome { line += " — \(clean(reason))" }
                out.append(line)
                if let observed = f.observed { out.append("\(indent)        observed: \(clean(observed))") }
                guard f.outcome == .fail else { continue }
                if let expected = f.expected { out.append("\(indent)        expected: \(clean(expected))") }
                if let g = guidance?[f.checkID] {
                    out.append("\(indent)        fix (effort \(g.effort)): \(g.remediation)")
                    if let ref = ReportSummary.reference(g) { out.append("\(indent)        see: \(ref)") }
                } else {
                    out.append("\(indent)        fix: see `bulkhead checks show \(f.checkID)`")
                }
            }
            if passed > 0 { out.append("\(indent)    \(passed) check(s) pass") }
        }
        return out
    }

    /// Host- and guest-derived text, made safe for a terminal: control characters become `?`, length is capped.
    static func clean(_ text: String, max: Int = 240) -> String { TerminalText.field(text, max: max) }

    /// Breaks a line at spaces so no piece is wider than `width`; continuation lines keep the line's
    /// indent plus four spaces. A single word wider than the width (a URL) is left whole.
    static func wrap(_ line: String, width: Int) -> [String] {
        guard line.count > width, width > 20 else { return [line] }
        let indent = String(line.prefix { $0 == " " })
        let next = indent + "    "
        var out: [String] = []
        var current = ""
        for word in line.dropFirst(indent.count).split(separator: " ", omittingEmptySubsequences: false) {
            let prefix = current.isEmpty ? (out.isEmpty ? indent : next) : current + " "
            if current.isEmpty || prefix.count + word.count <= width {
                current = prefix + word
            } else {
                out.append(current)
                current = next + word
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Colour for outcome and verdict words (applied after wrapping, so widths are unchanged).
    static func colorize(_ line: String) -> String {
        let red = "\u{1B}[31m"
        let yellow = "\u{1B}[33m"
        let green = "\u{1B}[32m"
        let bold = "\u{1B}[1m"
        let reset = "\u{1B}[0m"
        var s = line
        for (word, code) in [
            ("FAIL ", red), ("NOT-SAT", red), ("notSatisfied", red), ("INCONCLUSIVE ", yellow), ("partiallySatisfied", yellow),
            ("partial ", yellow), ("SUMMARY", bold), ("== ", bold),
        ] {
            s = s.replacingOccurrences(of: word, with: code + word + reset)
        }
        for word in [" satisfied", " sat "] { s = s.replacingOccurrences(of: word, with: " " + green + word.dropFirst() + reset) }
        return s
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
