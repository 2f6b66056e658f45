public import BulkheadModel
import Foundation

/// Turns a census report into high-confidence evidence for the memory-safety criterion (ISM-1460).
public enum CensusEvidence {
    /// The share as a percentage with one decimal, e.g. "12.3%".
    public static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "n/a" }
        return String(format: "%.1f%%", ratio * 100)
    }

    /// Evidence items: the share, the per-language split of the denominator, and the `unsafe` density.
    /// Each has source `.measurement(command:)` (the command that repeats it), `observedAt` the
    /// measurement time, and confidence `.high`.
    public static func evidence(from report: CensusReport) -> [Evidence] {
        let name = [report.subject.product, report.subject.version].compactMap { $0 }.joined(separator: " ")
        let subject = name.isEmpty ? report.subject.path : name
        let source = Evidence.Source.measurement(command: report.command)
        let s = report.share
        var items: [Evidence] = []
        let listName = s.list == .ism ? "ISM glossary list" : "ISM + NSA/CISA list"
        items.append(
            Evidence(
                claim:
                    "Measured memory-safe share of \(subject): \(percent(s.ratio)) (\(s.memorySafeCode) of \(s.denominatorCode) code lines in \(s.denominatorLanguages.map(\.rawValue).joined(separator: ", ")); memory-safe per the \(listName): \(s.memorySafeLanguages.map(\.rawValue).joined(separator: ", ")))",
                source: source, observedAt: report.measuredAt, confidence: .high))
        let split = report.languages.filter(\.inShare).map { "\($0.language.rawValue) \($0.code)" }.joined(separator: ", ")
        if !split.isEmpty {
            items.append(
                Evidence(
                    claim:
                        "Code lines by language in \(subject) (excluding \(report.exclusions.map(\.reason.rawValue).joined(separator: ", "))): \(split)",
                    source: source, observedAt: report.measuredAt, confidence: .high))
        }
        if s.memorySafeCode > 0 {
            let density = s.unsafePerKLOC.map { String(format: "%.2f", $0) } ?? "n/a"
            items.append(
                Evidence(
                    claim: "`unsafe` escapes in the memory-safe code of \(subject): \(s.unsafeTotal) (\(density) per 1,000 lines)",
                    source: source, observedAt: report.measuredAt, confidence: .high))
        }
        if report.problemCount > 0 {
            items.append(
                Evidence(
                    claim: "\(report.problemCount) file(s) of \(subject) could not be counted (see the census report)",
                    source: source, observedAt: report.measuredAt, confidence: .high))
        }
        return items
    }
}
