public import Assessment
public import BulkheadModel
public import Foundation
import SafeFiles

// From the Assessment stage's report to the record the store keeps.
extension AssessmentRecord {
    /// Converts `bulkhead assess`'s report: every mechanism with its guests, every control's verdict and
    /// findings (the mechanisms' and the host's own — ISM-1605, 1461, 1607, 1848 … about `host`), the open
    /// advisory ids, ISM-1460 stale facts, problems and the inputs. The full report is also kept verbatim as
    /// the `assessment.json` document (the bytes `assess --format json` prints).
    public init(report: AssessmentReport, startedAt: Date, finishedAt: Date = Date()) throws(StoreError) {
        let utc = TimeZone(identifier: "UTC") ?? .current
        let controls = report.mechanisms.flatMap(\.controls)
        var stale: [String] = []
        for control in controls {
            for weighed in control.ism1460?.staleFacts ?? [] {
                let fact = weighed.fact
                let component = fact.component.map { " [\($0)]" } ?? ""
                let observed = DateInput.format(fact.evidence.observedAt, timeZone: utc, withTime: false)
                stale.append("\(fact.product.rawValue): \(fact.aspect)\(component) — \(fact.evidence.claim) (observed \(observed))")
            }
        }
        let document: Data
        do {
            document = try JSONCoding.encoder().encode(report)
        } catch {
            throw StoreError(.invalidArgument, "The assessment report cannot be encoded for the store.", cause: error)
        }
        let all = controls + (report.hostControls ?? [])
        self.init(
            host: report.host.hostname ?? "unknown-host", source: report.host.source, startedAt: startedAt,
            finishedAt: finishedAt, bulkheadVersion: report.tool.version, mechanisms: report.mechanisms.map(\.mechanism),
            findings: Self.distinctFindings(all.flatMap(\.findings)), verdicts: all.map(\.verdict),
            openAdvisories: report.openAdvisories ?? [:], staleFacts: stale, documents: ["assessment.json": document],
            problems: report.problems, inputs: report.inputs)
    }

    /// One finding per check and subject: a finding that bears on two controls (host.mitigations-off on
    /// ISM-1605 and ISM-1461) is listed under both in the report but counted once in the store.
    static func distinctFindings(_ findings: [Finding]) -> [Finding] {
        var seen = Set<String>()
        return findings.filter { seen.insert($0.checkID + "\u{0}" + $0.subject).inserted }
    }

    /// Reads a file to import (`bulkhead store-import`): an `AssessmentRecord` JSON document, or
    /// `bulkhead assess --format json` output (docs/assessment-schema.md), at most `Store.documentLimit` bytes.
    public static func load(path: String) throws(StoreError) -> AssessmentRecord {
        let data: Data
        do {
            data = try SafeFile.readRegular(path, limit: Store.documentLimit)
        } catch {
            if error.code == .tooLarge { throw StoreError(.invalidArgument, "\(path) is larger than 64 MiB.") }
            throw StoreError(.io, "Cannot read \(path).", cause: error)
        }
        let decoder = JSONCoding.decoder()
        if let record = try? decoder.decode(AssessmentRecord.self, from: data) { return record }
        do {
            let report = try decoder.decode(AssessmentReport.self, from: data)
            return try AssessmentRecord(report: report, startedAt: report.host.collectedAt, finishedAt: report.assessedAt)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                .invalidArgument, "\(path) is neither AssessmentRecord JSON nor `bulkhead assess --format json` output.", cause: error)
        }
    }
}

extension Store {
    /// Records an assessment report (`bulkhead assess`) and returns its run id.
    @discardableResult
    public func record(_ report: AssessmentReport, startedAt: Date) throws -> Int64 {
        try record(try AssessmentRecord(report: report, startedAt: startedAt))
    }
}
