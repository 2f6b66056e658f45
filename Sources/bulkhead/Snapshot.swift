import ArgumentParser
import Assessment
import Discovery
import Foundation
import HostInspection
import Reporting
import VendorEvidence

struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture what `bulkhead assess` reads from this host (or a --root tree) into a .tar.gz for offline assessment.",
        discussion: """
            Runs discovery, the check observations and the advisory backport reads (changelog.Debian.gz of each discovered \
            mechanism's package, capped at 8 MiB; the rpm database) once while recording every file read, directory listed, link read and file stat'ed, \
            with the exact answers, and writes them with a manifest (host name, capture time, Bulkhead version, \
            per-file size, SHA-256, mode, owner, link target) to --output, mode 0600. Snapshots can hold \
            command lines and configuration: treat them as sensitive. Read one back with `--snapshot FILE`.
            Format and load-time caps: docs/snapshot-format.md.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the snapshot (.tar.gz).", valueName: "FILE"))
    var output: String

    @Option(
        name: .customLong("root"),
        help: ArgumentHelp("Capture the host tree at DIR instead of the live machine.", valueName: "DIR"))
    var root: String?

    @Flag(help: "Replace --output if it already exists.")
    var force = false

    func run() async throws {
        // Exactly what `bulkhead assess` reads: the one collection every stage declares its needs to.
        let evidence = try HostTarget.collect(
            EvidencePlan.needs(catalog: Catalog.bundled()), directory: root, snapshot: nil, recordsMetadata: true)
        let result = await DiscoveryEngine().run(evidence)
        let facts = evidence.facts
        let summary: SnapshotSummary
        do {
            summary = try SnapshotWriter(bulkheadVersion: BulkheadVersion.current).write(evidence, to: output, overwrite: force)
        } catch {
            throw CLIError(.output, "snapshot not written", cause: error)
        }
        emit(SnapshotText.summary(summary, facts: facts, discovery: result, rootLabel: evidence.source))
    }
}
