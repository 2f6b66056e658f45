import BulkheadModel
import Foundation

// qemu.machine-type: its words are in qemu.machine-type.json and its good and bad configurations in fixtures/, beside this file.
extension QEMUChecks {
    /// Machine families inside QEMU's security support (docs/system/security.rst, "Supported machine types").
    static let supportedMachines: Set<String> = ["microvm", "xenfv", "xenpv", "xenpvh", "pc", "q35", "virt", "s390-ccw-virtio", "pseries"]

    static let machineType = Check.on("qemu.machine-type", .qemu, \.qemu) { ctx, s, q in
        let evidence = ctx.guestEvidence(s, "-machine \(q.machineType ?? "(default)") family \(q.machineFamily ?? "-")")
        guard let family = q.machineFamily ?? (q.machineType == nil ? nil : q.machineType) else {
            let binary = q.binary.map { String($0.split(separator: "/").last ?? "") } ?? ""
            if ["qemu-system-x86_64", "qemu-system-i386", "kvm", "qemu-kvm"].contains(binary) {
                return .pass("no -machine: \(binary)'s default machine is pc (i440fx)", evidence)
            }
            return .inconclusive("no -machine given, and the default machine of \(binary.isEmpty ? "this binary" : binary) is not known", evidence)
        }
        if supportedMachines.contains(family) { return .pass("machine \(q.machineType ?? family) (family \(family), security-supported)", evidence) }
        return .fail("machine \(q.machineType ?? family) (family \(family)) is outside QEMU's security-supported machine types", evidence)
    }
}
