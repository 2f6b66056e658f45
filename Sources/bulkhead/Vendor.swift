import ArgumentParser
import BulkheadModel
import Foundation
import Reporting
import VendorEvidence

/// The bundled catalog plus the `--catalog` directories; bad catalog files are reported on standard error
/// and left out.
func loadCatalog(directories: [String]) -> Catalog {
    var catalog = Catalog.bundled()
    for dir in directories { catalog.merge(Catalog.load(directory: URL(fileURLWithPath: dir))) }
    for problem in catalog.problems { printError("bulkhead: catalog problem: \(CLIFailure.oneLine(problem.description))") }
    return catalog
}

/// Options shared by the commands that read the catalog.
struct CatalogOptions: ParsableArguments {
    @Option(
        name: .customLong("catalog"), help: ArgumentHelp("Also load catalog files (<id>.json, docs/catalog-format.md) from DIR.", valueName: "DIR"))
    var catalogDirectories: [String] = []

    @Option(
        name: .customLong("evidence"),
        help: ArgumentHelp(
            "Merge the organisation's own evidence from FILE (docs/catalog-format.md, \"Evidence files\"); each attestation's document (document.path) is hashed and checked, and one not checked is confidence low. Repeatable.",
            valueName: "FILE"))
    var evidenceFiles: [String] = []

    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp("Assessment date YYYY-MM-DD (default today); facts observed over 12 months before it are stale.", valueName: "DATE"))
    var asOf: String?

    func validate() throws {
        if let asOf, CalendarDate.parse(asOf) == nil { throw ValidationError("--as-of \"\(asOf)\" is not a date in the form YYYY-MM-DD") }
    }

    /// The assessment date (`validate()` has checked `--as-of`).
    func date() throws(CLIError) -> Date {
        guard let asOf else { return Date() }
        guard let d = CalendarDate.parse(asOf) else { throw CLIError(.input, "--as-of \"\(asOf)\" is not a date in the form YYYY-MM-DD") }
        return d
    }

    /// The bundled catalog plus --catalog directories.
    func catalog() -> Catalog { loadCatalog(directories: catalogDirectories) }

    /// Attested facts from every --evidence file; a bad file stops the command with its file and field.
    /// Each attestation's document is hashed and checked: a different document (a conflict) or none makes
    /// its facts confidence low, and a conflict or an unreadable document is printed.
    func attestations(_ catalog: Catalog) throws -> [CriterionFact] {
        var facts: [CriterionFact] = []
        for path in evidenceFiles {
            let file = try EvidenceFile.load(path: path, catalog: catalog, digest: DocumentDigest.sha256)
            for problem in file.problems { printError("warning: \(path): \(problem)") }
            facts += file.facts
        }
        return facts
    }
}

struct Vendor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Browse the product/vendor catalog and its ISM-1460 evidence (works for products not installed anywhere).",
        discussion: """
            Every product in the catalog carries facts against the ISM-1460 criteria (docs/criteria.md), each with a \
            source, the date it was observed and a confidence. Facts observed more than 12 months ago are marked stale.
            """,
        subcommands: [List.self, Show.self, Compare.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List catalog products with their ISM-1460 verdict.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var format: FormatOption<DataFormats>

        func run() async throws {
            let catalog = options.catalog()
            let evaluator = ISM1460Evaluator(
                asOf: try options.date(), catalog: catalog, otherFacts: try options.attestations(catalog))
            try format.output(catalog.products, text: CatalogText.list(catalog, evaluator: evaluator))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a product: components, lifecycle, and every fact with source, date, confidence and stale flag.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var format: FormatOption<DataFormats>
        @Argument(help: "Product id, name, binary or package name (e.g. firecracker, runsc, qemu-system-x86).") var product: String

        func run() async throws {
            let catalog = options.catalog()
            guard let p = catalog.lookup(product) else {
                let close = CloseMatches.suggestions(for: product, in: catalog.products.map(\.id.rawValue))
                let hint = close.isEmpty ? "" : " Did you mean \(close.joined(separator: ", "))?"
                throw CLIError(
                    .notFound,
                    "no catalog product \"\(product)\";\(hint) `bulkhead vendor list` shows the ids. To assess it, add \(ProductID(product.lowercased())).json "
                        + "(docs/catalog-format.md) to a directory passed with --catalog DIR")
            }
            let all = try options.attestations(catalog)
            let attested = all.filter { $0.product == p.id }
            let control: ControlID = p.role == .hostOperatingSystem ? .ism1743 : .ism1460
            let e = ISM1460Evaluator(asOf: try options.date(), catalog: catalog, otherFacts: all)
                .evaluate(p, attestations: attested, control: control)
            try format.output(ProductView(product: p, ism1460: e), text: CatalogText.show(p, evaluation: e))
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare products side by side on the ISM-1460 criteria (for procurement).")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var format: FormatOption<DataFormats>
        @Argument(help: "Two or more product ids (e.g. qemu firecracker cloud-hypervisor vmware-esxi).") var products: [String]

        func validate() throws {
            if products.count < 2 { throw ValidationError("name at least two products to compare") }
        }

        func run() async throws {
            let catalog = options.catalog()
            let attested = try options.attestations(catalog)
            let evaluator = ISM1460Evaluator(asOf: try options.date(), catalog: catalog, otherFacts: attested)
            var evaluations: [ISM1460Evaluation] = []
            for name in products {
                guard let p = catalog.lookup(name) else {
                    throw CLIError(.notFound, "no catalog product \"\(name)\"; `bulkhead vendor list` shows the ids")
                }
                evaluations.append(evaluator.evaluate(p, attestations: attested.filter { $0.product == p.id }))
            }
            try format.output(evaluations, text: CatalogText.compare(evaluations))
        }
    }
}
