import BulkheadModel
import Foundation

// libvirt.clear-capabilities: its words are in libvirt.clear-capabilities.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let clearCapabilities = confBool("libvirt.clear-capabilities", "clear_emulator_capabilities") { _, _, key, value, setting in
        switch value {
        case false?: .fail("\(key) = 0: QEMU keeps its capabilities", [setting])
        case true?: .pass("\(key) = 1", [setting])
        case nil: .pass("\(key) not set (default 1, or absent from newer libvirt)", [setting])
        }
    }
}
