import ArgumentParser
import Foundation
import Reporting
import Store

/// A `Cadence` typed on the command line (`quarterly`, `90d`, `6m` …).
struct CadenceArgument: ExpressibleByArgument, CustomStringConvertible {
    var value: Cadence
    init(_ value: Cadence) { self.value = value }
    init?(argument: String) {
        guard let c = try? Cadence(parsing: argument) else { return nil }
        value = c
    }
    var description: String { value.description }
    var defaultValueDescription: String { value.description }
}

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Record periodic reviews of the isolation layer and say when the next is due.",
        discussion: """
            A review covers assessments (by default the latest of every host), records who started and who signed \
            it off, the decisions and notes. `review due` exits non-zero when a review is overdue (or none was ever \
            signed off), so a systemd timer or cron job can alert. See docs/store.md.
            """,
        subcommands: [ReviewStart.self, ReviewSignOff.self, ReviewDue.self, ReviewList.self])
}

struct ReviewStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a review covering recorded assessments.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Who runs the review.")
    var reviewer: String

    @Option(help: "What is reviewed.")
    var scope: String = "isolation layer"

    @Option(help: "Notes to keep with the review.")
    var notes: String = ""

    @Option(parsing: .upToNextOption, help: "Run ids the review covers (default: the latest assessment of every host).")
    var runs: [Int64] = []

    func run() async throws {
        let store = try storeOptions.open()
        let r = try store.startReview(by: reviewer, scope: scope, notes: notes, runs: runs.isEmpty ? nil : runs)
        emit("Started review #\(r.id) covering \(r.runIDs.isEmpty ? "no assessments yet" : r.runIDs.map { "#\($0)" }.joined(separator: ", ")).\n")
        emit("Sign it off with `bulkhead review sign-off --id \(r.id) --reviewer NAME --decisions TEXT`.\n")
    }
}

struct ReviewSignOff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-off", abstract: "Sign off a review with its decisions.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The review to sign off (default: the most recent open review).")
    var id: Int64?

    @Option(help: "Who signs the review off.")
    var reviewer: String

    @Option(help: "What was decided (actions, accepted risks, follow-ups).")
    var decisions: String

    @Option(help: "Notes to add.")
    var notes: String?

    func run() async throws {
        let store = try storeOptions.open()
        let r = try store.signOffReview(id: id, by: reviewer, decisions: decisions, notes: notes)
        emit("Signed off review #\(r.id).\n")
    }
}

struct ReviewDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due",
        abstract: "Say when the next review is due; exit 1 when it is overdue or none was ever signed off.")

    @OptionGroup var shown: StoreView

    @Option(help: "Review interval: monthly, quarterly, half-yearly, yearly, or e.g. 90d, 6m.")
    var every = CadenceArgument(.quarterly)

    func run() async throws {
        let tz = shown.zone.zone
        // No store yet: no review was ever signed off, so one is due now.
        let status =
            try shown.store.openExisting()?.reviewDue(cadence: every.value, calendar: DateInput.gregorian(tz))
            ?? .neverDone
        try shown.format.output(
            status,
            text: try shown.store.openExisting() == nil
                ? "No review recorded (no store at \(shown.store.path) yet): a review is due now.\n"
                : StoreText.reviewDue(status, cadence: every.value, timeZone: tz))
        if status.needsAction { throw ExitCode(1) }
    }
}

struct ReviewList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recorded reviews.")

    @OptionGroup var shown: StoreView

    func run() async throws {
        let reviews = try shown.store.openExisting()?.reviews() ?? []
        try shown.format.output(
            reviews,
            text: reviews.isEmpty
                ? "No reviews recorded yet. Start one with `bulkhead review start --reviewer NAME`.\n"
                : StoreText.reviews(reviews, timeZone: shown.zone.zone))
    }
}
