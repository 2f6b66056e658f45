public import Census
import Foundation

/// Plain-text rendering of a census report for the terminal (paths from the measured tree are sanitised).
public enum CensusTable {
    public static func render(_ r: CensusReport) -> String {
        var out = ""
        let title = [r.subject.product, r.subject.version].compactMap { $0 }.joined(separator: " ")
        out += "Census of \(TextTable.sanitise(title.isEmpty ? r.subject.path : title + " (" + r.subject.path + ")", max: 400))\n\n"
        let header = ["Language", "Files", "Blank", "Comment", "Code", "Safe", "unsafe", "/KLOC"]
        var rows: [[String]] = []
        func add(_ l: CensusReport.LanguageTotals) {
            rows.append([
                l.language.rawValue, "\(l.files)", "\(l.blank)", "\(l.comment)", "\(l.code)",
                l.inShare ? (l.memorySafe ? "yes" : "no") : "-",
                l.unsafeTotal > 0 || l.memorySafe ? "\(l.unsafeTotal)" : "",
                l.unsafeTotal > 0 ? String(format: "%.2f", l.unsafePerKLOC ?? 0) : "",
            ])
        }
        let groups: [(String, Language.Category)] = [
            ("In the share", .program), ("Shell (not in the share)", .shell),
            ("Build files (not in the share)", .build), ("Data and docs (set aside)", .data),
        ]
        var widths = header.map(\.count)
        var sections: [(String, [[String]])] = []
        for (name, cat) in groups {
            rows = []
            for l in r.languages where l.category == cat { add(l) }
            if rows.isEmpty { continue }
            let sum = r.languages.filter { $0.category == cat }
            rows.append([
                "Sum", "\(sum.reduce(0) { $0 + $1.files })", "\(sum.reduce(0) { $0 + $1.blank })",
                "\(sum.reduce(0) { $0 + $1.comment })", "\(sum.reduce(0) { $0 + $1.code })", "", "", "",
            ])
            for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
            sections.append((name, rows))
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == 0
                    ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ") + "\n"
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)) + "\n"
        out += line(header)
        for (name, rows) in sections {
            out += rule + name + "\n"
            for (i, row) in rows.enumerated() {
                if i == rows.count - 1 {
                    out += line(row.enumerated().map { $0.offset == 0 ? "  " + $0.element : $0.element })
                } else {
                    out += line(row)
                }
            }
        }
        out += rule
        let s = r.share
        out += "\nMemory-safe share: \(CensusEvidence.percent(s.ratio)) (\(s.memorySafeCode) of \(s.denominatorCode) code lines)\n"
        out += "  memory-safe list: \(s.list.rawValue) (\(s.memorySafeLanguages.map(\.rawValue).joined(separator: ", ")))\n"
        out += "  denominator: \(s.denominatorLanguages.map(\.rawValue).joined(separator: ", "))\n"
        if s.memorySafeCode > 0 {
            out +=
                "  unsafe escapes in memory-safe code: \(s.unsafeTotal) (\(s.unsafePerKLOC.map { String(format: "%.2f", $0) } ?? "n/a") per KLOC)\n"
        }
        let headers = r.languages.reduce(0) { $0 + $1.headersByContent + $1.headersBySiblings }
        if headers > 0 {
            let cpp = r.languages.first { $0.language == .cpp }
            out +=
                "  .h headers: \(headers) (C++ by content: \(cpp?.headersByContent ?? 0), C++ by sibling sources: \(cpp?.headersBySiblings ?? 0); the rest C)\n"
        }
        if !r.exclusions.isEmpty {
            out += "\nExcluded:\n"
            for e in r.exclusions {
                var parts: [String] = []
                if e.directories > 0 { parts.append("\(e.directories) director\(e.directories == 1 ? "y" : "ies")") }
                if e.files > 0 { parts.append("\(e.files) file\(e.files == 1 ? "" : "s") (\(e.code) code lines)") }
                out +=
                    "  \(e.reason.rawValue): \(parts.joined(separator: ", ")) — e.g. \(e.examples.prefix(4).map { TextTable.sanitise($0) }.joined(separator: ", "))\n"
            }
        }
        if r.unrecognisedFiles > 0 || r.symlinksNotFollowed > 0 {
            out += "\nNot counted: \(r.unrecognisedFiles) file(s) of no recognised language; \(r.symlinksNotFollowed) symbolic link(s) not followed\n"
        }
        if r.problemCount > 0 {
            out += "\nProblems (\(r.problemCount)):\n"
            for p in r.problems.prefix(30) { out += "  \(TextTable.sanitise(p.path, max: 400)): \(TextTable.sanitise(p.message, max: 400))\n" }
            if r.problemCount > 30 { out += "  … \(r.problemCount - 30) more (see --format json)\n" }
        }
        out += String(format: "\nMeasured in %.2f s. Repeat with: %@\n", r.elapsedSeconds, r.command)
        return out
    }
}
