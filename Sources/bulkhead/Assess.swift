import Advisories
public import ArgumentParser
import Assessment
import BulkheadModel
import Census
import Checks
import Discovery
import Foundation
import HostInspection
import Lab
import Reporting
import Store
import VendorEvidence

extension ReportFormat: ExpressibleByArgument {}
extension FailOn: ExpressibleByArgument {}

struct Assess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assess each isolation mechanism on this host (or a --root/--snapshot) against the ISM's Virtualisation hardening controls.",
        discussion: """
            Discovers the mechanisms (as `bulkhead discover` does) and gives each:
              - an ISM-1460 verdict (satisfied, satisfiedLessPreferred, partiallySatisfied, notSatisfied, notAssessed) with \
            each criterion's result, the weakest component of the stack and the evidence behind it (source, observed \
            date, confidence, stale flag); census measurements cached by `bulkhead census --package` override catalog claims;
              - verdicts for ISM-1604, 1606, 1607 and 1848 from the hardening checks (`bulkhead checks list`);
            and the host itself verdicts for ISM-1605, 1461 and 1607. A mechanism the catalog does not know is \
            notAssessed, with the file that would add it.
            Each run is kept in the store (`bulkhead history`, `bulkhead diff`) unless --no-store is given.
            --output DIR writes every report format; --bundle DIR also writes a signed evidence bundle holding the \
            host snapshot, the facts, the results and every report (verify it with `bulkhead verify`).
            Exit status: 0, or 3 when --fail-on trips, 1 on error.
            """)

    @OptionGroup var target: HostTarget
    @OptionGroup var options: CatalogOptions
    @OptionGroup var checks: CheckSelectionOptions
    @OptionGroup var store: StoreOptions

    @Option(help: "Output format on standard output: table, json, oscal, sarif, html, md or csv.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("Also write every report format into DIR (created if missing).", valueName: "DIR"))
    var output: String?

    @Option(help: "Exit with status 3 when any verdict is at or below this level: notSatisfied or partiallySatisfied.")
    var failOn: FailOn?

    @Option(help: ArgumentHelp("Write a signed evidence bundle to DIR (must not exist); needs --signing-key.", valueName: "DIR"))
    var bundle: String?

    @Option(help: ArgumentHelp("Private key for --bundle (from `bulkhead keys generate`).", valueName: "FILE"))
    var signingKey: String?

    @Flag(help: "Run the lab (`bulkhead lab run`) for each discovered mechanism it supports and add its findings.")
    var lab = false

    @Option(help: ArgumentHelp("Add a stored lab report (`bulkhead lab run --format json`). Repeatable.", valueName: "FILE"))
    var labReport: [String] = []

    @Option(help: ArgumentHelp("The advisory database for ISM-1606 (default: the one `bulkhead advisories import` writes).", valueName: "PATH"))
    var advisoryDatabase: String?

    @Flag(help: "Do not run the hardening checks (ISM-1460 only).")
    var noChecks = false

    @Flag(help: "Do not record this run in the store.")
    var noStore = false

    @Flag(help: "Run a mechanism's own binary with --version when no package records its version (live host only).")
    var probeVersions = false

    func validate() throws {
        if bundle != nil && signingKey == nil {
            throw ValidationError("--bundle needs --signing-key FILE (create one with `bulkhead keys generate`)")
        }
    }

    func run() async throws {
        let started = Date()
        var key: SigningKey?
        if let signingKey {
            do { key = try SigningKey.load(path: signingKey) } catch { throw ValidationError(error.message) }
        }
        let catalog = options.catalog()

        var plan = AssessmentPlan(
            discovery: DiscoveryOptions(probeVersions: probeVersions), censusCache: .standard,
            advisoryDatabase: advisoryDatabase ?? AdvisoryDatabase.defaultPath())
        if !noChecks {
            let checkCatalog: CheckCatalog
            do { checkCatalog = try CheckCatalog.standard() } catch { throw ValidationError("the check catalog does not load: \(error)") }
            let (selection, tailoring) = try checks.resolve(checkCatalog)
            plan.checks = checkCatalog
            plan.selection = selection
            plan.tailoring = tailoring
        }
        var assessor = Assessor(
            catalog: catalog, attestations: try options.attestations(catalog), evidenceFiles: options.evidenceFiles,
            catalogDirectories: options.catalogDirectories, asOf: try options.date(), toolVersion: BulkheadVersion.current,
            plan: plan)
        // The host is read once; with --bundle the collection also keeps file modes and owners, since the
        // bundle carries its snapshot.
        let evidence = try target.collect(assessor.evidenceNeeds, recordsMetadata: bundle != nil)
        let discovery = DiscoveryEngine(options: plan.discovery).run(evidence)
        assessor.plan.extraFindings = try await labFindings(discovery)
        let report = assessor.run(on: evidence, discovery: discovery)

        let rendered: Data
        do { rendered = try ReportWriter.render(report, format: format) } catch { throw ValidationError("\(error)") }
        FileHandle.standardOutput.write(rendered)

        if let output {
            do {
                let files = try ReportWriter.writeAll(report, to: URL(fileURLWithPath: output))
                printError("Wrote \(files.count) reports to \(output)")
            } catch {
                throw ValidationError("cannot write reports to \(output): \(error)")
            }
        }
        if let bundle, let key {
            try writeBundle(report, to: bundle, key: key, evidence: evidence)
        }
        if !noStore {
            do {
                let id = try store.record(report, startedAt: started)
                printError("Recorded as assessment \(id) in \(store.path)")
            } catch {
                // The assessment stands without history; say why it was not kept.
                printError("warning: this run was not recorded in the store \(store.path): \(error)")
            }
        }
        if let failOn {
            let code = failOn.exitCode(for: report)
            if code != 0 {
                printError("--fail-on \(failOn.rawValue): \(failOn.failures(in: report).count) verdict(s) trip the gate")
                throw ExitCode(code)
            }
        }
    }

    /// Lab findings, with their subjects renamed to the discovered product (`lab/runsc/baseline` → `gvisor/lab baseline`).
    func labFindings(_ discovery: DiscoveryResult) async throws -> [Finding] {
        var reports: [LabReport] = []
        for path in labReport {
            do { reports.append(try LabReport.load(path: path)) } catch { throw ValidationError("lab report \(path): \(error)") }
        }
        if lab {
            for m in discovery.mechanisms {
                guard let mechanism = LabProducts.mechanism(for: m.product) else { continue }
                do {
                    reports.append(try await LabRunner.run(LabOptions(mechanism: mechanism)))
                } catch {
                    printError("warning: lab run for \(m.product) could not start: \(error)")
                }
            }
        }
        return reports.flatMap { $0.findings() }.map { finding in
            var f = finding
            let parts = f.subject.split(separator: "/", maxSplits: 2).map(String.init)
            if parts.count >= 2, parts[0] == "lab", let product = LabProducts.product(for: parts[1]) {
                f.subject = "\(product)/lab \(parts.count > 2 ? parts[2] : "")"
            }
            return f
        }
    }

    func writeBundle(_ report: AssessmentReport, to path: String, key: SigningKey, evidence: HostEvidence) throws {
        var documents: [String: Data] = [:]
        for format in ReportFormat.allCases {
            do { documents["reports/\(format.fileName)"] = try ReportWriter.render(report, format: format) } catch {
                throw ValidationError("cannot render \(format.rawValue) for the bundle: \(error)")
            }
        }
        do {
            documents["snapshot/host.tar.gz"] = Data(try SnapshotWriter(bulkheadVersion: BulkheadVersion.current).archive(evidence).bytes)
        } catch {
            throw ValidationError("cannot capture the host snapshot for the bundle: \(error)")
        }
        do {
            let manifest = try EvidenceBundle.write(
                documents: documents, to: path, signingKey: key, hostname: report.host.hostname,
                bulkheadVersion: BulkheadVersion.current)
            printError("Wrote signed evidence bundle \(path): \(manifest.files.count) files, key \(key.publicKey.keyID)")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// Which lab mechanism exercises which discovered product.
enum LabProducts {
    static func mechanism(for product: ProductID) -> LabMechanism? {
        switch product.rawValue {
        case "qemu": .qemu
        case "gvisor": .runsc
        case "bubblewrap": .bwrap
        case "crun": .crun
        default: nil
        }
    }

    static func product(for labMechanism: String) -> String? {
        switch labMechanism {
        case "qemu": "qemu"
        case "runsc": "gvisor"
        case "bwrap": "bubblewrap"
        case "crun": "crun"
        default: nil
        }
    }
}
