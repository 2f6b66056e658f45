import ArgumentParser
import Assessment
import BulkheadModel
import Checks
import Discovery
import Foundation
import Reporting
import VendorEvidence

/// `bulkhead checks list|show|run`: documents every hardening check and runs them.
struct ChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks",
        abstract: "List and explain the hardening checks (ISM-1604, 1605, 1606, 1607, 1848, 1461).",
        subcommands: [List.self, Show.self, Run.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the checks, optionally for one product or control.",
            discussion: "docs/checks.md is `bulkhead checks list --format md`.")

        @Option(help: "Only checks for this product (catalog id such as qemu, libvirt, firecracker) or family (host, logging).")
        var product: String?

        @Option(help: "Only checks supporting this ISM control, e.g. ISM-1604.")
        var control: String?

        @OptionGroup var format: FormatOption<DocumentationFormats>

        func validate() throws {
            if let control, !ControlID.virtualisationHardening.contains(ControlID(rawValue: control)) {
                throw ValidationError("\(control) is not one of \(ControlID.virtualisationHardening.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let catalog = try loadCheckCatalog()
            let list = catalog.list(product: product, control: control.map { ControlID(rawValue: $0) })
            if list.isEmpty, let product {
                let products = Set(catalog.definitions.flatMap(\.products) + catalog.definitions.map(\.family)).sorted()
                throw CLIError(.notFound, "no check for product \"\(product)\" (products: \(products.joined(separator: ", ")))")
            }
            switch format.format {
            case .md: emit(CheckDocumentation.markdown(list))
            case .json: try emitJSON(list)
            default: emit(CheckDocumentation.table(list))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show everything about one check: why, how it is decided, remediation, references.")

        @Argument(help: "The check id, e.g. qemu.sandbox.")
        var id: String

        @OptionGroup var format: FormatOption<DataFormats>

        func run() throws {
            let catalog = try loadCheckCatalog()
            if id == AdvisoryFindings.checkID {
                // Not a probe: the advisory stage decides it (ISM-1606), but reports carry its id like any check's.
                let view = AdvisoryCheckView(guidance: AdvisoryFindings.guidance)
                try format.output(view, text: view.text)
                return
            }
            guard let definition = catalog.definition(id) else {
                let ids = catalog.definitions.map(\.id) + [AdvisoryFindings.checkID]
                var near = CloseMatches.suggestions(for: id, in: ids)
                if near.isEmpty { near = ids.filter { $0.hasPrefix(String(id.prefix { $0 != "." }) + ".") }.sorted() }
                throw CLIError(
                    .notFound,
                    "no check \"\(id)\"" + (near.isEmpty ? "; see `bulkhead checks list`" : "; did you mean \(near.joined(separator: ", "))?"))
            }
            try format.output(definition, text: CheckDocumentation.detail(definition))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Discover the host's isolation mechanisms and run the hardening checks on them.",
            discussion: """
                Prints one line per finding: subject (host, a product, or product/guest), check, outcome, and the \
                observed value or the reason it is inconclusive. `bulkhead assess` folds the same findings into control \
                verdicts, from the same inputs: the files the checks observe (KSM, logging and audit, os-release …), \
                daemon configurations, and support windows and policies from the catalog and the distribution.
                """)

        @OptionGroup var target: HostTarget
        @OptionGroup var selection: CheckSelectionOptions
        @OptionGroup var format: FormatOption<DataFormats>

        func run() throws {
            let catalog = try loadCheckCatalog()
            let (chosen, tailoring) = (selection.selection, try selection.tailoring(catalog))
            let evidence = try target.collect(EvidencePlan.needs(catalog: .bundled()))
            let discovery = DiscoveryEngine().run(evidence)
            let input = AssessmentInputs.checkInput(evidence: evidence, mechanisms: discovery.mechanisms, now: Date())
            let report = CheckRunner(catalog: catalog).run(input, selection: chosen, tailoring: tailoring)
            try format.output(report, text: CheckDocumentation.findings(report))
        }
    }
}

/// The built-in check catalog; a catalog that does not load is a runtime failure.
func loadCheckCatalog() throws(CLIError) -> CheckCatalog {
    do {
        return try CheckCatalog.standard()
    } catch {
        throw CLIError(.failed, "cannot load the check catalog", cause: error)
    }
}

/// `--only`, `--skip` and `--tailoring`, for commands that run checks (`assess`, `checks run`).
struct CheckSelectionOptions: ParsableArguments {
    @Option(name: .customLong("only"), help: "Run only these checks: an id (qemu.sandbox), a family (qemu.*) or a control (ISM-1605). Repeatable.")
    var only: [String] = []

    @Option(name: .customLong("skip"), help: "Skip these checks (same patterns as --only). Repeatable.")
    var skip: [String] = []

    @Option(help: ArgumentHelp("A tailoring file (JSON, docs/tailoring.md) with organisation-specific values and skips.", valueName: "FILE"))
    var tailoring: String?

    var selection: CheckSelection { CheckSelection(only: only, skip: skip) }

    /// A pattern that matches no check is a usage mistake. (A catalog that does not load is reported
    /// when the command runs.)
    func validate() throws {
        guard !only.isEmpty || !skip.isEmpty, let catalog = try? CheckCatalog.standard() else { return }
        do {
            try selection.validate(against: catalog)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The tailoring file, read and validated against the catalog (its errors name the file and the
    /// field); nil without `--tailoring`.
    func tailoring(_ catalog: CheckCatalog) throws(ChecksError) -> Tailoring? {
        guard let tailoring else { return nil }
        return try Tailoring.load(path: tailoring, catalog: catalog)
    }
}

/// `checks show advisories.patched`: the advisory stage's check, which has no probe definition.
struct AdvisoryCheckView: Encodable {
    var id = AdvisoryFindings.checkID
    var title: String
    var severity = "high"
    var controls = ["ISM-1606"]
    var decision =
        "Matches each mechanism's installed packages against the local advisory database (`bulkhead advisories fetch|import`), minus fixes the distribution backported (package changelog, security tracker); fails when an open advisory is past its ISM-1606 deadline, inconclusive without a database or an installed package."
    var remediation: String
    var effort: String
    var rationale: String
    var references: [CheckGuidance.Reference]

    init(guidance g: CheckGuidance) {
        title = g.title
        remediation = g.remediation
        effort = g.effort
        rationale = g.rationale
        references = g.references
    }

    var text: String {
        var o = "\(id) — \(title)\n  severity \(severity); controls \(controls.joined(separator: ", ")); decided by the advisory stage\n"
        o += "  Why: \(rationale)\n  How: \(decision)\n  Remediation (effort \(effort)): \(remediation)\n"
        for r in references { o += "  Reference: \(r.title) <\(r.url)>\n" }
        return o
    }
}
