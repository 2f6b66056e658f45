public import BulkheadModel
import Checks
public import Discovery
public import Foundation
public import HostInspection
public import VendorEvidence

/// Evaluates every discovered mechanism against the controls (ISM-1460 today).
public struct Assessor: Sendable {
    public var catalog: Catalog
    /// Organisation attestations (`--evidence FILE`), all products.
    public var attestations: [CriterionFact]
    /// Facts measured on this run by other stages (census: 4a shares; advisories: criterion 5 CWE/CPE
    /// transparency and patch cadence).
    public var measured: [CriterionFact]
    public var evidenceFiles: [String]
    public var catalogDirectories: [String]
    /// The assessment date (injectable for tests); staleness is relative to it.
    public var asOf: Date
    public var toolVersion: String
    /// The checks and other findings to add (default: ISM-1460 only).
    public var plan: AssessmentPlan
    /// Kata's `[hypervisor.*]` sections and the file they were read from, when the evidence holds its
    /// configuration (set by `run(on:)`); Kata's 4a follows the VMM configured there.
    public var kataConfiguration: (hypervisors: [String], path: String)?
    /// The ISM text every report quotes: the built-in extract unless `--ism-catalog FILE` gave another.
    public var ismCatalog: ISMCatalog? = try? ISMCatalog.bundled()
    /// The system profile (`bulkhead.toml`, `--profile FILE`): classification scopes ISM-1461.
    public var profile: SystemProfile?

    public init(
        catalog: Catalog, attestations: [CriterionFact] = [], measured: [CriterionFact] = [], evidenceFiles: [String] = [],
        catalogDirectories: [String] = [], asOf: Date = Date(), toolVersion: String = "0.1.0",
        plan: AssessmentPlan = .ism1460Only
    ) {
        self.plan = plan
        self.catalog = catalog
        self.attestations = attestations
        self.measured = measured
        self.evidenceFiles = evidenceFiles
        self.catalogDirectories = catalogDirectories
        self.asOf = asOf
        self.toolVersion = toolVersion
    }

    /// The needs this assessment's collection must serve (`HostInspector.collectEvidence`).
    public var evidenceNeeds: [any EvidenceNeed] { EvidencePlan.needs(catalog: catalog, discovery: plan.discovery) }

    /// Assesses the evidence one collection read. `discovery` is the discovery already run on that evidence
    /// (the CLI runs it first to choose lab runs); nil runs it here.
    public func run(on evidence: HostEvidence, discovery known: DiscoveryResult? = nil) -> AssessmentReport {
        let discovery = known ?? DiscoveryEngine(options: plan.discovery).run(evidence)
        var assessor = self
        var censusProblems: [Problem] = []
        if let cache = plan.censusCache {
            let measured = CensusMeasurements.facts(
                for: discovery.mechanisms, packages: evidence.facts.packages, catalog: catalog, cache: cache)
            assessor.measured += measured.facts
            censusProblems = measured.problems
        }
        // The advisory database, opened once: criterion 5 facts and ISM-1606 findings both read it.
        let database = plan.advisoryDatabase.map(OpenedAdvisoryDatabase.open(path:))
        // The Debian changelogs both stages read (fix dates, backports), each parsed once.
        let changelogs = DebianChangelogs(files: evidence.files)
        if let database {
            // Criterion 5 from the advisory database, when one exists (none: the catalog alone decides).
            let measured = AdvisoryMeasurements.facts(
                for: discovery.mechanisms, evidence: evidence, catalog: catalog, database: database, now: asOf,
                changelogs: changelogs)
            assessor.measured += measured.facts
            censusProblems += measured.problems
        }
        assessor.kataConfiguration = KataStack.configured(evidence)
        var report = assessor.assess(discovery)
        report.host.replayedFrom = evidence.replayedFrom
        report.problems = Self.collapsingPermissionDenied(report.problems + censusProblems)
        // ISM-1743: the host's operating system, from its os-release, judged like an isolation mechanism's vendor.
        let operatingSystem = HostOperatingSystem.ism1743(
            evidence: evidence, catalog: catalog, evaluator: assessor.evaluator, facts: assessor.attestations + assessor.measured)
        guard let checks = plan.checks else {
            if !plan.extraFindings.isEmpty {
                attach(plan.extraFindings, to: &report)
                report.guidance = plan.extraGuidance
            }
            report.hostControls = (report.hostControls ?? []) + [operatingSystem]
            ClassificationScope.apply(to: &report, profile: profile, ism: ismCatalog)
            report.quote(ismCatalog)
            return report
        }
        let input = AssessmentInputs.checkInput(evidence: evidence, mechanisms: discovery.mechanisms, catalog: catalog, now: asOf)
        let checkReport = CheckRunner(catalog: checks).run(input, selection: plan.selection, tailoring: plan.tailoring)
        var advisoryFindings: [Finding] = []
        if let database, plan.selection.selects(id: AdvisoryFindings.checkID, controls: [.ism1606]) {
            let advisories = AdvisoryFindings.evaluate(
                mechanisms: discovery.mechanisms, evidence: evidence, aliases: AdvisoryAliases.all(catalog), database: database,
                now: asOf, changelogs: changelogs)
            advisoryFindings = advisories.findings
            report.openAdvisories = advisories.open
            var info = AdvisoryFindings.info(database, now: asOf, maximumAgeDays: plan.advisoryMaxAgeDays)
            info.coverage = advisories.coverage
            report.inputs.advisoryDatabase = info
            advisoryFindings = AdvisoryFindings.applyAge(advisoryFindings, info)
        }
        // ISM-1606 for the host from patch evidence (pending security updates, running kernel), never from
        // release support alone.
        // Its timelines: internet-facing from the profile, a working exploit from the database's CISA KEV records.
        var knownExploited: Set<String>?
        if case .available(_, let db)? = database, let kev = try? db.kevEntries(), !kev.isEmpty { knownExploited = Set(kev.keys) }
        let patchFindings = PatchFindings.findings(
            evidence: evidence, now: asOf, mechanisms: discovery.mechanisms, aliases: AdvisoryAliases.all(catalog),
            timelines: PatchFindings.Timelines(
                internetFacing: profile?.host.internetFacing, profilePath: profile?.path, knownExploited: knownExploited))
        attach(checkReport.findings + advisoryFindings + patchFindings + plan.extraFindings, to: &report)
        report.hostControls = (report.hostControls ?? []) + [operatingSystem]
        ClassificationScope.apply(to: &report, profile: profile, ism: ismCatalog)
        if profile?.host.internetFacing == nil,
            patchFindings.contains(where: { $0.checkID == PatchFindings.pendingCheckID && $0.observed?.contains("assumed internet-facing") == true })
        {
            report.assumptions =
                (report.assumptions ?? []) + [
                    "The host is assumed internet-facing for ISM-1606 (2 weeks for a pending update neither critical nor exploited): the profile does not say ([host] internet_facing = true or false)."
                ]
        }
        report.quote(ismCatalog)
        report.guidance = Self.guidance(for: report, checks: checks).merging(plan.extraGuidance) { mine, _ in mine }
        return report
    }

    /// The guidance of every check with a finding in the report: from its definition, or for the advisory
    /// check from `AdvisoryFindings.guidance`.
    static func guidance(for report: AssessmentReport, checks: CheckCatalog) -> [String: CheckGuidance] {
        let ids = Set(
            (report.mechanisms.flatMap(\.controls) + (report.hostControls ?? [])).flatMap { $0.findings.map(\.checkID) })
        var out: [String: CheckGuidance] = [:]
        for id in ids {
            if id == AdvisoryFindings.checkID {
                out[id] = AdvisoryFindings.guidance
            } else if let d = checks.definition(id) {
                out[id] = CheckGuidance(
                    title: d.title, remediation: d.remediation.text, effort: d.remediation.effort.rawValue, rationale: d.rationale,
                    references: d.references.map { CheckGuidance.Reference(title: $0.title, url: $0.url) })
            }
        }
        return out
    }

    /// The reader's message for a path an unprivileged run may not read (DirectoryHostRoot).
    static let permissionDenied = "permission denied (run as root to read it)"

    /// Run as non-root, every /proc/PID/exe and /proc/PID/ns of other users' processes is unreadable: one
    /// problem per path buried the rest (152 lines on a small host). They become one problem with the count,
    /// a few examples and the hint; every other problem is kept as it was, in order.
    public static func collapsingPermissionDenied(_ problems: [Problem]) -> [Problem] {
        let denied = problems.filter { $0.message == permissionDenied }
        guard denied.count > 1 else { return problems }
        let examples = denied.prefix(4).map(\.subject).joined(separator: ", ")
        let summary = Problem(
            subject: "\(denied.count) paths",
            message:
                "permission denied reading \(denied.count) paths (e.g. \(examples)\(denied.count > 4 ? ", …" : "")): run `bulkhead assess` as root to read them; the items they concern are inconclusive"
        )
        var out: [Problem] = []
        var placed = false
        for p in problems {
            if p.message == permissionDenied {
                if !placed { out.append(summary) }
                placed = true
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// The evaluator every verdict of this assessment uses: the catalog judges each part of a stack once,
    /// with the attestations and measurements about it.
    public var evaluator: ISM1460Evaluator {
        ISM1460Evaluator(asOf: asOf, catalog: catalog, otherFacts: attestations + measured)
    }

    /// Adds findings to the report: those about a mechanism (or one of its guests) become its control
    /// verdicts beside ISM-1460; those about the host become the host's controls.
    public func attach(_ findings: [Finding], to report: inout AssessmentReport) {
        var byProduct: [ProductID: [Finding]] = [:]
        var hostFindings: [Finding] = []
        for finding in findings {
            if let product = ControlRollup.product(ofSubject: finding.subject),
                report.mechanisms.contains(where: { $0.mechanism.product == product })
            {
                byProduct[product, default: []].append(finding)
            } else {
                hostFindings.append(finding)
            }
        }
        for index in report.mechanisms.indices {
            let product = report.mechanisms[index].mechanism.product
            guard let mine = byProduct[product] else { continue }
            for control in ControlRollup.controls(for: product, findings: mine) {
                if let existing = report.mechanisms[index].controls.firstIndex(where: { $0.verdict.control == control.verdict.control }) {
                    // ISM-1460 keeps its evaluation; findings about it (lab scenarios) are added as evidence.
                    report.mechanisms[index].controls[existing].findings += control.findings
                } else {
                    report.mechanisms[index].controls.append(control)
                }
            }
        }
        report.hostControls = ControlRollup.controls(for: "host", findings: hostFindings)
    }

    /// Assesses mechanisms already discovered.
    public func assess(_ discovery: DiscoveryResult) -> AssessmentReport {
        let evaluator = self.evaluator
        var results: [MechanismAssessment] = []
        for m in discovery.mechanisms {
            results.append(assess(m, evaluator: evaluator))
        }
        var problems = discovery.problems
        problems += catalog.problems.map { Problem(subject: $0.file, message: $0.description) }
        let measuredBy = Array(
            Set(
                measured.compactMap { f -> String? in
                    if case .measurement(let stage) = f.origin { return stage }
                    return nil
                })
        ).sorted()
        var report = AssessmentReport(
            tool: .init(version: toolVersion),
            host: .init(hostname: discovery.hostname, source: discovery.source, collectedAt: discovery.collectedAt),
            assessedAt: asOf,
            inputs: .init(
                catalogProducts: catalog.products.count, catalogDirectories: catalogDirectories,
                evidenceFiles: evidenceFiles, measuredBy: measuredBy),
            mechanisms: results, problems: problems)
        report.quote(ismCatalog)
        return report
    }

    public func assess(_ m: IsolationMechanism) -> MechanismAssessment {
        assess(m, evaluator: evaluator)
    }

    func assess(_ m: IsolationMechanism, evaluator: ISM1460Evaluator) -> MechanismAssessment {
        var product = catalog.product(m.product) ?? catalog.lookup(m.product.rawValue)
        var kataNote: String?
        if let kata = product, kata.id == "kata-containers" {
            let (configured, note) = KataStack.product(kata, configured: kataConfiguration)
            product = configured
            kataNote = note
        }
        var evaluation: ISM1460Evaluation
        if let product {
            evaluation = evaluator.evaluate(
                product, attestations: attestations.filter { $0.product == product.id },
                measured: measured.filter { $0.product == product.id })
            if let kataNote, !kataNote.isEmpty { evaluation.rationale.insert(kataNote + ".", at: min(1, evaluation.rationale.count)) }
            let seen = "\(m.name)\(m.version.map { " \($0)" } ?? "") (\(m.state.rawValue)) was discovered on this host"
            evaluation.rationale.insert(EvidenceBasis.line(evaluation, observed: seen), at: min(1, evaluation.rationale.count))
        } else {
            evaluation = evaluator.notInCatalog(product: m.product, name: m.name)
        }
        var verdict = evaluation.verdict
        verdict.subject = m.product
        return MechanismAssessment(
            mechanism: m, catalogProduct: product?.id,
            controls: [ControlAssessment(verdict: verdict, ism1460: evaluation)])
    }
}

/// Which evidence behind a vendor verdict (ISM-1460, ISM-1743) Bulkhead observed on this host and which the catalog
/// researched (issue 14 §6): the deciding facts counted by where they came from, so an assessor sees at once how
/// much of the verdict rests on desk research.
public enum EvidenceBasis {
    public static func line(_ evaluation: ISM1460Evaluation, observed: String) -> String {
        var measured: [String] = []
        var attested: [String] = []
        var researched: [Date] = []
        var seen = Set<CriterionFact>()
        for r in evaluation.criteria {
            for f in r.facts where seen.insert(f.decided.fact).inserted {
                switch f.decided.fact.origin {
                case .measurement(let stage): measured.append(stage)
                case .attestation(_, let by, _, _): attested.append(by)
                case .catalog: researched.append(f.decided.fact.evidence.observedAt)
                }
            }
        }
        func names(_ list: [String]) -> String { Set(list).sorted().joined(separator: ", ") }
        var parts = ["observed on the host by Bulkhead: \(observed)"]
        parts.append(
            measured.isEmpty
                ? "measured by Bulkhead this run: none" : "measured by Bulkhead this run: \(measured.count) fact(s) (\(names(measured)))")
        if !attested.isEmpty { parts.append("attested by the organisation (--evidence): \(attested.count) fact(s) (\(names(attested)))") }
        if let first = researched.min(), let last = researched.max() {
            let span = first == last ? CalendarDate.format(first) : "\(CalendarDate.format(first)) to \(CalendarDate.format(last))"
            parts.append("researched in Bulkhead's catalog, not observed here: \(researched.count) fact(s), observed \(span)")
        } else {
            parts.append("researched in Bulkhead's catalog: none")
        }
        return "Evidence basis — " + parts.joined(separator: "; ") + "."
    }
}
