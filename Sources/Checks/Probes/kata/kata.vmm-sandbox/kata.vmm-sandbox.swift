import BulkheadModel
import Foundation

// kata.vmm-sandbox: its words are in kata.vmm-sandbox.json and its good and bad configurations in fixtures/, beside this file.
extension KataChecks {
    static let vmmSandbox = kata("kata.vmm-sandbox") { ctx, d, c in
        var failures: [String] = []
        var evidence: [Evidence] = []
        var notes: [String] = []
        if c.hypervisors.contains("qemu") {
            // The Go runtime reads `seccompsandbox` (its templates' key); the Rust runtime (runtime-rs) reads the
            // field `seccomp_sandbox` of kata-types' SecurityInfo, flattened into [hypervisor.qemu] without a rename.
            let go = c.values["hypervisor.qemu.seccompsandbox"]
            let rust = c.values["hypervisor.qemu.seccomp_sandbox"]
            let on: (String?) -> Bool = { $0?.hasPrefix("on") == true }
            evidence.append(setting(ctx, d, "hypervisor.qemu.seccompsandbox = " + (go.map { "\"\($0)\"" } ?? "not set")))
            if let rust { evidence.append(setting(ctx, d, "hypervisor.qemu.seccomp_sandbox = \"\(rust)\"")) }
            if !on(go) && !on(rust) {
                failures.append(
                    "QEMU runs without -sandbox: neither seccompsandbox (the Go runtime's key) nor seccomp_sandbox (the Rust runtime's) starts with `on`"
                )
            } else if let go, let rust, on(go) != on(rust) {
                failures.append(
                    "seccompsandbox = \"\(go)\" but seccomp_sandbox = \"\(rust)\": the runtime that reads the "
                        + (on(go) ? "Rust runtime's key (seccomp_sandbox)" : "Go runtime's key (seccompsandbox)") + " starts QEMU without -sandbox")
            } else if go == nil {
                notes.append(
                    "QEMU's sandbox is set with seccomp_sandbox, the key the Rust runtime (runtime-rs) reads; the Go runtime reads seccompsandbox")
            } else if rust == nil {
                notes.append(
                    "QEMU's sandbox is set with seccompsandbox, the key the Go runtime reads; the Rust runtime (runtime-rs) reads seccomp_sandbox")
            }
        }
        if c.hypervisors.contains("firecracker") {
            let jailer = c.values["hypervisor.firecracker.jailer_path"] ?? ""
            evidence.append(setting(ctx, d, "hypervisor.firecracker.jailer_path = \"\(jailer)\""))
            if jailer.isEmpty { failures.append("Firecracker starts without its jailer (hypervisor.firecracker.jailer_path is empty)") }
        }
        if evidence.isEmpty { return .notApplicable("no QEMU or Firecracker section") }
        return failures.isEmpty
            ? .pass((["the VMM's own sandbox is configured"] + notes).joined(separator: "; "), evidence)
            : .fail(failures.joined(separator: "; "), evidence)
    }
}
