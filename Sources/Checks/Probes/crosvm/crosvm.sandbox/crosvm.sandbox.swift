import BulkheadModel
import Foundation

// crosvm.sandbox: its words are in crosvm.sandbox.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let crosvmSandbox = Check.on("crosvm.sandbox", .crosvm, \.crosvm) { ctx, s, c in
        var found: [String] = []
        if c.disableSandbox { found.append("--disable-sandbox") }
        if c.unmapGuestMemoryOnFork { found.append("--unmap-guest-memory-on-fork (requires --disable-sandbox)") }
        if c.seccompLogFailures { found.append("--seccomp-log-failures (violations logged, not fatal)") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "sandbox on (default)" : found.joined(separator: " "))
        if !found.isEmpty { return .fail(found.joined(separator: "; "), evidence) }
        return .pass("multiprocess minijail sandbox on (no --disable-sandbox)", evidence)
    }
}
