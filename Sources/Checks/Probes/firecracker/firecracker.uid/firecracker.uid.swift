import BulkheadModel
import Foundation

// firecracker.uid: its words are in firecracker.uid.json and its good and bad configurations in fixtures/, beside this file.
extension MicroVMChecks {
    static let firecrackerUID = Check.on("firecracker.uid", .firecracker, \.firecracker) { ctx, s, c in
        var evidence = ctx.guestEvidence(
            s, c.jailer.map { "jailer --uid \($0.uid.map(String.init) ?? "?") --gid \($0.gid.map(String.init) ?? "?")" } ?? "no jailer argv")
        var uid: Int? = c.jailer?.uid
        var gid: Int? = c.jailer?.gid
        if let conf = s.guest.confinement, let pid = s.guest.pid, let u = conf.uid {
            uid = Int(u)
            gid = conf.gid.map(Int.init) ?? gid
            evidence.append(ctx.process(pid, "status:Uid", "Uid: \(u) Gid: \(conf.gid.map(String.init) ?? "?")"))
        }
        guard let uid else { return .inconclusive("neither the process uid nor the jailer's --uid was observed", evidence) }
        if uid == 0 || gid == 0 { return .fail("microVM runs with uid \(uid) gid \(gid.map(String.init) ?? "?")", evidence) }
        // One uid per microVM: another guest of the same mechanism with the same uid shares a principal.
        let sharing = s.mechanism.guests.filter { other in
            other.name != s.guest.name
                && (other.confinement?.uid.map(Int.init)
                    ?? {
                        if case .firecracker(let oc)? = other.configuration { return oc.jailer?.uid }
                        return nil
                    }()) == uid
        }.map(\.name)
        if !sharing.isEmpty { return .fail("uid \(uid) is shared with \(sharing.joined(separator: ", "))", evidence) }
        return .pass("uid \(uid) gid \(gid.map(String.init) ?? "?"), not shared with another microVM", evidence)
    }
}
