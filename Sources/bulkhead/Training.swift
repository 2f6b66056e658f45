import ArgumentParser
import Foundation
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

    func run() async throws {
        let tz = try zone.resolve()
        let day = try date.map { try DateInput.start($0, timeZone: tz) } ?? Date()
        let store = try storeOptions.open()
        let r = try store.recordTraining(person: person, topic: topic, completedAt: day, notes: notes)
        print(
            "Recorded training #\(r.id): \(StoreText.clean(r.person)), \(StoreText.clean(r.topic)), \(DateInput.format(r.completedAt, timeZone: tz, withTime: false))."
        )
    }
}

struct TrainingDue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due", abstract: "Show each person's next training date; exit 1 when anyone is overdue.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Option(help: "Training interval: yearly, half-yearly, quarterly, or e.g. 18m.")
    var every = CadenceArgument(.yearly)

    func run() async throws {
        let tz = try zone.resolve()
        guard let store = try storeOptions.openExisting(),
            case let status = try store.trainingStatus(cadence: every.value, calendar: DateInput.gregorian(tz)), !status.isEmpty
        else {
            print("No training recorded yet. Record it with `bulkhead training record --person NAME --topic TOPIC --date YYYY-MM-DD`.")
            return
        }
        print(
            StoreText.table(
                header: ["person", "last training", "topic", "next due", "status"],
                rows: status.map {
                    [
                        $0.person, $0.due.lastDone.map { DateInput.format($0, timeZone: tz, withTime: false) } ?? "never",
                        $0.lastTopic, $0.due.dueAt.map { DateInput.format($0, timeZone: tz, withTime: false) } ?? "now",
                        $0.due.state.rawValue,
                    ]
                }), terminator: "")
        if status.contains(where: \.due.needsAction) { throw ExitCode(1) }
    }
}
