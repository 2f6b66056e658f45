import BulkheadModel
import Foundation

// xen.device-model: its words are in xen.device-model.json and its good and bad configurations in fixtures/, beside this file.
extension SandboxChecks {
    static let xenDeviceModel = Check.on("xen.device-model", .xen, \.xen) { ctx, s, c in
        let type = c.type ?? "pv"
        let evidence = ctx.guestEvidence(
            s,
            "type=\(type) device_model_stubdomain_override=\(c.deviceModelStubdomain.map(String.init) ?? "-") dm_restrict=\(c.dmRestrict.map(String.init) ?? "-") device_model_user=\(c.deviceModelUser ?? "-")"
        )
        guard type == "hvm" else { return .notApplicable("\(type) guest: no emulated device model", evidence) }
        if c.deviceModelStubdomain == true { return .pass("device model in a stub domain", evidence) }
        if c.dmRestrict == true {
            return .pass(
                "dm_restrict=1" + (c.deviceModelUser.map { ", device_model_user=\($0)" } ?? " (per-domain uid from xen-qemuuser-range-base)"),
                evidence)
        }
        return .fail("HVM guest with its QEMU device model running unrestricted in dom0 (no stub domain, no dm_restrict)", evidence)
    }
}
