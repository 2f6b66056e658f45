public import Assessment
public import BulkheadModel
public import Foundation

/// One OSCAL assessment-results document for many hosts (the fleet server's estate export): one result whose
/// local components are every host (type `this-system`, with its fleet name) and its mechanisms, and whose
/// observations and findings are each host's, built by the same code as a host's own document
/// (`OSCALRenderer.resultParts`). Titles name the host; every finding carries the host, the control it maps
/// to (`target-id`) and the ISM release of the host's report.
extension OSCALRenderer {
    /// A host's latest report, as the fleet stored it.
    public struct EstateHost: Sendable {
        public var name: String
        public var assessmentID: Int64
        public var report: AssessmentReport
        public init(name: String, assessmentID: Int64, report: AssessmentReport) {
            self.name = name
            self.assessmentID = assessmentID
            self.report = report
        }
    }

    /// The estate document. `scope` says what was selected (the filter, in words); `skipped` names hosts whose
    /// stored report could not be read (said in the remarks, never dropped silently).
    public static func estate(_ hosts: [EstateHost], scope: String, generatedAt: Date, toolVersion: String, skipped: [String] = []) -> JSONValue {
        let key = ["estate", scope, Timestamp.string(generatedAt)] + hosts.map { "\($0.name)#\($0.assessmentID)" }
        func uuid(_ parts: String...) -> String { StableUUID.make(parts: key + parts) }
        let plansResource = uuid("resource", "host-assessment-plans")

        var components: [JSONValue] = []
        var observations: [JSONValue] = []
        var findings: [JSONValue] = []
        var controlIDs = Set<ControlID>()
        var releases = Set<String>()
        for host in hosts {
            let parts = resultParts(host.report, scope: ["fleet-host", host.name, String(host.assessmentID)])
            let release = host.report.ism?.release
            if let release { releases.insert(release) }
            let hostSubject: JSONValue = ["subject-uuid": .string(parts.hostComponent), "type": "component"]
            let hostProps = [prop("fleet-host", host.name), prop("fleet-assessment-id", String(host.assessmentID))]
            for component in parts.components {
                let isHost = component.field("uuid") == .string(parts.hostComponent)
                components.append(
                    component.amending(
                        title: isHost ? "Host \(host.name)" : nil, titleSuffix: isHost ? nil : " on \(host.name)",
                        props: isHost ? hostProps : [prop("fleet-host", host.name)]))
            }
            for observation in parts.observations {
                observations.append(
                    observation.amending(titleSuffix: " on \(host.name)", props: [prop("fleet-host", host.name)], subject: hostSubject))
            }
            for finding in parts.findings {
                findings.append(
                    finding.amending(
                        titleSuffix: " on \(host.name)",
                        props: [prop("fleet-host", host.name)] + (release.map { [prop("ism-release", $0)] } ?? [])))
            }
            controlIDs.formUnion(parts.controlIDs)
        }
        let start = hosts.map { min($0.report.host.collectedAt, $0.report.assessedAt) }.min() ?? generatedAt
        let end = hosts.map { max($0.report.host.collectedAt, $0.report.assessedAt) }.max() ?? generatedAt
        let selected = controlIDs.isEmpty ? [ControlID.ism1460] : controlIDs.sorted()
        let releaseText =
            releases.isEmpty
            ? "The hosts' reports do not name the ISM release they were assessed against."
            : "ISM release\(releases.count == 1 ? "" : "s") of the hosts' reports: \(releases.sorted().joined(separator: ", "))."
        let result = JSONValue.compact([
            ("uuid", .string(uuid("result"))),
            ("title", line("Bulkhead fleet assessment: \(hosts.count) host\(hosts.count == 1 ? "" : "s") (\(scope))")),
            (
                "description",
                .string(
                    "The latest assessment of each host reporting to the Bulkhead fleet server, selected by: \(scope). Each host is a component (type this-system); its mechanisms are components; each observation and finding names its host."
                )
            ),
            ("start", .string(Timestamp.string(min(start, end)))),
            ("end", .string(Timestamp.string(max(start, end)))),
            ("local-definitions", components.isEmpty ? nil : ["components": .array(components)]),
            ("reviewed-controls", reviewedControls(selected, "ISM controls assessed on these hosts, by their id in the ISM OSCAL catalog.")),
            ("observations", .array(observations)),
            ("findings", .array(findings)),
            ("remarks", skipped.isEmpty ? nil : .string("Not included, their stored report could not be read: \(skipped.joined(separator: ", ")).")),
        ])
        let metadata = JSONValue.compact([
            ("title", line("Bulkhead fleet assessment results (\(scope))")),
            ("last-modified", .string(Timestamp.string(generatedAt))),
            ("version", .string(toolVersion)),
            ("oscal-version", .string(oscalVersion)),
            ("props", .array([prop("hosts", String(hosts.count))] + releases.sorted().map { prop("ism-release", $0) })),
            ("remarks", .string(releaseText)),
        ])
        let backMatter: JSONValue = [
            "resources": [
                catalogResourceEntry(),
                [
                    "uuid": .string(plansResource),
                    "title": "The hosts' assessment plans",
                    "description": .string(
                        "Each host's evidence bundle holds the OSCAL assessment-plan of its run (\(planFileName)), which that host's own assessment results import; this estate document gathers the results of those plans."
                    ),
                ],
            ]
        ]
        return [
            "assessment-results": [
                "uuid": .string(uuid("assessment-results")),
                "metadata": metadata,
                "import-ap": [
                    "href": .string("#\(plansResource)"),
                    "remarks": "Each host's plan is in its evidence bundle; see the back-matter resource.",
                ],
                "results": [result],
                "back-matter": backMatter,
            ]
        ]
    }

    public static func renderEstate(_ hosts: [EstateHost], scope: String, generatedAt: Date, toolVersion: String, skipped: [String] = [])
        throws -> Data
    {
        var data = try JSONCoding.encoder().encode(estate(hosts, scope: scope, generatedAt: generatedAt, toolVersion: toolVersion, skipped: skipped))
        data.append(0x0A)
        return data
    }
}

extension JSONValue {
    func field(_ key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// An OSCAL object with its title replaced or suffixed, props appended, and a subject appended.
    func amending(title: String? = nil, titleSuffix: String? = nil, props: [JSONValue] = [], subject: JSONValue? = nil) -> JSONValue {
        guard case .object(var o) = self else { return self }
        if let title {
            o["title"] = OSCALRenderer.line(title)
        } else if let titleSuffix, case .string(let old) = o["title"] {
            o["title"] = OSCALRenderer.line(old + titleSuffix)
        }
        if !props.isEmpty {
            if case .array(let old) = o["props"] { o["props"] = .array(old + props) } else { o["props"] = .array(props) }
        }
        if let subject {
            if case .array(let old) = o["subjects"] { o["subjects"] = .array(old + [subject]) } else { o["subjects"] = [subject] }
        }
        return .object(o)
    }
}
