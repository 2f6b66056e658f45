import BulkheadModel
import Foundation

// runtime.privileged: its words are in runtime.privileged.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    /// CapEff with every capability up to CAP_CHECKPOINT_RESTORE (40) set: a privileged container.
    static func isFullCapabilities(_ hex: String) -> Bool {
        guard let mask = UInt64(hex.trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        let all: UInt64 = (1 << 38) - 1  // CAP_CHOWN … CAP_PERFMON/BPF (37): every kernel since 5.8 has these
        return mask & all == all
    }

    /// Capabilities that each break the container boundary on their own (bit numbers from
    /// include/uapi/linux/capability.h). None is in Docker's, containerd's or Podman's default set.
    static let dangerousCapabilities: [(bit: Int, name: String)] = [
        (2, "CAP_DAC_READ_SEARCH"), (12, "CAP_NET_ADMIN"), (16, "CAP_SYS_MODULE"), (17, "CAP_SYS_RAWIO"),
        (19, "CAP_SYS_PTRACE"), (21, "CAP_SYS_ADMIN"), (22, "CAP_SYS_BOOT"), (25, "CAP_SYS_TIME"),
        (32, "CAP_MAC_OVERRIDE"), (33, "CAP_MAC_ADMIN"), (34, "CAP_SYSLOG"), (38, "CAP_PERFMON"), (39, "CAP_BPF"),
    ]

    /// The dangerous capabilities set in a CapEff mask, or nil when the mask is not hexadecimal.
    static func dangerousCapabilities(in hex: String) -> [String]? {
        guard let mask = UInt64(hex.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
        return dangerousCapabilities.filter { mask & (1 << UInt64($0.bit)) != 0 }.map(\.name)
    }

    static let runtimePrivileged = Check.guest("runtime.privileged") { ctx, s in
        guard let confinement = runtimeGuest(ctx, s) else { return nil }
        guard let c = confinement, let cap = c.capEff, let pid = s.guest.pid else {
            return .inconclusive("the container's process capabilities (CapEff) were not observed" + problems(s), ctx.guestEvidence(s, "no CapEff"))
        }
        var evidence = [ctx.process(pid, "status:CapEff", "CapEff: \(cap)")]
        if let mode = c.seccomp { evidence.append(ctx.process(pid, "status:Seccomp", "Seccomp: \(mode)")) }
        if let nnp = c.noNewPrivs { evidence.append(ctx.process(pid, "status:NoNewPrivs", "NoNewPrivs: \(nnp ? 1 : 0)")) }
        guard let dangerous = dangerousCapabilities(in: cap) else {
            return .inconclusive("CapEff `\(cap)` is not a hexadecimal capability mask", evidence)
        }
        var wrong: [String] = []
        if isFullCapabilities(cap) {
            wrong.append("every capability (CapEff \(cap)): a privileged container")
        } else if !dangerous.isEmpty {
            wrong.append("CapEff \(cap) holds " + dangerous.joined(separator: ", "))
        }
        if c.seccomp == 0 { wrong.append("Seccomp: 0 (no seccomp filter)") }
        let allowNewPrivileges = ctx.bool("allowNewPrivileges")
        if c.noNewPrivs == false && !allowNewPrivileges {
            wrong.append("NoNewPrivs: 0 (setuid programs can regain privileges)")
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        var unseen: [String] = []
        if c.seccomp == nil { unseen.append("Seccomp") }
        if c.noNewPrivs == nil && !allowNewPrivileges { unseen.append("NoNewPrivs") }
        if !unseen.isEmpty {
            return .inconclusive(
                "CapEff \(cap) holds no dangerous capability, but \(unseen.joined(separator: " and ")) of /proc/\(pid)/status was not observed",
                evidence)
        }
        var observed = "CapEff \(cap) without a dangerous capability, Seccomp: \(c.seccomp ?? 0)"
        if let nnp = c.noNewPrivs { observed += ", NoNewPrivs: \(nnp ? 1 : 0)" }
        if allowNewPrivileges && c.noNewPrivs != true {
            return .pass(observed + " (new privileges allowed by tailoring)", evidence + ctx.tailoring("allowNewPrivileges"))
        }
        return .pass(observed, evidence)
    }
}
