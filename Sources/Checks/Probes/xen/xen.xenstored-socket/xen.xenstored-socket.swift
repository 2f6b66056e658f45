import BulkheadModel
import Foundation

// xen.xenstored-socket: its words are in xen.xenstored-socket.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenstoredSocket = Check.host("xen.xenstored-socket") { ctx in
        rootOnly(
            ctx, paths: AdminInterfaces.xenstoredSockets, what: "xenstored's sockets",
            none: "no xenstored socket at " + AdminInterfaces.xenstoredSockets.joined(separator: ", "),
            expectedKind: { _, kind in kind == "socket" ? nil : "a socket" }
        ) { path, st in
            // The read-write socket gives full control of xenstore (every domain's keys); xenstored makes it 0600.
            if st.mode & 0o002 != 0 {
                return ["\(path) is writable by every local user (mode \(st.octalMode)): any of them talks to xenstored as dom0"]
            }
            if !path.hasSuffix("_ro") && st.mode & 0o020 != 0 && st.gid != 0 {
                return ["\(path) is writable by group gid \(st.gid) (mode \(st.octalMode)); xenstored makes it 0600"]
            }
            return []
        }
    }
}
