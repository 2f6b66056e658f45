import BulkheadModel
import Foundation

// kata.vmm-sandbox: its words are in kata.vmm-sandbox.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    static let vmmSandbox = kata("kata.vmm-sandbox") { ctx, d, c in
        var failures: [String] = []
        var evidence: [Evidence] = []
        if c.hypervisors.contains("qemu") {
            let value = c.values["hypervisor.qemu.seccompsandbox"] ?? ""
            evidence.append(setting(ctx, d, "hypervisor.qemu.seccompsandbox = \"\(value)\""))
            if !value.hasPrefix("on") { failures.append("QEMU runs without -sandbox (hypervisor.qemu.seccompsandbox is empty)") }
        }
        if c.hypervisors.contains("firecracker") {
            let jailer = c.values["hypervisor.firecracker.jailer_path"] ?? ""
            evidence.append(setting(ctx, d, "hypervisor.firecracker.jailer_path = \"\(jailer)\""))
            if jailer.isEmpty { failures.append("Firecracker starts without its jailer (hypervisor.firecracker.jailer_path is empty)") }
        }
        if evidence.isEmpty { return .notApplicable("no QEMU or Firecracker section") }
        return failures.isEmpty ? .pass("the VMM's own sandbox is configured", evidence) : .fail(failures.joined(separator: "; "), evidence)
    }
}
