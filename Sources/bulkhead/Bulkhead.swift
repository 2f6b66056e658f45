import ArgumentParser

@main
struct Bulkhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "Audit a Linux host's software isolation layer against the ISM's Virtualisation hardening controls.",
        discussion: """
            Bulkhead discovers the hypervisors, VMMs, sandbox kernels and container runtimes a host runs, \
            weighs their vendors' secure-by-design evidence (ISM-1460), checks their configuration against the \
            vendors' hardening guidance (ISM-1604 and sister controls), and keeps the evidence an assessor asks for.
            It only reads the host unless a command says otherwise.
            """,
        version: BulkheadVersion.current,
        subcommands: [
            Assess.self, Discover.self, Vendor.self, ChecksCommand.self, CensusCommand.self, LabCommand.self,
            Snapshot.self, Keys.self, Verify.self, History.self, Diff.self, ReviewCommand.self, Waive.self,
            TrainingCommand.self, Report.self, StoreRecordImport.self, AdvisoriesCommand.self,
        ]
    )
}

enum BulkheadVersion {
    static let current = "0.1.0"
}
