public import Assessment
import BulkheadModel
public import Foundation
import VendorEvidence

/// SARIF 2.1.0 for CI dashboards: a result for every non-satisfied verdict, every criterion that is not
/// met and every failed or inconclusive check; rules from the control, criterion and check metadata.
public enum SARIFRenderer {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

    public static func render(_ report: AssessmentReport) throws -> Data {
        try JSONCoding.documentData(document(report))
    }

    struct Rule {
        var id: String
        var name: String
        var short: String
        var full: String
        var tags: [String]
        /// What to do (a check's remediation and vendor reference); shown by code-scanning UIs.
        var help: String? = nil
        var helpUri: String? = nil
    }

    public static func document(_ report: AssessmentReport) -> JSONValue {
        var rules: [String: Rule] = [:]
        var results: [JSONValue] = []

        func addRule(_ r: Rule) { if rules[r.id] == nil { rules[r.id] = r } }

        for m in report.mechanisms {
            let mech = m.mechanism
            let logical: JSONValue = [
                "logicalLocations": [
                    ["name": .string(mech.name), "fullyQualifiedName": .string(mech.product.rawValue), "kind": "module"]
                ]
            ]
            let location = firstFileLocation(mech.evidence).map { [$0, logical] } ?? [logical]
            for c in m.controls {
                let v = c.verdict
                let control = v.control.rawValue
                addRule(
                    Rule(
                        id: control, name: "ISMControl" + control.replacingOccurrences(of: "ISM-", with: ""),
                        short: "\(control) verdict for a software isolation mechanism",
                        full: "Bulkhead's verdict on ISM control \(control) (\(v.control.oscalID) in the ISM OSCAL catalog).",
                        tags: ["ism", v.control.oscalID],
                        help:
                            "Fix the failing checks and unmet criteria listed for \(control) in the results; each check's rule carries its remediation.",
                        helpUri: OSCALRenderer.ISMCatalog.repository))
                if let (level, kind) = verdictLevel(v.status) {
                    results.append(
                        result(
                            rule: control, level: level, kind: kind,
                            message: "\(control) \(v.status.rawValue) for \(mech.name) (confidence \(v.confidence.rawValue)): "
                                + v.rationale.joined(separator: " "),
                            locations: location,
                            fingerprint: [mech.product.rawValue, control],
                            properties: ["status": .string(v.status.rawValue), "confidence": .string(v.confidence.rawValue)]))
                }
                for r in c.ism1460?.criteria ?? [] {
                    let id = "\(control)/\(r.criterion.number)"
                    addRule(
                        Rule(
                            id: id, name: "ISM1460Criterion" + r.criterion.rawValue.prefix(1).uppercased() + r.criterion.rawValue.dropFirst(),
                            short: "\(control) criterion (\(r.criterion.number)): \(r.criterion.title)",
                            full: "ISM-1460 criterion (\(r.criterion.number)) \(r.criterion.title), decided as docs/criteria.md describes.",
                            tags: ["ism", v.control.oscalID, "criterion-\(r.criterion.number)"],
                            help:
                                "Decided from the catalog's and the organisation's evidence: `bulkhead vendor show PRODUCT` lists each fact and its source; an attestation (`--evidence FILE`) adds what the vendor publishes.",
                            helpUri: OSCALRenderer.ISMCatalog.repository))
                    let level: (String, String)? =
                        switch r.outcome {
                        case .met: nil
                        case .partiallyMet: ("warning", "fail")
                        case .notMet: ("error", "fail")
                        case .unknown: ("none", "review")
                        }
                    guard let (lv, kind) = level else { continue }
                    results.append(
                        result(
                            rule: id, level: lv, kind: kind,
                            message: "(\(r.criterion.number)) \(r.criterion.title) \(r.outcome.rawValue) for \(mech.name): "
                                + (r.reasons.isEmpty ? "no reasons recorded." : r.reasons.joined(separator: " ")),
                            locations: location, fingerprint: [mech.product.rawValue, id],
                            properties: ["outcome": .string(r.outcome.rawValue)]))
                }
                for f in c.findings {
                    let g = report.guidance?[f.checkID]
                    let controls = f.controls.map(\.rawValue).joined(separator: ", ")
                    addRule(
                        Rule(
                            id: f.checkID, name: f.checkID, short: g.map { "\($0.title) (\(f.checkID))" } ?? "Check \(f.checkID)",
                            full: (g.map { $0.rationale + " " } ?? "") + "Hardening check \(f.checkID) (controls \(controls))"
                                + (f.expected.map { "; expected: \($0)" } ?? "") + ".",
                            tags: ["check"] + f.controls.map(\.oscalID),
                            help: g.map { g in
                                "Remediation (effort \(g.effort)): \(g.remediation)"
                                    + g.references.map { "\nReference: \($0.title) <\($0.url)>" }.joined()
                            } ?? "See `bulkhead checks show \(f.checkID)`.",
                            helpUri: g?.references.first?.url))
                    let level: (String, String)?
                    var text = "\(f.checkID) on \(f.subject): \(f.outcome.label)"
                    switch f.outcome {
                    case .pass, .notApplicable: level = nil
                    case .fail: level = (severityLevel(f.severity), "fail")
                    case .inconclusive(let reason):
                        level = ("none", "review")
                        text += " (\(reason))"
                    }
                    guard let (lv, kind) = level else { continue }
                    if let o = f.observed { text += "; observed \(o)" }
                    if let e = f.expected { text += "; expected \(e)" }
                    if case .fail = f.outcome {
                        text += g.map { "; fix (effort \($0.effort)): \($0.remediation)" } ?? "; fix: see `bulkhead checks show \(f.checkID)`"
                        if let ref = g?.references.first { text += " (see \(ref.title) <\(ref.url)>)" }
                    }
                    let locs = firstFileLocation(f.evidence).map { [$0, logical] } ?? location
                    results.append(
                        result(
                            rule: f.checkID, level: lv, kind: kind, message: text + ".", locations: locs,
                            fingerprint: [f.subject, f.checkID],
                            properties: ["severity": .string(f.severity.rawValue), "subject": .string(f.subject)]))
                }
            }
        }

        let sortedRules = rules.values.sorted { $0.id < $1.id }
        let ruleJSON: [JSONValue] = sortedRules.map { r in
            var o: [String: JSONValue] = [
                "id": .string(r.id), "name": .string(r.name),
                "shortDescription": ["text": .string(r.short)], "fullDescription": ["text": .string(r.full)],
                "properties": ["tags": .array(r.tags.map { .string($0) })],
            ]
            if let help = r.help { o["help"] = ["text": .string(help)] }
            if let uri = r.helpUri { o["helpUri"] = .string(uri) }
            return .object(o)
        }
        var indexed: [JSONValue] = []
        for r in results {
            guard case .object(var o) = r, case .string(let id)? = o["ruleId"] else { continue }
            if let i = sortedRules.firstIndex(where: { $0.id == id }) { o["ruleIndex"] = .int(i) }
            indexed.append(.object(o))
        }
        let run: JSONValue = JSONValue.compact([
            (
                "tool",
                [
                    "driver": JSONValue.compact([
                        ("name", "Bulkhead"), ("semanticVersion", .string(report.tool.version)),
                        ("version", .string(report.tool.version)),
                        ("informationUri", .string(OSCALRenderer.ISMCatalog.repository)),
                        ("rules", .array(ruleJSON)),
                    ])
                ]
            ),
            (
                "invocations",
                [
                    JSONValue.compact([
                        ("executionSuccessful", .bool(true)),
                        ("endTimeUtc", .string(Timestamp.string(report.assessedAt))),
                        (
                            "toolExecutionNotifications",
                            .array(
                                report.problems.map { p in
                                    ["level": "warning", "message": ["text": .string(p.description)]]
                                })
                        ),
                    ])
                ]
            ),
            ("results", .array(indexed)),
            (
                "properties",
                JSONValue.compact([
                    ("hostname", report.host.hostname.map { .string($0) }), ("source", .string(report.host.source)),
                    ("ismRelease", report.ism.map { .string($0.release) }),
                    ("ismControls", .array(ISMQuote.lines(report).map { .string($0) })),
                    ("advisoryDatabase", report.inputs.advisoryDatabase.map { advisoryDatabase(report, $0) }),
                ])
            ),
        ])
        return ["$schema": .string(schemaURI), "version": "2.1.0", "runs": [run]]
    }

    /// The advisory database ISM-1606 rests on (issue 14 §5): the lines every report shows, and the same as
    /// values (age and limit as decimal strings: the property bag keeps them as written).
    static func advisoryDatabase(_ report: AssessmentReport, _ info: AssessmentReport.AdvisoryDatabaseInfo) -> JSONValue {
        JSONValue.compact([
            ("path", .string(info.path)), ("state", .string(info.state)), ("stale", .bool(info.stale)),
            ("lastImport", info.lastImport.map { .string(Timestamp.string($0)) }),
            ("ageDays", info.ageDays.map { .string(String(format: "%.1f", $0)) }),
            ("maximumAgeDays", info.maximumAgeDays.map { .string($0.formatted()) }),
            (
                "sources",
                .array(
                    (info.sources ?? []).map { s in
                        JSONValue.compact([
                            ("format", .string(s.format)), ("records", .int(s.records)),
                            ("newestRecord", s.newestRecord.map { .string($0) }),
                            ("importedAt", s.importedAt.map { .string(Timestamp.string($0)) }),
                        ])
                    })
            ),
            (
                "coverage",
                .array(
                    (info.coverage ?? []).map { c in
                        [
                            "product": .string(c.product), "covered": .bool(c.covered),
                            "recordsBySource": .object(c.recordsBySource.mapValues { .int($0) }),
                        ]
                    })
            ),
            ("lines", .array(AdvisoryDatabaseLines.lines(report).map { .string($0) })),
        ])
    }

    static func verdictLevel(_ s: VerdictStatus) -> (String, String)? {
        switch s {
        case .satisfied, .satisfiedLessPreferred, .notApplicable: nil
        case .partiallySatisfied: ("warning", "fail")
        case .notSatisfied: ("error", "fail")
        case .notAssessed: ("none", "review")
        }
    }

    static func severityLevel(_ s: Severity) -> String {
        switch s {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .info: "note"
        }
    }

    static func firstFileLocation(_ evidence: [Evidence]) -> JSONValue? {
        for e in evidence {
            if case .file(let path, _) = e.source, path.hasPrefix("/") {
                return ["physicalLocation": ["artifactLocation": ["uri": .string(URL(fileURLWithPath: path).absoluteString)]]]
            }
        }
        return nil
    }

    static func result(
        rule: String, level: String, kind: String, message: String, locations: [JSONValue], fingerprint: [String],
        properties: [String: JSONValue]
    ) -> JSONValue {
        [
            "ruleId": .string(rule), "level": .string(level), "kind": .string(kind),
            "message": ["text": .string(message)],
            "locations": .array(locations),
            "partialFingerprints": ["bulkhead/v1": .string(StableUUID.make(parts: fingerprint))],
            "properties": .object(properties),
        ]
    }
}
