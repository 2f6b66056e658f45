public import BulkheadModel
import Formats
public import HostInspection

/// QEMU: the `qemu-system-*` VMMs (also `qemu-kvm` and the Debian `kvm` wrapper). Each process is a guest,
/// whether started by hand, by libvirt or by Proxmox.
public struct QEMUDetector: ProcessGuestDetector {
    public var family: String { "qemu" }
    public init() {}

    public static let signature = ProductSignature(
        product: "qemu", name: "QEMU", role: .vmm,
        packages: ["qemu-system-x86", "qemu-kvm", "qemu-system-x86-core", "qemu-kvm-core", "pve-qemu-kvm"],
        packagePrefixes: ["qemu-system-"],
        binaries: [
            "/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-system-i386", "/usr/bin/qemu-system-aarch64",
            "/usr/libexec/qemu-kvm", "/usr/bin/qemu-kvm", "/usr/bin/kvm",
        ],
        matchesProcess: ProductSignature.programs(["qemu-kvm", "kvm"], prefixes: ["qemu-system-"]))

    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        let observedAt = evidence.facts.collectedAt
        return processes.concurrentMap { GuestParsing.qemu(process: $0, observedAt: observedAt) }
    }
}
