import Foundation

/// What the fleet reads from an assessment report (reports/assessment.json, docs/assessment-schema.md): the
/// time, and per mechanism and for the host its control verdicts and findings. Unknown keys are ignored; a
/// report without these keys is malformed.
struct ReportDigest: Decodable {
    var assessedAt: String
    var host: Host
    var mechanisms: [MechanismEntry]
    var hostControls: [Control]?

    struct Host: Decodable { var hostname: String? }
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
        var outcome: [String: Ignored]
        var subject: String?
        var controls: [String]?
        /// The outcome's case name: pass, fail, inconclusive, notApplicable …
        var verdict: String { outcome.keys.sorted().first ?? "unknown" }
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
}
