public import BulkheadModel

/// The `--fail-on` policy: which results make an assessment fail a gate (CI, cron, a deployment check).
/// Verdict gates look at every mechanism's verdicts and the host's own controls; severity gates at every
/// failing check finding (mechanisms, guests, the host).
public enum FailPolicy: String, CaseIterable, Codable, Hashable, Sendable {
    /// Fail when any control verdict is notSatisfied.
    case notSatisfied
    /// Fail when any verdict is notSatisfied, partiallySatisfied or notAssessed (a gate does not pass
    /// what could not be assessed).
    case partiallySatisfied
    /// Fail when any check fails at this severity or above.
    case critical, high, medium, low

    /// The severity gate's threshold; nil for a verdict gate.
    public var severity: Severity? {
        switch self {
        case .notSatisfied, .partiallySatisfied: nil
        case .critical: .critical
        case .high: .high
        case .medium: .medium
        case .low: .low
        }
    }

    /// One verdict or failing finding that trips the gate.
    public struct Trip: Hashable, Sendable, CustomStringConvertible {
        /// The mechanism's name, or the host operating system's (verdicts); the finding's subject (findings).
        public var subject: String
        public var control: ControlID
        public var status: VerdictStatus
        /// The failing check, for a severity gate.
        public var checkID: String?
        public var severity: Severity?

        /// `QEMU ISM-1604 notSatisfied`, or `host.mitigations-off [high] on host (ISM-1605, ISM-1461)`.
        public var description: String {
            if let checkID, let severity { return "\(checkID) [\(severity.rawValue)] on \(subject) (\(control.rawValue))" }
            return "\(subject) \(control.rawValue) \(status.rawValue)"
        }
    }

    /// How a finding is named in a set of waived findings: its check id and subject.
    public static func key(checkID: String, subject: String) -> String { checkID + "\u{0}" + subject }

    /// Controls whose verdict is a vendor evaluation (docs/criteria.md), never a roll-up of checks: a waiver on
    /// a finding filed under them (a lab scenario) does not change what the gate judges.
    static let evaluatedControls: Set<ControlID> = [.ism1460, .ism1743]

    /// The status a verdict gate judges for one control, nil when nothing is left to judge.
    ///
    /// The recorded verdict, unless three things hold: a waiver in force covers at least one of the control's
    /// failing findings; the control is decided by checks (not ISM-1460 or ISM-1743); and rolling up its
    /// findings (`ControlRollup`) gives the recorded status, so the findings alone made the verdict (a
    /// profile's classification or a catalog evaluation that set it otherwise is kept). Then the findings are
    /// rolled up again without the waived failures: a control whose only high failure is waived drops from
    /// notSatisfied to what the rest shows; a waived failure never becomes a pass, it is left out.
    public static func gatedStatus(_ control: ControlAssessment, waived: Set<String>) -> VerdictStatus? {
        let recorded = control.verdict.status
        let id = control.verdict.control
        let isWaived = { (f: Finding) in f.outcome == .fail && waived.contains(key(checkID: f.checkID, subject: f.subject)) }
        guard !waived.isEmpty, !evaluatedControls.contains(id), control.findings.contains(where: isWaived),
            ControlRollup.verdict(control: id, subject: control.verdict.subject, findings: control.findings)?.status == recorded
        else { return recorded }
        let rest = control.findings.filter { !isWaived($0) }
        return ControlRollup.verdict(control: id, subject: control.verdict.subject, findings: rest)?.status
    }

    /// True when a verdict with this status trips a verdict gate (never a severity gate).
    public func trips(_ status: VerdictStatus) -> Bool {
        switch (self, status) {
        case (.notSatisfied, .notSatisfied), (.partiallySatisfied, .notSatisfied): true
        case (.partiallySatisfied, .partiallySatisfied), (.partiallySatisfied, .notAssessed): true
        default: false
        }
    }

    /// What trips the gate: for a verdict gate the verdicts, mechanisms first, then the host's own controls;
    /// for a severity gate each failing finding at or above the severity, once (a finding bearing on two
    /// controls names the first), most severe first.
    ///
    /// `waived`: failing findings under a waiver in force (`FailPolicy.key`). A severity gate skips them — an
    /// accepted exception does not fail the build. A verdict gate judges each control as `gatedStatus` gives it:
    /// a control decided by its checks alone is rolled up again without the waived failures; a vendor
    /// evaluation, or a verdict something besides the checks decided, is judged as recorded.
    public func trips(in report: AssessmentReport, waived: Set<String> = []) -> [Trip] {
        let subjects = report.withHostAsSubject().mechanisms
        guard let threshold = severity else {
            return subjects.flatMap { m in
                m.controls.compactMap { c -> Trip? in
                    guard let status = Self.gatedStatus(c, waived: waived), trips(status) else { return nil }
                    return Trip(subject: m.mechanism.name, control: c.verdict.control, status: status)
                }
            }
        }
        var seen = Set<String>()
        var out: [Trip] = []
        for m in subjects {
            for c in m.controls {
                for f in c.findings
                where f.outcome == .fail && f.severity >= threshold && !waived.contains(Self.key(checkID: f.checkID, subject: f.subject))
                    && seen.insert(Self.key(checkID: f.checkID, subject: f.subject)).inserted
                {
                    out.append(
                        Trip(subject: f.subject, control: c.verdict.control, status: c.verdict.status, checkID: f.checkID, severity: f.severity))
                }
            }
        }
        return out.enumerated().sorted { a, b in
            let (x, y) = (a.element.severity ?? .info, b.element.severity ?? .info)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
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
