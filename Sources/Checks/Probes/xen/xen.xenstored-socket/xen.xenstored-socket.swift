import BulkheadModel
import Foundation

// xen.xenstored-socket: its words are in xen.xenstored-socket.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenstoredSocket = Check.host("xen.xenstored-socket") { ctx in
        guard let obs = ctx.input.observations else { return ctx.unobserved("xenstored's sockets", at: AdminInterfaces.xenstoredSockets[0]) }
        var wrong: [String] = []
        var unclear: [String] = []
        var evidence: [Evidence] = []
        var seen: [String] = []
        for path in AdminInterfaces.xenstoredSockets {
            switch obs.stats[path] {
            case nil: unclear.append("\(path) was not observed (not collected from \(obs.source))")
            case .absent?: continue
            case .unreadable(let why)?: unclear.append("\(path): \(why)")
            case .stat(let st)?:
                evidence.append(ctx.file(path, "\(st.kind) mode \(st.octalMode), owner uid \(st.uid), group gid \(st.gid)"))
                seen.append("\(path) \(st.octalMode) uid \(st.uid) gid \(st.gid)")
                guard st.kind == "socket" else {
                    unclear.append("\(path) is a \(st.kind), not a socket")
                    continue
                }
                // The read-write socket gives full control of xenstore (every domain's keys); xenstored makes it 0600.
                let readOnly = path.hasSuffix("_ro")
                if st.mode & 0o002 != 0 {
                    wrong.append("\(path) is writable by every local user (mode \(st.octalMode)): any of them talks to xenstored as dom0")
                } else if !readOnly && st.mode & 0o020 != 0 && st.gid != 0 {
                    wrong.append("\(path) is writable by group gid \(st.gid) (mode \(st.octalMode)); xenstored makes it 0600")
                }
                if st.uid != 0 { wrong.append("\(path) is owned by uid \(st.uid), not root") }
            }
        }
        if !wrong.isEmpty { return .fail(wrong.joined(separator: "; "), evidence) }
        if !unclear.isEmpty { return .inconclusive(unclear.joined(separator: "; "), evidence) }
        if seen.isEmpty { return .notApplicable("no xenstored socket at " + AdminInterfaces.xenstoredSockets.joined(separator: ", ")) }
        return .pass("root only: " + seen.joined(separator: "; "), evidence)
    }
}
