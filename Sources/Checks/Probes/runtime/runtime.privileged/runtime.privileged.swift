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

    static let runtimePrivileged = Check.guest("runtime.privileged") { ctx, s in
        guard let confinement = runtimeGuest(ctx, s) else { return nil }
        guard let c = confinement, let cap = c.capEff, let pid = s.guest.pid else {
            return .inconclusive("the container's process capabilities (CapEff) were not observed" + problems(s), ctx.guestEvidence(s, "no CapEff"))
        }
        let evidence =
            [ctx.process(pid, "status:CapEff", "CapEff: \(cap)")] + (c.seccomp.map { [ctx.process(pid, "status:Seccomp", "Seccomp: \($0)")] } ?? [])
        if isFullCapabilities(cap) && c.seccomp != 2 {
            return .fail("every capability (CapEff \(cap)) and no seccomp filter: a privileged container", evidence)
        }
        if isFullCapabilities(cap) { return .fail("every capability (CapEff \(cap))", evidence) }
        return .pass("CapEff \(cap)" + (c.seccomp.map { ", Seccomp: \($0)" } ?? ""), evidence)
    }
}
