import ArgumentParser
import SafeFiles

struct Bulkhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "Audit a Linux host's software isolation layer against the ISM's Virtualisation hardening controls.",
        discussion: """
            Bulkhead discovers the hypervisors, VMMs, sandbox kernels and container runtimes a host runs, \
            weighs their vendors' secure-by-design evidence (ISM-1460), checks their configuration against the \
            vendors' hardening guidance (ISM-1604 and sister controls), and keeps the evidence an assessor asks for.
            It only reads the host unless a command says otherwise.
            Every command that prints data takes --format table (default) or json; `assess` also renders oscal, \
            sarif, html, md and csv.
            Exit status: 0 success; 1 a runtime failure, printed as one line `bulkhead: error: …`; 64 a usage \
            mistake, printed with the usage text; 3 when `assess --fail-on` trips; `review due` and `training \
            due` exit 1 when something is overdue, `verify` when a bundle fails.
            """,
        version: BulkheadVersion.current,
        subcommands: [
            Assess.self, Discover.self, Vendor.self, ChecksCommand.self, CensusCommand.self, LabCommand.self,
            Snapshot.self, Keys.self, Verify.self, History.self, Diff.self, ReviewCommand.self, Waive.self,
            TrainingCommand.self, Report.self, StoreRecordImport.self, AdvisoriesCommand.self, AgentCommand.self,
        ]
    )
}

enum BulkheadVersion {
    static let current = "0.1.0"
}

/// Parses (usage mistakes: usage text, exit 64; --help, --version), then runs the command. A runtime
/// failure is one line on standard error and exit status 1, never usage text.
@main
enum BulkheadMain {
    static func main() async {
        // Everything Bulkhead creates (reports, snapshots, the store and SQLite's -journal/-wal/-shm, keys,
        // directories) is owner-only, whatever library creates it.
        SafeFile.restrictUmask()
        let command: any ParsableCommand
        do {
            command = try Bulkhead.parseAsRoot()
        } catch {
            Bulkhead.exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            // ArgumentParser's own errors (ExitCode, CleanExit, and the help request of `SUBCOMMAND --help`,
            // which arrives from the built-in help command's run) keep its handling; every other error is a
            // runtime failure of the command.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { Bulkhead.exit(withError: error) }
            CLIFailure.exit(error)
        }
    }
}
