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
    /// `text` applies to the `table` format (width, colour, `--evidence-detail`); `trend` (earlier runs of
    /// the host from the store, oldest first) to `html`.
    public static func render(
        _ report: AssessmentReport, format: OutputFormat, text: AssessmentText.Options = AssessmentText.Options(), trend: [TrendPoint] = [],
        waived: Set<String> = []
    ) throws(ReportError) -> Data {
        do {
            switch format {
            case .oscal: return try OSCALRenderer.render(report.withHostAsSubject())
            case .sarif: return try SARIFRenderer.render(report.withHostAsSubject())
            case .html: return Data(HTMLRenderer.render(report.withHostAsSubject(), trend: trend, waived: waived).utf8)
            case .md: return Data(MarkdownRenderer.render(report.withHostAsSubject(), waived: waived).utf8)
            case .csv: return Data(CSVRenderer.render(report.withHostAsSubject()).utf8)
            case .json: return Data(try JSONCoding.string(report).utf8)
            case .table:
                var options = text
                options.waived.formUnion(waived)
                return Data(TerminalText.document(AssessmentText.render(report, options: options), colour: options.color).utf8)
            }
        } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError(.encoding, "could not encode the \(format.rawValue) report", cause: error)
        }
    }

    /// Writes every format into `directory` (created if missing) under `OutputFormat.fileName`, and with
    /// `oscal` the assessment plan the results import (`assessment-plan.oscal.json`).
    /// Returns the files written, in `formats` order, the plan last (for `--bundle`).
    ///
    /// Never overwrites silently: when any of the files exists and `overwrite` is false nothing is written
    /// and the error names them. Every format is rendered before anything is written; each file is written
    /// in a staging directory inside `directory` and then moved into place whole — linked (which fails if
    /// the name appeared meanwhile) or, with `overwrite`, renamed over the old file — so a reader never
    /// sees a half-written report.
    @discardableResult
    public static func writeAll(
        _ report: AssessmentReport, to directory: URL, formats: [OutputFormat] = OutputFormat.allCases, overwrite: Bool = false,
        trend: [TrendPoint] = [], waived: Set<String> = []
    ) throws(ReportError) -> [URL] {
        let fm = FileManager.default
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReportError(.write, "cannot create the output directory \(directory.path)", cause: error)
        }
        // The OSCAL results import an assessment plan: it is written beside them (`OSCALRenderer.planFileName`).
        let names = formats.map(\.fileName) + (formats.contains(.oscal) ? [OSCALRenderer.planFileName] : [])
        let targets = names.map { directory.appendingPathComponent($0) }
        if !overwrite {
            let existing = targets.filter { (try? fm.attributesOfItem(atPath: $0.path)) != nil }
            guard existing.isEmpty else {
                throw ReportError(
                    .write,
                    "\(directory.path) already holds \(existing.map(\.lastPathComponent).joined(separator: ", ")): refusing to overwrite (pass --force to replace them)"
                )
            }
        }
        var rendered: [Data] = []
        for format in formats { rendered.append(try render(report, format: format, trend: trend, waived: waived)) }
        if formats.contains(.oscal) {
            do {
                rendered.append(try OSCALRenderer.renderPlan(report.withHostAsSubject()))
            } catch {
                throw ReportError(.encoding, "could not encode the OSCAL assessment plan", cause: error)
            }
        }
        let staging = directory.appendingPathComponent(".bulkhead-staging-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReportError(.write, "cannot write into the output directory \(directory.path)", cause: error)
        }
        defer { try? fm.removeItem(at: staging) }
        var written: [URL] = []
        for (url, data) in zip(targets, rendered) {
            let staged = staging.appendingPathComponent(url.lastPathComponent)
            do {
                // 0600 from the first byte, in Bulkhead's own staging directory.
                try SafeFile.create(staged.path, contents: data)
            } catch {
                throw ReportError(.write, "cannot write \(url.path)", cause: error)
            }
            // A link planted where a report goes is refused, even with --force: never written through or replaced.
            if (try? fm.destinationOfSymbolicLink(atPath: url.path)) != nil {
                throw ReportError(.write, "\(url.path) is a symbolic link; refusing to write through or replace it")
            }
            let moved = overwrite ? rename(staged.path, url.path) : link(staged.path, url.path)
            guard moved == 0 else {
                let code = errno
                if code == EEXIST {
                    throw ReportError(.write, "cannot write \(url.path): it appeared while the reports were written; it was not overwritten")
                }
                throw ReportError(.write, "cannot write \(url.path)", cause: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO))
            }
            written.append(url)
        }
        return written
    }
}
