import BulkheadModel
import Foundation

// gvisor.network-host: its words are in gvisor.network-host.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let gvisorNetworkHost = Check.on("gvisor.network-host", .gvisor, \.gvisor) { ctx, s, c in
        let evidence = ctx.guestEvidence(s, "--network=\(c.network ?? "sandbox (default)")")
        if c.network == "host" { return .fail("--network=host: the sandbox uses the host kernel's network stack", evidence) }
        return .pass("--network=\(c.network ?? "sandbox") (default: netstack inside the sandbox)", evidence)
    }
}
