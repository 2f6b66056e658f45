import ArgumentParser
import Foundation
import Reporting
import Store

struct TrainingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Keep the training register for staff who manage the isolation layer.",
        discussion: "`training due` exits 1 when anyone's training is overdue. See docs/store.md.",
        subcommands: [TrainingRecordCommand.self, TrainingDue.self])
}

struct TrainingRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "record", abstract: "Record completed training.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Option(help: "Who was trained.")
    var person: String

    @Option(help: "What the training covered, e.g. \"QEMU/KVM hardening\".")
    var topic: String

    @Option(help: "When it was completed (YYYY-MM-DD; default: today).")
    var date: String?

    @Option(help: "Notes (provider, certificate id).")
    var notes: String = ""

    func validate() throws {
        if let date { _ = try DateArgument.start(date, timeZone: zone.zone) }
    }

    func run() async throws {
        let tz = zone.zone
        let day = try date.map { try DateInput.start($0, timeZone: tz) } ?? Date()
        let store = try storeOptions.open()
        let r = try store.recordTraining(person: person, topic: topic, completedAt: day, notes: notes)
        emit(
            "Recorded training #\(r.id): \(StoreText.clean(r.person)), \(StoreText.clean(r.topic)), \(DateInput.format(r.completedAt, timeZone: tz, withTime: false)).\n"
        )
    }
}

struct TrainingDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due", abstract: "Show each person's next training date; exit 1 when anyone is overdue.")

    @OptionGroup var shown: StoreView

    @Option(help: "Training interval: yearly, half-yearly, quarterly, or e.g. 18m.")
    var every = CadenceArgument(.yearly)

    func run() async throws {
        let tz = shown.zone.zone
        let status = try shown.store.openExisting()?.trainingStatus(cadence: every.value, calendar: DateInput.gregorian(tz)) ?? []
        // With nothing recorded nobody is overdue: the exit status is 0.
        try shown.format.output(
            status,
            text: status.isEmpty
                ? "No training recorded yet. Record it with `bulkhead training record --person NAME --topic TOPIC --date YYYY-MM-DD`.\n"
                : StoreText.training(status, timeZone: tz))
        if status.contains(where: \.due.needsAction) { throw ExitCode(1) }
    }
}
