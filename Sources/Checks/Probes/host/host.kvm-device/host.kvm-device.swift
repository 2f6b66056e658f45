import BulkheadModel
import Foundation

// host.kvm-device: its words are in host.kvm-device.json and its good and bad configurations in fixtures/, beside this file.
extension HostChecks {
    static let kvmDevice = Check.host("host.kvm-device") { ctx in
        let facts = ctx.facts
        guard let kvm = facts.kvm else {
            if loaded("kvm", facts) == false { return .notApplicable("the kvm module is not loaded (no /dev/kvm)") }
            return ctx.unobserved("/dev/kvm ownership and mode", at: "/dev/kvm")
        }
        guard let bits = Int(kvm.mode, radix: 8) else {
            return .inconclusive("unrecognised /dev/kvm mode \"\(kvm.mode)\"")
        }
        let evidence = [ctx.file("/dev/kvm", "mode \(kvm.mode) uid \(kvm.ownerUID) gid \(kvm.groupGID)")]
        let observed = "/dev/kvm mode \(kvm.mode) owner \(kvm.ownerUID):\(kvm.groupGID)"
        if bits & 0o006 != 0 { return .fail(observed + " (any local user can open it)", evidence) }
        if kvm.groupGID == 0 && bits & 0o060 != 0 && kvm.ownerUID == 0 {
            return .pass(observed + " (root group only)", evidence)
        }
        return .pass(observed, evidence)
    }
}
