public import BulkheadModel
public import Foundation
public import HostInspection

/// Runs host inspection and every detector over one host root.
public struct DiscoveryEngine: Sendable {
    public let root: any HostRoot
    public let detectors: [any Detector]
    public let options: DiscoveryOptions

    public init(
        root: any HostRoot, detectors: [any Detector] = DiscoveryEngine.standardDetectors,
        options: DiscoveryOptions = DiscoveryOptions()
    ) {
        self.root = root
        self.detectors = detectors
        self.options = options
    }

    /// The detectors Bulkhead ships, in report order.
    public static var standardDetectors: [any Detector] {
        [
            KVMDetector(), QEMUDetector(), LibvirtDetector(), XenDetector(), FirecrackerDetector(),
            CloudHypervisorDetector(), CrosvmDetector(), GVisorDetector(), KataDetector(),
            ContainerRuntimeDetector(ContainerRuntimeSignatures.runc), ContainerRuntimeDetector(ContainerRuntimeSignatures.crun),
            ContainerRuntimeDetector(ContainerRuntimeSignatures.youki), ContainerRuntimeDetector(ContainerRuntimeSignatures.docker),
            ContainerRuntimeDetector(ContainerRuntimeSignatures.containerd), ContainerRuntimeDetector(ContainerRuntimeSignatures.podman),
            ContainerRuntimeDetector(ContainerRuntimeSignatures.lxc), BubblewrapDetector(),
        ]
    }

    public func run(now: Date = Date()) -> (facts: HostFacts, result: DiscoveryResult) {
        let facts = HostInspector(root: root).collect(now: now)
        return (facts, run(facts: facts))
    }

    /// Discovery over facts already collected.
    public func run(facts: HostFacts) -> DiscoveryResult {
        var mechanisms: [IsolationMechanism] = []
        for detector in detectors {
            mechanisms.append(contentsOf: detector.detect(in: facts, root: root))
        }
        if options.probeVersions && root.isLive {
            var binaries: [ProductID: String] = [:]
            for m in mechanisms {
                for e in m.evidence {
                    if case .file(let path, _) = e.source, e.claim.contains(ProductSignature.binaryClaim) {
                        binaries[m.product] = binaries[m.product] ?? path
                    }
                }
            }
            mechanisms = VersionProbe().fill(mechanisms, binaries: binaries, now: facts.collectedAt)
        }
        return DiscoveryResult(
            hostname: facts.hostname, source: facts.source, collectedAt: facts.collectedAt,
            virtualization: facts.virtualization, mechanisms: mechanisms, problems: facts.problems)
    }
}

/// What discovery may do beyond reading.
public struct DiscoveryOptions: Sendable, Hashable {
    /// Run a mechanism's own binary with `--version` when no package records its version (live host only).
    public var probeVersions: Bool

    public init(probeVersions: Bool = false) {
        self.probeVersions = probeVersions
    }
}
