import Assessment
import BulkheadModel
public import Foundation
import Reporting

/// The estate as one OSCAL assessment-results document (`GET /api/v1/assessment-results.json?FILTER`): each
/// selected host's latest stored report, narrowed to the filter, rendered by Reporting's OSCAL writer
/// (`OSCALRenderer.EstateWriter`, the code of a host's own `--format oscal`). The hosts are read a page at a
/// time (by name) and each is written as it is produced: any estate size exports in bounded memory, with no cap.
extension FleetDatabase {
    /// Hosts per page of the export (each page is one query; the reports of a page are in memory at once).
    public static let exportPageSize = 100

    /// Writes the document through `write`, piece by piece.
    public func assessmentResults(
        _ filter: FindingFilter, now: Date = Date(), pageSize: Int = FleetDatabase.exportPageSize, write: (Data) async throws -> Void
    ) async throws {
        var writer = OSCALRenderer.EstateWriter(scope: EstateFilter.describe(filter), generatedAt: now)
        var skipped: [String] = []
        var skippedCount = 0
        try await write(try writer.head())
        var after: String?
        while true {
            let page = try await latestDocuments(filter, afterHost: after, limit: max(1, pageSize))
            for (host, id, json) in page {
                guard let report = try? JSONCoding.decoder().decode(AssessmentReport.self, from: Data(json.utf8)) else {
                    logger.warning("assessment \(id) of \(host) is not an assessment report this server reads; left out of the OSCAL export")
                    skippedCount += 1
                    if skipped.count < 100 { skipped.append(host) }
                    continue
                }
                if let narrowed = EstateFilter.narrow(report, filter) {
                    try await write(try writer.result(OSCALRenderer.EstateHost(name: host, assessmentID: id, report: narrowed)))
                }
            }
            guard page.count >= max(1, pageSize), let last = page.last?.host else { break }
            after = last
        }
        if skippedCount > skipped.count { skipped.append("and \(skippedCount - skipped.count) more") }
        try await write(try writer.tail(skipped: skipped))
    }

    /// The whole document in memory (tests and small estates).
    public func assessmentResults(_ filter: FindingFilter, now: Date = Date(), pageSize: Int = FleetDatabase.exportPageSize) async throws -> Data {
        var out = Data()
        try await assessmentResults(filter, now: now, pageSize: pageSize) { out.append($0) }
        return out
    }
}

extension FleetDatabase {
    /// A stored report as Reporting's HTML report (self-contained: inline CSS and SVG, no script), or 404
    /// when this server cannot read it as an assessment report.
    /// `waivedChecks`: the checks under a fleet waiver in force on the host; their failures are shown waived.
    static func htmlReport(_ json: String, assessmentID: Int64, waivedChecks: Set<String> = []) throws -> String {
        guard let report = try? JSONCoding.decoder().decode(AssessmentReport.self, from: Data(json.utf8)) else {
            throw FleetServerError(
                .notFound, "assessment \(assessmentID) is not a report this server can render; its JSON is at /api/v1/assessments/\(assessmentID)")
        }
        return HTMLRenderer.render(report, waived: waivedKeys(report, checks: waivedChecks))
    }
}

/// The findings filter applied to a whole report: the mechanisms of the product, the controls of the
/// control (the mechanisms' and the host's own), the check findings of the severity, check id and verdict (a
/// control with none left goes, and a mechanism with no control left). The same fields as the `findings` rows: product is the catalogue
/// product (else the discovered one), verdict the outcome's name.
enum EstateFilter {
    static func narrow(_ report: AssessmentReport, _ filter: FleetDatabase.FindingFilter) -> AssessmentReport? {
        let byFinding = filter.severity != nil || filter.checkID != nil || filter.verdict != nil
        let narrowing = byFinding || filter.product != nil || filter.control != nil || filter.version != nil
        guard narrowing else { return report }
        func narrowed(_ control: ControlAssessment) -> ControlAssessment? {
            if let wanted = filter.control, control.verdict.control.rawValue != wanted { return nil }
            guard byFinding else { return control }
            var control = control
            control.findings = control.findings.filter { finding in
                (filter.severity.map { finding.severity.rawValue == $0 } ?? true)
                    && (filter.checkID.map { finding.checkID == $0 } ?? true)
                    && (filter.verdict.map { finding.outcome.label == $0 } ?? true)
            }
            return control.findings.isEmpty ? nil : control
        }
        var out = report
        out.mechanisms = report.mechanisms.compactMap { entry in
            let product = entry.catalogProduct?.rawValue ?? entry.mechanism.product.rawValue
            if let wanted = filter.product, product != wanted { return nil }
            if let wanted = filter.version, entry.mechanism.version != wanted { return nil }
            var entry = entry
            entry.controls = entry.controls.compactMap(narrowed)
            return entry.controls.isEmpty ? nil : entry
        }
        // The host's own controls have no product or version: a product or version filter leaves them out.
        out.hostControls = filter.product != nil || filter.version != nil ? nil : report.hostControls.map { $0.compactMap(narrowed) }
        return out.mechanisms.isEmpty && (out.hostControls ?? []).isEmpty ? nil : out
    }

    /// The filter in words, for the document's title ("whole estate" without one).
    static func describe(_ filter: FleetDatabase.FindingFilter) -> String {
        let parts = [
            ("host", filter.host), ("classification", filter.classification), ("product", filter.product), ("version", filter.version),
            ("control", filter.control), ("severity", filter.severity),
            ("check", filter.checkID), ("verdict", filter.verdict),
        ].compactMap { name, value in value.map { "\(name)=\($0)" } }
        return parts.isEmpty ? "whole estate" : parts.joined(separator: ", ")
    }
}
