import BulkheadModel
import Foundation

// libvirt.require-confined: its words are in libvirt.require-confined.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let requireConfined = confBool("libvirt.require-confined", "security_require_confined") { ctx, _, key, value, setting in
        if value == true {
            return .pass("\(key) = 1: libvirt refuses to start a guest its security driver would leave unconfined", [setting])
        }
        let observed =
            "\(key) " + (value == nil ? "not set (libvirt's default 0)" : "= 0")
            + ": a domain that asks for no confinement (<seclabel type='none'/>) or a relabel-free label still starts, unconfined"
        if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", [setting] + ctx.tailoring("allowed")) }
        return .fail(observed, [setting])
    }
}
