import Assessment
import Foundation

/// The advisory database as every assessment report shows it (table, Markdown, HTML; JSON carries
/// `inputs.advisoryDatabase`, OSCAL an observation of the host related to each ISM-1606 finding, SARIF
/// `runs[0].properties.advisoryDatabase`): its age against the stale limit, each source's records, newest record and
/// last import, and which sources cover each product ISM-1606 checked. Plain text: each renderer escapes
/// the lines for its own output (paths and formats come from the database).
enum AdvisoryDatabaseLines {
    static func lines(_ report: AssessmentReport) -> [String] {
        guard let info = report.inputs.advisoryDatabase else { return [] }
        var head = "Advisory database: \(info.path) — \(info.state)"
        if let last = info.lastImport {
            head += ", last import \(Timestamp.string(last))"
            if let age = info.ageDays { head += " (\(String(format: "%.1f", age)) days old)" }
        }
        if info.state == "available" {
            let limit = info.maximumAgeDays ?? AdvisoryFindings.maximumAgeDays
            let days = limit.formatted()
            head += info.stale ? "; STALE (older than \(days) days): no ISM-1606 pass rests on it" : "; current (limit \(days) days)"
        }
        var out = [head]
        for s in info.sources ?? [] {
            let newest = s.newestRecord.map { String($0.prefix(10)) } ?? "undated"
            let imported = s.importedAt.map(Timestamp.string) ?? "unknown"
            out.append("  source \(s.format): \(s.records) records, newest record \(newest), imported \(imported)")
        }
        for c in info.coverage ?? [] {
            out.append(
                c.covered
                    ? "  coverage \(c.product): "
                        + c.recordsBySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    : "  coverage \(c.product): no source (no record maps to it): ISM-1606 cannot pass for it")
        }
        return out
    }
}
