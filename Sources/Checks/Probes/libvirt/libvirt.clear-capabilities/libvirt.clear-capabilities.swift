import BulkheadModel
import Foundation

// libvirt.clear-capabilities: its words are in libvirt.clear-capabilities.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let clearCapabilities = conf("libvirt.clear-capabilities") { ctx, d, c, _ in
        let key = "clear_emulator_capabilities"
        switch confBool(c, key) {
        case .value(false):
            return .fail("\(key) = 0: QEMU keeps its capabilities", [setting(ctx, d, key, "0")])
        case .value(true):
            return .pass("\(key) = 1", [setting(ctx, d, key, "1")])
        case .absent:
            return .pass("\(key) not set (default 1, or absent from newer libvirt)", [setting(ctx, d, key, nil)])
        case .refused(let shown): return refusedBool(ctx, d, key, shown)
        }
    }
}
