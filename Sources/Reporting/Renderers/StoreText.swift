import BulkheadModel
public import Foundation
public import Store

/// The terminal renderings of the store commands (`history`, `diff`, `review`, `training`, `waive`).
/// Every string that came from a host or a user (host names, subjects, names, notes) is sanitised.
public enum StoreText {
    /// One line of host- or user-given text (`TerminalText.field`, the one terminal sanitiser, uncapped).
    public static func clean(_ s: String) -> String { TerminalText.field(s, max: Int.max) }

    /// Columns padded to the widest cell, no rule under the header.
    public static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows.map { $0.map(clean) }
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in all {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            out += cells.joined(separator: "  ") + "\n"
        }
        return out
    }

    /// `bulkhead history`.
    public static func history(_ entries: [HistoryEntry], timeZone: TimeZone) -> String {
        table(
            header: ["run", "host", "finished", "source", "mech", "fail", "waived", "inconcl", "pass", "advisories", "stale", "problems"],
            rows: entries.map { e in
                let r = e.run
                let c = e.effectiveCounts
                return [
                    "#\(r.id)", r.host, DateInput.format(r.finishedAt, timeZone: timeZone), r.source, "\(r.mechanismCount)",
                    "\(c["fail"] ?? 0)", "\(c["waived"] ?? 0)", "\(c["inconclusive"] ?? 0)", "\(c["pass"] ?? 0)",
                    "\(r.advisoryCount)", "\(r.staleFactCount)", "\(r.problemCount)",
                ]
            })
    }

    /// `bulkhead diff`: the two runs, then one line per change (or "No drift.").
    public static func drift(_ drift: Drift, timeZone: TimeZone) -> String {
        var out =
            "Host \(clean(drift.host)): #\(drift.from.id) (\(DateInput.format(drift.from.finishedAt, timeZone: timeZone))) → #\(drift.to.id) (\(DateInput.format(drift.to.finishedAt, timeZone: timeZone)))\n"
        let lines = IntervalReportRenderer.driftLines(drift, timeZone: timeZone)
        if lines.isEmpty { out += "No drift.\n" }
        for line in lines { out += "  " + clean(line) + "\n" }
        return out
    }

    /// `bulkhead review list`.
    public static func reviews(_ reviews: [Review], timeZone: TimeZone) -> String {
        table(
            header: ["review", "started", "by", "signed off", "by", "covers", "decisions"],
            rows: reviews.map {
                [
                    "#\($0.id)", DateInput.format($0.startedAt, timeZone: timeZone), $0.startedBy,
                    $0.signedOffAt.map { DateInput.format($0, timeZone: timeZone) } ?? "open", $0.signedOffBy ?? "",
                    $0.runIDs.map { "#\($0)" }.joined(separator: ","), $0.decisions ?? "",
                ]
            })
    }

    /// `bulkhead review due`: one sentence.
    public static func reviewDue(_ status: DueStatus, cadence: Cadence, timeZone: TimeZone) -> String {
        let due = status.dueAt.map { DateInput.format($0, timeZone: timeZone) } ?? "now"
        let last = status.lastDone.map { DateInput.format($0, timeZone: timeZone) } ?? "never"
        return switch status.state {
        case .never: "No review has been signed off: a review is due now (\(cadence)).\n"
        case .current: "Last review signed off \(last); next due \(due) (\(cadence)).\n"
        case .dueSoon: "Last review signed off \(last); next due soon, \(due) (\(cadence)).\n"
        case .overdue: "OVERDUE: last review signed off \(last); the next was due \(due) (\(cadence)).\n"
        }
    }

    /// `bulkhead training due`.
    public static func training(_ status: [TrainingStatus], timeZone: TimeZone) -> String {
        table(
            header: ["person", "last training", "topic", "next due", "status"],
            rows: status.map {
                [
                    $0.person, $0.due.lastDone.map { DateInput.format($0, timeZone: timeZone, withTime: false) } ?? "never",
                    $0.lastTopic, $0.due.dueAt.map { DateInput.format($0, timeZone: timeZone, withTime: false) } ?? "now",
                    $0.due.state.rawValue,
                ]
            })
    }
}
