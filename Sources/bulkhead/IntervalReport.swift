import ArgumentParser
import Foundation
import Reporting
import SafeFiles
import Store

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write reports from the assessment store.",
        subcommands: [IntervalReportCommand.self])
}

struct IntervalReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interval",
        abstract: "Write the interval report: reviews held, drift found, waivers, training status, open findings over time.",
        discussion: """
            Markdown goes to standard output unless --markdown or --html names a file. The HTML is one \
            self-contained file (inline style, no scripts, nothing fetched); every host- or guest-derived string is \
            escaped. See docs/store.md.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Option(help: "First day of the interval (YYYY-MM-DD in --time-zone, or an ISO 8601 timestamp).")
    var from: String

    @Option(help: "Last day of the interval, included (YYYY-MM-DD, or an ISO 8601 timestamp it ends at).")
    var to: String

    @Option(help: "Write the HTML report to this file.")
    var html: String?

    @Option(help: "Write the Markdown report to this file.")
    var markdown: String?

    @Option(help: "Review interval the schedule is judged against.")
    var reviewEvery = CadenceArgument(.quarterly)

    @Option(help: "Training interval the register is judged against.")
    var trainingEvery = CadenceArgument(.yearly)

    func validate() throws {
        _ = try DateArgument.start(from, timeZone: zone.zone)
        _ = try DateArgument.endExclusive(to, timeZone: zone.zone)
    }

    func run() async throws {
        let tz = zone.zone
        let start = try DateInput.start(from, timeZone: tz)
        let end = try DateInput.endExclusive(to, timeZone: tz)
        guard let store = try storeOptions.openExisting() else {
            throw CLIError(.notFound, "no store at \(storeOptions.path) yet: nothing to report; run `bulkhead assess` first")
        }
        let report = try store.intervalReport(
            from: start, to: end, calendar: DateInput.gregorian(tz), reviewCadence: reviewEvery.value,
            trainingCadence: trainingEvery.value, bulkheadVersion: BulkheadVersion.current)
        if let html {
            try write(IntervalReportRenderer.html(report), to: html)
            emit("Wrote \(html)\n")
        }
        if let markdown {
            try write(IntervalReportRenderer.markdown(report), to: markdown)
            emit("Wrote \(markdown)\n")
        }
        if html == nil && markdown == nil { emit(IntervalReportRenderer.markdown(report)) }
    }

    func write(_ text: String, to path: String) throws {
        do {
            try SafeFile.create(path, contents: Data(text.utf8), replace: true)
        } catch {
            throw CLIError(.output, "cannot write \(path)", cause: error)
        }
    }
}
