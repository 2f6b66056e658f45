public import Assessment
public import BulkheadModel
public import Foundation

/// One assessment as the Store keeps it. The CLI converts the Assessment stage's report into this value;
/// the Store normalises it into rows (runs, mechanisms, guests, findings, verdicts, advisories, stale facts,
/// problems) for history and drift, and keeps the named documents (e.g. the full JSON report) verbatim.
public struct AssessmentRecord: Codable, Hashable, Sendable {
    /// The assessed host's name (`hostname`, or the name given for a snapshot).
    public var host: String
    /// Where the facts came from: `live`, `root:/mnt/host`, `snapshot:/path/host.tar.gz`.
    public var source: String
    public var startedAt: Date
    public var finishedAt: Date
    public var bulkheadVersion: String
    public var mechanisms: [IsolationMechanism]
    public var findings: [Finding]
    public var verdicts: [ControlVerdict]
    /// Open advisory ids (CVE, GHSA, OSV ids) per product id.
    public var openAdvisories: [String: [String]]
    /// Catalog facts past their freshness window, in words (`qemu: security policy page checked 2024-01-02`).
    public var staleFacts: [String]
    /// Named report documents kept verbatim (`assessment.json`, `report.html`).
    public var documents: [String: Data]
    public var problems: [Problem]
    /// The assessment's inputs (catalog size and directories, evidence files, measuring stages); nil for
    /// runs recorded before schema v3 whose report could not be read back.
    public var inputs: AssessmentReport.Inputs?

    public init(
        host: String, source: String, startedAt: Date, finishedAt: Date, bulkheadVersion: String,
        mechanisms: [IsolationMechanism] = [], findings: [Finding] = [], verdicts: [ControlVerdict] = [],
        openAdvisories: [String: [String]] = [:], staleFacts: [String] = [], documents: [String: Data] = [:],
        problems: [Problem] = [], inputs: AssessmentReport.Inputs? = nil
    ) {
        self.host = host
        self.source = source
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.bulkheadVersion = bulkheadVersion
        self.mechanisms = mechanisms
        self.findings = findings
        self.verdicts = verdicts
        self.openAdvisories = openAdvisories
        self.staleFacts = staleFacts
        self.documents = documents
        self.problems = problems
        self.inputs = inputs
    }
}

/// A stored run as listed by `bulkhead history`.
public struct RunSummary: Hashable, Sendable, Encodable {
    public var id: Int64
    public var host: String
    public var source: String
    public var startedAt: Date
    public var finishedAt: Date
    public var bulkheadVersion: String
    public var mechanismCount: Int
    /// Finding counts by outcome label (`pass`, `fail`, `notApplicable`, `inconclusive`), as recorded.
    public var outcomeCounts: [String: Int]
    public var advisoryCount: Int
    public var staleFactCount: Int
    public var problemCount: Int
}
