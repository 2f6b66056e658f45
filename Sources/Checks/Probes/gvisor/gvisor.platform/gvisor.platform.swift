import BulkheadModel
import Foundation

// gvisor.platform: its words are in gvisor.platform.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let gvisorPlatform = Check.on("gvisor.platform", .gvisor, \.gvisor) { ctx, s, c in
        let platform = c.platform ?? "systrap"
        let evidence = ctx.guestEvidence(s, "--platform=\(c.platform ?? "systrap (default)")")
        if platform == "ptrace" { return .fail("--platform=ptrace (legacy; slower and less isolated than systrap or kvm)", evidence) }
        return .pass("--platform=\(platform)", evidence)
    }
}
