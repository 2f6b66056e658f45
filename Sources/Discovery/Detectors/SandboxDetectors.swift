public import BulkheadModel
public import HostInspection

/// gVisor: runsc, a user-space kernel (the Sentry) between a sandbox and the host kernel. Each sandbox is
/// a `runsc boot` process (shown as `runsc-sandbox`); its gofer is `runsc-gofer`.
public struct GVisorDetector: ProcessGuestDetector {
    public init() {}

    public static let signature = ProductSignatures.gvisor

    /// Each sandbox is a `runsc boot` process.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        processes.filter { GuestParsing.runscSubcommand($0.arguments) == "boot" }.map {
            GuestParsing.gvisor(process: $0, observedAt: evidence.facts.collectedAt)
        }
    }
}

/// Kata Containers: each container runs in a lightweight VM (QEMU, Cloud Hypervisor, Firecracker or Dragonball).
public struct KataDetector: ProductDetector {
    public init() {}

    public static let signature = ProductSignatures.kata

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
    public init() {}

    public static let signature = ProductSignatures.bubblewrap

    /// bwrap forks: the outer process waits while the inner one is the sandbox's init. The outer ones are listed.
    public func guests(_ processes: [HostProcess], in evidence: HostEvidence) -> [Guest] {
        outermost(processes).map { GuestParsing.bubblewrap(process: $0, observedAt: evidence.facts.collectedAt) }
    }
}
