public import BulkheadModel
public import HostInspection

/// OCI and system container runtimes. Containers they run share the host kernel; each running
/// container is seen as a shim or monitor process.
public enum ContainerRuntimeSignatures {
    public static let runc = ProductSignature(
        product: "runc", name: "runc", role: .containerRuntime,
        packages: ["runc", "containerd.io"],
        binaries: ["/usr/bin/runc", "/usr/sbin/runc", "/usr/local/bin/runc", "/usr/local/sbin/runc"],
        matchesProcess: ProductSignature.programs(["runc"]))

    public static let crun = ProductSignature(
        product: "crun", name: "crun", role: .containerRuntime,
        packages: ["crun"],
        binaries: ["/usr/bin/crun", "/usr/local/bin/crun"],
        matchesProcess: ProductSignature.programs(["crun"]))

    public static let youki = ProductSignature(
        product: "youki", name: "youki", role: .containerRuntime,
        packages: ["youki"],
        binaries: ["/usr/bin/youki", "/usr/local/bin/youki"],
        matchesProcess: ProductSignature.programs(["youki"]))

    public static let docker = ProductSignature(
        product: "docker", name: "Docker Engine", role: .containerRuntime,
        packages: ["docker-ce", "docker.io", "moby-engine", "docker"],
        binaries: ["/usr/bin/dockerd", "/usr/sbin/dockerd"],
        matchesProcess: ProductSignature.programs(["dockerd"]))

    public static let containerd = ProductSignature(
        product: "containerd", name: "containerd", role: .containerRuntime,
        packages: ["containerd", "containerd.io"],
        binaries: ["/usr/bin/containerd", "/usr/local/bin/containerd"],
        matchesProcess: ProductSignature.programs(["containerd"], prefixes: ["containerd-shim-runc"]))

    public static let podman = ProductSignature(
        product: "podman", name: "Podman", role: .containerRuntime,
        packages: ["podman"],
        binaries: ["/usr/bin/podman"],
        matchesProcess: ProductSignature.programs(["podman", "conmon"]))

    public static let lxc = ProductSignature(
        product: "lxc", name: "LXC", role: .containerRuntime,
        packages: ["lxc", "liblxc1", "lxc-libs"],
        binaries: ["/usr/bin/lxc-start", "/usr/sbin/lxc-start"],
        matchesProcess: ProductSignature.programs(["lxc-start", "lxc-monitord"]))
}

/// A container runtime: present by package/binary; running containers from shim or monitor processes.
public struct ContainerRuntimeDetector: Detector {
    public let signature: ProductSignature
    public var family: String { signature.product.rawValue }

    public init(_ signature: ProductSignature) { self.signature = signature }

    /// OCI runtimes that can run a container in the foreground, as its parent.
    static let ociRuntimes: Set<String> = ["runc", "crun", "youki"]

    public func request(given evidence: HostEvidence) -> EvidenceRequest { signature.request }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let match = signature.match(in: evidence)
        guard !match.isEmpty else { return [] }
        var mechanism = signature.mechanism(from: match)
        let shims = match.processes.filter {
            $0.programName.hasPrefix("containerd-shim") || $0.programName == "conmon" || $0.programName == "lxc-start"
        }
        mechanism.guests = shims.map { process in
            let id =
                GuestParsing.flagValue(process.arguments, "-id") ?? GuestParsing.flagValue(process.arguments, "--cid")
                ?? GuestParsing.flagValue(process.arguments, "-n")
            return processGuest(process, name: id.map { "container \($0.prefix(12))" }, observedAt: host.collectedAt)
        }
        // An OCI runtime run in the foreground (`crun run ID`, `runc run ID`) stays the parent of its container:
        // each child of such a process is a container, named by the runtime's last argument (its id).
        let foreground = match.processes.filter { Self.ociRuntimes.contains($0.programName) && $0.arguments.dropFirst().contains("run") }
        if !foreground.isEmpty {
            let children = Dictionary(grouping: host.processes.filter { $0.ppid != nil }, by: { $0.ppid ?? 0 })
            for runtime in foreground {
                let id = runtime.arguments.count > 2 ? runtime.arguments.last : nil
                for child in children[runtime.pid] ?? [] {
                    mechanism.guests.append(
                        processGuest(child, name: id.map { "container \($0.prefix(12))" }, observedAt: host.collectedAt))
                }
            }
        }
        return [mechanism]
    }
}
