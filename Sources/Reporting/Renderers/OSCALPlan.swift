public import Assessment
import BulkheadModel
import Crypto
public import Foundation

/// The OSCAL 1.1.2 assessment-plan Bulkhead writes beside its assessment results
/// (`assessment-plan.oscal.json`): the method (activities), the controls reviewed, the assessment subjects
/// (the host and each mechanism, with the results' component UUIDs), the assessor and the system security
/// plan from the system profile. The results' `import-ap` names it through a back-matter resource that
/// records the plan's file name and SHA-256, so a reader can check the plan is the one the results used.
extension OSCALRenderer {
    /// The plan's file name beside the results (`ReportWriter.writeAll`).
    public static let planFileName = "assessment-plan.oscal.json"

    public static func renderPlan(_ report: AssessmentReport) throws -> Data {
        try JSONCoding.documentData(planDocument(report))
    }

    /// UUIDs of one run (the same key as the results' `document`).
    static func runUUID(_ report: AssessmentReport, _ parts: [String]) -> String {
        StableUUID.make(
            parts: ["run", report.host.hostname ?? "", report.host.source, Timestamp.string(report.assessedAt)] + parts)
    }

    /// The assessment subjects: the host and each mechanism, with the component UUIDs the results use.
    static func subjectComponents(_ report: AssessmentReport) -> [(uuid: String, title: String, description: String, type: String)] {
        var out = [
            (
                runUUID(report, ["component", "host"]), "Host \(report.host.hostname ?? "(unnamed)")",
                "The server whose software isolation layer is assessed (\(report.host.source)).", "this-system"
            )
        ]
        for (mi, m) in report.mechanisms.enumerated() {
            let mech = m.mechanism
            out.append(
                (
                    runUUID(report, ["component", "\(mi)-\(mech.product.rawValue)"]), mech.name,
                    "\(mech.name) (\(mech.product.rawValue)\(mech.version.map { " \($0)" } ?? ""), \(mech.role.rawValue), \(mech.state.rawValue))",
                    "software"
                ))
        }
        return out
    }

    /// Roles, parties and responsible parties from the system profile: the assessor (with an IRAP
    /// registration as a prop) when one is declared; nothing is invented when none is.
    static func parties(_ report: AssessmentReport) -> [(String, JSONValue?)] {
        guard let profile = report.profile, let name = profile.assessorName, !name.isEmpty else { return [] }
        let party = StableUUID.make("party", "assessor", name, profile.irapRegistration ?? "")
        var props: [JSONValue] = []
        if let irap = profile.irapRegistration, !irap.isEmpty { props.append(prop("irap-registration", irap)) }
        return [
            ("roles", [["id": "assessor", "title": "Assessor"]]),
            (
                "parties",
                [
                    JSONValue.compact([
                        ("uuid", .string(party)), ("type", "person"), ("name", line(name)),
                        ("props", props.isEmpty ? nil : .array(props)),
                    ])
                ]
            ),
            ("responsible-parties", [["role-id": "assessor", "party-uuids": [.string(party)]]]),
        ]
    }

    /// The profile's remarks for the metadata: the system, its boundary and plan, or what was assumed.
    static func scopeRemarks(_ report: AssessmentReport) -> String {
        guard let p = report.profile else {
            return (report.assumptions ?? []).joined(separator: " ").nonEmpty
                ?? "No system profile: the system, its boundary and the assessor are not declared."
        }
        var parts = ["System profile \(p.path)."]
        if let n = p.systemName { parts.append("System: \(n).") }
        if let b = p.boundary { parts.append("Boundary: \(b).") }
        if let s = p.securityPlan { parts.append("Security plan: \(s).") }
        if let c = p.host.classification { parts.append("Host classification: \(c)\(p.host.domain.map { ", security domain \($0)" } ?? "").") }
        if p.assessorName == nil { parts.append("No assessor declared.") }
        return parts.joined(separator: " ")
    }

    /// The controls the run reviewed (every control with a verdict), as the results select them.
    static func reviewedControlIDs(_ report: AssessmentReport) -> [ControlID] {
        let ids = Set(report.mechanisms.flatMap { $0.controls.map(\.verdict.control) })
        return ids.isEmpty ? [.ism1460] : ids.sorted()
    }

    public static func planDocument(_ report: AssessmentReport) -> JSONValue {
        let sspResource = runUUID(report, ["resource", "system-security-plan"])
        let components = subjectComponents(report)
        // The method, one activity per stage (docs/architecture.md's pipeline).
        let activities: [(String, String, [ControlID])] = [
            (
                "Collect host evidence",
                "Read the host through its root (live /, --root DIR or a --snapshot) read-only and bounded: processes, packages, kernel, CPU, /dev/kvm, IOMMU, the mechanisms' binaries and configurations, the apt lists; every fact kept with its source, time and confidence.",
                []
            ),
            (
                "Evaluate the vendors' secure-by-design evidence",
                "Judge each discovered mechanism (ISM-1460) and the host's operating system (ISM-1743) against the criteria in docs/criteria.md, from Bulkhead's researched product catalog, attestations given with --evidence, and measurements.",
                [.ism1460, .ism1743]
            ),
            (
                "Run the hardening checks",
                "Run the hardening checks (`bulkhead checks list`) on the collected evidence: configuration, administrative interfaces, host posture, logging, lifecycle.",
                [.ism1604, .ism1605, .ism1607, .ism1848, .ism1461]
            ),
            (
                "Compare patch evidence",
                "Compare the installed packages with the newest versions in the host's own security sources (apt lists) and the running kernel with the installed one; match installed versions against the local advisory database.",
                [.ism1606]
            ),
        ]
        var activityValues: [JSONValue] = []
        var activityUUIDs: [String] = []
        for (title, description, controls) in activities {
            let id = StableUUID.make("activity", title)
            activityUUIDs.append(id)
            activityValues.append(
                JSONValue.compact([
                    ("uuid", .string(id)), ("title", line(title)), ("description", .string(description)),
                    (
                        "related-controls",
                        controls.isEmpty
                            ? nil
                            : [
                                "control-selections": [
                                    ["include-controls": .array(controls.map { ["control-id": .string($0.oscalID)] })]
                                ]
                            ]
                    ),
                ]))
        }
        let selected = reviewedControlIDs(report)
        let subjectRefs: [JSONValue] = components.map { ["subject-uuid": .string($0.uuid), "type": "component"] }
        var metadataFields: [(String, JSONValue?)] = [
            ("title", line("Bulkhead assessment plan: \(report.host.hostname ?? "unnamed host")")),
            ("last-modified", .string(Timestamp.string(report.assessedAt))),
            ("version", .string(report.tool.version)),
            ("oscal-version", .string(oscalVersion)),
        ]
        metadataFields += parties(report)
        metadataFields.append(("remarks", .string(scopeRemarks(report))))
        let plan = report.profile?.securityPlan
        var sspLinks: [JSONValue] = []
        if let plan, let url = URL(string: plan), url.scheme != nil { sspLinks.append(["href": .string(plan)]) }
        let sspResourceValue = JSONValue.compact([
            ("uuid", .string(sspResource)),
            ("title", line(plan.map { "System security plan: \($0)" } ?? "No system security plan declared")),
            (
                "description",
                .string(
                    plan.map { "The security plan the system profile (\(report.profile?.path ?? "")) names: \($0)." }
                        ?? "No system profile names a security plan (system.security_plan in bulkhead.toml or --profile FILE); the assessment is scoped to the host alone."
                )
            ),
            ("rlinks", sspLinks.isEmpty ? nil : .array(sspLinks)),
        ])
        return [
            "assessment-plan": JSONValue.compact([
                ("uuid", .string(runUUID(report, ["assessment-plan"]))),
                ("metadata", JSONValue.compact(metadataFields)),
                (
                    "import-ssp",
                    [
                        "href": .string("#\(sspResource)"),
                        "remarks": "The system security plan is named by the system profile; see the back-matter resource.",
                    ]
                ),
                (
                    "local-definitions",
                    [
                        "components": .array(
                            components.map {
                                [
                                    "uuid": .string($0.uuid), "type": .string($0.type), "title": line($0.title),
                                    "description": .string($0.description), "status": ["state": "operational"],
                                ]
                            }),
                        "activities": .array(activityValues),
                    ]
                ),
                ("reviewed-controls", reviewedControls(selected, "ISM controls assessed, by their id in the ISM OSCAL catalog.")),
                (
                    "assessment-subjects",
                    [
                        [
                            "type": "component",
                            "description": "The host and the isolation mechanisms Bulkhead discovered on it.",
                            "include-subjects": .array(subjectRefs),
                        ]
                    ]
                ),
                (
                    "tasks",
                    [
                        [
                            "uuid": .string(runUUID(report, ["task", "assessment"])), "type": "action",
                            "title": line("Assess \(report.host.hostname ?? "the host") with Bulkhead \(report.tool.version)"),
                            "timing": ["on-date": ["date": .string(Timestamp.string(report.assessedAt))]],
                            "associated-activities": .array(
                                activityUUIDs.map {
                                    ["activity-uuid": .string($0), "subjects": [["type": "component", "include-subjects": .array(subjectRefs)]]]
                                }
                            ),
                            "subjects": [["type": "component", "include-subjects": .array(subjectRefs)]],
                        ]
                    ]
                ),
                (
                    "back-matter",
                    [
                        "resources": [
                            [
                                "uuid": .string(catalogResource), "title": line(ISMCatalog.title),
                                "rlinks": [
                                    [
                                        "href": .string(ISMCatalog.url), "media-type": "application/oscal.catalog+json",
                                        "hashes": [["algorithm": "SHA-256", "value": .string(ISMCatalog.sha256)]],
                                    ]
                                ],
                            ],
                            sspResourceValue,
                        ]
                    ]
                ),
            ])
        ]
    }

    /// The SHA-256 (hex) of the rendered plan, which the results' back-matter records.
    static func planDigest(_ report: AssessmentReport) -> String? {
        guard let data = try? renderPlan(report) else { return nil }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
