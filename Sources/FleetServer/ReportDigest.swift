import Foundation

/// What the fleet reads from an assessment report (reports/assessment.json, docs/assessment-schema.md): the
/// time, and per mechanism and for the host its control verdicts and findings. Unknown keys are ignored; a
/// report without these keys is malformed.
/// Ingest reads it with `SubmissionReader.digest` (JSONPull); its `Decodable` conformance is the reference that
/// reader is tested against (IngestTests).
struct ReportDigest: Decodable {
    var assessedAt: String
    var host: Host
    var mechanisms: [MechanismEntry]
    var hostControls: [Control]?
    var profile: Profile?

    struct Host: Decodable { var hostname: String? }
    /// The system profile's host classification (the estate filter); anything but a string is none.
    struct Profile: Decodable {
        var host: ProfileHost?
        init(host: ProfileHost?) { self.host = host }
        struct ProfileHost: Decodable {
            var classification: String?
            init(classification: String?) { self.classification = classification }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: Key.self)
                classification = try? container.decodeIfPresent(String.self, forKey: .classification)
            }
            enum Key: String, CodingKey { case classification }
        }
        init(from decoder: any Decoder) throws {
            host = try? decoder.container(keyedBy: Key.self).decodeIfPresent(ProfileHost.self, forKey: .host)
        }
        enum Key: String, CodingKey { case host }
    }
    struct MechanismEntry: Decodable {
        var catalogProduct: String?
        var mechanism: Mechanism
        var controls: [Control]
    }
    struct Mechanism: Decodable {
        var name: String?
        var product: String?
        var version: String?
    }
    struct Control: Decodable {
        var verdict: Verdict
        var findings: [Finding]?
    }
    struct Verdict: Decodable {
        var control: String
        var status: String
        var subject: String?
    }
    struct Finding: Decodable {
        var checkID: String
        var severity: String?
        var subject: String?
        var controls: [String]?
        /// The outcome's case name: pass, fail, inconclusive, notApplicable … (the least of the outcome object's
        /// keys; "unknown" when it has none).
        var verdict: String

        init(checkID: String, severity: String?, outcomeCases: [String], subject: String?, controls: [String]?) {
            self.checkID = checkID
            self.severity = severity
            self.subject = subject
            self.controls = controls
            verdict = outcomeCases.min() ?? "unknown"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            self.init(
                checkID: try container.decode(String.self, forKey: .checkID),
                severity: try container.decodeIfPresent(String.self, forKey: .severity),
                outcomeCases: Array(try container.decode([String: Ignored].self, forKey: .outcome).keys),
                subject: try container.decodeIfPresent(String.self, forKey: .subject),
                controls: try container.decodeIfPresent([String].self, forKey: .controls))
        }
        enum Key: String, CodingKey { case checkID, severity, outcome, subject, controls }
    }
    struct Ignored: Decodable { init(from decoder: any Decoder) throws {} }

    struct Row {
        var subject: String
        var product: String?
        var version: String?
        var control: String
        var status: String
        var findings: [Finding]
    }

    /// Every control verdict with its mechanism (host controls have subject "host" and no product).
    var rows: [Row] {
        var out: [Row] = []
        for entry in mechanisms {
            let product = entry.catalogProduct ?? entry.mechanism.product
            for control in entry.controls {
                out.append(
                    Row(
                        subject: control.verdict.subject ?? product ?? "unknown", product: product, version: entry.mechanism.version,
                        control: control.verdict.control, status: control.verdict.status, findings: control.findings ?? []))
            }
        }
        for control in hostControls ?? [] {
            out.append(
                Row(
                    subject: control.verdict.subject ?? "host", product: nil, version: nil, control: control.verdict.control,
                    status: control.verdict.status, findings: control.findings ?? []))
        }
        return out
    }

    /// What the estate pages read of the report besides its rows (migration 6), computed once at ingest.
    struct Summary: Equatable {
        var classification: String?
        /// Distinct failing check ids, sorted.
        var failingChecks: [String]
        /// Distinct `severity U+1F product U+1F check id` of the failing findings (product "" for none).
        var failingDetail: [String]
        var failingCount: Int
        var notSatisfied: Int
        var products: [String]
    }

    func summary(_ rows: [Row]) -> Summary {
        let failing = rows.flatMap { row in row.findings.filter { $0.verdict == "fail" }.map { (row, $0) } }
        return Summary(
            classification: profile?.host?.classification,
            failingChecks: Set(failing.map(\.1.checkID)).sorted(),
            failingDetail: Set(failing.map { [$0.1.severity ?? "unknown", $0.0.product ?? "", $0.1.checkID].joined(separator: "\u{1F}") }).sorted(),
            failingCount: failing.count, notSatisfied: rows.filter { $0.status == "notSatisfied" }.count,
            products: Set(rows.compactMap(\.product)).sorted())
    }

    /// A verdict's waiver gate (`control_verdicts.gate`), nil unless one of its findings fails: each finding as
    /// `outcome U+1F severity U+1F 1|0 (filed under the verdict's control) U+1F check id`, what
    /// `FailPolicy.gatedStatus` reads of it; and the failing check ids. Joined by U+1E to travel as one array element
    /// (a U+1E in a check id becomes U+FFFD: such a check is never matched by a waiver, judged as recorded).
    static func gate(_ row: Row) -> (gate: String, failing: String)? {
        guard row.findings.contains(where: { $0.verdict == "fail" }) else { return nil }
        func clean(_ id: String) -> String { id.replacingOccurrences(of: "\u{1E}", with: "\u{FFFD}") }
        let control = row.control.uppercased()
        let gate = row.findings.map { finding in
            let filed = (finding.controls ?? [row.control]).contains { $0.uppercased() == control }
            let outcome = ["pass", "fail", "notApplicable", "inconclusive"].contains(finding.verdict) ? finding.verdict : "unknown"
            let severity = ["info", "low", "medium", "high", "critical"].contains(finding.severity ?? "") ? finding.severity ?? "" : "unknown"
            return [outcome, severity, filed ? "1" : "0", clean(finding.checkID)].joined(separator: "\u{1F}")
        }
        let failing = Set(row.findings.filter { $0.verdict == "fail" }.map { clean($0.checkID) }).sorted()
        return (gate.joined(separator: "\u{1E}"), failing.joined(separator: "\u{1E}"))
    }
}
