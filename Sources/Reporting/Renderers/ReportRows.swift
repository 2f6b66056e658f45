import Assessment
import BulkheadModel
import Foundation

/// The rows every tabular renderer shares: one per mechanism × control, in report order.
struct ReportRow {
    var mechanism: MechanismAssessment
    var control: ControlAssessment
    var verdict: ControlVerdict { control.verdict }
    /// Check findings that did not pass (fail or inconclusive), any subject (mechanism, guest or host).
    var openFindings: [Finding] {
        control.findings.filter {
            switch $0.outcome {
            case .fail, .inconclusive: true
            case .pass, .notApplicable: false
            }
        }
    }

    static func rows(_ report: AssessmentReport) -> [ReportRow] {
        report.mechanisms.flatMap { m in m.controls.map { ReportRow(mechanism: m, control: $0) } }
    }

    /// Every control that appears in the report, in the ISM's order, then any others sorted.
    static func controls(_ report: AssessmentReport) -> [ControlID] {
        let present = Set(report.mechanisms.flatMap { $0.controls.map(\.verdict.control) })
        let known = ControlID.virtualisationHardening.filter { present.contains($0) }
        return known + present.subtracting(known).sorted()
    }
}

extension VerdictStatus {
    /// Words for people.
    var words: String {
        switch self {
        case .satisfied: "Satisfied"
        case .satisfiedLessPreferred: "Satisfied (less preferred path)"
        case .partiallySatisfied: "Partially satisfied"
        case .notSatisfied: "Not satisfied"
        case .notAssessed: "Not assessed"
        case .notApplicable: "Not applicable"
        }
    }
}
