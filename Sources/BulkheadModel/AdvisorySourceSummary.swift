public import Foundation

/// One source of an advisory database, for freshness: the feed format (`cve5`, `osv`, `nvd`, `kev`), how many
/// records it holds, the newest record's date as the feed wrote it (CVE 5/OSV/NVD publication, KEV `dateAdded`),
/// and when records of it were last imported. The advisory database computes it (`AdvisoryDatabase.SourceSummary`)
/// and every assessment report carries it (`AssessmentReport.AdvisorySource`): one record, so the two never drift.
public struct AdvisorySourceSummary: Codable, Sendable, Hashable {
    /// Feed format: `cve5`, `osv`, `nvd`, `kev`.
    public var format: String
    public var records: Int
    /// ISO 8601 date or date-time as the feed wrote it; nil when no record carries one.
    public var newestRecord: String?
    /// The last import that wrote records of this source; nil for a database that never recorded it.
    public var importedAt: Date?

    public init(format: String, records: Int, newestRecord: String?, importedAt: Date?) {
        self.format = format
        self.records = records
        self.newestRecord = newestRecord
        self.importedAt = importedAt
    }
}
