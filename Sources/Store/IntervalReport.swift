public import Foundation

/// The interval report: what the review process did between two dates — reviews held, drift found,
/// waivers, training status and open findings over time. Built from the store; rendered as Markdown or
/// self-contained HTML by `IntervalReportRenderer`.
public struct IntervalReport: Sendable {
    public struct MechanismLine: Hashable, Sendable {
        public var product: String
        public var name: String
        public var version: String?
        public var state: String
        public var guests: [String]
    }
    public struct TimelinePoint: Hashable, Sendable {
        public var runID: Int64
        public var finishedAt: Date
        /// Effective outcome label → count, with waivers applied as of the run's finish time.
        public var counts: [String: Int]
        public var openBySeverity: [String: Int]
    }
    public struct OpenFinding: Hashable, Sendable {
        public var checkID: String
        public var subject: String
        public var severity: String
        public var outcome: String
        public var detail: String?
    }
    public struct HostSection: Sendable {
        public var host: String
        public var latestRunID: Int64?
        public var mechanisms: [MechanismLine]
        public var timeline: [TimelinePoint]
        public var drifts: [Drift]
        public var openFindings: [OpenFinding]
        public var waivedFindings: [OpenFinding]
    }

    public var from: Date
    /// Exclusive end.
    public var to: Date
    /// Statuses are evaluated as of this instant: the end of the interval, or now if that is earlier.
    public var asOf: Date
    public var generatedAt: Date
    public var timeZone: TimeZone
    public var reviewCadence: Cadence
    public var trainingCadence: Cadence
    public var hosts: [HostSection]
    public var reviews: [Review]
    public var reviewStatus: DueStatus
    public var waivers: [Waiver]
    public var training: [TrainingStatus]
    public var bulkheadVersion: String
}

extension Store {
    public func intervalReport(
        from: Date, to: Date, calendar: Calendar, reviewCadence: Cadence = .quarterly,
        trainingCadence: Cadence = .yearly, generatedAt: Date = Date(), bulkheadVersion: String = ""
    ) throws -> IntervalReport {
        guard to > from else {
            throw StoreError(.invalidArgument, "The report interval is empty: --to must be after --from.")
        }
        let asOf = min(to.addingTimeInterval(-0.001), generatedAt)
        let allWaivers = try waivers()
        let allRuns = try runs().sorted { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }
        var sections: [IntervalReport.HostSection] = []
        for host in Set(allRuns.map(\.host)).sorted() {
            let hostRuns = allRuns.filter { $0.host == host }
            let inside = hostRuns.filter { $0.finishedAt >= from && $0.finishedAt < to }
            let baseline = hostRuns.last { $0.finishedAt < from }
            guard !inside.isEmpty || baseline != nil else { continue }
            var records: [(Int64, AssessmentRecord)] = []
            for r in (baseline.map { [$0] } ?? []) + inside { records.append((r.id, try assessment(run: r.id))) }
            var timeline: [IntervalReport.TimelinePoint] = []
            for (id, rec) in records where rec.finishedAt >= from {
                var counts: [String: Int] = [:]
                var open: [String: Int] = [:]
                for f in rec.findings {
                    let e = EffectiveOutcome.of(f, host: host, at: rec.finishedAt, waivers: allWaivers)
                    counts[e.label, default: 0] += 1
                    if e.isOpen { open[f.severity.rawValue, default: 0] += 1 }
                }
                timeline.append(.init(runID: id, finishedAt: rec.finishedAt, counts: counts, openBySeverity: open))
            }
            var drifts: [Drift] = []
            if records.count >= 2 {
                for i in 1..<records.count {
                    let (aID, a) = records[i - 1]
                    let (bID, b) = records[i]
                    drifts.append(
                        Drift.compute(
                            from: a, id: aID, to: b, id: bID, waivers: allWaivers, fromAt: a.finishedAt, toAt: b.finishedAt))
                }
            }
            var mechanisms: [IntervalReport.MechanismLine] = []
            var openFindings: [IntervalReport.OpenFinding] = []
            var waived: [IntervalReport.OpenFinding] = []
            if let (_, last) = records.last {
                mechanisms = last.mechanisms.map {
                    .init(product: $0.product.rawValue, name: $0.name, version: $0.version, state: $0.state.rawValue, guests: $0.guests.map(\.name))
                }
                for f in last.findings {
                    let e = EffectiveOutcome.of(f, host: host, at: asOf, waivers: allWaivers)
                    var detail: String?
                    switch e {
                    case .inconclusive(let reason): detail = reason
                    case .waived(let id, let until): detail = "waiver #\(id) until \(DateInput.format(until, timeZone: calendar.timeZone))"
                    case .fail: detail = f.observed
                    default: break
                    }
                    let line = IntervalReport.OpenFinding(
                        checkID: f.checkID, subject: f.subject, severity: f.severity.rawValue, outcome: e.label, detail: detail)
                    if e.isOpen { openFindings.append(line) }
                    if case .waived = e { waived.append(line) }
                }
            }
            sections.append(
                .init(
                    host: host, latestRunID: records.last?.0, mechanisms: mechanisms, timeline: timeline, drifts: drifts,
                    openFindings: openFindings, waivedFindings: waived))
        }
        let reviews = try self.reviews().filter { r in
            (r.startedAt >= from && r.startedAt < to) || (r.signedOffAt.map { $0 >= from && $0 < to } ?? false)
        }
        return IntervalReport(
            from: from, to: to, asOf: asOf, generatedAt: generatedAt, timeZone: calendar.timeZone,
            reviewCadence: reviewCadence, trainingCadence: trainingCadence, hosts: sections, reviews: reviews,
            reviewStatus: try reviewDue(cadence: reviewCadence, calendar: calendar, now: asOf),
            waivers: allWaivers.filter { $0.validFrom < to && $0.validUntil > from },
            training: try trainingStatus(cadence: trainingCadence, calendar: calendar, now: asOf),
            bulkheadVersion: bulkheadVersion)
    }
}
