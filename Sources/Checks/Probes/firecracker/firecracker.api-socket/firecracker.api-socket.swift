import BulkheadModel
import Foundation

// firecracker.api-socket: its words are in firecracker.api-socket.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let firecrackerAPISocket = Check.on("firecracker.api-socket", .firecracker, \.firecracker) { ctx, s, c in
        if c.noAPI { return .pass("no API socket (--no-api)", ctx.guestEvidence(s, "--no-api")) }
        let path = c.apiSocket ?? "/run/firecracker.socket"
        guard let pid = s.guest.pid else {
            return .inconclusive(
                "the API socket \(path) is judged on a running microVM; none was observed" + problems(s), ctx.guestEvidence(s, "--api-sock \(path)"))
        }
        return apiSocketResult(ctx.controlSocket(path, role: "API socket", pid: pid, confinement: s.guest.confinement), s)
    }

    /// The finding for a microVM's API socket judgement.
    static func apiSocketResult(_ j: ControlSocketJudgement, _ s: GuestSubject) -> CheckResult {
        if !j.wrong.isEmpty { return .fail(j.wrong.joined(separator: "; "), j.evidence) }
        if !j.unclear.isEmpty { return .inconclusive(j.unclear.joined(separator: "; ") + problems(s), j.evidence) }
        return .pass("API socket restricted to root and the VMM's user: " + j.seen.joined(separator: "; "), j.evidence)
    }

    static func problems(_ s: GuestSubject) -> String {
        s.guest.problems.isEmpty ? "" : ": " + s.guest.problems.map(\.description).joined(separator: "; ")
    }
}
