public import BulkheadModel
import Foundation

/// Turns check findings into a control verdict for one subject (a mechanism or the host).
///
/// The rule (docs/criteria.md, "Controls decided by checks"):
/// - no finding for the control → no verdict is made (nothing is claimed);
/// - every finding `notApplicable` → `notApplicable`;
/// - every applicable finding `inconclusive` → `notAssessed` (nothing could be observed);
/// - a failing check of high or critical severity → `notSatisfied`;
/// - any other failure, or passes mixed with inconclusive findings → `partiallySatisfied`;
/// - every applicable finding passes → `satisfied`.
public enum ControlRollup {
    public static func verdict(control: ControlID, subject: ProductID, findings: [Finding]) -> ControlVerdict? {
        let relevant = findings.filter { $0.controls.contains(control) }
        guard !relevant.isEmpty else { return nil }
        let applicable = relevant.filter { $0.outcome != .notApplicable }
        let failed = applicable.filter { $0.outcome == .fail }
        let passed = applicable.filter { $0.outcome == .pass }
        let inconclusive = applicable.filter { if case .inconclusive = $0.outcome { true } else { false } }
        let status: VerdictStatus
        var rationale: [String] = []
        if applicable.isEmpty {
            status = .notApplicable
            rationale.append("All \(relevant.count) check(s) for \(control) are not applicable to \(subject).")
        } else if failed.isEmpty && passed.isEmpty {
            status = .notAssessed
            rationale.append("None of the \(inconclusive.count) check(s) for \(control) could be observed.")
        } else if failed.contains(where: { $0.severity >= .high }) {
            status = .notSatisfied
        } else if !failed.isEmpty || !inconclusive.isEmpty {
            status = .partiallySatisfied
        } else {
            status = .satisfied
        }
        if !failed.isEmpty {
            rationale.append(
                "\(failed.count) check(s) fail: "
                    + failed.sorted { $0.severity > $1.severity }.prefix(8).map { "\($0.checkID) [\($0.severity.rawValue)] on \($0.subject)" }
                    .joined(separator: "; "))
        }
        if !passed.isEmpty { rationale.append("\(passed.count) check(s) pass.") }
        if !inconclusive.isEmpty && !(failed.isEmpty && passed.isEmpty) {
            rationale.append(
                "\(inconclusive.count) check(s) inconclusive: "
                    + inconclusive.prefix(5).map(\.checkID).joined(separator: ", "))
        }
        let confidence: Confidence = inconclusive.isEmpty ? .high : .medium
        let evidence = relevant.flatMap(\.evidence).prefix(50)
        return ControlVerdict(
            control: control, subject: subject, status: status, confidence: confidence, rationale: rationale,
            evidence: Array(evidence))
    }

    /// Every control the findings name, each rolled up, in the ISM's order.
    public static func controls(for subject: ProductID, findings: [Finding]) -> [ControlAssessment] {
        let named = Set(findings.flatMap(\.controls))
        let order = ControlID.virtualisationHardening + named.subtracting(ControlID.virtualisationHardening).sorted()
        return order.filter(named.contains).compactMap { control in
            verdict(control: control, subject: subject, findings: findings).map {
                ControlAssessment(verdict: $0, findings: findings.filter { $0.controls.contains(control) })
            }
        }
    }

    /// The mechanism a finding's subject names (`qemu`, `qemu/vm1`, `libvirt:/etc/libvirt/qemu.conf`), or nil for the host.
    public static func product(ofSubject subject: String) -> ProductID? {
        if subject == "host" { return nil }
        let cut = subject.firstIndex { $0 == "/" || $0 == ":" } ?? subject.endIndex
        return ProductID(String(subject[..<cut]))
    }
}
