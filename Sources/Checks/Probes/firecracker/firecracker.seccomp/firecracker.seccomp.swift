import BulkheadModel
import Foundation

// firecracker.seccomp: its words are in firecracker.seccomp.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let firecrackerSeccomp = Check.on("firecracker.seccomp", .firecracker, \.firecracker) { ctx, s, c in
        var evidence = ctx.guestEvidence(
            s, c.noSeccomp ? "--no-seccomp" : c.seccompFilter.map { "--seccomp-filter \($0)" } ?? "default seccomp filters")
        if c.noSeccomp { return .fail("--no-seccomp: Firecracker runs without seccomp filters", evidence) }
        let threads = ctx.threadSeccomp(s)
        evidence += threads.evidence
        if threads.observed && !threads.offenders.isEmpty {
            return .fail(
                "\(threads.offenders.count) of \(threads.threads) threads without a filter: " + threads.offenders.prefix(5).joined(separator: ", "),
                evidence)
        }
        if let custom = c.seccompFilter {
            return .fail("--seccomp-filter \(custom): a custom filter replaces Firecracker's default (not recommended for production)", evidence)
        }
        guard threads.observed else {
            return .inconclusive(
                "the argv keeps the default filters, but per-thread Seccomp was not observed (debug builds ship no filter)",
                observed: "default seccomp filters requested", evidence)
        }
        return .pass("Seccomp: 2 on all \(threads.threads) threads", evidence)
    }
}
