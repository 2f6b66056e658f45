public import Assessment
import BulkheadModel
import Foundation
import VendorEvidence

/// One self-contained HTML page: inline CSS (screen and print), no scripts, no external fetches.
/// Summary first (verdict per mechanism per control), then the evidence. Every string that comes from
/// the host, a guest, the catalog or an evidence file goes through `Escape.html`.
public enum HTMLRenderer {
    static let css = """
        :root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.4;color:#111}
        body{margin:2rem auto;max-width:70rem;padding:0 1rem}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.3rem;border-bottom:2px solid #333;margin-top:2rem}
        h3{font-size:1.1rem;margin-top:1.4rem}h4{font-size:1rem;margin:1rem 0 .3rem}
        table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.9rem}
        th,td{border:1px solid #999;padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        th{background:#e8e8e8;white-space:nowrap}
        table.criteria td:first-child{width:15rem}table.criteria td:nth-child(2){width:7rem}
        table.facts td:nth-child(-n+3){width:9rem}table.facts td:nth-child(5){width:11rem}
        .meta{color:#444;margin:.2rem 0}
        .v{font-weight:600;white-space:nowrap}
        .satisfied{background:#d7f0d7}.satisfiedLessPreferred{background:#e6f3c8}.partiallySatisfied{background:#fbe7b5}
        .notSatisfied{background:#f6c6c6}.notAssessed{background:#e0e0e0}.notApplicable{background:#f2f2f2}
        .fail{background:#f6c6c6}.inconclusive{background:#e0e0e0}.pass{background:#d7f0d7}
        .problems li{color:#7a1f1f}
        #verdicts td,#verdicts th{overflow-wrap:normal;word-break:normal}ol.fixes li{margin:.3rem 0}ol.fixes .fix{display:block}td.nowrap,th.nowrap{white-space:nowrap;overflow-wrap:normal}
        code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
        section.mechanism{page-break-inside:auto}
        @media print{body{margin:0;max-width:none;font-size:10pt}h2{page-break-before:always}h2.first{page-break-before:avoid}
        table{page-break-inside:auto}tr{page-break-inside:avoid}th{background:#ddd!important;-webkit-print-color-adjust:exact;print-color-adjust:exact}
        td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """

    /// `trend`: earlier assessments of the host from the store, oldest first (the CLI passes the last few);
    /// this report is added as the last point.
    /// `waived`: failing findings under a waiver in force (`ReportSummary.key`), counted as waived.
    public static func render(_ report: AssessmentReport, trend: [TrendPoint] = [], waived: Set<String> = []) -> String {
        let e = Escape.html
        let host = report.host.hostname ?? "unnamed host"
        let controls = ReportRow.controls(report)
        var o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        o += "<title>Bulkhead assessment — \(e(host))</title>\n<style>\n\(css)\n</style>\n</head>\n<body>\n"
        o += "<header>\n<h1>Bulkhead assessment of \(e(host))</h1>\n"
        o +=
            "<p class=\"meta\">Source: \(e(report.host.source)) · collected \(e(Timestamp.string(report.host.collectedAt))) · assessed \(e(Timestamp.string(report.assessedAt))) · \(e(report.tool.name)) \(e(report.tool.version))</p>\n"
        o += "<p class=\"meta\">Catalog of \(report.inputs.catalogProducts) products (schema \(report.inputs.catalogSchemaVersion))"
        if !report.inputs.catalogDirectories.isEmpty { o += "; extra catalogs: \(e(report.inputs.catalogDirectories.joined(separator: ", ")))" }
        if !report.inputs.evidenceFiles.isEmpty { o += "; evidence: \(e(report.inputs.evidenceFiles.joined(separator: ", ")))" }
        if !report.inputs.measuredBy.isEmpty { o += "; measured by \(e(report.inputs.measuredBy.joined(separator: ", ")))" }
        o += "</p>\n"
        let database = AdvisoryDatabaseLines.lines(report)
        if let first = database.first {
            o += "<p class=\"meta\">\(e(first))</p>\n"
            if database.count > 1 {
                let items = database.dropFirst().map { "<li>\(e($0.trimmingCharacters(in: .whitespaces)))</li>" }
                o += "<ul class=\"meta\">" + items.joined() + "</ul>\n"
            }
        }
        o += "</header>\n"

        // Summary.
        o += "<h2 class=\"first\" id=\"summary\">Summary</h2>\n"
        let summary = ReportSummary(report, waived: waived)
        o += postureChart(summary)
        o += Self.summary(summary)
        o += trendChart(trend + [TrendPoint(label: "this run", counts: summary.total)])
        if report.mechanisms.isEmpty {
            o += "<p>No software isolation mechanisms were found.</p>\n"
        } else {
            o += "<table id=\"verdicts\">\n<thead><tr><th>Mechanism</th><th>Version</th><th>State</th>"
            for c in controls { o += "<th>\(e(c.rawValue))</th>" }
            o += "</tr></thead>\n<tbody>\n"
            for (i, m) in report.mechanisms.enumerated() {
                o +=
                    "<tr><td><a href=\"#m\(i)\">\(e(m.mechanism.name))</a></td><td>\(e(m.mechanism.version ?? "—"))</td><td>\(e(m.mechanism.state.rawValue))</td>"
                for c in controls {
                    if let v = m.verdict(for: c) {
                        o += "<td class=\"v \(v.status.rawValue)\">\(e(v.status.words))<br><small>confidence \(e(v.confidence.rawValue))</small></td>"
                    } else {
                        o += "<td>—</td>"
                    }
                }
                o += "</tr>\n"
            }
            o += "</tbody>\n</table>\n"
        }
        if !report.problems.isEmpty {
            o += "<h3>Problems</h3>\n<p>These could not be observed; the items they concern are inconclusive.</p>\n<ul class=\"problems\">\n"
            for p in report.problems { o += "<li><code>\(e(p.subject))</code>: \(e(p.message))</li>\n" }
            o += "</ul>\n"
        }

        // Evidence, per mechanism.
        o += "<h2 id=\"evidence\">Evidence annex</h2>\n"
        for (i, m) in report.mechanisms.enumerated() {
            o += mechanismSection(m, index: i, guidance: report.guidance)
        }
        o += "<h2 id=\"ism\">ISM controls assessed</h2>\n<ul>\n" + ISMQuote.lines(report).map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"
        o +=
            "<footer><p class=\"meta\">Control ids refer to the ISM OSCAL catalog version \(e(OSCALRenderer.ISMCatalog.version)) (\(e(OSCALRenderer.ISMCatalog.repository))).</p></footer>\n"
        o += "</body>\n</html>\n"
        return o
    }

    static func color(_ s: VerdictStatus) -> String {
        switch s {
        case .satisfied: "#3a9a3a"
        case .satisfiedLessPreferred: "#8cbf3f"
        case .partiallySatisfied: "#e0a526"
        case .notSatisfied: "#c83232"
        case .notAssessed: "#9a9a9a"
        case .notApplicable: "#d8d8d8"
        }
    }

    /// Posture per control as an inline SVG: one stacked bar per control, a segment per verdict status
    /// (how many subjects — mechanisms and the host — have it). No external assets, no script.
    static func postureChart(_ s: ReportSummary) -> String {
        guard !s.controls.isEmpty else { return "" }
        let order: [VerdictStatus] = [.notSatisfied, .partiallySatisfied, .notAssessed, .satisfiedLessPreferred, .satisfied, .notApplicable]
        let rowHeight = 26
        let barX = 90
        let barWidth = 520
        let height = s.controls.count * rowHeight + 40
        var o =
            "<figure id=\"posture\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"880\" height=\"\(height)\" viewBox=\"0 0 880 \(height)\" aria-labelledby=\"posture-title\">\n"
        o += "<title id=\"posture-title\">Posture per control: verdicts of every mechanism and the host</title>\n"
        for (i, line) in s.controls.enumerated() {
            let y = i * rowHeight + 4
            let total = max(1, line.counts.values.reduce(0, +))
            o += "<text x=\"0\" y=\"\(y + 17)\" font-size=\"13\" font-family=\"sans-serif\">\(line.control.rawValue)</text>\n"
            var x = barX
            for status in order {
                guard let n = line.counts[status], n > 0 else { continue }
                let w = max(2, barWidth * n / total)
                o +=
                    "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"20\" fill=\"\(color(status))\"><title>\(line.control.rawValue): \(n) \(status.words)</title></rect>\n"
                if w >= 18 {
                    o +=
                        "<text x=\"\(x + w / 2)\" y=\"\(y + 15)\" font-size=\"12\" font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#fff\">\(n)</text>\n"
                }
                x += w
            }
            o += "<text x=\"\(barX + barWidth + 8)\" y=\"\(y + 15)\" font-size=\"12\" font-family=\"sans-serif\">\(line.worst.words)</text>\n"
        }
        let legendY = s.controls.count * rowHeight + 16
        var lx = 0
        for status in order {
            o += "<rect x=\"\(lx)\" y=\"\(legendY)\" width=\"12\" height=\"12\" fill=\"\(color(status))\"/>"
            o += "<text x=\"\(lx + 16)\" y=\"\(legendY + 11)\" font-size=\"11\" font-family=\"sans-serif\">\(status.words)</text>\n"
            lx += 16 + status.words.count * 7 + 14
        }
        o += "</svg><figcaption>Verdicts per control across the mechanisms and the host (hover for counts).</figcaption></figure>\n"
        return o
    }

    /// Findings over the last runs of this host (fail, inconclusive, pass), as an inline SVG.
    static func trendChart(_ points: [TrendPoint]) -> String {
        guard points.count > 1 else {
            return "<p id=\"trend\" class=\"meta\">Trend: this is the first assessment of this host in the store (or the run was not recorded).</p>\n"
        }
        let e = Escape.html
        let maxTotal = max(1, points.map { $0.fail + $0.inconclusive + $0.pass }.max() ?? 1)
        let column = 64
        let chartHeight = 120
        let width = points.count * column + 20
        var o = "<h3 id=\"trend\">Trend (last \(points.count) assessments)</h3>\n"
        o +=
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(chartHeight + 40)\" aria-label=\"Findings per assessment\">\n"
        for (i, p) in points.enumerated() {
            let x = i * column + 10
            var y = chartHeight
            for (n, fill, word) in [(p.fail, "#c83232", "fail"), (p.inconclusive, "#9a9a9a", "inconclusive"), (p.pass, "#3a9a3a", "pass")] where n > 0
            {
                let h = max(1, chartHeight * n / maxTotal)
                y -= h
                o += "<rect x=\"\(x)\" y=\"\(y)\" width=\"40\" height=\"\(h)\" fill=\"\(fill)\"><title>\(e(p.label)): \(n) \(word)</title></rect>\n"
            }
            o += "<text x=\"\(x + 20)\" y=\"\(y - 4)\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"middle\">\(p.fail) fail</text>\n"
            o +=
                "<text x=\"\(x + 20)\" y=\"\(chartHeight + 16)\" font-size=\"10\" font-family=\"sans-serif\" text-anchor=\"middle\">\(e(p.label))</text>\n"
        }
        o += "</svg>\n"
        return o
    }

    /// Findings counted by severity and control, the verdict line per control, the ranked fixes by effort.
    static func summary(_ s: ReportSummary) -> String {
        let e = Escape.html
        var o = ""
        if s.total.total > 0 {
            o += "<p>Findings: \(e(ReportSummary.countsText(s.total))).</p>\n"
            let tables = s.countTables.map { (table) -> String in
                let head = ([table.heading] + ReportSummary.countColumns).map { (cell: String) in "<th>\(cell)</th>" }
                let rows = table.rows.map { (row) -> String in
                    let cells = row.cells.map { (count: Int) in "<td>\(count)</td>" }
                    return "<tr><td class=\"nowrap\">\(row.label)</td>\(cells.joined())</tr>\n"
                }
                return "<thead><tr>\(head.joined())</tr></thead><tbody>\n\(rows.joined())</tbody>"
            }
            o += "<table class=\"counts\" id=\"counts\">\(tables.joined())</table>\n"
        }
        if !s.controls.isEmpty {
            o += "<ul class=\"verdict-lines\" id=\"verdict-lines\">\n"
            for line in s.controls { o += "<li class=\"\(line.worst.rawValue)\">\(e(ReportSummary.verdictLine(line)))</li>\n" }
            o += "</ul>\n"
        }
        guard !s.fixes.isEmpty else { return o + "<p>No check fails.</p>\n" }
        o += "<h3 id=\"fixes\">Fix first</h3>\n<p>\(s.fixesIntro)</p>\n"
        for (effort, group) in s.topFixesByEffort {
            o += "<h4>Effort: \(effort)</h4>\n<ol class=\"fixes\">\n"
            for (rank, fix) in group {
                o +=
                    "<li value=\"\(rank)\"><strong><code>\(e(fix.checkID))</code></strong> [\(fix.severity.rawValue)] on \(e(fix.subjects.joined(separator: ", ")))"
                if let title = fix.guidance?.title { o += " — \(e(title))" }
                if let observed = fix.observed { o += "<span class=\"fix\">Observed: \(e(observed))</span>" }
                o += "<span class=\"fix\">Fix: \(remediationHTML(fix.guidance, fix.checkID))</span></li>\n"
            }
            o += "</ol>\n"
        }
        return o
    }

    /// The remediation and its first reference as a link (https only).
    static func remediationHTML(_ g: CheckGuidance?, _ checkID: String) -> String {
        let e = Escape.html
        guard let g else { return "see <code>bulkhead checks show \(e(checkID))</code>" }
        var o = e(g.remediation) + " <small>(effort \(e(g.effort)))</small>"
        if let ref = g.references.first {
            o += ref.url.hasPrefix("https://") ? " — <a href=\"\(e(ref.url))\">\(e(ref.title))</a>" : " — \(e(ref.title))"
        }
        return o
    }

    static func mechanismSection(_ m: MechanismAssessment, index: Int, guidance: [String: CheckGuidance]? = nil) -> String {
        let e = Escape.html
        let mech = m.mechanism
        var o = "<section class=\"mechanism\" id=\"m\(index)\">\n"
        o +=
            "<h3>\(e(mech.name)) <small>(\(e(mech.product.rawValue))\(mech.version.map { " " + e($0) } ?? ""), \(e(mech.role.rawValue)), \(e(mech.state.rawValue)))</small></h3>\n"
        o += "<p>Catalog entry: \(m.catalogProduct.map { "<code>\(e($0.rawValue))</code>" } ?? "none (not in the catalog)")</p>\n"
        if !mech.guests.isEmpty {
            o +=
                "<h4>Guests</h4>\n<table class=\"guests\"><thead><tr><th>Name</th><th>PID</th><th>Running</th><th>Problems</th></tr></thead><tbody>\n"
            for g in mech.guests {
                o +=
                    "<tr><td>\(e(g.name))</td><td>\(g.pid.map(String.init) ?? "—")</td><td>\(g.running ? "yes" : "defined")</td><td>\(e(g.problems.map(\.description).joined(separator: "; ")))</td></tr>\n"
            }
            o += "</tbody></table>\n"
        }
        if !mech.evidence.isEmpty {
            o += "<h4>Discovery evidence</h4>\n" + evidenceTable(mech.evidence)
        }
        if !mech.problems.isEmpty {
            o += "<ul class=\"problems\">\n"
            for p in mech.problems { o += "<li><code>\(e(p.subject))</code>: \(e(p.message))</li>\n" }
            o += "</ul>\n"
        }
        for c in m.controls {
            let v = c.verdict
            o +=
                "<h4>\(e(v.control.rawValue)): <span class=\"v \(v.status.rawValue)\">\(e(v.status.words))</span> (confidence \(e(v.confidence.rawValue)))</h4>\n"
            if !v.rationale.isEmpty {
                o += "<ul class=\"rationale\">\n"
                for r in v.rationale { o += "<li>\(e(r))</li>\n" }
                o += "</ul>\n"
            }
            if let ev = c.ism1460 { o += ism1460(ev) }
            if !c.findings.isEmpty {
                o +=
                    "<table class=\"findings\"><thead><tr><th>Check</th><th>Subject</th><th>Outcome</th><th>Severity</th><th>Observed</th><th>Expected</th><th>Remediation</th><th>Evidence</th></tr></thead><tbody>\n"
                for f in c.findings {
                    var outcome = f.outcome.label
                    if case .inconclusive(let reason) = f.outcome { outcome += ": " + reason }
                    o +=
                        "<tr><td><code>\(e(f.checkID))</code></td><td>\(e(f.subject))</td><td class=\"\(f.outcome.label)\">\(e(outcome))</td><td>\(e(f.severity.rawValue))</td><td>\(e(f.observed ?? "—"))</td><td>\(e(f.expected ?? "—"))</td><td>\(f.outcome == .fail ? remediationHTML(guidance?[f.checkID], f.checkID) : "—")</td><td>\(e(f.evidence.map { "\($0.claim) — \($0.source)" }.joined(separator: "; ")))</td></tr>\n"
                }
                o += "</tbody></table>\n"
            }
            if c.ism1460 == nil && !v.evidence.isEmpty { o += evidenceTable(v.evidence) }
        }
        o += "</section>\n"
        return o
    }

    static func ism1460(_ ev: ISM1460Evaluation) -> String {
        let e = Escape.html
        var o = "<table class=\"criteria\"><thead><tr><th>Criterion</th><th>Outcome</th><th>Reasons</th></tr></thead><tbody>\n"
        for r in ev.criteria {
            o +=
                "<tr><td>(\(e(r.criterion.number))) \(e(r.criterion.title))</td><td>\(e(r.outcome.rawValue))</td><td>\(e(r.reasons.joined(separator: " ")))</td></tr>\n"
        }
        o += "</tbody></table>\n"
        if !ev.components.isEmpty {
            o +=
                "<table class=\"components\"><thead><tr><th>Component</th><th>Languages</th><th>Layer</th><th>Memory safety</th><th>Basis</th></tr></thead><tbody>\n"
            for c in ev.components {
                let name = c.component.name + (c.component.name == ev.weakestComponent ? " (weakest)" : "")
                o +=
                    "<tr><td>\(e(name))</td><td>\(e(c.component.languages.joined(separator: ", ")))</td><td>\(e(c.component.layer.rawValue))</td><td>\(e(c.status.rawValue))</td><td>\(e(c.basis))</td></tr>\n"
            }
            o += "</tbody></table>\n"
        }
        let facts = ev.criteria.flatMap { r in r.facts.map { (r.criterion, $0) } }
        if !facts.isEmpty {
            o +=
                "<table class=\"facts\"><thead><tr><th>Criterion</th><th>Aspect</th><th>Value</th><th>Claim and source</th><th>Observed</th><th>Confidence</th><th>Origin</th></tr></thead><tbody>\n"
            for (criterion, f) in facts {
                let w = f.decided
                o +=
                    "<tr><td>\(e(criterion.number))</td><td>\(e(f.aspect.rawValue))\(f.component.map { " · " + e($0) } ?? "")</td><td>\(e(f.value.description))</td>"
                o += "<td>\(e(w.fact.evidence.claim))<br><small>\(e(w.fact.evidence.source.description))</small></td>"
                o +=
                    "<td>\(e(Timestamp.string(w.fact.evidence.observedAt)))\(w.stale ? " (stale)" : "")</td><td>\(e(w.effectiveConfidence.rawValue))</td><td>\(e(w.fact.origin.label))</td></tr>\n"
            }
            o += "</tbody></table>\n"
        }
        if !ev.conflicts.isEmpty {
            o += "<p><strong>Conflicts:</strong></p><ul>\n"
            for c in ev.conflicts { o += "<li>\(e(c.aspect.rawValue)): \(e(c.resolution ?? "decided by \(c.decided.fact.origin.label)"))</li>\n" }
            o += "</ul>\n"
        }
        return o
    }

    static func evidenceTable(_ evidence: [Evidence]) -> String {
        let e = Escape.html
        var o = "<table class=\"evidence\"><thead><tr><th>Claim</th><th>Source</th><th>Observed</th><th>Confidence</th></tr></thead><tbody>\n"
        for ev in evidence {
            o +=
                "<tr><td>\(e(ev.claim))</td><td>\(e(ev.source.description))</td><td>\(e(Timestamp.string(ev.observedAt)))</td><td>\(e(ev.confidence.rawValue))</td></tr>\n"
        }
        return o + "</tbody></table>\n"
    }
}

/// One assessment in the HTML report's trend: its finding counts (waivers applied, from the store).
public struct TrendPoint: Hashable, Sendable {
    public var label: String
    public var fail: Int
    public var inconclusive: Int
    public var pass: Int

    public init(label: String, fail: Int, inconclusive: Int, pass: Int) {
        self.label = label
        self.fail = fail
        self.inconclusive = inconclusive
        self.pass = pass
    }

    init(label: String, counts: ReportSummary.Counts) {
        self.init(label: label, fail: counts.fail, inconclusive: counts.inconclusive, pass: counts.pass)
    }
}
