import BulkheadModel
import Foundation

// qemu.legacy-devices: its words are in qemu.legacy-devices.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    static let riskyCategories: [QEMUDeviceCategory: String] = [.floppy: "floppy", .legacyISA: "legacy ISA", .sound: "sound", .usb: "USB"]

    static let legacyDevices = Check.on("qemu.legacy-devices", .qemu, \.qemu) { ctx, s, q in
        let allowed = Set(ctx.strings("allowedDevices"))
        var found: [String] = []
        for d in q.devices where !allowed.contains(d.driver) {
            if let what = riskyCategories[d.category] { found.append("\(d.driver) (\(what), \(d.origin))") }
        }
        for d in q.drives where d.interface == "floppy" && !allowed.contains("floppy") {
            found.append("floppy drive \(d.file ?? d.id ?? "") (\(d.origin))")
        }
        if q.floppyControllerPresent && !q.devices.contains(where: { $0.category == .floppy }) && !allowed.contains("floppy") {
            found.append("floppy controller (machine \(q.machineType ?? "default") builds an ISA FDC)")
        }
        if !q.noDefaults { found.append("no -nodefaults (QEMU adds its default devices)") }
        let evidence = ctx.guestEvidence(s, found.isEmpty ? "no legacy or risky devices" : found.joined(separator: "; "))
        if found.isEmpty { return .pass("-nodefaults and no floppy, legacy ISA, sound or USB device", evidence) }
        return .fail(found.joined(separator: "; "), evidence + ctx.tailoring("allowedDevices"))
    }
}
