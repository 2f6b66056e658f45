import BulkheadModel
import Foundation

// libvirt.qemu-user: its words are in libvirt.qemu-user.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let qemuUser = conf("libvirt.qemu-user") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "user", c.user), setting(ctx, d, "group", c.group)]
        let rootNames: Set<String> = ["root", "+0", "0"]
        if let u = c.user, rootNames.contains(u) { return .fail("user = \"\(u)\": QEMU runs as root", evidence) }
        if let g = c.group, rootNames.contains(g) { return .fail("group = \"\(g)\": QEMU runs in the root group", evidence) }
        return .pass(c.user.map { "user = \"\($0)\"" } ?? "user not set (the build's unprivileged QEMU user)", evidence)
    }
}
