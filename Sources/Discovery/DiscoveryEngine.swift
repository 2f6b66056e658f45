import BulkheadModel
import Foundation
public import HostInspection

/// Runs every detector over the evidence one collection read. As an `EvidenceNeed` it declares what the
/// detectors read (binaries, guest and daemon configuration files), so the collection reads it first.
public struct DiscoveryEngine: EvidenceNeed {
    public let detectors: [any Detector]
    public let options: DiscoveryOptions

    public init(detectors: [any Detector] = DiscoveryEngine.standardDetectors, options: DiscoveryOptions = DiscoveryOptions()) {
        self.detectors = detectors
        self.options = options
    }

    /// The detectors Bulkhead ships, in report order.
    public static var standardDetectors: [any Detector] {
        [
            KVMDetector(), QEMUDetector(), LibvirtDetector(), XenDetector(), FirecrackerDetector(),
            CloudHypervisorDetector(), CrosvmDetector(), GVisorDetector(), KataDetector(),
            ContainerRuntimeDetector(ProductSignatures.runc), ContainerRuntimeDetector(ProductSignatures.crun),
            ContainerRuntimeDetector(ProductSignatures.youki), ContainerRuntimeDetector(ProductSignatures.docker),
            ContainerRuntimeDetector(ProductSignatures.containerd), ContainerRuntimeDetector(ProductSignatures.podman),
            ContainerRuntimeDetector(ProductSignatures.lxc), BubblewrapDetector(),
        ]
    }

    /// Everything the detectors read beyond the facts.
    public func request(given evidence: HostEvidence) -> EvidenceRequest {
        var request = EvidenceRequest()
        for detector in detectors { request.merge(detector.request(given: evidence)) }
        return request
    }

    /// Discovery over collected evidence: the detectors only, never a program run. Synchronous callers
    /// get this form; `probeVersions` needs the async form.
    public func run(_ evidence: HostEvidence) -> DiscoveryResult {
        detect(evidence)
    }

    /// Discovery over collected evidence. With `probeVersions` on the live host, a mechanism whose version
    /// no package records has its binary run with `--version` (the one thing discovery may do beyond
    /// reading); the calling task is suspended while it runs, no thread waits.
    public func run(_ evidence: HostEvidence) async -> DiscoveryResult {
        var result = detect(evidence)
        guard options.probeVersions && evidence.isLive else { return result }
        var binaries: [ProductID: String] = [:]
        for m in result.mechanisms {
            for e in m.evidence {
                if case .file(let path, _) = e.source, e.claim.contains(ProductSignature.binaryClaim) {
                    binaries[m.product] = binaries[m.product] ?? path
                }
            }
        }
        result.mechanisms = await VersionProbe().fill(result.mechanisms, binaries: binaries, now: evidence.facts.collectedAt)
        return result
    }

    func detect(_ evidence: HostEvidence) -> DiscoveryResult {
        let facts = evidence.facts
        var mechanisms: [IsolationMechanism] = []
        for detector in detectors {
            mechanisms.append(contentsOf: detector.detect(in: evidence))
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
