public import Advisories
public import Foundation

/// The terminal renderings of `bulkhead advisories`. Advisory ids, reasons and file names come from
/// feeds and package names from the host: all are sanitised.
public enum AdvisoryText {
    private static func clean(_ text: String, max: Int = 400) -> String { TextTable.sanitise(text, max: max) }

    /// `advisories import`: what was imported and the first 50 problems.
    public static func importReport(_ report: ImportReport, database: String) -> String {
        var out =
            "imported \(report.filesImported) files (\(report.filesUnchanged) unchanged of \(report.filesSeen)): \(report.advisories) advisories, \(report.kevEntries) KEV entries in \(String(format: "%.1f", report.seconds)) s\n"
        out += "database: \(clean(database))\n"
        if !report.problems.isEmpty {
            out += "\(report.problems.count) problems:\n"
            for p in report.problems.prefix(50) { out += "  \(clean(p.file)): [\(clean(p.code))] \(clean(p.reason))\n" }
            if report.problems.count > 50 { out += "  … \(report.problems.count - 50) more (use --format json)\n" }
        }
        return out
    }

    /// `advisories stats PRODUCT`.
    public static func stats(_ stats: ProductStats) -> String {
        var out = "\(stats.product): \(stats.total) vulnerabilities (\(stats.withdrawn) withdrawn/rejected not counted)\n"
        let years =
            stats.byYear.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            + (stats.undated > 0 ? ["no publication date: \(stats.undated)"] : [])
        out += "  per year:   " + years.joined(separator: ", ") + "\n"
        out += "  severity:   " + stats.bySeverity.sorted { $0.key < $1.key }.map { "\(clean($0.key)): \($0.value)" }.joined(separator: ", ") + "\n"
        out += "  memory-safety CWEs: \(stats.memorySafety) (\(stats.memorySafetyShare.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a"))\n"
        out += "  known exploited (KEV): \(stats.knownExploited)\n"
        out += "  with CWE: \(stats.withCWE), naming the product: \(stats.withProductName)\n"
        out +=
            "  median publication→fix: \(stats.medianDaysToFix.map { "\($0) days (\(stats.fixSamples) samples, \(clean(stats.fixSource)))" } ?? "unknown (\(clean(stats.fixSource)))")\n"
        out +=
            stats.recordsBySource.isEmpty
            ? "  covered by: no source (no record maps to \(stats.product)): ISM-1606 cannot pass from this database\n"
            : "  covered by: "
                + stats.recordsBySource.sorted { $0.key < $1.key }.map { "\(clean($0.key)) (\($0.value) records)" }.joined(separator: ", ")
                + "\n"
        if let sources = stats.sources {
            out += "sources of the database:\n"
            if sources.isEmpty { out += "  none (nothing imported)\n" }
            for s in sources { out += "  " + sourceLine(s) + "\n" }
        }
        return out
    }

    /// `cve5: 300,000 records, newest record 2026-11-30, imported 2026-12-01 10:00 UTC`.
    public static func sourceLine(_ s: AdvisoryDatabase.SourceSummary) -> String {
        sourceLine(format: s.format, records: s.records, newestRecord: s.newestRecord, importedAt: s.importedAt)
    }

    public static func sourceLine(format: String, records: Int, newestRecord: String?, importedAt: Date?) -> String {
        let newest = newestRecord.map { clean(String($0.prefix(10))) } ?? "undated"
        let imported = importedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "unknown"
        return "\(clean(format)): \(records) records, newest record \(newest), imported \(imported)"
    }

    /// `advisories check`: per installed package, the counts, then each finding (not-affected ones with `all`).
    public static func check(_ results: [CheckResult], all: Bool) -> String {
        var out = results.isEmpty ? "no installed package of a known product\n" : ""
        for r in results {
            out +=
                "\(r.installed.product) — \(clean(r.installed.package)) \(clean(r.installed.version)): \(r.count(.open)) open, \(r.count(.unknown)) unknown, \(r.count(.fixedByBackport)) fixed by backport, \(r.count(.notAffected)) not affected\n"
            for f in r.findings where all || f.state != .notAffected {
                var line = "  \(f.state.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(clean(f.id))"
                if let s = f.severity?.effectiveRating { line += " \(clean(s))" }
                if f.knownExploited { line += " KEV" }
                if let d = f.daysOpen, let dl = f.deadlineDays {
                    line += " — \(d) days since publication, ISM-1606 deadline \(dl) days\(f.overdue == true ? " (OVERDUE)" : "")"
                }
                out += line + "\n"
                out += "      \(clean(f.reason))\n"
                if let by = f.decidedBy { out += "      decided by: \(clean(by))\n" }
            }
            for p in r.problems { out += "  problem: \(clean(p.description))\n" }
        }
        return out
    }
}
