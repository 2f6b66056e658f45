import BulkheadModel
import Foundation

// qemu.accelerator: its words are in qemu.accelerator.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let accelerator = Check.on("qemu.accelerator", .qemu, \.qemu) { ctx, s, q in
        let evidence = ctx.guestEvidence(s, "accelerator \(q.accelerator) (\(q.acceleratorSource.rawValue))")
        let name = q.accelerator.lowercased()
        if name == "tcg" {
            if !ctx.bool("untrustedGuests") {
                return .pass("TCG (accepted by tailoring: guests are trusted)", evidence + ctx.tailoring("untrustedGuests"))
            }
            let how = q.acceleratorSource == .defaultTCG ? "no accelerator given: QEMU falls back to TCG" : "TCG (\(q.acceleratorSource.rawValue))"
            return .fail(how, evidence)
        }
        return .pass("\(q.accelerator) (\(q.acceleratorSource.rawValue))", evidence)
    }
}
