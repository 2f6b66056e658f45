public import BulkheadModel
public import HostInspection

/// Firecracker and its jailer. The jailer execs into Firecracker inside a chroot, so a jailed VM is a
/// `firecracker` process whose root is the jail; the jailer's own arguments are gone by then.
public struct FirecrackerDetector: ProcessGuestDetector {
    public init() {}

    public static let signature = ProductSignatures.firecracker

    /// The binaries, and each running VM's `--config-file` (outside the jailer's chroot).
    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = Self.signature.request
        for process in evidence.facts.processes where Self.signature.matchesProcess(process) {
            if let path = GuestParsing.firecrackerConfigPath(process) { request.read(path, limit: GuestParsing.configLimit) }
        }
        return request
    }

    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        processes.map { GuestParsing.firecracker(process: $0, files: evidence.files, observedAt: evidence.facts.collectedAt) }
    }
}

/// Cloud Hypervisor (Linux Foundation, Rust).
public struct CloudHypervisorDetector: ProcessGuestDetector {
    public init() {}

    public static let signature = ProductSignatures.cloudHypervisor

    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        processes.map { GuestParsing.cloudHypervisor(process: $0, observedAt: evidence.facts.collectedAt) }
    }
}

/// crosvm (Google, Rust).
public struct CrosvmDetector: ProcessGuestDetector {
    public init() {}

    public static let signature = ProductSignatures.crosvm

    /// crosvm forks one jailed process per device; the VM is the `crosvm run` process.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        outermost(processes.filter { $0.arguments.contains("run") }).map {
            GuestParsing.crosvm(process: $0, observedAt: evidence.facts.collectedAt)
        }
    }
}
