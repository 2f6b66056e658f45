import BulkheadModel
import Foundation

// libvirt.dynamic-ownership: its words are in libvirt.dynamic-ownership.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let dynamicOwnership = conf("libvirt.dynamic-ownership") { ctx, d, c, _ in
        let key = "dynamic_ownership"
        switch confBool(c, key) {
        case .absent:
            return .pass(
                "\(key) not set (libvirt's default 1): libvirt gives each guest's files to the QEMU user while it runs",
                [setting(ctx, d, key, nil)])
        case .value(true):
            return .pass("\(key) = 1: libvirt gives each guest's files to the QEMU user while it runs", [setting(ctx, d, key, "1")])
        case .value(false):
            let evidence = [setting(ctx, d, key, "0")]
            let observed =
                "\(key) = 0: libvirt changes no file ownership; guest files must be made accessible to the QEMU user outside libvirt, "
                + "for every QEMU that runs as that user"
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", evidence + ctx.tailoring("allowed")) }
            return .fail(observed, evidence)
        case .refused(let shown): return refusedBool(ctx, d, key, shown)
        }
    }
}
