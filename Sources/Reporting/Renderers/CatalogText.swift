import BulkheadModel
import Foundation
public import VendorEvidence

/// Plain-text views of the catalog for `bulkhead vendor list|show|compare`. Pure: returns strings.
public enum CatalogText {
    public static func list(_ catalog: Catalog, evaluator: ISM1460Evaluator) -> String {
        var rows: [[String]] = [["ID", "NAME", "VENDOR", "ROLE", "ISM-1460", "FACTS"]]
        for p in catalog.products {
            let e = evaluator.evaluate(p)
            rows.append([p.id.rawValue, p.name, p.vendor, p.role.rawValue, e.status.rawValue, "\(p.facts.count)"])
        }
        var out = table(rows)
        out += "\n\(catalog.products.count) products. `bulkhead vendor show ID` lists every fact with its source.\n"
        for p in catalog.problems { out += "problem: \(p)\n" }
        return out
    }

    public static func show(_ product: Product, evaluation e: ISM1460Evaluation) -> String {
        var out = "\(product.name) (\(product.id)) — \(product.vendor)\n"
        out += "Role: \(product.role.rawValue). \(product.summary)\n"
        out += "Catalog file: \(product.file)\n"
        let a = product.aliases
        var names: [String] = []
        if !a.names.isEmpty { names.append("names \(a.names.joined(separator: ", "))") }
        if !a.debianPackages.isEmpty { names.append("deb \(a.debianPackages.joined(separator: ", "))") }
        if !a.rpmPackages.isEmpty { names.append("rpm \(a.rpmPackages.joined(separator: ", "))") }
        if !a.binaries.isEmpty { names.append("binaries \(a.binaries.joined(separator: ", "))") }
        if !a.cpe.isEmpty { names.append("CPE \(a.cpe.joined(separator: ", "))") }
        if !a.osv.isEmpty { names.append("OSV " + a.osv.map { "\($0.ecosystem)/\($0.package)" }.joined(separator: ", ")) }
        if !a.cve.isEmpty { names.append("CVE " + a.cve.map { "\($0.vendor)/\($0.product)" }.joined(separator: ", ")) }
        if !a.descriptionKeywords.isEmpty { names.append("description keywords " + a.descriptionKeywords.joined(separator: ", ")) }
        if !names.isEmpty { out += "Aliases: " + names.joined(separator: "; ") + "\n" }
        out += "\nComponents:\n"
        for c in e.components {
            out += "  - \(c.component.name) [\(c.component.id)]: \(c.component.languages.joined(separator: ", ")), "
            out += "\(c.component.layer.rawValue) layer\(c.component.isolationCritical ? ", isolation-critical" : "")"
            out += "; \(c.status.rawValue) — \(c.basis)"
            if let r = c.component.repository { out += "; \(r)" }
            out += "\n"
        }
        if let l = product.lifecycle {
            let kind = !l.published ? "no published policy: " : l.latestLines.map { "only the \($0) newest line(s) supported: " } ?? ""
            out += "\nSupport lifecycle: \(kind)\(l.policy) (\(l.source); observed \(CalendarDate.format(l.observed)))\n"
            for b in l.branches {
                let state: String =
                    if let end = b.endOfSupport { "end of support \(CalendarDate.format(end))" } else if let min = b.supportedAtLeastUntil {
                        "supported at least until \(CalendarDate.format(min))"
                    } else if let status = b.status { status == .ended ? "ended" : "supported, end not dated" } else if l.latestLines != nil {
                        "known release line"
                    } else { "end of support not published" }
                out += "  - \(b.version): \(state)\(b.note.map { " (\($0))" } ?? "")\(b.source.map { "; \($0)" } ?? "")\n"
            }
        }
        out += "\n" + evaluation(e)
        return out
    }

    /// The ISM-1460 evaluation with every criterion's facts, sources, dates, confidence and stale flags.
    public static func evaluation(_ e: ISM1460Evaluation, indent: String = "") -> String {
        var out = "\(indent)ISM-1460: \(e.status.rawValue) (confidence \(e.confidence.rawValue), memory safety via \(e.memorySafety.rawValue))\n"
        if let w = e.weakestComponentReason { out += "\(indent)Weakest component: \(safe(w))\n" }
        for r in e.criteria {
            out += "\(indent)  (\(r.criterion.number)) \(r.criterion.title): \(r.outcome.rawValue)"
            if let first = r.reasons.first { out += " — \(safe(first))" }
            out += "\n"
            let listed = r.facts
            for f in listed {
                out += "\(indent)      • \(factLine(f.decided))\n"
                for o in f.others { out += "\(indent)        also: \(factLine(o))\n" }
                if let res = f.resolution, f.conflict { out += "\(indent)        CONFLICT: \(safe(res))\n" }
            }
            if listed.isEmpty {
                for reason in r.reasons.dropFirst() { out += "\(indent)      • \(safe(reason))\n" }
            }
        }
        if !e.staleFacts.isEmpty {
            out += "\(indent)Stale facts (observed more than 12 months before \(CalendarDate.format(e.assessedAt)); confidence lowered one level):\n"
            for s in e.staleFacts {
                out +=
                    "\(indent)  - \(s.fact.aspect.rawValue): \(safe(s.fact.evidence.claim)) (observed \(CalendarDate.format(s.fact.evidence.observedAt)))\n"
            }
        }
        if e.status == .notAssessed, e.components.isEmpty {
            for line in e.rationale.dropFirst() { out += "\(indent)\(safe(line))\n" }
        }
        return out
    }

    /// Evidence text (claims, reasons) came from files and feeds: the one terminal sanitiser.
    static func safe(_ text: String) -> String { TerminalText.field(text, max: 2000) }

    static func factLine(_ w: WeighedFact) -> String {
        let f = w.fact
        var s = "\(f.aspect.rawValue)\(f.component.map { "[\($0)]" } ?? ""): \(f.value) — \(f.evidence.claim)"
        s += " | source: \(f.evidence.source) | observed \(CalendarDate.format(f.evidence.observedAt))"
        s += " | confidence \(w.effectiveConfidence.rawValue)"
        if w.stale { s += " (STALE, was \(f.evidence.confidence.rawValue))" }
        if case .catalog = f.origin {} else { s += " | \(f.origin.label)" }
        return TerminalText.field(s, max: 2000)
    }

    /// Side-by-side criteria table for procurement.
    public static func compare(_ evaluations: [ISM1460Evaluation]) -> String {
        var rows: [[String]] = [["CRITERION"] + evaluations.map { $0.product.rawValue }]
        rows.append(["ISM-1460 verdict"] + evaluations.map { $0.status.rawValue })
        rows.append(["confidence"] + evaluations.map { $0.confidence.rawValue })
        for c in Criterion.allCases {
            rows.append(["(\(c.number)) \(c.title)"] + evaluations.map { $0.result(c)?.outcome.rawValue ?? "-" })
        }
        rows.append(["memory safety via"] + evaluations.map { $0.memorySafety.rawValue })
        rows.append(["weakest component"] + evaluations.map { $0.weakestComponent ?? "-" })
        rows.append(
            ["isolation code memory-safe share"]
                + evaluations.map { e in
                    let own = ISM1460Evaluator.decidingComponents(e.components)
                    let parts = own.map { c in c.share.map { "\(FactValue.format($0)) %" } ?? c.component.languages.joined(separator: "+") }
                    return parts.isEmpty ? "-" : parts.joined(separator: " / ")
                })
        rows.append(["stale facts"] + evaluations.map { "\($0.staleFacts.count)" })
        var out = table(rows)
        out += "\nOutcomes per criterion are decided as in docs/criteria.md; `bulkhead vendor show ID` gives the facts and sources.\n"
        return out
    }

    public static func table(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for r in rows {
            for (i, cell) in r.enumerated() where i < columns { widths[i] = max(widths[i], min(TerminalText.field(cell).count, 48)) }
        }
        var out = ""
        for r in rows {
            var line = ""
            for (i, cell) in r.enumerated() where i < columns {
                // Cells carry host-derived text (versions, names): the one terminal sanitiser first.
                let cell = TerminalText.field(cell)
                let text = cell.count > 48 ? String(cell.prefix(47)) + "…" : cell
                line += i == r.count - 1 ? text : text.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }
            out += line.trimmingCharacters(in: .whitespaces) + "\n"
        }
        return out
    }
}
