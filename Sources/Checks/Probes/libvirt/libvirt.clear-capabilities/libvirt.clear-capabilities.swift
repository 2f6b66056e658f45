import BulkheadModel
import Foundation

// libvirt.clear-capabilities: its words are in libvirt.clear-capabilities.json and its good and bad configurations in fixtures/, beside this file.
extension LibvirtChecks {
    static let clearCapabilities = conf("libvirt.clear-capabilities") { ctx, d, c, _ in
        let evidence = [setting(ctx, d, "clear_emulator_capabilities", c.clearEmulatorCapabilities.map { $0 ? "1" : "0" })]
        if c.clearEmulatorCapabilities == false { return .fail("clear_emulator_capabilities = 0: QEMU keeps its capabilities", evidence) }
        return .pass(
            c.clearEmulatorCapabilities == true
                ? "clear_emulator_capabilities = 1" : "clear_emulator_capabilities not set (default 1, or absent from newer libvirt)", evidence)
    }
}
