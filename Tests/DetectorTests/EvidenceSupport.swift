import BulkheadModel
import Discovery
import Foundation
import HostInspection

/// A detector as the only need of a collection: the test reads exactly what the detector declares, so a
/// detector that reads a file it did not ask for fails its test ("not collected").
struct DetectorNeed: EvidenceNeed {
    let detector: any Detector
    func request(given evidence: HostEvidence) -> EvidenceRequest { detector.request(given: evidence) }
}

extension Detector {
    /// Detects over `facts`, with the files it asks for read from `root`.
    func detect(in facts: HostFacts, root: any HostRoot) -> [IsolationMechanism] {
        detect(in: HostInspector(root: root).collectEvidence([DetectorNeed(detector: self)], given: facts))
    }
}

extension DiscoveryEngine {
    /// One collection of `root` serving discovery, then discovery over it.
    func run(root: any HostRoot, now: Date = Date()) -> (facts: HostFacts, result: DiscoveryResult) {
        let evidence = HostInspector(root: root).collectEvidence([self], now: now)
        return (evidence.facts, run(evidence))
    }

    /// Discovery over known facts, with the files the detectors ask for read from `root`.
    func run(facts: HostFacts, root: any HostRoot) -> DiscoveryResult {
        run(HostInspector(root: root).collectEvidence([self], given: facts))
    }
}
