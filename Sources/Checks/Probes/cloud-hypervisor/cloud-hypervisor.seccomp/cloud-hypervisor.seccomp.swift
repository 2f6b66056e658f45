import BulkheadModel
import Foundation

// cloud-hypervisor.seccomp: its words are in cloud-hypervisor.seccomp.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let cloudHypervisorSeccomp = Check.on("cloud-hypervisor.seccomp", .cloudHypervisor, \.cloudHypervisor) { ctx, s, c in
        var evidence = ctx.guestEvidence(s, "--seccomp \(c.seccomp.rawValue)\(c.seccompExplicit ? "" : " (default)")")
        switch c.seccomp {
        case .disabled: return .fail("--seccomp false: no seccomp filters", evidence)
        case .log: return .fail("--seccomp log: filters only log (debug mode)", evidence)
        case .enabled: break
        }
        let threads = ctx.threadSeccomp(s)
        evidence += threads.evidence
        guard threads.observed else {
            return .inconclusive("seccomp is on in the argv, but per-thread Seccomp was not observed", observed: "--seccomp true", evidence)
        }
        if !threads.offenders.isEmpty {
            return .fail(
                "\(threads.offenders.count) of \(threads.threads) threads without a filter: " + threads.offenders.prefix(5).joined(separator: ", "),
                evidence)
        }
        return .pass("Seccomp: 2 on all \(threads.threads) threads", evidence)
    }
}
