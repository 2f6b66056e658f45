public import BulkheadModel

/// The `--fail-on` policy: which control verdicts make an assessment fail a gate (CI, cron, a
/// deployment check). It looks at every mechanism's verdicts and the host's own controls.
public enum FailPolicy: String, CaseIterable, Codable, Hashable, Sendable {
    /// Fail when any control verdict is notSatisfied.
    case notSatisfied
    /// Fail when any verdict is notSatisfied, partiallySatisfied or notAssessed (a gate does not pass
    /// what could not be assessed).
    case partiallySatisfied

    /// One verdict that trips the gate.
    public struct Trip: Hashable, Sendable, CustomStringConvertible {
        /// The mechanism's name, or the host operating system's.
        public var subject: String
        public var control: ControlID
        public var status: VerdictStatus

        /// `QEMU ISM-1604 notSatisfied`.
        public var description: String { "\(subject) \(control.rawValue) \(status.rawValue)" }
    }

    /// True when a verdict with this status trips the gate.
    public func trips(_ status: VerdictStatus) -> Bool {
        switch (self, status) {
        case (_, .notSatisfied): true
        case (.partiallySatisfied, .partiallySatisfied), (.partiallySatisfied, .notAssessed): true
        default: false
        }
    }

    /// The verdicts of the report that trip the gate, mechanisms first, then the host's own controls.
    public func trips(in report: AssessmentReport) -> [Trip] {
        report.withHostAsSubject().mechanisms.flatMap { m in
            m.controls.filter { trips($0.verdict.status) }.map {
                Trip(subject: m.mechanism.name, control: $0.verdict.control, status: $0.verdict.status)
            }
        }
    }
}

extension AssessmentReport {
    /// The report with the host's own controls (ISM-1605, 1461, 1607 …) as one more subject beside the
    /// mechanisms, so every renderer shows them in its summary and the gate sees them. The JSON
    /// document keeps `hostControls`.
    public func withHostAsSubject() -> AssessmentReport {
        guard let host = hostControls, !host.isEmpty else { return self }
        var copy = self
        let mechanism = IsolationMechanism(
            product: "host", name: "Host operating system (\(self.host.hostname ?? "unnamed host"))", version: nil,
            role: .hostOperatingSystem, state: .running)
        copy.mechanisms.append(MechanismAssessment(mechanism: mechanism, catalogProduct: nil, controls: host))
        copy.hostControls = nil
        return copy
    }
}
