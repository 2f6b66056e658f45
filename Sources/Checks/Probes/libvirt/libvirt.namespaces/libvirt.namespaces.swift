import BulkheadModel
import Foundation

// libvirt.namespaces: its words are in libvirt.namespaces.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let namespaces = conf("libvirt.namespaces") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "namespaces", c.namespaces.map { "[\($0.joined(separator: ","))]" })]
        if let ns = c.namespaces, !ns.contains("mount") {
            return .fail("namespaces = [\(ns.joined(separator: ", "))]: no private mount namespace (/dev) per guest", evidence)
        }
        return .pass(c.namespaces.map { "namespaces = [\($0.joined(separator: ", "))]" } ?? "namespaces not set (default [\"mount\"])", evidence)
    }
}
