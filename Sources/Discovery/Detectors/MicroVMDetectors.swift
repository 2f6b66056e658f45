public import BulkheadModel
public import HostInspection

/// Firecracker and its jailer. The jailer execs into Firecracker inside a chroot, so a jailed VM is a
/// `firecracker` process whose root is the jail; the jailer's own arguments are gone by then.
public struct FirecrackerDetector: ProcessGuestDetector {
    public var family: String { "firecracker" }
    public init() {}

    public static let signature = ProductSignature(
        product: "firecracker", name: "Firecracker", role: .vmm,
        packages: ["firecracker"],
        binaries: ["/usr/bin/firecracker", "/usr/local/bin/firecracker", "/usr/bin/jailer", "/usr/local/bin/jailer"],
        matchesProcess: ProductSignature.programs(["firecracker", "jailer"]))

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
    public var family: String { "cloud-hypervisor" }
    public init() {}

    public static let signature = ProductSignature(
        product: "cloud-hypervisor", name: "Cloud Hypervisor", role: .vmm,
        packages: ["cloud-hypervisor"],
        binaries: ["/usr/bin/cloud-hypervisor", "/usr/local/bin/cloud-hypervisor"],
        matchesProcess: ProductSignature.programs(["cloud-hypervisor"]))

    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        processes.map { GuestParsing.cloudHypervisor(process: $0, observedAt: evidence.facts.collectedAt) }
    }
}

/// crosvm (Google, Rust).
public struct CrosvmDetector: ProcessGuestDetector {
    public var family: String { "crosvm" }
    public init() {}

    public static let signature = ProductSignature(
        product: "crosvm", name: "crosvm", role: .vmm,
        packages: ["crosvm"],
        binaries: ["/usr/bin/crosvm", "/usr/local/bin/crosvm"],
        matchesProcess: ProductSignature.programs(["crosvm"]))

    /// crosvm forks one jailed process per device; the VM is the `crosvm run` process.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        let vms = processes.filter { $0.arguments.contains("run") }
        let vmPIDs = Set(vms.map(\.pid))
        return vms.filter { $0.ppid.map { !vmPIDs.contains($0) } ?? true }.map {
            GuestParsing.crosvm(process: $0, observedAt: evidence.facts.collectedAt)
        }
    }
}
