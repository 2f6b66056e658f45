import BulkheadModel
import Foundation

// host.smt: its words are in host.smt.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    /// The clauses the kernel appends to a vulnerability line when a flaw stays open across sibling threads
    /// (arch/x86/kernel/cpu/bugs.c: l1tf, mds, mmio_stale_data, tsx_async_abort and AMD's retbleed print
    /// `SMT vulnerable`; spectre_v2 prints `STIBP: disabled` when no cross-thread branch isolation is used).
    static let smtExposureClauses = ["SMT vulnerable", "STIBP: disabled"]

    /// The vulnerability lines (every file, sorted by name) that report a cross-thread exposure.
    static func smtExposures(_ vulnerabilities: [String: String]) -> [(name: String, text: String)] {
        vulnerabilities.sorted(by: { $0.key < $1.key }).compactMap { name, text in
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return smtExposureClauses.contains(where: { t.contains($0) }) ? (name, t) : nil
        }
    }

    static let smt = Check.host("host.smt") { ctx in
        let facts = ctx.facts
        let controlPath = "/sys/devices/system/cpu/smt/control"
        guard let control = facts.cpu.smtControl?.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return ctx.unobserved("SMT control", at: controlPath)
        }
        let controlEvidence = ctx.file(controlPath, "smt/control = \(control)")
        if ["off", "forceoff", "notsupported", "notimplemented"].contains(control) {
            return .pass("SMT \(control)", [controlEvidence])
        }
        // SMT is on: a fail only when a CPU bug that leaks between sibling threads says so.
        guard !facts.cpu.vulnerabilities.isEmpty else {
            return ctx.unobserved("CPU vulnerability status (needed to judge SMT on)", at: "/sys/devices/system/cpu/vulnerabilities")
        }
        let exposed = smtExposures(facts.cpu.vulnerabilities)
        let evidence = [controlEvidence] + exposed.map { ctx.file("/sys/devices/system/cpu/vulnerabilities/\($0.name)", "\($0.name): \($0.text)") }
        if exposed.isEmpty {
            return .pass(
                "SMT \(control); none of the \(facts.cpu.vulnerabilities.count) vulnerability files reports `SMT vulnerable` or `STIBP: disabled`",
                [controlEvidence]
                    + [
                        ctx.file(
                            "/sys/devices/system/cpu/vulnerabilities",
                            facts.cpu.vulnerabilities.sorted(by: { $0.key < $1.key }).map { "\($0.key): \($0.value)" }.joined(separator: "; "))
                    ])
        }
        let observed = "SMT \(control) with " + exposed.map { "\($0.name): \($0.text)" }.joined(separator: "; ")
        if ctx.bool("allowed") {
            return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed"))
        }
        return .fail(observed, evidence)
    }
}
