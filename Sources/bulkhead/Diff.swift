import ArgumentParser
import Foundation
import Reporting
import Store

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show drift between two assessments of a host (default: its last two).",
        discussion: """
            Lists mechanisms added or removed, version and state changes, new and no-longer-open advisories, checks \
            whose outcome changed, control verdicts that changed, and catalog facts that went stale or were refreshed. \
            Waivers in force now are applied to both sides, so a waived failure shows as waived, never as pass. \
            Run ids are those `bulkhead history` lists.
            """)

    @OptionGroup var shown: StoreView

    @Argument(help: "The earlier assessment's run id (default: the one before B).")
    var from: Int64?

    @Argument(help: "The later assessment's run id (default: the host's latest; with only A given, A is compared with the latest).")
    var to: Int64?

    @Option(help: "The host whose last two assessments to compare (default: the host of the latest assessment).")
    var host: String?

    func run() async throws {
        guard let store = try shown.store.openExisting() else {
            throw CLIError(.notFound, "no assessments recorded yet in \(shown.store.path); run `bulkhead assess` twice to see drift")
        }
        let drift = try store.drift(host: host, from: from, to: to)
        try shown.format.output(drift, text: StoreText.drift(drift, timeZone: shown.zone.zone))
    }
}
