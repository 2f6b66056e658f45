import Assessment
import BulkheadModel
public import Foundation
import Reporting

/// The estate as one OSCAL assessment-results document (`GET /api/v1/assessment-results.json?FILTER`): each
/// selected host's latest stored report, narrowed to the filter, rendered by Reporting's OSCAL writer
/// (`OSCALRenderer.estate`, the code of a host's own `--format oscal`).
extension FleetDatabase {
    public func assessmentResults(_ filter: FindingFilter, now: Date = Date()) async throws -> Data {
        var hosts: [OSCALRenderer.EstateHost] = []
        var skipped: [String] = []
        for (host, id, json) in try await latestDocuments(filter) {
            guard let report = try? JSONCoding.decoder().decode(AssessmentReport.self, from: Data(json.utf8)) else {
                logger.warning("assessment \(id) of \(host) is not an assessment report this server reads; left out of the OSCAL export")
                skipped.append(host)
                continue
            }
            if let narrowed = EstateFilter.narrow(report, filter) {
                hosts.append(OSCALRenderer.EstateHost(name: host, assessmentID: id, report: narrowed))
            }
        }
        let versions = Set(hosts.map(\.report.tool.version)).sorted()
        return try OSCALRenderer.renderEstate(
            hosts, scope: EstateFilter.describe(filter), generatedAt: now,
            toolVersion: versions.isEmpty ? "none" : "bulkhead " + versions.joined(separator: ", "), skipped: skipped)
    }
}

extension FleetDatabase {
    /// A stored report as Reporting's HTML report (self-contained: inline CSS and SVG, no script), or 404
    /// when this server cannot read it as an assessment report.
    static func htmlReport(_ json: String, assessmentID: Int64) throws -> String {
        guard let report = try? JSONCoding.decoder().decode(AssessmentReport.self, from: Data(json.utf8)) else {
            throw FleetServerError(
                .notFound, "assessment \(assessmentID) is not a report this server can render; its JSON is at /api/v1/assessments/\(assessmentID)")
        }
        return HTMLRenderer.render(report)
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
