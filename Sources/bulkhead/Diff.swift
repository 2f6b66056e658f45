import ArgumentParser
import Foundation
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

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Argument(help: "The earlier assessment's run id (default: the one before B).")
    var from: Int64?

    @Argument(help: "The later assessment's run id (default: the host's latest).")
    var to: Int64?

    @Option(help: "The host whose last two assessments to compare (default: the host of the latest assessment).")
    var host: String?

    func run() async throws {
        let tz = try zone.resolve()
        guard let store = try storeOptions.openExisting() else {
            print("No assessments recorded yet in \(storeOptions.path). Run `bulkhead assess` twice to see drift.")
            throw ExitCode(1)
        }
        let (a, b) = (from, to)
        let drift: Drift
        if let a, b == nil {
            // One run given: compare it with the host's latest.
            drift = try store.drift(host: host, from: a, to: nil)
        } else {
            drift = try store.drift(host: host, from: a, to: b)
        }
        print(
            "Host \(StoreText.clean(drift.host)): #\(drift.from.id) (\(DateInput.format(drift.from.finishedAt, timeZone: tz))) → #\(drift.to.id) (\(DateInput.format(drift.to.finishedAt, timeZone: tz)))"
        )
        let lines = IntervalReportRenderer.driftLines(drift, timeZone: tz)
        if lines.isEmpty {
            print("No drift.")
        } else {
            for line in lines { print("  " + StoreText.clean(line)) }
        }
    }
}
