import BulkheadModel
import Foundation

// gvisor.unsafe-flags: its words are in gvisor.unsafe-flags.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let gvisorUnsafeFlags = Check.on("gvisor.unsafe-flags", .gvisor, \.gvisor) { ctx, s, c in
        var found = c.testOnlyFlags.map { "--\($0.hasPrefix("TESTONLY") ? $0 : "TESTONLY-\($0)")" }
        if c.profile == true { found.append("--profile (loosens seccomp)") }
        if c.allowFlagOverride == true { found.append("--allow-flag-override (pod annotations change flags)") }
        if c.hostUDS.map({ $0 != "none" && $0 != "false" }) == true { found.append("--host-uds=\(c.hostUDS ?? "")") }
        if c.netRaw == true { found.append("--net-raw") }
        // flags.go marks these "(DO NOT USE IN PRODUCTION)" and "TEST ONLY".
        for name in ["profiling-metrics", "profiling-metrics-log"] {
            if let value = c.globalFlags[name], !value.isEmpty { found.append("--\(name)=\(value.prefix(80)) (DO NOT USE IN PRODUCTION)") }
        }
        if let value = c.globalFlags["iouring"], ["1", "t", "T", "true", "TRUE", "True"].contains(value) {
            found.append("--iouring (TEST ONLY: io_uring in the Sentry)")
        }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no unsafe flag" : found.joined(separator: " "))
        if found.isEmpty {
            return .pass(
                "no --TESTONLY-*, --profile, --profiling-metrics[-log], --iouring, --allow-flag-override, --host-uds or --net-raw", evidence)
        }
        return .fail(found.joined(separator: "; "), evidence)
    }
}
