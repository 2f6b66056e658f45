public import BulkheadModel
public import Foundation
public import VendorEvidence

/// The result of `bulkhead assess`: the versioned JSON document of docs/assessment-schema.md.
/// Later stages (OSCAL/HTML/SARIF renderers, SQLite history) consume this value.
public struct AssessmentReport: Codable, Hashable, Sendable {
    /// Bumped on any breaking change to this document (docs/assessment-schema.md).
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var tool: ToolInfo
    public var host: HostIdentity
    /// When the assessment was made; staleness is judged against this date.
    public var assessedAt: Date
    /// Catalog and evidence inputs, so a reader can repeat the run.
    public var inputs: Inputs
    public var mechanisms: [MechanismAssessment]
    /// Host-level and input problems (unreadable files, bad catalog entries …). Never silently dropped.
    public var problems: [Problem]
    /// Controls about the host itself (ISM-1605 hardened OS, 1461, 1607 logging, 1848 OS support), from the
    /// host checks; nil when no checks ran. Added in schema 1 without a version bump (an optional key).
    public var hostControls: [ControlAssessment]?
    /// Advisory ids (CVE, GHSA, OSV) still open per product id, from the ISM-1606 advisory check; nil when
    /// no advisory database was read. Added in schema 1 without a version bump (an optional key).
    public var openAdvisories: [String: [String]]?
    /// Per check id with a finding in this report: its title, remediation, effort and references, from the
    /// check definitions. Added in schema 1 without a version bump (an optional key).
    public var guidance: [String: CheckGuidance]?
    /// The ISM's words for each control in this report: statement, revision, updated, and the ISM release
    /// they were read from (built in, or `--ism-catalog FILE`). Added in schema 1 without a version bump.
    public var ism: ISMCatalog?
    /// The system profile the assessment was scoped by (`bulkhead.toml`, `--profile`), if any.
    public var profile: SystemProfile?
    /// What the assessment assumed for want of a profile.
    public var assumptions: [String]?

    public init(
        tool: ToolInfo, host: HostIdentity, assessedAt: Date, inputs: Inputs, mechanisms: [MechanismAssessment],
        problems: [Problem]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.tool = tool
        self.host = host
        self.assessedAt = assessedAt
        self.inputs = inputs
        self.mechanisms = mechanisms
        self.problems = problems
    }

    public struct ToolInfo: Codable, Hashable, Sendable {
        public var name = "bulkhead"
        public var version: String
    }

    public struct HostIdentity: Codable, Hashable, Sendable {
        public var hostname: String?
        /// The host read: `live host`, `root /mnt/img` (for a snapshot, the host it was taken from).
        public var source: String
        /// When the host was read (for a snapshot, when the snapshot was taken: replayed evidence keeps its date).
        public var collectedAt: Date
        /// The snapshot the evidence was replayed from (`snapshot FILE (host …, captured …)`); absent when the
        /// host was read directly. Added in schema 1 without a version bump (an optional key).
        public var replayedFrom: String?
    }

    public struct Inputs: Codable, Hashable, Sendable {
        public var catalogProducts: Int
        public var catalogSchemaVersion = Catalog.schemaVersion
        /// Extra catalog directories (`--catalog DIR`).
        public var catalogDirectories: [String] = []
        /// `--evidence FILE`s that were merged.
        public var evidenceFiles: [String] = []
        /// Stages whose measured facts were merged (`census`, `advisories`).
        public var measuredBy: [String] = []
        /// The advisory database ISM-1606 and criterion 5 read: its age, sources and record counts. Added in
        /// schema 1 without a version bump (an optional key).
        public var advisoryDatabase: AdvisoryDatabaseInfo?
    }

    /// The advisory database as the report names it (ISM-1606 evidence).
    public struct AdvisoryDatabaseInfo: Codable, Hashable, Sendable {
        public var path: String
        /// The newest import into it; nil when it holds nothing or could not be read.
        public var lastImport: Date?
        /// Days between the last import and the assessment.
        public var ageDays: Double?
        public var recordsByFormat: [String: Int]
        public var files: Int
        /// Older than `AdvisoryFindings.maximumAgeDays` (or of unknown age): passes are not claimed from it.
        public var stale: Bool
        /// "absent", "unreadable: …" or "available".
        public var state: String
        /// The age beyond which the database is stale (`--advisory-max-age-days`, default 7). Optional key.
        public var maximumAgeDays: Double?
        /// Per source (feed format, `kev`): records, newest record date, last import. Optional key.
        public var sources: [AdvisorySource]?
        /// Per product ISM-1606 checked: how many of its records each source holds. Optional key.
        public var coverage: [ProductCoverage]?
    }

    /// One source of the advisory database: records, newest record, last import (the database's own record).
    public typealias AdvisorySource = AdvisorySourceSummary

    /// Whether any source of the advisory database covers a product: its mapped records per source.
    public struct ProductCoverage: Codable, Hashable, Sendable {
        public var product: String
        public var recordsBySource: [String: Int]
        /// At least one record of some source maps to the product; false is "product-blind".
        public var covered: Bool
        public init(product: String, recordsBySource: [String: Int]) {
            self.product = product
            self.recordsBySource = recordsBySource
            self.covered = recordsBySource.values.contains { $0 > 0 }
        }
    }

    /// Every control this report gives a verdict for, in the ISM's order.
    public var assessedControls: [ControlID] {
        let all = mechanisms.flatMap { $0.controls.map(\.verdict.control) } + (hostControls ?? []).map(\.verdict.control)
        return ISMCatalog.assessed.filter { all.contains($0) }
    }

    /// Keeps, of `catalog`, the controls this report assesses.
    public mutating func quote(_ catalog: ISMCatalog?) {
        guard var c = catalog else { return }
        let wanted = assessedControls
        c.controls = c.controls.filter { wanted.contains($0.id) }
        ism = c
    }

    /// Count of mechanisms per ISM-1460 status, for summaries.
    public func count(_ status: VerdictStatus, control: ControlID = .ism1460) -> Int {
        mechanisms.filter { $0.verdict(for: control)?.status == status }.count
    }
}

/// One discovered mechanism and its verdict per control.
public struct MechanismAssessment: Codable, Hashable, Sendable {
    /// The mechanism as discovered (product, name, version, role, state, guests, evidence, problems).
    public var mechanism: IsolationMechanism
    /// The catalog entry it matched, or nil when the catalog does not know it.
    public var catalogProduct: ProductID?
    /// One entry per assessed control. Only ISM-1460 today; ISM-1604, 1606 … are added by their stages.
    public var controls: [ControlAssessment]

    public func verdict(for control: ControlID) -> ControlVerdict? {
        controls.first { $0.verdict.control == control }?.verdict
    }
    public var ism1460: ISM1460Evaluation? { controls.first { $0.verdict.control == .ism1460 }?.ism1460 }
}

/// A control's verdict for one mechanism, with the detail behind it.
public struct ControlAssessment: Codable, Hashable, Sendable {
    public var verdict: ControlVerdict
    /// ISM-1460 detail: criteria, components, stale facts, conflicts. Nil for other controls.
    public var ism1460: ISM1460Evaluation?
    /// Check findings behind the verdict (ISM-1604 and others); empty for ISM-1460.
    public var findings: [Finding]

    public init(verdict: ControlVerdict, ism1460: ISM1460Evaluation? = nil, findings: [Finding] = []) {
        self.verdict = verdict
        self.ism1460 = ism1460
        self.findings = findings
    }
}

/// What to do about a check's failure, from its definition (`bulkhead checks show ID`): every report
/// format prints it beside each FAIL.
public struct CheckGuidance: Codable, Hashable, Sendable {
    public struct Reference: Codable, Hashable, Sendable {
        public var title: String
        public var url: String
        public init(title: String, url: String) {
            self.title = title
            self.url = url
        }
    }
    /// The property the check wants (its title).
    public var title: String
    /// The fix, in words a host's administrator can follow.
    public var remediation: String
    /// How much work the fix is: `low`, `medium` or `high`.
    public var effort: String
    /// Why the check matters (its rationale).
    public var rationale: String
    /// The vendor's or benchmark's guidance the check follows, first the most specific.
    public var references: [Reference]

    public init(title: String, remediation: String, effort: String, rationale: String, references: [Reference]) {
        self.title = title
        self.remediation = remediation
        self.effort = effort
        self.rationale = rationale
        self.references = references
    }
}
