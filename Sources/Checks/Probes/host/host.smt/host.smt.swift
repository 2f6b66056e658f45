import BulkheadModel
import Foundation

// host.smt: its words are in host.smt.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let smtSensitive = ["l1tf", "mds", "mmio_stale_data", "tsx_async_abort"]

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
        let exposed = smtSensitive.compactMap { name -> (String, String)? in
            guard let text = facts.cpu.vulnerabilities[name], text.contains("SMT vulnerable") else { return nil }
            return (name, text)
        }
        let evidence = [controlEvidence] + exposed.map { ctx.file("/sys/devices/system/cpu/vulnerabilities/\($0.0)", "\($0.0): \($0.1)") }
        if exposed.isEmpty {
            return .pass("SMT \(control); no L1TF/MDS/MMIO/TAA exposure reported across threads", evidence)
        }
        let observed = "SMT \(control) with " + exposed.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
        if ctx.bool("allowed") {
            return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed"))
        }
        return .fail(observed, evidence)
    }
}
