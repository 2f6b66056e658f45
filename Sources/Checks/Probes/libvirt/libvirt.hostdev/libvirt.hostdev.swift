import BulkheadModel
import Foundation

// libvirt.hostdev: its words are in libvirt.hostdev.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let hostdev = onDomain("libvirt.hostdev") { ctx, s, d in
        let devices =
            d.hostdevs.map { h in
                "\(h.type ?? "?") \(h.pciAddress ?? h.usbAddress ?? h.mdevUUID ?? [h.usbVendor, h.usbProduct].compactMap { $0 }.joined(separator: ":"))"
            }
            + d.redirdevs.map { "redirdev \($0.bus ?? "") \($0.type ?? "")" }
        let evidence = ctx.guestEvidence(s, devices.isEmpty ? "no <hostdev>/<redirdev>" : devices.joined(separator: ", "))
        if devices.isEmpty { return .pass("no host device passthrough", evidence) }
        if ctx.bool("allowed") { return .pass(devices.joined(separator: ", ") + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
        return .fail("host devices passed through: " + devices.joined(separator: ", "), evidence)
    }
}
