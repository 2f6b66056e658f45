import BulkheadModel
import Foundation

// libvirt.require-confined: its words are in libvirt.require-confined.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let requireConfined = conf("libvirt.require-confined") { ctx, d, c, _ in
        let key = "security_require_confined"
        switch confBool(c, key) {
        case .value(true):
            return .pass("\(key) = 1: libvirt refuses to start a guest its security driver would leave unconfined", [setting(ctx, d, key, "1")])
        case .absent, .value(false):
            let shown: String? = confBool(c, key) == .absent ? nil : "0"
            let observed =
                "\(key) " + (shown == nil ? "not set (libvirt's default 0)" : "= 0")
                + ": a domain that asks for no confinement (<seclabel type='none'/>) or a relabel-free label still starts, unconfined"
            let evidence = [setting(ctx, d, key, shown)]
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail(observed, evidence)
        case .refused(let shown): return refusedBool(ctx, d, key, shown)
        }
    }
}
