public import Assessment
public import BulkheadModel
import Foundation

/// What every format says first: findings counted by severity and by control, the most important fixes
/// ranked by severity × reach, and one verdict line per control. Built from the report alone (the host's
/// controls included); each finding is counted once however many controls it bears on.
public struct ReportSummary: Sendable {
    /// Finding outcomes: pass, fail, waived (a failure under a waiver in force, never a pass), inconclusive,
    /// not applicable.
    public struct Counts: Hashable, Sendable {
        public var pass = 0
        public var fail = 0
        public var waived = 0
        public var inconclusive = 0
        public var notApplicable = 0
        public var total: Int { pass + fail + waived + inconclusive + notApplicable }
        /// The counts in the order of `ReportSummary.countColumns`.
        public var cells: [Int] { [fail, waived, inconclusive, pass, notApplicable] }

        mutating func add(_ outcome: Outcome, waived isWaived: Bool) {
            switch outcome {
            case .pass: pass += 1
            case .fail: if isWaived { waived += 1 } else { fail += 1 }
            case .inconclusive: inconclusive += 1
            case .notApplicable: notApplicable += 1
            }
        }
    }

    /// How a waived finding is named in `waived`: its check id and subject.
    public static func key(checkID: String, subject: String) -> String { FailPolicy.key(checkID: checkID, subject: subject) }

    /// One fix: a failing check and every subject it fails on.
    public struct Fix: Hashable, Sendable {
        public var checkID: String
        public var severity: Severity
        /// The subjects the check fails on (the host, mechanisms, guests): its reach.
        public var subjects: [String]
        /// The first failing subject's observed value.
        public var observed: String?
        public var guidance: CheckGuidance?
        /// Severity weight (critical 16, high 8, medium 4, low 2, info 1) × reach.
        public var score: Int
    }

    /// One control's verdicts across the subjects (mechanisms and the host).
    public struct ControlLine: Hashable, Sendable {
        public var control: ControlID
        public var counts: [VerdictStatus: Int]
        /// Subjects whose verdict is notSatisfied, by name.
        public var notSatisfied: [String]
        /// The worst status present (notSatisfied first).
        public var worst: VerdictStatus
    }

    public var bySeverity: [(severity: Severity, counts: Counts)]
    public var byControl: [(control: ControlID, counts: Counts)]
    public var total: Counts
    /// Every failing check, most important first; renderers show the first `topFixes`.
    public var fixes: [Fix]
    public var controls: [ControlLine]

    /// How many ranked fixes a summary shows (the issue asks for three to ten).
    public static let topFixes = 10

    /// The columns of the counts tables after the first (severity or control).
    public static let countColumns = ["Fail", "Waived", "Inconclusive", "Pass", "n/a"]

    /// The counts tables, by severity then by control: the first column's heading, then a row (label and
    /// count cells) for each severity or control. Markdown and HTML show the same tables.
    public var countTables: [(heading: String, rows: [(label: String, cells: [Int])])] {
        [
            ("Severity", bySeverity.map { ($0.severity.rawValue, $0.counts.cells) }),
            ("Control", byControl.map { ($0.control.rawValue, $0.counts.cells) }),
        ]
    }

    /// The sentence before the ranked fixes.
    public var fixesIntro: String {
        "The \(min(fixes.count, Self.topFixes)) most important of \(fixes.count) failing check(s), ranked by severity × reach, grouped by effort."
    }

    /// The first `topFixes` fixes grouped by effort (low, medium, high, unknown; empty groups left out),
    /// each with its 1-based rank in the whole ranking — what Markdown and HTML show.
    public var topFixesByEffort: [(effort: String, fixes: [(rank: Int, fix: Fix)])] {
        let top = fixes.prefix(Self.topFixes).enumerated().map { (rank: $0.offset + 1, fix: $0.element) }
        return ["low", "medium", "high", "unknown"].compactMap { effort in
            let group = top.filter { ($0.fix.guidance?.effort ?? "unknown") == effort }
            return group.isEmpty ? nil : (effort, group)
        }
    }

    /// `waived`: the failing findings (`key(checkID:subject:)`) a waiver in force covers (from the store); they
    /// count as waived and are left out of the fixes.
    public init(_ report: AssessmentReport, waived: Set<String> = []) {
        let subjects = report.withHostAsSubject().mechanisms
        var seen = Set<String>()
        var findings: [Finding] = []
        for m in subjects {
            for c in m.controls {
                for f in c.findings where seen.insert(f.checkID + "\u{0}" + f.subject).inserted { findings.append(f) }
            }
        }
        var sev: [Severity: Counts] = [:]
        var ctl: [ControlID: Counts] = [:]
        var total = Counts()
        for f in findings {
            let isWaived = waived.contains(Self.key(checkID: f.checkID, subject: f.subject))
            sev[f.severity, default: Counts()].add(f.outcome, waived: isWaived)
            for c in f.controls { ctl[c, default: Counts()].add(f.outcome, waived: isWaived) }
            total.add(f.outcome, waived: isWaived)
        }
        self.total = total
        bySeverity = Severity.allCases.reversed().compactMap { s in sev[s].map { (s, $0) } }
        let order = ControlID.virtualisationHardening + Set(ctl.keys).subtracting(ControlID.virtualisationHardening).sorted()
        byControl = order.compactMap { c in ctl[c].map { (c, $0) } }

        var byCheck: [String: [Finding]] = [:]
        for f in findings where f.outcome == .fail && !waived.contains(Self.key(checkID: f.checkID, subject: f.subject)) {
            byCheck[f.checkID, default: []].append(f)
        }
        fixes = byCheck.map { id, failed in
            let severity = failed.map(\.severity).max() ?? .info
            let subjects = Set(failed.map(\.subject)).sorted()
            return Fix(
                checkID: id, severity: severity, subjects: subjects, observed: failed.first?.observed, guidance: report.guidance?[id],
                score: Self.weight(severity) * subjects.count)
        }.sorted { ($0.score, $0.severity, $1.checkID) > ($1.score, $1.severity, $0.checkID) }

        let statusOrder: [VerdictStatus] = [
            .notSatisfied, .partiallySatisfied, .notAssessed, .satisfiedLessPreferred, .satisfied, .notApplicable,
        ]
        var lines: [ControlLine] = []
        let present = Set(subjects.flatMap { $0.controls.map(\.verdict.control) })
        for control in (ControlID.virtualisationHardening + present.subtracting(ControlID.virtualisationHardening).sorted())
        where present.contains(control) {
            var counts: [VerdictStatus: Int] = [:]
            var bad: [String] = []
            for m in subjects {
                guard let v = m.verdict(for: control) else { continue }
                counts[v.status, default: 0] += 1
                if v.status == .notSatisfied { bad.append(m.mechanism.product == "host" ? "host" : m.mechanism.product.rawValue) }
            }
            lines.append(
                ControlLine(
                    control: control, counts: counts, notSatisfied: bad, worst: statusOrder.first { counts[$0] != nil } ?? .notApplicable))
        }
        controls = lines
    }

    static func weight(_ s: Severity) -> Int {
        switch s {
        case .critical: 16
        case .high: 8
        case .medium: 4
        case .low: 2
        case .info: 1
        }
    }

    /// `ISM-1605: notSatisfied — 1 notSatisfied (host), 2 satisfied`.
    public static func verdictLine(_ line: ControlLine) -> String {
        let order: [VerdictStatus] = [.notSatisfied, .partiallySatisfied, .notAssessed, .satisfiedLessPreferred, .satisfied, .notApplicable]
        let parts = order.compactMap { s -> String? in
            guard let n = line.counts[s] else { return nil }
            return s == .notSatisfied && !line.notSatisfied.isEmpty
                ? "\(n) \(s.rawValue) (\(line.notSatisfied.joined(separator: ", ")))" : "\(n) \(s.rawValue)"
        }
        return "\(line.control.rawValue): \(line.worst.rawValue) — " + parts.joined(separator: ", ")
    }

    /// `4 fail, 3 inconclusive, 7 pass, 2 n/a`.
    public static func countsText(_ c: Counts) -> String {
        "\(c.fail) fail, \(c.waived) waived, \(c.inconclusive) inconclusive, \(c.pass) pass, \(c.notApplicable) n/a"
    }

    /// The first reference of a fix's guidance: `title <url>`.
    public static func reference(_ g: CheckGuidance?) -> String? {
        g?.references.first.map { "\($0.title) <\($0.url)>" }
    }
}
