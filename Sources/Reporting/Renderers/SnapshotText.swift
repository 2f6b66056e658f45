public import BulkheadModel
public import Discovery
public import HostInspection

/// The terminal summary of `bulkhead snapshot` (the host name and root label come from the host: sanitised).
public enum SnapshotText {
    public static func summary(_ summary: SnapshotSummary, facts: HostFacts, discovery: DiscoveryResult, rootLabel: String) -> String {
        var out =
            "Snapshot of \(TextTable.sanitise(facts.hostname ?? "unknown host")) (\(TextTable.sanitise(rootLabel))) written to \(TextTable.sanitise(summary.path, max: 1000))\n"
        out += "  paths recorded:   \(summary.pathCount)\n"
        out += "  files:            \(summary.fileCount) (\(summary.contentBytes) bytes)\n"
        out += "  archive:          \(summary.archiveBytes) bytes, sha256 \(summary.sha256)\n"
        out +=
            "  processes: \(facts.processes.count), packages: \(facts.packages.count), mechanisms: \(discovery.mechanisms.count), problems: \(facts.problems.count)\n"
        return out
    }
}
