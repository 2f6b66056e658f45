import BulkheadModel
import Foundation

// cloud-hypervisor.api-socket: its words are in cloud-hypervisor.api-socket.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let cloudHypervisorAPISocket = Check.on("cloud-hypervisor.api-socket", .cloudHypervisor, \.cloudHypervisor) { ctx, s, c in
        guard let value = c.apiSocket else { return .pass("no API socket (--api-socket not given)", ctx.guestEvidence(s, "no --api-socket")) }
        if value.hasPrefix("fd=") {
            return .notApplicable(
                "the API socket is descriptor \(value.dropFirst(3)) passed by the parent, with no path to check",
                ctx.guestEvidence(s, "--api-socket \(value)"))
        }
        guard let pid = s.guest.pid else {
            return .inconclusive(
                "the API socket \(value) is judged on a running VMM; none was observed" + problems(s), ctx.guestEvidence(s, "--api-socket \(value)"))
        }
        return apiSocketResult(ctx.controlSocket(value, role: "API socket", pid: pid, confinement: s.guest.confinement), s)
    }
}
