import BulkheadModel
import Foundation

// xen.device-nodes: its words are in xen.device-nodes.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenDeviceNodes = Check.host("xen.device-nodes") { ctx in
        // /dev/xen/* are character devices (kind "other"); xenfs's /proc/xen/* are regular files.
        rootOnly(
            ctx, paths: AdminInterfaces.xenDeviceNodes, what: "Xen's device nodes",
            none: "no Xen device node at /dev/xen or /proc/xen (not a Xen dom0, or its drivers are not loaded)",
            expectedKind: { path, kind in
                path.hasPrefix("/proc/") ? (kind == "regular" ? nil : "a xenfs file") : (kind == "other" ? nil : "a device node")
            }
        ) { path, st in
            // devtmpfs: "owned by root and have a default mode of 0600"; Xen's xen-backend.rules: MODE="0600".
            if st.mode & 0o006 != 0 {
                return ["\(path) is open to every local user (mode \(st.octalMode)): any of them acts as dom0's toolstack"]
            }
            if st.mode & 0o060 != 0 && st.gid != 0 {
                return ["\(path) is open to group gid \(st.gid) (mode \(st.octalMode)); Linux creates it 0600 root:root"]
            }
            return []
        }
    }
}
