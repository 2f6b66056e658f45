public import BulkheadModel
public import Foundation
public import HostInspection

/// A detector looks at the collected evidence (host facts and the configuration files it asked for) and
/// names the mechanisms of one product family that it finds, with the evidence for each. Detectors never
/// read the host, never write, never run host programs and never throw: what was not readable becomes a
/// `Problem` on the item.
public protocol Detector: Sendable {
    /// Product family, for logs and `--only` style selection (`qemu`, `libvirt`, `gvisor` …).
    var family: String { get }
    /// What the detector reads beyond the facts (its binaries, configuration files), given the evidence
    /// collected so far; the collection reads it before `detect` runs.
    func request(given evidence: HostEvidence) -> EvidenceRequest
    func detect(in evidence: HostEvidence) -> [IsolationMechanism]
}

extension Detector {
    public func request(given evidence: HostEvidence) -> EvidenceRequest { EvidenceRequest() }
}

/// The result of discovery on one host: the JSON document behind `bulkhead discover --format json`.
public struct DiscoveryResult: Codable, Hashable, Sendable {
    /// Version of this document's schema (docs/discovery-schema.md); bumped on any breaking change.
    public static let currentSchemaVersion = 1
    public var schemaVersion: Int
    public var hostname: String?
    public var source: String
    public var collectedAt: Date
    public var virtualization: HostVirtualization
    public var mechanisms: [IsolationMechanism]
    /// Host-level problems (unreadable /proc entries, package database errors …).
    public var problems: [Problem]

    public init(
        hostname: String?, source: String, collectedAt: Date, virtualization: HostVirtualization,
        mechanisms: [IsolationMechanism], problems: [Problem]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.hostname = hostname
        self.source = source
        self.collectedAt = collectedAt
        self.virtualization = virtualization
        self.mechanisms = mechanisms
        self.problems = problems
    }
}
