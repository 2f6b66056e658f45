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
import SafeFiles
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
            The table starts with a summary: findings by severity and control, the fixes ranked by severity × \
            reach (how many subjects each failing check affects) with their remediation and vendor reference, and \
            a verdict line per control. It fits 100 columns; each ISM-1460 fact's source and date is shown with \
            --evidence-detail (and always in the HTML and JSON). Colour on a terminal unless NO_COLOR is set or \
            --no-color is given.
            --output DIR writes every report format, and beside the OSCAL results the OSCAL assessment plan they import \
            (it refuses to replace existing reports unless --force); \
            --bundle DIR also writes a signed evidence bundle holding the host snapshot, the facts, the results and \
            every report (verify it with `bulkhead verify`).
            --fail-on is a verdict gate (notSatisfied: any verdict notSatisfied; partiallySatisfied: also \
            partiallySatisfied or notAssessed) or a severity gate (critical, high, medium, low: any failing check \
            of that severity or above); repeat it to combine gates. What tripped it is listed on standard error. \
            A failure under a waiver in force (`bulkhead waive`) trips no severity gate, and a verdict gate judges a \
            control decided by its checks without it (ISM-1460 and ISM-1743 are judged as recorded).
            Exit status:
              0  the assessment ran (and no --fail-on gate tripped);
              1  a runtime failure (one line on standard error);
              3  a --fail-on gate tripped;
              64 a usage mistake (the usage text is printed).
            """)

    @OptionGroup var target: HostTarget
    @OptionGroup var options: CatalogOptions
    @OptionGroup var checks: CheckSelectionOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var format: FormatOption<AssessmentFormats>

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp("Also write every report format into DIR (created if missing; existing reports need --force).", valueName: "DIR"))
    var outputDirectory: String?

    @Flag(help: "With --output, replace reports already in DIR.")
    var force = false

    @Option(
        help: ArgumentHelp(
            "Exit with status 3 when a verdict is at or below notSatisfied|partiallySatisfied, or a check fails at critical|high|medium|low or above. Repeatable.",
            valueName: "gate"))
    var failOn: [FailPolicy] = []

    @Flag(help: "Show each ISM-1460 fact's source, date and confidence in the table (long lines).")
    var evidenceDetail = false

    @Flag(help: "No colour in the table (also when NO_COLOR is set or standard output is not a terminal).")
    var noColor = false

    @Option(help: ArgumentHelp("Write a signed evidence bundle to DIR (must not exist); needs --signing-key.", valueName: "DIR"))
    var bundle: String?

    @Option(help: ArgumentHelp("Private key for --bundle (from `bulkhead keys generate`).", valueName: "FILE"))
    var signingKey: String?

    @Option(
        help: ArgumentHelp(
            "Upload this assessment's signed bundle (signed with the agent key) to a fleet server; spooled when it cannot be reached.",
            valueName: "URL"))
    var submit: String?

    @OptionGroup(title: "Fleet (with --submit)") var fleet: AgentConnection
    @OptionGroup(title: "Spool (with --submit)") var spoolOptions: SpoolOptions

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

    @Option(
        help: ArgumentHelp(
            "Days after its last import that the advisory database counts as current (default 7): older, ISM-1606's advisories.patched cannot pass.",
            valueName: "DAYS"))
    var advisoryMaxAgeDays: Double = AdvisoryFindings.maximumAgeDays

    @Flag(help: "Do not run the hardening checks (ISM-1460 only).")
    var noChecks = false

    @Flag(help: "Do not record this run in the store.")
    var noStore = false

    @Flag(help: "Run a mechanism's own binary with --version when no package records its version (live host only).")
    var probeVersions = false

    func validate() throws {
        if !(advisoryMaxAgeDays >= 0 && advisoryMaxAgeDays.isFinite) {
            throw ValidationError("--advisory-max-age-days must be a number of days ≥ 0")
        }
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
        plan.advisoryMaxAgeDays = advisoryMaxAgeDays
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
            let data: Data
            do { data = try SafeFile.readRegular(profilePath, limit: SystemProfile.maximumSize) } catch {
                throw CLIError(.input, "cannot read the profile \(profilePath)", cause: error)
            }
            do { assessor.profile = try SystemProfile.parse(data, path: profilePath) } catch {
                throw CLIError(.input, error.message, cause: error.cause)
            }
        }
        if let ismCatalog {
            do { assessor.ismCatalog = try ISMCatalog.load(path: ismCatalog) } catch {
                throw CLIError(.input, "cannot read the ISM catalog \(ismCatalog)", cause: error)
            }
        }
        // The host is read once; with --bundle the collection also keeps file modes and owners, since the
        // bundle carries its snapshot.
        let evidence = try target.collect(assessor.evidenceNeeds, recordsMetadata: bundle != nil || submit != nil)
        let discovery = await DiscoveryEngine(options: plan.discovery).run(evidence)
        assessor.plan.extraFindings = try await labFindings(discovery)
        assessor.plan.extraGuidance = Self.labGuidance(for: assessor.plan.extraFindings)
        let report = assessor.run(on: evidence, discovery: discovery)

        let color = !noColor && isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let text = AssessmentText.Options(color: color, evidenceDetail: evidenceDetail)
        let trend = noStore ? [] : self.trend(host: report.host.hostname ?? "unknown-host")
        let waived = noStore ? [] : self.waived(report)
        do {
            emit(
                String(decoding: try ReportWriter.render(report, format: format.format, text: text, trend: trend, waived: waived), as: UTF8.self),
                colour: color && format.format == .table)
        } catch {
            throw CLIError(.failed, "cannot render the \(format.format.rawValue) report", cause: error)
        }
        if let outputDirectory {
            do {
                let files = try ReportWriter.writeAll(
                    report, to: URL(fileURLWithPath: outputDirectory), overwrite: force, trend: trend, waived: waived)
                printError("Wrote \(files.count) reports to \(outputDirectory)")
            } catch {
                throw CLIError(.output, "cannot write the reports to \(outputDirectory)", cause: error)
            }
        }
        if let bundle, let key {
            try writeBundle(report, to: bundle, key: key, evidence: evidence)
        }
        if let submit {
            try await submitBundle(report, evidence: evidence, to: submit)
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
        var tripped = false
        for gate in failOn {
            let trips = gate.trips(in: report, waived: waived)
            guard !trips.isEmpty else { continue }
            tripped = true
            let what = gate.severity == nil ? "verdict(s)" : "failing check(s)"
            printError("--fail-on \(gate.rawValue): \(trips.count) \(what) trip the gate:")
            for trip in trips.prefix(20) { printError("  \(CLIFailure.oneLine(trip.description))") }
            if trips.count > 20 { printError("  … \(trips.count - 20) more") }
        }
        if tripped { throw ExitCode(Self.gateFailedExitCode) }
    }

    /// What to do about failing lab scenarios (`lab.ID`): the scenario's remedy, its threat as the why, and
    /// the references of the configuration checks that look at the same property.
    static func labGuidance(for findings: [Finding]) -> [String: CheckGuidance] {
        let checks = try? loadCheckCatalog()
        var out: [String: CheckGuidance] = [:]
        for id in Set(findings.map(\.checkID)) where id.hasPrefix("lab.") {
            let name = String(id.dropFirst(4))
            guard let scenario = Scenarios.all.first(where: { $0.id == name }), let remedy = Scenario.remedies[name] else { continue }
            var references: [CheckGuidance.Reference] = []
            for related in remedy.relatedChecks {
                for r in checks?.definition(related)?.references ?? [] where !references.contains(where: { $0.url == r.url }) {
                    references.append(CheckGuidance.Reference(title: r.title, url: r.url))
                }
            }
            out[id] = CheckGuidance(
                title: scenario.title, remediation: remedy.text, effort: remedy.effort, rationale: scenario.threat,
                references: Array(references.prefix(3)))
        }
        return out
    }

    /// The host's last recorded assessments, oldest first, for the HTML report's trend (none when the store
    /// does not exist or cannot be read: the report stands without it).
    func trend(host: String) -> [TrendPoint] {
        guard let entries = try? store.openExisting()?.history(host: host, limit: 9) else { return [] }
        let utc = TimeZone(identifier: "UTC") ?? .current
        return entries.reversed().map { e in
            TrendPoint(
                label: DateInput.format(e.run.finishedAt, timeZone: utc, withTime: false), fail: e.effectiveCounts["fail"] ?? 0,
                inconclusive: e.effectiveCounts["inconclusive"] ?? 0, pass: e.effectiveCounts["pass"] ?? 0)
        }
    }

    /// The failing findings a waiver in force covers (`bulkhead waive`), for the summary's waived counts.
    func waived(_ report: AssessmentReport) -> Set<String> {
        let host = report.host.hostname ?? "unknown-host"
        guard let waivers = try? store.openExisting()?.waivers(host: host), !waivers.isEmpty else { return [] }
        let now = Date()
        let findings = report.withHostAsSubject().mechanisms.flatMap { $0.controls.flatMap(\.findings) }
        return Set(
            findings.filter { f in
                f.outcome == .fail && waivers.contains { $0.isActive(at: now) && $0.covers(host: host, checkID: f.checkID, subject: f.subject) }
            }.map { ReportSummary.key(checkID: $0.checkID, subject: $0.subject) })
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

    func writeBundle(_ report: AssessmentReport, to path: String, key: SigningKey, evidence: HostEvidence, quiet: Bool = false) throws {
        let snapshot: Data
        do {
            snapshot = Data(try SnapshotWriter(bulkheadVersion: BulkheadVersion.current).archive(evidence).bytes)
        } catch {
            throw CLIError(.failed, "cannot capture the host snapshot for the bundle", cause: error)
        }
        do {
            let manifest = try EvidenceBundle.write(
                assessment: report, snapshot: snapshot, to: path, signingKey: key, bulkheadVersion: BulkheadVersion.current)
            if !quiet { printError("Wrote signed evidence bundle \(path): \(manifest.files.count) files, key \(key.publicKey.keyID)") }
        } catch {
            throw CLIError(.output, "cannot write the evidence bundle \(path)", cause: error)
        }
    }
}
