public import Assessment
public import Foundation

extension EvidenceBundle {
    /// Where an assessment bundle keeps the host snapshot.
    public static let snapshotName = "snapshot/host.tar.gz"

    /// Writes the evidence bundle of an assessment at `path` (which must not exist): every rendering of
    /// the report under `reports/` (`OutputFormat.fileName`, and the OSCAL assessment plan), the host snapshot the assessment read
    /// (the bytes of the `.tar.gz` that `SnapshotWriter` wrote) as `snapshot/host.tar.gz`, a manifest
    /// of SHA-256 hashes and its Ed25519 signature.
    @discardableResult
    public static func write(
        assessment report: AssessmentReport, snapshot: Data, to path: String, signingKey: SigningKey, bulkheadVersion: String
    ) throws(BundleError) -> Manifest {
        var documents: [String: Data] = [snapshotName: snapshot]
        for format in OutputFormat.assessment {
            do {
                documents["reports/\(format.fileName)"] = try ReportWriter.render(report, format: format)
            } catch {
                throw BundleError(.render, "cannot render the \(format.rawValue) report for the bundle", cause: error)
            }
        }
        do {
            documents["reports/\(OSCALRenderer.planFileName)"] = try OSCALRenderer.renderPlan(report.withHostAsSubject())
        } catch {
            throw BundleError(.render, "cannot render the OSCAL assessment plan for the bundle", cause: error)
        }
        return try write(
            documents: documents, to: path, signingKey: signingKey, hostname: report.host.hostname, bulkheadVersion: bulkheadVersion)
    }
}
