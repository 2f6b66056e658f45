public import BulkheadModel
public import HostInspection

/// gVisor: runsc, a user-space kernel (the Sentry) between a sandbox and the host kernel. Each sandbox is
/// a `runsc boot` process (shown as `runsc-sandbox`); its gofer is `runsc-gofer`.
public struct GVisorDetector: ProcessGuestDetector {
    public var family: String { "gvisor" }
    public init() {}

    public static let signature = ProductSignature(
        product: "gvisor", name: "gVisor (runsc)", role: .sandboxKernel,
        packages: ["runsc", "gvisor"],
        binaries: ["/usr/bin/runsc", "/usr/local/bin/runsc", "/usr/bin/containerd-shim-runsc-v1"],
        matchesProcess: ProductSignature.programs(
            ["runsc", "runsc-sandbox", "runsc-gofer", "containerd-shim-runsc-v1"]))

    /// Each sandbox is a `runsc boot` process.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        processes.filter { GuestParsing.runscSubcommand($0.arguments) == "boot" }.map {
            GuestParsing.gvisor(process: $0, observedAt: evidence.facts.collectedAt)
        }
    }
}

/// Kata Containers: each container runs in a lightweight VM (QEMU, Cloud Hypervisor, Firecracker or Dragonball).
public struct KataDetector: Detector {
    public var family: String { "kata-containers" }
    public init() {}

    public static let signature = ProductSignature(
        product: "kata-containers", name: "Kata Containers", role: .containerRuntime,
        packages: ["kata-containers", "kata-runtime", "kata-containers-bin"],
        binaries: [
            "/usr/bin/kata-runtime", "/usr/bin/containerd-shim-kata-v2", "/opt/kata/bin/kata-runtime",
            "/opt/kata/bin/containerd-shim-kata-v2",
        ],
        matchesProcess: ProductSignature.programs(["containerd-shim-kata-v2", "kata-runtime"]))

    public static let configPaths = [
        "/etc/kata-containers/configuration.toml",
        "/usr/share/defaults/kata-containers/configuration.toml",
        "/opt/kata/share/defaults/kata-containers/configuration.toml",
    ]

    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = Self.signature.request
        for path in Self.configPaths { request.kind(path) }
        return request
    }

    public func detect(in evidence: HostEvidence) -> [IsolationMechanism] {
        let host = evidence.facts
        let match = Self.signature.match(in: evidence)
        let configs = Self.configPaths.filter { evidence.files.exists($0) }
        guard !match.isEmpty || !configs.isEmpty else { return [] }
        var mechanism = Self.signature.mechanism(from: match)
        for path in configs.prefix(1) {
            mechanism.evidence.append(
                Evidence(
                    claim: "Kata runtime configuration in effect (first found in the search order)",
                    source: .file(path: path, sha256: nil), observedAt: host.collectedAt, confidence: .high))
        }
        mechanism.guests = match.processes.filter { $0.programName == "containerd-shim-kata-v2" }.map {
            processGuest($0, name: GuestParsing.flagValue($0.arguments, "-id").map { "sandbox \($0)" }, observedAt: host.collectedAt)
        }
        return [mechanism]
    }
}

/// bubblewrap: an unprivileged namespace sandbox (Flatpak, some build tools).
public struct BubblewrapDetector: ProcessGuestDetector {
    public var family: String { "bubblewrap" }
    public init() {}

    public static let signature = ProductSignature(
        product: "bubblewrap", name: "bubblewrap", role: .namespaceSandbox,
        packages: ["bubblewrap"],
        binaries: ["/usr/bin/bwrap"],
        matchesProcess: ProductSignature.programs(["bwrap"]))

    /// bwrap forks: the outer process waits while the inner one is the sandbox's init. The outer ones are listed.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        let pids = Set(processes.map(\.pid))
        return processes.filter { $0.ppid.map { !pids.contains($0) } ?? true }.map {
            GuestParsing.bubblewrap(process: $0, observedAt: evidence.facts.collectedAt)
        }
    }
}
