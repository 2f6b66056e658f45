public import Assessment
public import BulkheadModel
public import Foundation
import SafeFiles

/// Bulkhead's one output-format vocabulary. Every command that prints data offers `table` and `json`;
/// an assessment also renders as `oscal`, `sarif`, `html`, `md` and `csv`, and the check documentation
/// as `md`.
public enum OutputFormat: String, CaseIterable, Codable, Hashable, Sendable {
    case oscal, sarif, html, md, csv, json, table

    /// What every command that prints data offers.
    public static let data: [OutputFormat] = [.table, .json]
    /// Every rendering of an assessment (`bulkhead assess`, `--output DIR`, `--bundle`).
    public static let assessment: [OutputFormat] = [.table, .json, .oscal, .sarif, .html, .md, .csv]

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

/// A report could not be rendered or written.
public typealias ReportError = BulkheadError<ReportErrorCode>

public enum ReportErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "report"
    case encoding, write
}

/// The entry points `bulkhead assess` calls (docs/report-formats.md, "Wiring").
public enum ReportWriter {
    public static func render(_ report: AssessmentReport, format: OutputFormat) throws(ReportError) -> Data {
        do {
            switch format {
            case .oscal: return try OSCALRenderer.render(report.withHostAsSubject())
            case .sarif: return try SARIFRenderer.render(report.withHostAsSubject())
            case .html: return Data(HTMLRenderer.render(report.withHostAsSubject()).utf8)
            case .md: return Data(MarkdownRenderer.render(report.withHostAsSubject()).utf8)
            case .csv: return Data(CSVRenderer.render(report.withHostAsSubject()).utf8)
            case .json: return Data(try JSONCoding.string(report).utf8)
            case .table: return Data(TerminalText.document(AssessmentText.render(report)).utf8)
            }
        } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError(.encoding, "could not encode the \(format.rawValue) report", cause: error)
        }
    }

    /// Writes every format into `directory` (created if missing) under `OutputFormat.fileName`.
    /// Returns the files written, in `OutputFormat.allCases` order (for `--bundle`).
    @discardableResult
    public static func writeAll(
        _ report: AssessmentReport, to directory: URL, formats: [OutputFormat] = OutputFormat.allCases
    ) throws(ReportError) -> [URL] {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReportError(.write, "cannot create the output directory \(directory.path)", cause: error)
        }
        var written: [URL] = []
        for format in formats {
            let data = try render(report, format: format)
            let url = directory.appendingPathComponent(format.fileName)
            do {
                // 0600 from the first byte; a link planted in the directory is replaced, never written through.
                try SafeFile.create(url.path, contents: data, replace: true)
            } catch {
                throw ReportError(.write, "cannot write \(url.path)", cause: error)
            }
            written.append(url)
        }
        return written
    }
}
