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

extension FailPolicy: ExpressibleByArgument {}

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
            Exit status: 0; 3 when --fail-on trips; 1 on a runtime failure (one line on standard error); 64 on a \
            usage mistake.
            """)

    @OptionGroup var target: HostTarget
    @OptionGroup var options: CatalogOptions
    @OptionGroup var checks: CheckSelectionOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var format: FormatOption<AssessmentFormats>

    @Option(
        name: .customLong("output"), help: ArgumentHelp("Also write every report format into DIR (created if missing).", valueName: "DIR"))
    var outputDirectory: String?

    @Option(help: "Exit with status 3 when any verdict is at or below this level: notSatisfied or partiallySatisfied.")
    var failOn: FailPolicy?

    @Option(help: ArgumentHelp("Write a signed evidence bundle to DIR (must not exist); needs --signing-key.", valueName: "DIR"))
    var bundle: String?

    @Option(help: ArgumentHelp("Private key for --bundle (from `bulkhead keys generate`).", valueName: "FILE"))
    var signingKey: String?

    @Option(
        help: ArgumentHelp(
            "The system profile (TOML: [system] name/boundary/security_plan, [assessor] name/irap, [host] classification/domain, [guests.NAME] classification/domain); default ./bulkhead.toml when present. Without one ISM-1461 is not assessed.",
            valueName: "FILE"))
    var profile: String?

    @Option(
        help: ArgumentHelp(
            "An ISM OSCAL catalog (ISM_catalog.json of a newer release) to quote control statements and revisions from (default: the built-in 2025.12.9 extract).",
            valueName: "FILE"))
    var ismCatalog: String?

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

    /// Exit status when `--fail-on` trips (distinct from 1, a runtime failure, so CI can tell them apart).
    static let gateFailedExitCode: Int32 = 3

    func run() async throws {
        let started = Date()
        var key: SigningKey?
        if let signingKey {
            do { key = try SigningKey.load(path: signingKey) } catch {
                throw CLIError(.input, "cannot use the signing key \(signingKey)", cause: error)
            }
        }
        let catalog = options.catalog()

        var plan = AssessmentPlan(
            discovery: DiscoveryOptions(probeVersions: probeVersions), censusCache: .standard,
            advisoryDatabase: advisoryDatabase ?? AdvisoryDatabase.defaultPath())
        if !noChecks {
            let checkCatalog = try loadCheckCatalog()
            plan.checks = checkCatalog
            plan.selection = checks.selection
            plan.tailoring = try checks.tailoring(checkCatalog)
        }
        var assessor = Assessor(
            catalog: catalog, attestations: try options.attestations(catalog), evidenceFiles: options.evidenceFiles,
            catalogDirectories: options.catalogDirectories, asOf: try options.date(), toolVersion: BulkheadVersion.current,
            plan: plan)
        let profilePath = profile ?? (FileManager.default.fileExists(atPath: "bulkhead.toml") ? "bulkhead.toml" : nil)
        if let profilePath {
            do { assessor.profile = try SystemProfile.load(path: profilePath) } catch {
                throw CLIError(.input, error.description)
            }
        }
        if let ismCatalog {
            do { assessor.ismCatalog = try ISMCatalog.load(path: ismCatalog) } catch {
                throw CLIError(.input, "cannot read the ISM catalog \(ismCatalog)", cause: error)
            }
        }
        // The host is read once; with --bundle the collection also keeps file modes and owners, since the
        // bundle carries its snapshot.
        let evidence = try target.collect(assessor.evidenceNeeds, recordsMetadata: bundle != nil)
        let discovery = DiscoveryEngine(options: plan.discovery).run(evidence)
        assessor.plan.extraFindings = try await labFindings(discovery)
        let report = assessor.run(on: evidence, discovery: discovery)

        do {
            emit(String(decoding: try ReportWriter.render(report, format: format.format), as: UTF8.self))
        } catch {
            throw CLIError(.failed, "cannot render the \(format.format.rawValue) report", cause: error)
        }
        if let outputDirectory {
            do {
                let files = try ReportWriter.writeAll(report, to: URL(fileURLWithPath: outputDirectory))
                printError("Wrote \(files.count) reports to \(outputDirectory)")
            } catch {
                throw CLIError(.output, "cannot write the reports to \(outputDirectory)", cause: error)
            }
        }
        if let bundle, let key {
            try writeBundle(report, to: bundle, key: key, evidence: evidence)
        }
        if !noStore {
            do {
                let id = try store.open().record(report, startedAt: started)
                printError("Recorded as assessment \(id) in \(store.path)")
            } catch {
                // The assessment stands without history; say why it was not kept.
                printError("warning: this run was not recorded in the store \(store.path): \(CLIFailure.oneLine(BulkheadErrorText.describe(error)))")
            }
        }
        if let failOn {
            let trips = failOn.trips(in: report)
            if !trips.isEmpty {
                printError("--fail-on \(failOn.rawValue): \(trips.count) verdict(s) trip the gate")
                throw ExitCode(Self.gateFailedExitCode)
            }
        }
    }

    /// Findings of stored lab reports (`--lab-report`) and, with `--lab`, of lab runs of the discovered
    /// mechanisms (the assessment's one discovery); each is about the catalog product its mechanism
    /// exercises (`gvisor/lab baseline`).
    func labFindings(_ discovery: DiscoveryResult) async throws -> [Finding] {
        var reports: [LabReport] = []
        for path in labReport {
            do { reports.append(try LabReport.load(path: path)) } catch { throw CLIError(.input, "cannot use the lab report \(path)", cause: error) }
        }
        if lab {
            let runs = await LabRunner.run(exercising: discovery.mechanisms.map(\.product))
            reports += runs.reports
            for failure in runs.failures {
                printError("warning: lab run for \(failure.product) could not start: \(CLIFailure.oneLine(failure.error.description))")
            }
        }
        return reports.flatMap { $0.findings() }
    }

    func writeBundle(_ report: AssessmentReport, to path: String, key: SigningKey, evidence: HostEvidence) throws {
        let snapshot: Data
        do {
            snapshot = Data(try SnapshotWriter(bulkheadVersion: BulkheadVersion.current).archive(evidence).bytes)
        } catch {
            throw CLIError(.failed, "cannot capture the host snapshot for the bundle", cause: error)
        }
        do {
            let manifest = try EvidenceBundle.write(
                assessment: report, snapshot: snapshot, to: path, signingKey: key, bulkheadVersion: BulkheadVersion.current)
            printError("Wrote signed evidence bundle \(path): \(manifest.files.count) files, key \(key.publicKey.keyID)")
        } catch {
            throw CLIError(.output, "cannot write the evidence bundle \(path)", cause: error)
        }
    }
}
