import BulkheadModel
import Foundation

// runtime.lsm-profile: its words are in runtime.lsm-profile.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// How a /proc/PID/attr/current label confines its process: nil when it confines (an enforced AppArmor profile,
    /// an SELinux type other than unconfined_t/spc_t), else why not; `selinux` when the label is SELinux's.
    static func lsmLabelWeakness(_ label: String) -> (weakness: String?, selinux: Bool) {
        let l = label.trimmingCharacters(in: .whitespacesAndNewlines)
        if l == "unconfined" { return ("AppArmor: unconfined", false) }
        // SELinux: user:role:type:level.
        let parts = l.split(separator: ":")
        if parts.count >= 3, !l.contains(" ") {
            let type = parts[2]
            if type == "unconfined_t" || type == "spc_t" || type.hasSuffix("unconfined_t") {
                return ("SELinux type \(type) (not confined)", true)
            }
            return (nil, true)
        }
        // AppArmor: `profile (mode)`.
        if l.hasSuffix(")"), let open = l.lastIndex(of: "(") {
            let mode = l[l.index(after: open)..<l.index(before: l.endIndex)]
            if mode == "enforce" || mode == "kill" { return (nil, false) }
            return ("AppArmor profile \(l[..<open].trimmingCharacters(in: .whitespaces)) in \(mode) mode (not enforced)", false)
        }
        return ("unrecognised label", false)
    }

    static let runtimeLSMProfile = Check.guest("runtime.lsm-profile") { ctx, s in
        // A Kata container runs on its own guest kernel: the host-side process's label is the VMM's.
        guard containerRuntimes.contains(s.mechanism.product.rawValue), s.mechanism.product != "kata-containers" else { return nil }
        let inside: [HostProcess]
        switch containerProcesses(ctx, s, what: "security label") {
        case .success(let found): inside = found
        case .failure(let why): return why.result
        }
        let lsmPath = "/sys/kernel/security/lsm"
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var labels: [String] = []
        for p in inside {
            guard let label = p.confinement.lsmLabel else {
                // No label: either no labelling LSM is active, or attr/current was not read.
                switch ctx.input.observations?.state(lsmPath) {
                case .content(let text)?:
                    let active = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    evidence.append(ctx.file(lsmPath, "lsm = \(active)"))
                    let modules = Set(active.split(separator: ","))
                    if modules.contains("apparmor") || modules.contains("selinux") {
                        unclear.append("process \(p.pid)'s /proc/\(p.pid)/attr/current was not read, though \(active) is active")
                    } else {
                        wrong.append(
                            "process \(p.pid) (\(p.programName)) has no AppArmor or SELinux label: neither module is active (lsm = \(active))")
                    }
                case .unreadable(let why)?: unclear.append("\(lsmPath) could not be read: \(why)")
                default:
                    unclear.append(
                        "process \(p.pid) has no /proc/\(p.pid)/attr/current label and which security modules are active (\(lsmPath)) was not observed"
                    )
                }
                continue
            }
            evidence.append(ctx.process(p.pid, "attr/current", label))
            labels.append(label)
            let judged = lsmLabelWeakness(label)
            if let weakness = judged.weakness {
                wrong.append("process \(p.pid) (\(p.programName)) runs with \(weakness): \(label)")
                continue
            }
            if judged.selinux {
                let enforce = "/sys/fs/selinux/enforce"
                switch ctx.input.observations?.state(enforce) {
                case .content(let text)?:
                    let mode = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    evidence.append(ctx.file(enforce, "enforce = \(mode)"))
                    if mode == "0" { wrong.append("SELinux is permissive (\(enforce) = 0): the label \(label) is not enforced") }
                    if mode != "0" && mode != "1" { unclear.append("unrecognised \(enforce) value \"\(mode)\"") }
                case .unreadable(let why)?: unclear.append("\(enforce) could not be read: \(why)")
                default: unclear.append("the container has the SELinux label \(label), but whether SELinux enforces (\(enforce)) was not observed")
                }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; ") + problems(s), evidence) }
        return .pass("confined by " + Set(labels).sorted().joined(separator: ", "), evidence)
    }
}
