public import Assessment
import BulkheadModel
public import Foundation

/// One OSCAL assessment-results document for many hosts (the fleet server's estate export), written as it is
/// produced so an estate of any size is exported in bounded memory: one result per host (its latest
/// assessment), whose local components are the host (type `this-system`, with its fleet name) and its
/// mechanisms, and whose observations and findings are built by the same code as a host's own document
/// (`OSCALRenderer.resultParts`). Titles name the host; every finding carries the host, the control it maps to
/// (`target-id`) and the ISM release of the host's report. The metadata, which counts the hosts, comes after
/// the results (JSON members have no order).
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

    /// Writes the estate document in pieces: `head()`, then `result(_:)` for each host, then `tail(…)`; the
    /// concatenation is the document. Holds only the hosts' count, ISM releases and tool versions.
    public struct EstateWriter: Sendable {
        public let scope: String
        public let generatedAt: Date
        public private(set) var hosts = 0
        var releases = Set<String>()
        var versions = Set<String>()

        public init(scope: String, generatedAt: Date) {
            self.scope = scope
            self.generatedAt = generatedAt
        }

        func uuid(_ parts: String...) -> String { StableUUID.make(parts: ["estate", scope, Timestamp.string(generatedAt)] + parts) }
        var plansResource: String { uuid("resource", "host-assessment-plans") }

        static func encode(_ value: JSONValue) throws -> String {
            String(decoding: try JSONCoding.encoder(.compact).encode(value), as: UTF8.self)
        }

        public func head() throws -> Data {
            let importAP: JSONValue = [
                "href": .string("#\(plansResource)"),
                "remarks": "Each host's plan is in its evidence bundle; see the back-matter resource.",
            ]
            return Data(
                "{\"assessment-results\":{\"uuid\":\(try Self.encode(.string(uuid("assessment-results")))),\"import-ap\":\(try Self.encode(importAP)),\"results\":["
                    .utf8)
        }

        /// One host's result (with the separator before it after the first).
        public mutating func result(_ host: EstateHost) throws -> Data {
            let parts = resultParts(host.report, scope: ["fleet-host", host.name, String(host.assessmentID)])
            let release = host.report.ism?.release
            if let release { releases.insert(release) }
            versions.insert(host.report.tool.version)
            let hostSubject: JSONValue = ["subject-uuid": .string(parts.hostComponent), "type": "component"]
            let hostProps = [prop("fleet-host", host.name), prop("fleet-assessment-id", String(host.assessmentID))]
            let components = parts.components.map { component in
                let isHost = component.field("uuid") == .string(parts.hostComponent)
                return component.amending(
                    title: isHost ? "Host \(host.name)" : nil, titleSuffix: isHost ? nil : " on \(host.name)",
                    props: isHost ? hostProps : [prop("fleet-host", host.name)])
            }
            let observations = parts.observations.map {
                $0.amending(titleSuffix: " on \(host.name)", props: [prop("fleet-host", host.name)], subject: hostSubject)
            }
            let findings = parts.findings.map {
                $0.amending(
                    titleSuffix: " on \(host.name)", props: [prop("fleet-host", host.name)] + (release.map { [prop("ism-release", $0)] } ?? []))
            }
            let start = min(host.report.host.collectedAt, host.report.assessedAt)
            let end = max(host.report.host.collectedAt, host.report.assessedAt)
            let selected = parts.controlIDs.isEmpty ? [ControlID.ism1460] : parts.controlIDs.sorted()
            let result = JSONValue.compact([
                ("uuid", .string(uuid("result", host.name, String(host.assessmentID)))),
                ("title", line("Bulkhead fleet assessment of host \(host.name) (\(scope))")),
                (
                    "description",
                    .string(
                        "The latest assessment of host \(host.name) (fleet assessment \(host.assessmentID)) reporting to the Bulkhead fleet server, selected by: \(scope). The host is a component (type this-system); its mechanisms are components; each observation and finding names its host."
                    )
                ),
                ("start", .string(Timestamp.string(start))),
                ("end", .string(Timestamp.string(end))),
                ("local-definitions", components.isEmpty ? nil : ["components": .array(components)]),
                ("reviewed-controls", reviewedControls(selected, "ISM controls assessed on this host, by their id in the ISM OSCAL catalog.")),
                ("observations", .array(observations)),
                ("findings", .array(findings)),
            ])
            hosts += 1
            return Data(((hosts > 1 ? "," : "") + (try Self.encode(result))).utf8)
        }

        /// The end of the document: a result saying no host was selected when there was none, the metadata
        /// (hosts, ISM releases, tool versions), and the back-matter. `skipped` names hosts whose stored report
        /// could not be read; `truncatedAfter`, when the export stopped early, the hosts written (said, never
        /// silent).
        public func tail(skipped: [String] = [], truncatedAfter: Int? = nil) throws -> Data {
            var out = ""
            if hosts == 0 {
                out += try Self.encode(
                    JSONValue.compact([
                        ("uuid", .string(uuid("result"))),
                        ("title", line("Bulkhead fleet assessment: no host (\(scope))")),
                        ("description", .string("No host reporting to the Bulkhead fleet server is selected by: \(scope).")),
                        ("start", .string(Timestamp.string(generatedAt))),
                        ("end", .string(Timestamp.string(generatedAt))),
                        (
                            "reviewed-controls",
                            reviewedControls([.ism1460], "ISM controls assessed on these hosts, by their id in the ISM OSCAL catalog.")
                        ),
                    ]))
            }
            var remarks =
                releases.isEmpty
                ? "The hosts' reports do not name the ISM release they were assessed against."
                : "ISM release\(releases.count == 1 ? "" : "s") of the hosts' reports: \(releases.sorted().joined(separator: ", "))."
            if !skipped.isEmpty { remarks += " Not included, their stored report could not be read: \(skipped.joined(separator: ", "))." }
            if let truncatedAfter { remarks += " TRUNCATED: the export stopped after \(truncatedAfter) hosts; more hosts are selected." }
            var props = [prop("hosts", String(hosts))] + releases.sorted().map { prop("ism-release", $0) }
            if let truncatedAfter { props.append(prop("truncated-after-hosts", String(truncatedAfter))) }
            let metadata = JSONValue.compact([
                ("title", line("Bulkhead fleet assessment results (\(scope))")),
                ("last-modified", .string(Timestamp.string(generatedAt))),
                ("version", .string(versions.isEmpty ? "none" : "bulkhead " + versions.sorted().joined(separator: ", "))),
                ("oscal-version", .string(oscalVersion)),
                ("props", .array(props)),
                ("remarks", .string(remarks)),
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
            out += "],\"metadata\":\(try Self.encode(metadata)),\"back-matter\":\(try Self.encode(backMatter))}}\n"
            return Data(out.utf8)
        }
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
