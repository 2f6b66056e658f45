import ArgumentParser
import Assessment
import BulkheadModel
import Foundation
import Reporting
import Store

/// `--store PATH`, shared by every command that reads or writes the assessment store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("store"),
        help: ArgumentHelp(
            "The assessment store file.",
            discussion:
                "Default: /var/lib/bulkhead/bulkhead.sqlite when run as root, else $XDG_DATA_HOME/bulkhead/bulkhead.sqlite (~/.local/share/bulkhead/bulkhead.sqlite).",
            valueName: "path"))
    var store: String?

    var path: String { store ?? StoreLocation.defaultPath() }

    /// Opens (creating when missing) for commands that write.
    func open() throws -> Store { try Store.open(at: path) }

    /// Opens only an existing store, read-only, for commands that read; nil when there is none yet.
    func openExisting() throws -> Store? { try Store.openForReading(at: path) }
}

/// `--time-zone`, the zone dates are typed and shown in (stored in UTC).
/// The options of a command that shows what the store holds: the store, the time zone its dates are shown in,
/// the output format.
struct StoreView: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @OptionGroup var zone: TimeZoneOption
    @OptionGroup var format: FormatOption<DataFormats>
}

struct TimeZoneOption: ParsableArguments {
    @Option(
        name: .customLong("time-zone"),
        help: "IANA time zone for dates you type and dates shown, e.g. Australia/Sydney (default: this machine's).")
    var timeZone: String?

    func validate() throws {
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw ValidationError("Unknown time zone '\(timeZone)': use an IANA name such as Australia/Sydney or UTC.")
        }
    }

    /// The zone (`validate()` has checked the name).
    var zone: TimeZone { timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone.current }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the assessments kept in the store, newest first, per host.",
        discussion: """
            Every `bulkhead assess` is recorded in the store. Outcome counts apply the waivers in force now: a \
            waived failure is counted as waived, never as a pass. See docs/store.md.
            """)

    @OptionGroup var shown: StoreView

    @Option(help: "Only this host's assessments.")
    var host: String?

    @Option(help: "Show at most this many assessments.")
    var limit: Int = 50

    func run() async throws {
        let entries = try shown.store.openExisting()?.history(host: host, limit: limit) ?? []
        try shown.format.output(entries, text: entries.isEmpty ? nothingRecorded : StoreText.history(entries, timeZone: shown.zone.zone))
    }

    private var nothingRecorded: String {
        let nothing =
            host.map { "No assessments of host \(StoreText.clean($0)) in \(shown.store.path)." }
            ?? "No assessments recorded yet in \(shown.store.path)."
        return nothing + "\nRun `bulkhead assess` to record one; each run is kept here for history, drift and interval reports.\n"
    }
}

/// Hidden: records an `AssessmentRecord` JSON file (ISO 8601 dates, documents base64) in the store.
/// For importing assessments made elsewhere and for testing the store commands before `assess` records runs.
struct StoreRecordImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-import",
        abstract: "Record assessments given as AssessmentRecord JSON or `bulkhead assess --format json` output (for tests and imports).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "AssessmentRecord JSON or assess JSON files (at most 64 MiB each).")
    var files: [String]

    func run() async throws {
        let store = try storeOptions.open()
        for file in files {
            let record = try AssessmentRecord.load(path: file)
            let id = try store.record(record)
            emit("Recorded \(file) as assessment #\(id) of host \(StoreText.clean(record.host)).\n")
        }
    }
}

/// Dates typed on the command line (`--until`, `--from`, `--to`, `--date`): one that does not parse is a
/// usage mistake, reported from `validate()`.
enum DateArgument {
    static func start(_ text: String, timeZone: TimeZone) throws -> Date {
        do { return try DateInput.start(text, timeZone: timeZone) } catch { throw ValidationError(message(error)) }
    }

    static func endExclusive(_ text: String, timeZone: TimeZone) throws -> Date {
        do { return try DateInput.endExclusive(text, timeZone: timeZone) } catch { throw ValidationError(message(error)) }
    }

    private static func message(_ error: any Error) -> String {
        (error as? StoreError)?.message ?? BulkheadErrorText.describe(error)
    }
}
