public import Assessment
public import BulkheadModel
public import Foundation

/// Every format `bulkhead assess` can write.
public enum ReportFormat: String, CaseIterable, Codable, Hashable, Sendable {
    case oscal, sarif, html, md, csv, json, table

    /// The file name `ReportWriter.writeAll` uses for this format.
    public var fileName: String {
        switch self {
        case .oscal: "assessment-results.oscal.json"
        case .sarif: "bulkhead.sarif"
        case .html: "report.html"
        case .md: "report.md"
        case .csv: "report.csv"
        case .json: "assessment.json"
        case .table: "report.txt"
        }
    }
}

/// When `--fail-on` makes `bulkhead assess` exit non-zero.
public enum FailOn: String, CaseIterable, Codable, Hashable, Sendable {
    /// Fail when any control verdict is notSatisfied.
    case notSatisfied
    /// Fail when any verdict is notSatisfied, partiallySatisfied or notAssessed (a gate does not pass
    /// what could not be assessed).
    case partiallySatisfied

    /// Exit code when the gate fails. Distinct from 1 (an error) so CI can tell them apart.
    public static let gateFailedExitCode: Int32 = 3

    public func fails(_ status: VerdictStatus) -> Bool {
        switch (self, status) {
        case (_, .notSatisfied): true
        case (.partiallySatisfied, .partiallySatisfied), (.partiallySatisfied, .notAssessed): true
        default: false
        }
    }

    /// The verdicts that trip the gate, as "mechanism ISM-xxxx status" lines for the error message.
    public func failures(in report: AssessmentReport) -> [String] {
        report.withHostAsSubject().mechanisms.flatMap { m in
            m.controls.filter { fails($0.verdict.status) }.map {
                "\(m.mechanism.name) \($0.verdict.control.rawValue) \($0.verdict.status.rawValue)"
            }
        }
    }

    /// 0 when no verdict trips the gate, else `gateFailedExitCode`.
    public func exitCode(for report: AssessmentReport) -> Int32 {
        failures(in: report).isEmpty ? 0 : Self.gateFailedExitCode
    }
}

/// A report could not be rendered or written.
public struct ReportError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case encoding, write }
    public var code: Code
    public var message: String
    public var cause: String?
    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
    public var description: String {
        "report \(code.rawValue) error: \(message)" + (cause.map { " (\($0))" } ?? "")
    }
}

/// The entry points `bulkhead assess` calls (docs/report-formats.md, "Wiring").
public enum ReportWriter {
    public static func render(_ report: AssessmentReport, format: ReportFormat) throws(ReportError) -> Data {
        do {
            switch format {
            case .oscal: return try OSCALRenderer.render(report.withHostAsSubject())
            case .sarif: return try SARIFRenderer.render(report.withHostAsSubject())
            case .html: return Data(HTMLRenderer.render(report.withHostAsSubject()).utf8)
            case .md: return Data(MarkdownRenderer.render(report.withHostAsSubject()).utf8)
            case .csv: return Data(CSVRenderer.render(report.withHostAsSubject()).utf8)
            case .json: return Data(try JSONOutput.string(report).utf8)
            case .table: return Data(AssessmentText.render(report).utf8)
            }
        } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError(.encoding, "could not encode the \(format.rawValue) report", cause: "\(error)")
        }
    }

    /// Writes every format into `directory` (created if missing) under `ReportFormat.fileName`.
    /// Returns the files written, in `ReportFormat.allCases` order (for `--bundle`).
    @discardableResult
    public static func writeAll(
        _ report: AssessmentReport, to directory: URL, formats: [ReportFormat] = ReportFormat.allCases
    ) throws(ReportError) -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(.write, "cannot create the output directory \(directory.path)", cause: "\(error)")
        }
        var written: [URL] = []
        for format in formats {
            let data = try render(report, format: format)
            let url = directory.appendingPathComponent(format.fileName)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw ReportError(.write, "cannot write \(url.path)", cause: "\(error)")
            }
            written.append(url)
        }
        return written
    }
}

extension AssessmentReport {
    /// The report with the host's own controls (ISM-1605, 1461, 1607 …) as one more subject beside the
    /// mechanisms, so every renderer shows them in its summary. The JSON document keeps `hostControls`.
    public func withHostAsSubject() -> AssessmentReport {
        guard let host = hostControls, !host.isEmpty else { return self }
        var copy = self
        let mechanism = IsolationMechanism(
            product: "host", name: "Host operating system (\(self.host.hostname ?? "unnamed host"))", version: nil,
            role: .hostOperatingSystem, state: .running)
        copy.mechanisms.append(MechanismAssessment(mechanism: mechanism, catalogProduct: nil, controls: host))
        copy.hostControls = nil
        return copy
    }
}
