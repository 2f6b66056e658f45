import BulkheadModel
import Foundation

// libvirt.qemu-commandline: its words are in libvirt.qemu-commandline.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let qemuCommandline = onDomain("libvirt.qemu-commandline") { ctx, s, d in
        var found: [String] = []
        if !d.qemuCommandline.isEmpty { found.append("<qemu:commandline> passes " + d.qemuCommandline.prefix(8).joined(separator: " ")) }
        if d.qemuCapabilitiesOverridden { found.append("<qemu:capabilities> overrides QEMU capabilities") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no qemu: namespace passthrough" : found.joined(separator: "; "))
        if found.isEmpty { return .pass("no <qemu:commandline> or <qemu:capabilities>", evidence) }
        return .fail(found.joined(separator: "; "), evidence)
    }
}
