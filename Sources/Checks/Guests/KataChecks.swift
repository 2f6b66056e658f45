import BulkheadModel
import Foundation

/// Kata Containers runtime configuration (hardening.md §8): debug switches, annotation allow-lists, guest
/// seccomp, the VMM's own sandbox, the hypervisor chosen and the shared file system.
enum KataChecks {
    static let all: [Check] = [debug, annotations, guestSeccomp, vmmSandbox, hypervisor, sharedFS]

    /// Runs `body` on a parsed Kata configuration; an unreadable one is inconclusive.
    static func kata(
        _ id: String, _ body: @escaping @Sendable (CheckContext, DaemonConfiguration, KataRuntimeConfiguration) -> CheckResult
    ) -> Check {
        Check.daemon(id) { ctx, daemon in
            guard daemon.product == "kata-containers" else { return nil }
            guard case .kata(let c)? = daemon.settings else {
                return .inconclusive(
                    "\(daemon.path) could not be read or parsed: " + daemon.problems.map(\.description).joined(separator: "; "))
            }
            return body(ctx, daemon, c)
        }
    }

    static func setting(_ ctx: CheckContext, _ d: DaemonConfiguration, _ text: String) -> Evidence { ctx.file(d.path, text) }

    static let debug = kata("kata.debug") { ctx, d, c in
        let on = c.enabled("enable_debug") + c.enabled("debug_console_enabled") + c.enabled("enable_pprof")
        if on.isEmpty { return .pass("no enable_debug, debug_console_enabled or enable_pprof set", [setting(ctx, d, "no debug switch is true")]) }
        return .fail(on.map { "\($0) = true" }.joined(separator: ", "), on.map { setting(ctx, d, "\($0) = true") })
    }

    /// Annotations that would let a pod choose binaries or paths on the host.
    static let dangerousAnnotations: Set<String> = [
        "path", "jailer_path", "ctlpath", "virtio_fs_daemon", "kernel", "image", "initrd", "firmware", "guest_hook_path",
        "valid_hypervisor_paths", "file_mem_backend", "entropy_source",
    ]

    static let annotations = kata("kata.annotations") { ctx, d, c in
        let lists = c.lists.filter { $0.key.hasSuffix(".enable_annotations") }
        let bad = lists.flatMap { key, items in items.filter { dangerousAnnotations.contains($0) || $0 == ".*" }.map { "\(key): \($0)" } }
        let evidence = lists.map { setting(ctx, d, "\($0.key) = [\($0.value.joined(separator: ", "))]") }
        if bad.isEmpty {
            return .pass(lists.isEmpty ? "no annotations enabled" : "enabled annotations are limited", evidence)
        }
        return .fail("pod annotations may override host paths: " + bad.joined(separator: "; "), evidence)
    }

    static let guestSeccomp = kata("kata.guest-seccomp") { ctx, d, c in
        let key = "runtime.disable_guest_seccomp"
        switch c.bool(key) {
        case false?: return .pass("\(key) = false: container seccomp profiles apply inside the guest", [setting(ctx, d, "\(key) = false")])
        case true?: return .fail("\(key) = true: seccomp is not applied within the guest", [setting(ctx, d, "\(key) = true")])
        case nil: return .fail("\(key) not set: Kata's default (true) does not apply seccomp within the guest", [setting(ctx, d, "\(key) not set")])
        }
    }

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

    /// VMMs written in a memory-safe language (ISM-1460's preference).
    static let memorySafeVMMs: Set<String> = ["clh", "cloud-hypervisor", "firecracker", "dragonball", "stratovirt"]

    static let hypervisor = kata("kata.hypervisor") { ctx, d, c in
        let chosen = c.hypervisors
        let evidence = [setting(ctx, d, "hypervisor sections: \(chosen.joined(separator: ", "))")]
        guard !chosen.isEmpty else { return .inconclusive("no [hypervisor.*] section", evidence) }
        let unsafe = chosen.filter { !memorySafeVMMs.contains($0) }
        if unsafe.isEmpty { return .pass("memory-safe VMM: \(chosen.joined(separator: ", "))", evidence) }
        return .fail("VMM written in C: \(unsafe.joined(separator: ", "))", evidence)
    }

    static let sharedFS = kata("kata.shared-fs") { ctx, d, c in
        let entries = c.values.filter { $0.key.hasSuffix(".shared_fs") }
        guard !entries.isEmpty else { return .pass("no shared file system configured", [setting(ctx, d, "shared_fs not set")]) }
        let evidence = entries.map { setting(ctx, d, "\($0.key) = \"\($0.value)\"") }
        let ninep = entries.filter { $0.value == "virtio-9p" }
        if !ninep.isEmpty {
            return .fail("virtio-9p (QEMU's in-process 9p server) shares host files: " + ninep.map(\.key).joined(separator: ", "), evidence)
        }
        let cacheAlways = c.lists.filter { $0.key.hasSuffix(".virtio_fs_extra_args") && $0.value.contains { $0.contains("cache=always") } }
        if !cacheAlways.isEmpty { return .fail("virtiofsd with --cache=always", evidence) }
        return .pass(entries.map { "\($0.key) = \($0.value)" }.joined(separator: ", "), evidence)
    }
}
