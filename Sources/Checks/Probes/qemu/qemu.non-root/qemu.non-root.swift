import BulkheadModel
import Foundation

// qemu.non-root: its words are in qemu.non-root.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let nonRoot = Check.on("qemu.non-root", .qemu, \.qemu) { ctx, s, q in
        var evidence = ctx.guestEvidence(s, q.runAsUser.map { "-run-with user=\($0)" } ?? "no -run-with user= / -runas")
        if let uid = s.guest.confinement?.uid, let pid = s.guest.pid {
            evidence.append(ctx.process(pid, "status:Uid", "Uid: \(uid)"))
            if uid == 0 { return .fail("the QEMU process runs as uid 0" + (q.runAsUser.map { " despite -run-with user=\($0)" } ?? ""), evidence) }
            return .pass("the QEMU process runs as uid \(uid)", evidence)
        }
        if let user = q.runAsUser {
            if user == "root" || user == "0" || user == "0:0" { return .fail("-run-with user=\(user)", evidence) }
            return .pass("-run-with user=\(user) (process uid not observed)", evidence)
        }
        return .inconclusive("the process uid was not observed and the command line names no -run-with user= / -runas", evidence)
    }
}
