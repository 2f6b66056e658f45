public import Assessment
public import BulkheadModel
public import Foundation
import VendorEvidence

/// Renders an `AssessmentReport` as an OSCAL 1.1.2 assessment-results document (JSON).
///
/// - one observation per evaluated ISM-1460 criterion and per check finding, with its evidence
///   (`relevant-evidence`) and when it was collected;
/// - one finding per control per mechanism, target `objective-id` = the ISM control id (`ism-1460`),
///   status `satisfied` / `not-satisfied` (docs/report-formats.md gives the mapping), linked to its
///   observations;
/// - UUIDs derived from stable names (`StableUUID`), so the same report gives byte-identical output;
/// - the ISM controls selected by id in `reviewed-controls`, and the ISM OSCAL catalog referenced (not
///   copied) as a back-matter resource.
public enum OSCALRenderer {
    public static let oscalVersion = "1.1.2"
    /// Namespace of Bulkhead's own OSCAL props.
    public static let ns = "https://github.com/bulkhead/bulkhead/ns/oscal"

    /// The ISM OSCAL catalog the control ids refer to.
    public enum ISMCatalog {
        public static let title = "Information security manual (December 2025), OSCAL catalog"
        public static let version = "2025.12.9"
        public static let catalogUUID = "abea4b79-3bd3-4f68-a333-85cbebb5100d"
        public static let repository = "https://github.com/AustralianCyberSecurityCentre/ism-oscal"
        public static let commit = "d14dcbb0d448c3e0ba99bdecc7de5c713bcb080f"
        public static let url =
            "https://raw.githubusercontent.com/AustralianCyberSecurityCentre/ism-oscal/d14dcbb0d448c3e0ba99bdecc7de5c713bcb080f/ISM_catalog.json"
        public static let sha256 = "744a6d73fa3ca4948220b1f5ddce94980284449f51aff97af27607e6e42c8808"
    }

    /// OSCAL objective status for a Bulkhead verdict: (state, reason).
    public static func objectiveStatus(_ status: VerdictStatus) -> (state: String, reason: String) {
        switch status {
        case .satisfied: ("satisfied", "pass")
        case .satisfiedLessPreferred: ("satisfied", "pass")
        case .notApplicable: ("satisfied", "other")
        case .partiallySatisfied: ("not-satisfied", "fail")
        case .notSatisfied: ("not-satisfied", "fail")
        case .notAssessed: ("not-satisfied", "other")
        }
    }

    public static func render(_ report: AssessmentReport) throws -> Data {
        try JSONCoding.documentData(document(report))
    }

    /// What one report contributes to a result: its components (the host first, then each mechanism), its
    /// observations and findings, and the controls it assessed. A host's document has one result of these;
    /// the fleet's estate document (`estate`) has one result of every host's.
    struct ResultParts {
        var hostComponent: String
        var components: [JSONValue]
        var observations: [JSONValue]
        var findings: [JSONValue]
        var controlIDs: Set<ControlID>
    }

    /// The stable key of one run: every UUID of its document derives from it.
    static func runKey(_ report: AssessmentReport) -> [String] {
        ["run", report.host.hostname ?? "", report.host.source, Timestamp.string(report.assessedAt)]
    }

    public static func document(_ report: AssessmentReport) -> JSONValue {
        let runKey = runKey(report)
        func uuid(_ parts: String...) -> String { StableUUID.make(parts: runKey + parts) }
        let planResource = uuid("resource", "assessment-plan")
        let parts = resultParts(report)
        let (components, observations, findings, controlIDs) = (parts.components, parts.observations, parts.findings, parts.controlIDs)

        let selected = (controlIDs.isEmpty ? [ControlID.ism1460] : controlIDs.sorted())
        let result = JSONValue.compact([
            ("uuid", .string(uuid("result"))),
            ("title", line("Bulkhead assessment of \(report.host.hostname ?? "an unnamed host")")),
            (
                "description",
                .string(
                    "ISM Virtualisation hardening controls assessed by \(report.tool.name) \(report.tool.version) on \(report.host.source); catalog of \(report.inputs.catalogProducts) products"
                        + (report.inputs.evidenceFiles.isEmpty ? "" : "; evidence files: \(report.inputs.evidenceFiles.joined(separator: ", "))")
                        + "."
                )
            ),
            ("start", .string(Timestamp.string(min(report.host.collectedAt, report.assessedAt)))),
            ("end", .string(Timestamp.string(max(report.host.collectedAt, report.assessedAt)))),
            ("local-definitions", ["components": .array(components)]),
            ("reviewed-controls", reviewedControls(selected, "ISM controls assessed, by their id in the ISM OSCAL catalog.")),
            ("observations", .array(observations)),
            ("findings", .array(findings)),
        ])

        // The assessor and parties from the system profile (`bulkhead.toml`, `--profile`), as in the plan.
        let metadataHead: [(String, JSONValue?)] = [
            ("title", line("Bulkhead assessment results: \(report.host.hostname ?? "unnamed host")")),
            ("last-modified", .string(Timestamp.string(report.assessedAt))),
            ("version", .string(report.tool.version)),
            ("oscal-version", .string(oscalVersion)),
            ("props", [prop("schema-version", String(report.schemaVersion))]),
        ]
        let metadata = JSONValue.compact(
            metadataHead + parties(report) + [
                ("remarks", .string((ISMQuote.lines(report) + [scopeRemarks(report)]).joined(separator: "\n")))
            ])
        let backMatter: JSONValue = [
            "resources": [
                catalogResourceEntry(),
                JSONValue.compact([
                    ("uuid", .string(planResource)),
                    ("title", "Bulkhead's assessment plan (OSCAL assessment-plan)"),
                    (
                        "description",
                        .string(
                            "The OSCAL assessment-plan of this run: its method (docs/criteria.md, docs/report-formats.md), the controls reviewed, the assessment subjects and the assessor. `bulkhead assess --output DIR` writes it beside these results as \(planFileName); its SHA-256 is recorded here."
                        )
                    ),
                    (
                        "rlinks",
                        [
                            JSONValue.compact([
                                ("href", .string(planFileName)), ("media-type", "application/oscal.ap+json"),
                                ("hashes", planDigest(report).map { [["algorithm": "SHA-256", "value": .string($0)]] }),
                            ])
                        ]
                    ),
                ]),
            ]
        ]
        return [
            "assessment-results": [
                "uuid": .string(uuid("assessment-results")),
                "metadata": metadata,
                "import-ap": [
                    "href": .string("#\(planResource)"),
                    "remarks": .string("The assessment plan Bulkhead wrote beside these results (\(planFileName)); see the back-matter resource."),
                ],
                "results": [result],
                "back-matter": backMatter,
            ]
        ]
    }

    /// `scope` extends the run key, so the same report in two places of one document (two fleet hosts
    /// submitting identical reports) gets distinct UUIDs; a host's own document has none.
    static func resultParts(_ report: AssessmentReport, scope: [String] = []) -> ResultParts {
        let runKey = runKey(report) + scope
        func uuid(_ parts: String...) -> String { StableUUID.make(parts: runKey + parts) }
        let hostComponent = uuid("component", "host")
        var components: [JSONValue] = [
            .object([
                "uuid": .string(hostComponent), "type": "this-system",
                "title": line("Host \(report.host.hostname ?? "(unnamed)")"),
                "description": .string("The server whose software isolation layer was assessed (\(report.host.source))."),
                "status": ["state": "operational"],
            ])
        ]
        var observations: [JSONValue] = []
        var findings: [JSONValue] = []
        var controlIDs = Set<ControlID>()
        // The advisory database ISM-1606 rests on (issue 14 §5): one observation of its age, sources and record
        // counts, related to every ISM-1606 finding.
        let databaseObservation = report.inputs.advisoryDatabase.map { _ in uuid("observation", "host", "advisory-database") }

        /// A control's verdict as a finding, with its observations (ISM-1460 criteria, check findings, or the
        /// verdict's own evidence); `first` are observations every finding of the subject relates to.
        func addControl(_ control: ControlAssessment, mKey: String, name: String, subjects: JSONValue, first: [String]) {
            let v = control.verdict
            controlIDs.insert(v.control)
            let cKey = v.control.oscalID
            var related = first
            if v.control == .ism1606, let db = databaseObservation { related.append(db) }
            if let e = control.ism1460 {
                for r in e.criteria {
                    let id = uuid("observation", mKey, cKey, "criterion", r.criterion.rawValue)
                    related.append(id)
                    let facts = r.facts.map(\.decided.fact)
                    let measured = facts.contains { if case .measurement = $0.origin { true } else { false } }
                    observations.append(
                        observation(
                            uuid: id,
                            title: "\(v.control) criterion (\(r.criterion.number)) \(r.criterion.title) — \(name)",
                            description: "\(r.outcome.rawValue)"
                                + (r.reasons.isEmpty ? "." : ": " + r.reasons.joined(separator: " ")),
                            methods: measured ? ["EXAMINE", "TEST"] : ["EXAMINE"], subjects: subjects,
                            props: [
                                prop("criterion", r.criterion.number), prop("criterion-outcome", r.outcome.rawValue),
                            ],
                            evidence: facts.map(\.evidence), origins: facts.map(\.origin.label),
                            fallback: e.assessedAt))
                }
            }
            for (fi, f) in control.findings.enumerated() {
                let id = uuid("observation", mKey, cKey, "check", f.checkID, f.subject, String(fi))
                related.append(id)
                observations.append(
                    checkObservation(f, uuid: id, subjects: subjects, fallback: report.assessedAt, guidance: report.guidance?[f.checkID]))
            }
            if control.ism1460 == nil && control.findings.isEmpty {
                let id = uuid("observation", mKey, cKey, "verdict")
                related.append(id)
                observations.append(
                    observation(
                        uuid: id, title: "\(v.control) evidence — \(name)",
                        description: v.rationale.isEmpty ? "No rationale recorded." : v.rationale.joined(separator: " "),
                        methods: ["EXAMINE"], subjects: subjects, evidence: v.evidence, fallback: report.assessedAt))
            }
            let (state, reason) = objectiveStatus(v.status)
            var props = [prop("verdict", v.status.rawValue), prop("confidence", v.confidence.rawValue)]
            if let w = control.ism1460?.weakestComponent { props.append(prop("weakest-component", w)) }
            findings.append(
                JSONValue.compact([
                    ("uuid", .string(uuid("finding", mKey, cKey))),
                    ("title", line("\(v.control) — \(name): \(v.status.rawValue)")),
                    ("description", .string(v.rationale.isEmpty ? "\(v.status.rawValue)." : v.rationale.joined(separator: "\n"))),
                    ("props", .array(props)),
                    (
                        "target",
                        JSONValue.compact([
                            ("type", "objective-id"), ("target-id", .string(cKey)),
                            ("title", line("\(v.control) for \(name)")),
                            (
                                "status",
                                JSONValue.compact([
                                    ("state", .string(state)), ("reason", .string(reason)),
                                    ("remarks", .string("Bulkhead verdict: \(v.status.rawValue) (confidence \(v.confidence.rawValue)).")),
                                ])
                            ),
                        ])
                    ),
                    ("related-observations", .array(related.map { ["observation-uuid": .string($0)] })),
                ]))
        }

        for (mi, m) in report.mechanisms.enumerated() {
            let mech = m.mechanism
            let mKey = "\(mi)-\(mech.product.rawValue)"
            let componentUUID = uuid("component", mKey)
            components.append(
                JSONValue.compact([
                    ("uuid", .string(componentUUID)), ("type", "software"),
                    ("title", line(mech.name)),
                    (
                        "description",
                        .string(
                            "\(mech.name) (\(mech.product.rawValue)\(mech.version.map { " \($0)" } ?? ""), \(mech.role.rawValue), \(mech.state.rawValue))"
                        )
                    ),
                    (
                        "props",
                        .array(
                            [prop("product", mech.product.rawValue), prop("state", mech.state.rawValue)]
                                + (mech.version.map { [prop("version", $0)] } ?? []))
                    ),
                    ("status", ["state": mech.state == .installed ? "other" : "operational"]),
                ]))
            let subjects: JSONValue = [["subject-uuid": .string(componentUUID), "type": "component"]]

            // Discovery: what the mechanism's presence rests on, and what could not be observed.
            let discoveryUUID = uuid("observation", mKey, "discovery")
            observations.append(
                observation(
                    uuid: discoveryUUID, title: "Discovery of \(mech.name)",
                    description: "\(mech.name) is \(mech.state.rawValue) with \(mech.guests.count) guest(s)"
                        + (mech.guests.isEmpty ? "" : ": " + mech.guests.map(\.name).joined(separator: ", "))
                        + (mech.problems.isEmpty
                            ? "." : ". Not observed: " + mech.problems.map(\.description).joined(separator: "; ")),
                    methods: ["EXAMINE"], subjects: subjects,
                    evidence: mech.evidence + mech.guests.flatMap(\.evidence), fallback: report.assessedAt))

            for control in m.controls {
                addControl(control, mKey: mKey, name: mech.name, subjects: subjects, first: [discoveryUUID])
            }
        }
        // The host's own controls (ISM-1605, 1461, 1607 … from the host checks): the host is their subject.
        let hostSubjects: JSONValue = [["subject-uuid": .string(hostComponent), "type": "component"]]
        for control in report.hostControls ?? [] {
            addControl(control, mKey: "host", name: "host", subjects: hostSubjects, first: [])
        }

        if let info = report.inputs.advisoryDatabase, let id = databaseObservation {
            observations.append(advisoryDatabaseObservation(report, info, uuid: id, subjects: hostSubjects))
        }

        // Host-level problems (and any host findings a later stage adds as problems) are observed too.
        if !report.problems.isEmpty {
            observations.append(
                observation(
                    uuid: uuid("observation", "host", "problems"), title: "Problems during the assessment",
                    description: "These could not be observed; the items they concern are inconclusive: "
                        + report.problems.map(\.description).joined(separator: "; "),
                    methods: ["EXAMINE"], subjects: [["subject-uuid": .string(hostComponent), "type": "component"]],
                    evidence: [], fallback: report.assessedAt))
        }

        return ResultParts(
            hostComponent: hostComponent, components: components, observations: observations, findings: findings, controlIDs: controlIDs)
    }

    /// The advisory database as an observation of the host: the lines every report shows (state, age against
    /// the stale limit, each source's records, newest record and import, each product's coverage) as its
    /// description, the same as props, and the database file as its evidence.
    static func advisoryDatabaseObservation(
        _ report: AssessmentReport, _ info: AssessmentReport.AdvisoryDatabaseInfo, uuid: String, subjects: JSONValue
    ) -> JSONValue {
        var props = [prop("advisory-database-state", info.state), prop("advisory-database-stale", info.stale ? "true" : "false")]
        if let last = info.lastImport { props.append(prop("advisory-database-last-import", Timestamp.string(last))) }
        if let age = info.ageDays { props.append(prop("advisory-database-age-days", String(format: "%.1f", age))) }
        if let limit = info.maximumAgeDays { props.append(prop("advisory-database-maximum-age-days", limit.formatted())) }
        for s in info.sources ?? [] {
            props.append(
                prop(
                    "advisory-source",
                    "\(s.format): \(s.records) records, newest record \(s.newestRecord.map { String($0.prefix(10)) } ?? "undated")"
                        + ", imported \(s.importedAt.map(Timestamp.string) ?? "unknown")"))
        }
        let newest = (info.sources ?? []).compactMap { $0.newestRecord.map { String($0.prefix(10)) } }.max()
        if let newest { props.append(prop("advisory-database-newest-record", newest)) }
        let evidence = Evidence(
            claim: "the advisory database ISM-1606 and criterion 5 read (\(info.state))", source: .file(path: info.path, sha256: nil),
            observedAt: report.assessedAt, confidence: .high)
        return observation(
            uuid: uuid, title: "Advisory database (ISM-1606 evidence): \(info.path)",
            description: AdvisoryDatabaseLines.lines(report).joined(separator: "\n"), methods: ["EXAMINE"], subjects: subjects,
            props: props, evidence: [evidence], fallback: report.assessedAt)
    }

    /// A one-line OSCAL field (titles are markup-line: no newlines).
    static func line(_ text: String) -> JSONValue { .string(oneLine(text)) }

    static func prop(_ name: String, _ value: String) -> JSONValue {
        ["name": .string(name), "ns": .string(ns), "value": .string(oneLine(value))]
    }

    /// OSCAL's `string` datatype is one line without leading or trailing space (`^\S(.*\S)?$`): fold any
    /// whitespace run (newlines from a hostile name included) into one space, trim, and never leave it empty.
    static func oneLine(_ text: String) -> String {
        let folded = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        let cleaned = String(
            String.UnicodeScalarView(
                folded.unicodeScalars.map {
                    $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "\u{FFFD}" : $0
                }))
        return cleaned.isEmpty ? "-" : cleaned
    }

    static func checkObservation(
        _ f: Finding, uuid: String, subjects: JSONValue, fallback: Date, guidance: CheckGuidance? = nil
    ) -> JSONValue {
        var text = "\(f.checkID) on \(f.subject): \(f.outcome.label)"
        if case .inconclusive(let reason) = f.outcome { text += " (\(reason))" }
        if let o = f.observed { text += "; observed \(o)" }
        if let e = f.expected { text += "; expected \(e)" }
        var props = [
            prop("check-id", f.checkID), prop("outcome", f.outcome.label), prop("severity", f.severity.rawValue),
            prop("subject", f.subject),
        ]
        if case .fail = f.outcome {
            if let g = guidance {
                text += "; remediation (effort \(g.effort)): \(g.remediation)"
                if let ref = g.references.first { text += "; reference: \(ref.title) <\(ref.url)>" }
                props.append(prop("remediation-effort", g.effort))
            } else {
                text += "; remediation: see `bulkhead checks show \(f.checkID)`"
            }
        }
        return observation(
            uuid: uuid, title: "Check \(f.checkID) — \(f.subject)", description: text + ".", methods: ["TEST"],
            subjects: subjects, props: props, evidence: f.evidence, fallback: fallback)
    }

    static func observation(
        uuid: String, title: String, description: String, methods: [String], subjects: JSONValue,
        props: [JSONValue] = [], evidence: [Evidence], origins: [String] = [], fallback: Date
    ) -> JSONValue {
        let collected = evidence.map(\.observedAt).max() ?? fallback
        var relevant: [JSONValue] = []
        for (i, e) in evidence.enumerated() {
            let origin = i < origins.count ? "; origin: \(origins[i])" : ""
            relevant.append(
                JSONValue.compact([
                    ("href", href(e.source).map { .string($0) }),
                    ("description", .string("\(e.claim) — \(e.source)\(origin)")),
                    (
                        "props",
                        .array([
                            prop("observed-at", Timestamp.string(e.observedAt)), prop("confidence", e.confidence.rawValue),
                        ])
                    ),
                ]))
        }
        return JSONValue.compact([
            ("uuid", .string(uuid)), ("title", line(title)),
            ("description", .string(description)),
            ("props", .array(props)),
            ("methods", .array(methods.map { .string($0) })),
            ("types", ["control-objective"]),
            ("subjects", subjects),
            ("relevant-evidence", .array(relevant)),
            ("collected", .string(Timestamp.string(collected))),
        ])
    }

    /// A resolvable reference for a piece of evidence, when it has one (documents; files as file: URLs).
    static func href(_ source: Evidence.Source) -> String? {
        switch source {
        case .document(let url, _):
            guard let u = URL(string: url), let scheme = u.scheme, ["http", "https"].contains(scheme.lowercased())
            else { return nil }
            return u.absoluteString
        case .file(let path, _):
            guard path.hasPrefix("/") else { return nil }
            return URL(fileURLWithPath: path).absoluteString
        default: return nil
        }
    }
}

extension OSCALRenderer {
    /// The back-matter resource naming the ISM OSCAL catalog the control ids refer to (one host's results and
    /// the estate's share it).
    static func catalogResourceEntry() -> JSONValue {
        JSONValue.compact([
            ("uuid", .string(catalogResource)),
            ("title", line(ISMCatalog.title)),
            (
                "description",
                .string(
                    "The ASD/ACSC ISM OSCAL catalog (version \(ISMCatalog.version), catalog uuid \(ISMCatalog.catalogUUID)); control ids such as ism-1460 refer to it. Referenced, not copied."
                )
            ),
            ("props", [["name": "version", "value": .string(ISMCatalog.version)]]),
            (
                "rlinks",
                [
                    [
                        "href": .string(ISMCatalog.url), "media-type": "application/oscal.catalog+json",
                        "hashes": [["algorithm": "SHA-256", "value": .string(ISMCatalog.sha256)]],
                    ],
                    ["href": .string(ISMCatalog.repository)],
                ]
            ),
        ])
    }

    /// The back-matter UUID of the ISM catalog resource: the same in every document of one catalog version.
    static var catalogResource: String { StableUUID.make("resource", "ism-catalog", ISMCatalog.version) }

    /// `reviewed-controls`: the ISM controls selected, by their catalog id, linked to the catalog resource.
    static func reviewedControls(_ selected: [ControlID], _ description: String) -> JSONValue {
        [
            "control-selections": [
                JSONValue.compact([
                    ("description", .string(description)),
                    ("include-controls", .array(selected.map { ["control-id": .string($0.oscalID)] })),
                ])
            ],
            "links": [["href": .string("#\(catalogResource)"), "rel": "reference"]],
        ]
    }
}
