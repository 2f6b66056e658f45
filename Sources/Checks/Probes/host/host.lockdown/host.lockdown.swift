import BulkheadModel
import Foundation

// host.lockdown: its words are in host.lockdown.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let lockdown = Check.host("host.lockdown") { ctx in
        let path = "/sys/kernel/security/lockdown"
        guard let raw = ctx.facts.kernel.lockdown?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
            return ctx.unobserved("kernel lockdown mode", at: path)
        }
        // The file lists every mode with the selected one in brackets: "[none] integrity confidentiality".
        var mode = raw
        if let open = raw.firstIndex(of: "["), let close = raw[open...].firstIndex(of: "]") {
            mode = String(raw[raw.index(after: open)..<close])
        }
        let evidence = [ctx.file(path, raw)]
        switch mode {
        case "integrity", "confidentiality": return .pass("lockdown \(mode)", evidence)
        case "none": return .fail("lockdown none", evidence)
        default: return .inconclusive("unrecognised lockdown mode \"\(raw)\"", evidence)
        }
    }
}
