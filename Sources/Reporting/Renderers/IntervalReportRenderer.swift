public import Foundation
public import Store

/// Renders an `IntervalReport`. The report is first laid out as plain-text blocks; every string (host,
/// mechanism, guest, check, reviewer, reason …) is escaped once, by the renderer, so no host- or
/// guest-derived text can become markup. The HTML is self-contained: inline CSS, no scripts, no links out.
public enum IntervalReportRenderer {
    enum Block {
        case heading(Int, String)
        case paragraph(String)
        case list([String])
        case table(header: [String], rows: [[String]])

        /// A table of `items`, a row each, or the sentence `none` when there are none.
        static func table<Item>(_ items: [Item], none: String, header: [String], row: (Item) -> [String]) -> Block {
            items.isEmpty ? .paragraph(none) : .table(header: header, rows: items.map(row))
        }
    }

    public static func markdown(_ report: IntervalReport) -> String {
        var out = ""
        for block in layout(report) {
            switch block {
            case .heading(let level, let text):
                out += String(repeating: "#", count: level) + " " + escapeMarkdown(text) + "\n\n"
            case .paragraph(let text):
                out += escapeMarkdown(text) + "\n\n"
            case .list(let items):
                out += items.map { "- " + escapeMarkdown($0) }.joined(separator: "\n") + "\n\n"
            case .table(let header, let rows):
                out += "| " + header.map(escapeMarkdown).joined(separator: " | ") + " |\n"
                out += "|" + String(repeating: " --- |", count: header.count) + "\n"
                for row in rows { out += "| " + row.map(escapeMarkdown).joined(separator: " | ") + " |\n" }
                out += "\n"
            }
        }
        return out
    }

    public static func html(_ report: IntervalReport) -> String {
        var body = ""
        for block in layout(report) {
            switch block {
            case .heading(let level, let text):
                let l = min(max(level, 1), 6)
                body += "<h\(l)>\(Escape.html(text))</h\(l)>\n"
            case .paragraph(let text):
                body += "<p>\(Escape.html(text))</p>\n"
            case .list(let items):
                body += "<ul>\n" + items.map { "<li>\(Escape.html($0))</li>\n" }.joined() + "</ul>\n"
            case .table(let header, let rows):
                body += "<table>\n<thead><tr>" + header.map { "<th>\(Escape.html($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for row in rows { body += "<tr>" + row.map { "<td>\(Escape.html($0))</td>" }.joined() + "</tr>\n" }
                body += "</tbody>\n</table>\n"
            }
        }
        let title = Escape.html("Bulkhead interval report \(day(report.from, report)) to \(day(report.to.addingTimeInterval(-1), report))")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>\(title)</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #1a1a1a; line-height: 1.4; }
            table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
            th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
            th { background: #eee; }
            h1 { border-bottom: 2px solid #333; } h2 { margin-top: 2em; border-bottom: 1px solid #999; }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    /// Escapes Markdown syntax and inline HTML (`<` `>` `&` become entities), and folds newlines, so a
    /// value stays one table cell or list item and cannot inject markup into a Markdown renderer.
    public static func escapeMarkdown(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            // `(` `)` `!` only matter next to `[` `]`, which are escaped.
            case "\\", "`", "*", "_", "[", "]", "|", "#", "~":
                out += "\\"
                out.unicodeScalars.append(c)
            case "\n", "\r", "\t": out += " "
            default:
                if c.value < 0x20 { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    static func day(_ d: Date, _ r: IntervalReport) -> String { DateInput.format(d, timeZone: r.timeZone, withTime: false) }
    static func time(_ d: Date, _ r: IntervalReport) -> String { DateInput.format(d, timeZone: r.timeZone) }

    static func layout(_ r: IntervalReport) -> [Block] {
        var b: [Block] = []
        b.append(.heading(1, "Bulkhead interval report: \(day(r.from, r)) to \(day(r.to.addingTimeInterval(-1), r))"))
        b.append(
            .paragraph(
                "Generated \(time(r.generatedAt, r)) by Bulkhead \(r.bulkheadVersion.isEmpty ? "" : r.bulkheadVersion + " ")from its assessment store. Times are in \(r.timeZone.identifier); statuses are as of \(time(r.asOf, r)). Waived failures are shown as waived, never as passed."
            ))

        // Summary
        let openTotal = r.hosts.reduce(0) { $0 + $1.openFindings.count }
        let driftTotal = r.hosts.reduce(0) { $0 + $1.drifts.filter { !$0.isEmpty }.count }
        let assessments = r.hosts.reduce(0) { $0 + $1.timeline.count }
        b.append(.heading(2, "Summary"))
        b.append(
            .list([
                "Hosts: \(r.hosts.count); assessments in the interval: \(assessments)",
                "Reviews held: \(r.reviews.filter { $0.signedOffAt != nil }.count) signed off, \(r.reviews.filter { $0.signedOffAt == nil }.count) open",
                "Review schedule (\(r.reviewCadence)): \(dueText(r.reviewStatus, r))",
                "Assessments with drift from the one before: \(driftTotal)",
                "Open findings (fail or inconclusive) at the end: \(openTotal)",
                "Waivers in force during the interval: \(r.waivers.count)",
                "Training (\(r.trainingCadence)): \(r.training.filter { !$0.due.needsAction }.count) of \(r.training.count) people current",
            ]))

        // Reviews
        b.append(.heading(2, "Reviews held"))
        b.append(
            .table(
                r.reviews, none: "No review was started or signed off in this interval.",
                header: ["Review", "Started", "By", "Signed off", "By", "Assessments covered", "Decisions", "Notes"],
                row: {
                    [
                        "#\($0.id)", time($0.startedAt, r), $0.startedBy, $0.signedOffAt.map { time($0, r) } ?? "open",
                        $0.signedOffBy ?? "", $0.runIDs.map { "#\($0)" }.joined(separator: ", "), $0.decisions ?? "", $0.notes,
                    ]
                }))

        // Hosts
        for h in r.hosts {
            b.append(.heading(2, "Host \(h.host)"))
            if let id = h.latestRunID { b.append(.paragraph("Latest assessment: #\(id).")) }
            if !h.mechanisms.isEmpty {
                b.append(
                    .table(
                        header: ["Mechanism", "Product", "Version", "State", "Guests"],
                        rows: h.mechanisms.map { [$0.name, $0.product, $0.version ?? "unknown", $0.state, $0.guests.joined(separator: ", ")] }))
            }
            b.append(.heading(3, "Findings over time"))
            b.append(
                .table(
                    h.timeline, none: "No assessment of this host finished in the interval.",
                    header: ["Assessment", "Finished", "fail", "waived", "inconclusive", "pass", "n/a", "open by severity"],
                    row: { p in
                        [
                            "#\(p.runID)", time(p.finishedAt, r), "\(p.counts["fail"] ?? 0)", "\(p.counts["waived"] ?? 0)",
                            "\(p.counts["inconclusive"] ?? 0)", "\(p.counts["pass"] ?? 0)", "\(p.counts["notApplicable"] ?? 0)",
                            ["critical", "high", "medium", "low", "info"].compactMap { s in p.openBySeverity[s].map { "\(s) \($0)" } }
                                .joined(separator: ", "),
                        ]
                    }))
            b.append(.heading(3, "Drift"))
            let drifts = h.drifts
            if drifts.isEmpty {
                b.append(.paragraph("Fewer than two assessments: no drift to show."))
            }
            for d in drifts {
                let lines = driftLines(d, r)
                b.append(
                    .paragraph(
                        "#\(d.from.id) (\(time(d.from.finishedAt, r))) → #\(d.to.id) (\(time(d.to.finishedAt, r)))\(lines.isEmpty ? ": no drift." : ":")"
                    ))
                if !lines.isEmpty { b.append(.list(lines)) }
            }
            b.append(.heading(3, "Open findings at the end of the interval"))
            b.append(
                .table(
                    h.openFindings, none: "None.", header: ["Check", "Subject", "Severity", "Outcome", "Detail"],
                    row: { [$0.checkID, $0.subject, $0.severity, $0.outcome, $0.detail ?? ""] }))
            if !h.waivedFindings.isEmpty {
                b.append(.heading(3, "Waived failures"))
                b.append(
                    .table(
                        header: ["Check", "Subject", "Severity", "Outcome", "Waiver"],
                        rows: h.waivedFindings.map { [$0.checkID, $0.subject, $0.severity, $0.outcome, $0.detail ?? ""] }))
            }
        }

        // Waivers
        b.append(.heading(2, "Waivers"))
        b.append(
            .table(
                r.waivers, none: "No waiver was in force during the interval.",
                header: ["Waiver", "Check", "Host", "Subject", "From", "Until", "Status at end", "Reason", "Approver"],
                row: {
                    [
                        "#\($0.id)", $0.checkID, $0.host, $0.subject ?? "all", time($0.validFrom, r), time($0.validUntil, r),
                        $0.isActive(at: r.asOf) ? "active" : ($0.validUntil <= r.asOf ? "expired" : "not yet in force"),
                        $0.reason, $0.approver,
                    ]
                }))

        // Training
        b.append(.heading(2, "Training register"))
        b.append(
            .table(
                r.training, none: "No training recorded.", header: ["Person", "Last training", "Topic", "Next due", "Status"],
                row: {
                    [
                        $0.person, $0.due.lastDone.map { day($0, r) } ?? "never", $0.lastTopic, $0.due.dueAt.map { day($0, r) } ?? "now",
                        $0.due.state.rawValue,
                    ]
                }))
        return b
    }

    static func dueText(_ s: DueStatus, _ r: IntervalReport) -> String {
        switch s.state {
        case .never: "no review signed off yet: due now"
        case .current: "current, next due \(s.dueAt.map { day($0, r) } ?? "?")"
        case .dueSoon: "due soon, on \(s.dueAt.map { day($0, r) } ?? "?")"
        case .overdue: "OVERDUE since \(s.dueAt.map { day($0, r) } ?? "?")"
        }
    }

    /// Drift as sentences (also used by `bulkhead diff`).
    public static func driftLines(_ d: Drift, timeZone: TimeZone) -> [String] {
        var lines: [String] = []
        for m in d.mechanismsAdded { lines.append("Mechanism added: \(m.name) (\(m.product)) \(m.version ?? "version unknown")") }
        for m in d.mechanismsRemoved { lines.append("Mechanism removed: \(m.name) (\(m.product)) \(m.version ?? "version unknown")") }
        for c in d.versionChanges { lines.append("Version changed: \(c.key) \(c.from ?? "unknown") → \(c.to ?? "unknown")") }
        for c in d.stateChanges { lines.append("State changed: \(c.key) \(c.from ?? "-") → \(c.to ?? "-")") }
        for g in d.guestsAppeared { lines.append("Guest appeared: \(g.subject)") }
        for g in d.guestsVanished { lines.append("Guest vanished: \(g.subject)") }
        for a in d.advisoriesNew { lines.append("New advisory: \(a.id) (\(a.product))") }
        for a in d.advisoriesFixed { lines.append("Advisory no longer open: \(a.id) (\(a.product))") }
        let appeared = Set(d.guestsAppeared.map(\.subject))
        let vanished = Set(d.guestsVanished.map(\.subject))
        for c in d.checkChanges {
            let note = appeared.contains(c.subject) ? " (guest appeared)" : vanished.contains(c.subject) ? " (guest vanished)" : ""
            lines.append("Check \(c.checkID) on \(c.subject) [\(c.severity)]: \(c.from?.label ?? "not run") → \(c.to?.label ?? "not run")\(note)")
        }
        for c in d.verdictChanges { lines.append("Verdict \(c.key): \(c.from ?? "none") → \(c.to ?? "none")") }
        for f in d.staleFactsNew { lines.append("Catalog fact went stale: \(f)") }
        for f in d.staleFactsResolved { lines.append("Catalog fact refreshed: \(f)") }
        return lines
    }

    static func driftLines(_ d: Drift, _ r: IntervalReport) -> [String] { driftLines(d, timeZone: r.timeZone) }
}
