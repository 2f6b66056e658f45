import BulkheadModel
import Foundation

// host.ksm: its words are in host.ksm.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let ksm = Check.host("host.ksm") { ctx in
        let path = "/sys/kernel/mm/ksm/run"
        guard let obs = ctx.input.observations, let state = obs.state(path) else {
            return ctx.unobserved("KSM state", at: path)
        }
        switch state {
        case .absent:
            // Absence is the safe state only where sysfs was seen: an empty or offline root has no /sys at all.
            guard obs.state("/sys/kernel/mm") == .present else {
                return .inconclusive(
                    "\(path) and /sys/kernel/mm are both absent: sysfs was not seen (an offline root or an empty directory), so KSM's state is unknown",
                    [ctx.file(path, "absent"), ctx.file("/sys/kernel/mm", "absent")])
            }
            return .pass(
                "KSM not built into this kernel: /sys/kernel/mm is present without ksm/ (absence is the safe state)",
                [ctx.file(path, "absent"), ctx.file("/sys/kernel/mm", "present")])
        case .present: return .inconclusive("\(path) exists but was not read")
        case .unreadable(let why): return .inconclusive("\(path) could not be read: \(why)")
        case .content(let text):
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let evidence = [ctx.file(path, "ksm/run = \(value)")]
            switch value {
            case "0": return .pass("KSM stopped (run = 0)", evidence)
            case "2": return .pass("KSM stopped and pages unmerged (run = 2)", evidence)
            case "1":
                if ctx.bool("allowed") { return .pass("KSM running (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
                return .fail("KSM running (run = 1)", evidence)
            default: return .inconclusive("unrecognised \(path) value \"\(value)\"", evidence)
            }
        }
    }
}
