import BulkheadModel
import Foundation

// libvirt.legacy-devices: its words are in libvirt.legacy-devices.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let legacyDevices = onDomain("libvirt.legacy-devices") { ctx, s, d in
        let allowed = Set(ctx.strings("allowedDevices"))
        var found: [String] = []
        found += d.disks.filter { $0.device == "floppy" }.map { "floppy disk \($0.targetDev ?? "")" }
        found += d.controllers.filter { $0.type == "fdc" }.map { _ in "fdc controller" }
        found += d.sounds.map { "sound \($0)" }
        found += d.videos.filter { $0 == "cirrus" }.map { "video \($0)" }
        found += d.controllers.filter { $0.type == "usb" && $0.model != "none" }.map { "usb controller \($0.model ?? "default")" }
        found = found.filter { item in !allowed.contains { item.contains($0) } }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no legacy devices" : found.joined(separator: ", "))
        if found.isEmpty { return .pass("no floppy, fdc, sound, cirrus video or USB controller", evidence) }
        return .fail(found.joined(separator: ", "), evidence + ctx.tailoring("allowedDevices"))
    }
}
