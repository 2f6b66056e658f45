import Foundation
public import Lab

/// The terminal renderings of `bulkhead lab` (JSON is the machine format). Everything the probe or the
/// mechanism reported is hostile input and is sanitised.
public enum LabText {
    public static func render(_ report: LabReport, includeRawOutput: Bool = false) -> String {
        func clean(_ text: String, max: Int = 400) -> String { TextTable.sanitise(text, max: max) }
        var lines: [String] = []
        for run in report.runs {
            var header = "== \(run.mechanism.rawValue) [\(clean(run.variant))]"
            if let accel = run.accelerator { header += " accel=\(clean(accel))" }
            lines.append(header)
            if let note = run.acceleratorNote { lines.append("   accelerator: \(clean(note))") }
            if let note = run.launchNote { lines.append("   note: \(clean(note))") }
            lines.append("   command: \(clean(run.command.joined(separator: " "), max: 2000))")
            lines.append("   identified: \(run.identified.map { clean($0) } ?? "—")")
            if let reason = run.inconclusiveReason {
                lines.append("   INCONCLUSIVE: \(clean(reason))")
                if let d = run.diagnostics {
                    lines.append("   mechanism said: \(clean(d.split(separator: "\n").suffix(3).joined(separator: " | "), max: 1000))")
                }
            }
            let t = run.timings
            lines.append(
                "   timings: build \(seconds(t.build)) s, boot \(seconds(t.boot)) s, probe \(seconds(t.probe)) s, shutdown \(seconds(t.shutdown)) s, total \(seconds(t.total)) s"
            )
            for s in run.scenarios {
                let mark =
                    switch s.outcome {
                    case .pass: "PASS"
                    case .fail: "FAIL"
                    case .notApplicable: "n/a "
                    case .inconclusive: "INC "
                    }
                // Read forwards: the title names the property that holds, the outcome says whether it does.
                lines.append("   \(s.title) (\(s.id)): \(mark.trimmingCharacters(in: .whitespaces))")
                if s.outcome != .notApplicable {
                    lines.append("        expected: \(clean(s.expected))")
                    lines.append("        observed: \(clean(s.observed))")
                }
            }
            if includeRawOutput, let raw = run.rawProbeOutput { lines.append("   probe output: \(clean(raw, max: 1 << 20))") }
            lines.append("")
        }
        let c = report.counts
        lines.append(
            "\(c[.pass, default: 0]) pass, \(c[.fail, default: 0]) fail, \(c[.inconclusive, default: 0]) inconclusive, \(c[.notApplicable, default: 0]) not applicable"
        )
        if let dir = report.artifactsDirectory { lines.append("artefacts kept in \(clean(dir))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `bulkhead lab list`: the mechanisms, their variants and the scenarios.
    public static func list(_ catalog: LabCatalog) -> String {
        var out = ""
        for m in catalog.mechanisms {
            out += m.mechanism.rawValue + "\n"
            for v in m.variants { out += "  --variant \(v.name): \(v.summary)\n" }
        }
        out += "scenarios:\n"
        for s in catalog.scenarios { out += "  --scenario \(s.id): \(s.title)\n" }
        return out
    }

    private static func seconds(_ x: Double) -> String { String(format: "%.2f", x) }
}
