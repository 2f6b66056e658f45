import BulkheadModel
import Foundation

// firecracker.guest-smt: its words are in firecracker.guest-smt.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let firecrackerGuestSMT = Check.on("firecracker.guest-smt", .firecracker, \.firecracker) { ctx, s, c in
        guard let vm = c.vm else {
            return .inconclusive(
                "no --config-file was read (machine-config may be set through the API socket)", ctx.guestEvidence(s, "no config file"))
        }
        let smt = vm.machine?.smt
        let evidence = ctx.guestEvidence(s, "machine-config.smt = \(smt.map(String.init) ?? "absent (default false)")")
        if smt == true {
            if ctx.bool("allowed") { return .pass("guest SMT on (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail("machine-config.smt = true", evidence)
        }
        return .pass("guest SMT off" + (smt == nil ? " (default)" : ""), evidence)
    }
}
