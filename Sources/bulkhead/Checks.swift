import ArgumentParser
import Assessment
import BulkheadModel
import Checks
import Discovery
import Foundation
import VendorEvidence

/// `bulkhead checks list|show`: documents every hardening check.
struct ChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks",
        abstract: "List and explain the hardening checks (ISM-1604, 1605, 1606, 1607, 1848, 1461).",
        subcommands: [List.self, Show.self, Run.self])

    enum ListFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, markdown
    }

    enum FindingsFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    /// A user-facing failure: printed as `Error: …` with exit status 1 (no usage text).
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the checks, optionally for one product or control.")

        @Option(help: "Only checks for this product (catalog id such as qemu, libvirt, firecracker) or family (host, logging).")
        var product: String?

        @Option(help: "Only checks supporting this ISM control, e.g. ISM-1604.")
        var control: String?

        @Option(help: "Output format: table, json or markdown (docs/checks.md).")
        var format: ListFormat = .table

        func run() throws {
            let catalog = try loadCheckCatalog()
            let control = control.map { ControlID(rawValue: $0) }
            if let control, !ControlID.virtualisationHardening.contains(control) {
                throw ValidationError("\(control) is not one of \(ControlID.virtualisationHardening.map(\.rawValue).joined(separator: ", "))")
            }
            let list = catalog.list(product: product, control: control)
            if list.isEmpty && product != nil {
                throw Failure(
                    "no check for product \"\(product ?? "")\" (products: \(Set(catalog.definitions.flatMap(\.products) + catalog.definitions.map(\.family)).sorted().joined(separator: ", ")))"
                )
            }
            switch format {
            case .table: print(CheckDocumentation.table(list), terminator: "")
            case .markdown: print(CheckDocumentation.markdown(list), terminator: "")
            case .json: print(try json(list))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show everything about one check: why, how it is decided, remediation, references.")

        @Argument(help: "The check id, e.g. qemu.sandbox.")
        var id: String

        @Flag(help: "Print the check's definition as JSON.")
        var json = false

        func run() throws {
            let catalog = try loadCheckCatalog()
            guard let d = catalog.definition(id) else {
                let near = catalog.definitions.map(\.id).filter { $0.hasPrefix(String(id.prefix { $0 != "." })) }
                throw Failure(
                    "no check \"\(id)\"" + (near.isEmpty ? "; see `bulkhead checks list`" : "; did you mean \(near.joined(separator: ", "))?"))
            }
            print(json ? try ChecksCommand.json(d) : CheckDocumentation.detail(d), terminator: json ? "\n" : "")
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

        @Option(help: "Output format: table or json.")
        var format: FindingsFormat = .table

        func run() throws {
            let catalog = try loadCheckCatalog()
            let (chosen, tailoring) = try selection.resolve(catalog)
            let evidence = try target.collect(EvidencePlan.needs(catalog: .bundled()))
            let discovery = DiscoveryEngine().run(evidence)
            let input = AssessmentInputs.checkInput(evidence: evidence, mechanisms: discovery.mechanisms, now: Date())
            let report = CheckRunner(catalog: catalog).run(input, selection: chosen, tailoring: tailoring)
            switch format {
            case .json: print(try ChecksCommand.json(report))
            case .table: print(CheckDocumentation.findings(report), terminator: "")
            }
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

func loadCheckCatalog() throws -> CheckCatalog {
    do {
        return try CheckCatalog.standard()
    } catch {
        throw ChecksCommand.Failure("cannot load the check catalog: \(error)")
    }
}

/// `--only`, `--skip` and `--tailoring`, for commands that run checks (`bulkhead assess`).
struct CheckSelectionOptions: ParsableArguments {
    @Option(name: .customLong("only"), help: "Run only these checks: an id (qemu.sandbox), a family (qemu.*) or a control (ISM-1605). Repeatable.")
    var only: [String] = []

    @Option(name: .customLong("skip"), help: "Skip these checks (same patterns as --only). Repeatable.")
    var skip: [String] = []

    @Option(help: "A tailoring file (JSON, docs/tailoring.md) with organisation-specific values and skips.")
    var tailoring: String?

    /// The selection and tailoring, validated against the catalog; errors name the pattern or field.
    func resolve(_ catalog: CheckCatalog) throws -> (CheckSelection, Tailoring?) {
        let selection = CheckSelection(only: only, skip: skip)
        do {
            try selection.validate(against: catalog)
        } catch {
            throw ValidationError(error.message)
        }
        guard let path = tailoring else { return (selection, nil) }
        let limit = 1 << 20
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw ValidationError("cannot read the tailoring file \(path): \(error.localizedDescription)")
        }
        guard data.count <= limit else { throw ValidationError("the tailoring file \(path) is over 1 MiB") }
        do {
            return (selection, try Tailoring.parse(Array(data), source: path, catalog: catalog))
        } catch {
            throw ValidationError(error.description)
        }
    }
}
