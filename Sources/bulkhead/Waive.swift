import ArgumentParser
import Assessment
import Foundation
import Reporting
import Store

struct Waive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a time-limited exception for a failing check on a host.",
        discussion: """
            While the waiver is in force the check's failure is shown as `waived` (never as pass) in history, diff \
            and interval reports; when it expires the failure comes back. --until YYYY-MM-DD covers that whole day \
            in --time-zone. The host must have a recorded assessment, the check id must be one `bulkhead checks list` \
            shows (or advisories.patched, or one the host's findings carry), and --subject one that check reported on \
            for the host: a waiver that would cover nothing is refused. See docs/store.md.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var zone: TimeZoneOption

    @Argument(help: "The check id, e.g. qemu.sandbox.")
    var checkID: String

    @Option(help: "The host the waiver applies to.")
    var host: String

    @Option(help: "Only this subject on the host, e.g. qemu/web01 (default: every subject).")
    var subject: String?

    @Option(help: "Last day the waiver is in force (YYYY-MM-DD), or an ISO 8601 timestamp it ends at.")
    var until: String

    @Option(help: "Why the failure is accepted for now.")
    var reason: String

    @Option(help: "Who approved the exception.")
    var approver: String

    func validate() throws {
        _ = try DateArgument.endExclusive(until, timeZone: zone.zone)
    }

    func run() async throws {
        let tz = zone.zone
        let end = try DateInput.endExclusive(until, timeZone: tz)
        let store = try storeOptions.open()
        let known = Set(try loadCheckCatalog().definitions.map(\.id)).union([AdvisoryFindings.checkID])
        try store.checkWaiverTarget(checkID: checkID, host: host, subject: subject, knownCheckIDs: known)
        let w = try store.addWaiver(checkID: checkID, host: host, subject: subject, until: end, reason: reason, approver: approver)
        emit(
            "Waiver #\(w.id): \(StoreText.clean(w.checkID)) on \(StoreText.clean(w.host))\(w.subject.map { " (\(StoreText.clean($0)))" } ?? "") is waived until \(DateInput.format(w.validUntil, timeZone: tz)); approved by \(StoreText.clean(w.approver)).\n"
        )
    }
}
