import ArgumentParser
import Assessment
import Foundation
import Reporting
import VendorEvidence

struct Assess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assess each isolation mechanism on this host (or --root) against ISM-1460, with evidence.",
        discussion: """
            Discovers the mechanisms (as `bulkhead discover` does) and gives each an ISM-1460 verdict: satisfied, \
            satisfiedLessPreferred, partiallySatisfied, notSatisfied or notAssessed, with each criterion's result, the \
            weakest component of the stack, and the evidence behind it (source, observed date, confidence, stale flag). \
            A mechanism the catalog does not know is notAssessed, with the file that would add it.
            --evidence merges the organisation's own evidence; how conflicts are resolved is in docs/criteria.md.
            JSON output follows docs/assessment-schema.md.
            """)

    @OptionGroup var target: HostTarget
    @OptionGroup var options: CatalogOptions
    @Option(help: "Output format: table or json.") var format: TextOrJSON = .table

    func run() async throws {
        let root = try target.open()
        let catalog = options.catalog()
        let assessor = Assessor(
            catalog: catalog, attestations: try options.attestations(catalog), evidenceFiles: options.evidenceFiles,
            catalogDirectories: options.catalogDirectories, asOf: try options.date(), toolVersion: BulkheadVersion.current)
        let report = assessor.run(on: root)
        switch format {
        case .table: print(AssessmentText.render(report), terminator: "")
        case .json: print(try JSONOutput.string(report), terminator: "")
        }
    }
}
