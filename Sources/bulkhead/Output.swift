import ArgumentParser
import BulkheadModel
import Foundation
import Reporting

/// Writes one line to standard error (diagnostics never go to standard output, which may be a report).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((TerminalText.document(line) + "\n").utf8))
}

/// Writes rendered text to standard output (renderers end their text with a newline), through the one
/// terminal sanitiser (`TerminalText.document`): whatever a renderer missed, no escape sequence, C1 control
/// or bidirectional override reaches the terminal. With `colour` (the table on a terminal), Bulkhead's own
/// SGR colour codes are kept and nothing else.
func emit(_ text: String, colour: Bool = false) {
    print(TerminalText.document(text, colour: colour), terminator: "")
}

/// Writes a value to standard output as a JSON document (`JSONCoding`, the one JSON style; its encoder
/// escapes control characters itself).
func emitJSON<T: Encodable>(_ value: T) throws {
    print(try JSONCoding.string(value), terminator: "")
}

// MARK: - The one runtime error

/// A command's runtime failure (a file that cannot be read, a product that does not exist, a stage that
/// failed): printed as one line, `bulkhead: error: …`, with exit status 1 and no usage text. Usage
/// mistakes are `ValidationError`s thrown from `validate()` (usage text, exit status 64).
typealias CLIError = BulkheadError<CLIErrorCode>

enum CLIErrorCode: String, BulkheadErrorCode {
    static let domain = "cli"
    /// A file or directory the user named cannot be used.
    case input
    /// A result cannot be written.
    case output
    /// A product, check or record the user named does not exist.
    case notFound
    /// A stage could not do its work.
    case failed
}

enum CLIFailure {
    /// The line printed for a runtime failure: the CLI's message with its cause, or the stage's error in
    /// Bulkhead's one description style, sanitised to one line.
    static func line(for error: any Error) -> String {
        let text: String
        if let error = error as? CLIError {
            text = error.message + (error.cause.map { ": " + BulkheadErrorText.describe($0) } ?? "")
        } else {
            text = BulkheadErrorText.describe(error)
        }
        return "bulkhead: error: " + oneLine(text)
    }

    /// Control characters (from host paths, feeds, other programs' output) become spaces or `?`; lines are joined.
    static func oneLine(_ text: String) -> String { TerminalText.line(text) }

    /// Prints the line and exits with status 1.
    static func exit(_ error: any Error) -> Never {
        printError(line(for: error))
        Foundation.exit(EXIT_FAILURE)
    }
}

// MARK: - The one output-format option

/// The formats a command offers, from `OutputFormat`, Bulkhead's one vocabulary.
protocol FormatSet {
    static var formats: [OutputFormat] { get }
}

/// `table` and `json`: every command that prints data.
enum DataFormats: FormatSet {
    static var formats: [OutputFormat] { OutputFormat.data }
}

/// Every rendering of an assessment: `bulkhead assess`.
enum AssessmentFormats: FormatSet {
    static var formats: [OutputFormat] { OutputFormat.assessment }
}

/// `table`, `json` and `md`: the check documentation (docs/checks.md is `checks list --format md`).
enum DocumentationFormats: FormatSet {
    static var formats: [OutputFormat] { [.table, .json, .md] }
}

/// A `--format` value limited to what the command offers; `markdown` and `text` are accepted for `md`
/// and `table` (their names before the vocabulary was unified).
struct FormatChoice<Offered: FormatSet>: ExpressibleByArgument {
    var format: OutputFormat

    init(_ format: OutputFormat) { self.format = format }

    init?(argument: String) {
        let aliases: [String: OutputFormat] = ["markdown": .md, "text": .table]
        guard let format = OutputFormat(rawValue: argument) ?? aliases[argument], Offered.formats.contains(format) else { return nil }
        self.format = format
    }

    static var allValueStrings: [String] { Offered.formats.map(\.rawValue) }
    var defaultValueDescription: String { format.rawValue }
}

/// `--format`, the one output-format option: `table` (default) or `json` everywhere, plus the report
/// formats where a command renders an assessment.
struct FormatOption<Offered: FormatSet>: ParsableArguments {
    @Option(name: .customLong("format"), help: ArgumentHelp("Output format on standard output.", valueName: "format"))
    var choice = FormatChoice<Offered>(.table)

    var format: OutputFormat { choice.format }

    /// Writes `value` as a JSON document with `--format json`, else `text` (rendered only then); a command with
    /// more formats than these two switches on `format` itself.
    func output(_ value: some Encodable, text: @autoclosure () throws -> String) throws {
        switch format {
        case .json: try emitJSON(value)
        default: emit(try text())
        }
    }
}

// MARK: - Progress on a terminal

/// One progress line on standard error for work that can take more than a second (lab runs, advisory
/// downloads): shown only when standard error is a terminal, overwritten in place and cleared at the end;
/// nothing at all in a pipe, a log or CI.
enum ProgressLine {
    static let enabled = isatty(STDERR_FILENO) == 1

    static func show(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + CLIFailure.oneLine(text)).utf8))
    }

    static func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
