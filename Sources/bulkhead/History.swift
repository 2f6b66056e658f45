import ArgumentParser
import Assessment
import BulkheadModel
import Foundation
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

    /// Opens only an existing store, for commands that read; nil when there is none yet.
    func openExisting() throws -> Store? { try Store.openExisting(at: path) }
}

/// `--time-zone`, the zone dates are typed and shown in (stored in UTC).
struct TimeZoneOption: ParsableArguments {
    @Option(
        name: .customLong("time-zone"),
        help: "IANA time zone for dates you type and dates shown, e.g. Australia/Sydney (default: this machine's).")
    var timeZone: String?

    func resolve() throws -> TimeZone {
        guard let timeZone else { return TimeZone.current }
        guard let tz = TimeZone(identifier: timeZone) else {
            throw ValidationError("Unknown time zone '\(timeZone)': use an IANA name such as Australia/Sydney or UTC.")
        }
        return tz
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the assessments kept in the store, newest first, per host.",
        discussion: """
            Every `bulkhead assess` is recorded in the store. Outcome counts apply the waivers in force now: a \
            waived failure is counted as waived, never as a pass. See docs/store.md.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Option(help: "Only this host's assessments.")
    var host: String?

    @Option(help: "Show at most this many assessments.")
    var limit: Int = 50

    func run() async throws {
        let tz = try zone.resolve()
        guard let store = try storeOptions.openExisting(), case let runs = try store.runs(host: host, limit: limit),
            !runs.isEmpty
        else {
            print(
                host.map { "No assessments of host \($0) in \(storeOptions.path)." }
                    ?? "No assessments recorded yet in \(storeOptions.path).")
            print("Run `bulkhead assess` to record one; each run is kept here for history, drift and interval reports.")
            return
        }
        let now = Date()
        var rows: [[String]] = []
        for r in runs {
            let c = try store.effectiveCounts(run: r.id, at: now)
            rows.append([
                "#\(r.id)", r.host, DateInput.format(r.finishedAt, timeZone: tz), r.source, "\(r.mechanismCount)",
                "\(c["fail"] ?? 0)", "\(c["waived"] ?? 0)", "\(c["inconclusive"] ?? 0)", "\(c["pass"] ?? 0)",
                "\(r.advisoryCount)", "\(r.staleFactCount)", "\(r.problemCount)",
            ])
        }
        print(
            StoreText.table(
                header: ["run", "host", "finished", "source", "mech", "fail", "waived", "inconcl", "pass", "advisories", "stale", "problems"],
                rows: rows), terminator: "")
    }
}

/// Plain text tables for the store commands (terminal output; strings are shown as they are, one line each).
enum StoreText {
    static func clean(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }

    static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows.map { $0.map(clean) }
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in all {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            out += cells.joined(separator: "  ") + "\n"
        }
        return out
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
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        for file in files {
            let data: Data
            do {
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
                defer { try? handle.close() }
                data = try handle.read(upToCount: Store.documentLimit + 1) ?? Data()
            } catch {
                throw ValidationError("Cannot read \(file): \(error.localizedDescription)")
            }
            guard data.count <= Store.documentLimit else { throw ValidationError("\(file) is larger than 64 MiB.") }
            let record: AssessmentRecord
            if let r = try? decoder.decode(AssessmentRecord.self, from: data) {
                record = r
            } else {
                // `bulkhead assess --format json` output (docs/assessment-schema.md).
                do {
                    let report = try decoder.decode(AssessmentReport.self, from: data)
                    record = try AssessmentRecord(report: report, startedAt: report.host.collectedAt, finishedAt: report.assessedAt)
                } catch {
                    throw ValidationError("\(file) is neither AssessmentRecord JSON nor `bulkhead assess --format json` output: \(error)")
                }
            }
            let id = try store.record(record)
            print("Recorded \(file) as assessment #\(id) of host \(StoreText.clean(record.host)).")
        }
    }
}

// MARK: - From the Assessment stage's report to a store record

extension AssessmentRecord {
    /// Converts `bulkhead assess`'s report. The full report JSON is kept verbatim as `assessment.json`.
    /// Open advisories are empty until the Advisories stage puts them in the report.
    init(report: AssessmentReport, startedAt: Date, finishedAt: Date = Date()) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let controls = report.mechanisms.flatMap(\.controls)
        var stale: [String] = []
        for c in controls {
            for f in c.ism1460?.staleFacts ?? [] {
                stale.append(
                    "\(f.fact.product.rawValue): \(f.fact.aspect)\(f.fact.component.map { " [\($0)]" } ?? "") — \(f.fact.evidence.claim) (observed \(DateInput.format(f.fact.evidence.observedAt, timeZone: TimeZone(identifier: "UTC") ?? .current, withTime: false)))"
                )
            }
        }
        self.init(
            host: report.host.hostname ?? "unknown-host", source: report.host.source, startedAt: startedAt,
            finishedAt: finishedAt, bulkheadVersion: report.tool.version, mechanisms: report.mechanisms.map(\.mechanism),
            findings: controls.flatMap(\.findings), verdicts: controls.map(\.verdict), openAdvisories: [:],
            staleFacts: stale, documents: ["assessment.json": try encoder.encode(report)], problems: report.problems)
    }
}

extension StoreOptions {
    /// Records an assessment report in the store; for `bulkhead assess` (returns the run id).
    func record(_ report: AssessmentReport, startedAt: Date) throws -> Int64 {
        try open().record(try AssessmentRecord(report: report, startedAt: startedAt))
    }
}
