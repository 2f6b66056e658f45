import BulkheadModel
import Foundation

// libvirt.dynamic-ownership: its words are in libvirt.dynamic-ownership.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let dynamicOwnership = confBool("libvirt.dynamic-ownership", "dynamic_ownership") { ctx, _, key, value, setting in
        switch value {
        case nil:
            return .pass("\(key) not set (libvirt's default 1): libvirt gives each guest's files to the QEMU user while it runs", [setting])
        case true?:
            return .pass("\(key) = 1: libvirt gives each guest's files to the QEMU user while it runs", [setting])
        case false?:
            let observed =
                "\(key) = 0: libvirt changes no file ownership; guest files must be made accessible to the QEMU user outside libvirt, "
                + "for every QEMU that runs as that user"
            if ctx.bool("allowed") { return .pass(observed + " (allowed by tailoring)", [setting] + ctx.tailoring("allowed")) }
            return .fail(observed, [setting])
        }
    }
}
