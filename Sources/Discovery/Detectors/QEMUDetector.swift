public import BulkheadModel
import Formats
public import HostInspection

/// QEMU: the `qemu-system-*` VMMs (also `qemu-kvm` and the Debian `kvm` wrapper). Each process is a guest,
/// whether started by hand, by libvirt or by Proxmox.
public struct QEMUDetector: ProcessGuestDetector {
    public init() {}

    public static let signature = ProductSignatures.qemu

    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        let observedAt = evidence.facts.collectedAt
        return processes.concurrentMap { GuestParsing.qemu(process: $0, observedAt: observedAt) }
    }
}
