public import Foundation

extension LabReport {
    /// A plain-text rendering for terminals (JSON is the machine format).
    public func renderText(includeRawOutput: Bool = false) -> String {
        var lines: [String] = []
        for run in runs {
            var header = "== \(run.mechanism.rawValue) [\(run.variant)]"
            if let accel = run.accelerator { header += " accel=\(accel)" }
            lines.append(header)
            if let note = run.acceleratorNote { lines.append("   accelerator: \(note)") }
            if let note = run.launchNote { lines.append("   note: \(note)") }
            lines.append("   command: \(run.command.joined(separator: " "))")
            lines.append("   identified: \(run.identified ?? "—")")
            if let reason = run.inconclusiveReason {
                lines.append("   INCONCLUSIVE: \(reason)")
                if let d = run.diagnostics { lines.append("   mechanism said: \(d.split(separator: "\n").suffix(3).joined(separator: " | "))") }
            }
            let t = run.timings
            lines.append(
                "   timings: build \(f(t.build)) s, boot \(f(t.boot)) s, probe \(f(t.probe)) s, shutdown \(f(t.shutdown)) s, total \(f(t.total)) s")
            for s in run.scenarios {
                let mark =
                    switch s.outcome {
                    case .pass: "PASS"
                    case .fail: "FAIL"
                    case .notApplicable: "n/a "
                    case .inconclusive: "INC "
                    }
                lines.append("   \(mark) \(s.id): \(s.title)")
                if s.outcome != .notApplicable {
                    lines.append("        expected: \(s.expected)")
                    lines.append("        observed: \(s.observed)")
                }
            }
            if includeRawOutput, let raw = run.rawProbeOutput { lines.append("   probe output: \(raw)") }
            lines.append("")
        }
        let c = counts
        lines.append(
            "\(c[.pass, default: 0]) pass, \(c[.fail, default: 0]) fail, \(c[.inconclusive, default: 0]) inconclusive, \(c[.notApplicable, default: 0]) not applicable"
        )
        if let dir = artifactsDirectory { lines.append("artefacts kept in \(dir)") }
        return lines.joined(separator: "\n")
    }

    private func f(_ x: Double) -> String { String(format: "%.2f", x) }
}
