import BulkheadModel
public import Foundation

/// What changed on a host between two assessments.
public struct Drift: Hashable, Sendable, Encodable {
    public struct RunRef: Hashable, Sendable, Encodable {
        public var id: Int64
        public var finishedAt: Date
    }
    public struct MechanismRef: Hashable, Sendable, Encodable {
        public var product: String
        public var name: String
        public var version: String?
    }
    public struct Change<Value: Hashable & Sendable & Encodable>: Hashable, Sendable, Encodable {
        public var key: String
        public var from: Value?
        public var to: Value?
    }
    public struct CheckChange: Hashable, Sendable, Encodable {
        public var checkID: String
        public var subject: String
        public var severity: String
        /// nil: the check did not run on that subject in that assessment.
        public var from: EffectiveOutcome?
        public var to: EffectiveOutcome?
    }
    /// A guest (VM, sandbox, container) of a mechanism: its subject is `product/name`, as in findings.
    public struct GuestRef: Hashable, Sendable, Comparable, Encodable {
        public var product: String
        public var name: String
        public var subject: String { "\(product)/\(name)" }
        public static func < (a: GuestRef, b: GuestRef) -> Bool { (a.product, a.name) < (b.product, b.name) }
    }
    public struct AdvisoryRef: Hashable, Sendable, Comparable, Encodable {
        public var product: String
        public var id: String
        public static func < (a: AdvisoryRef, b: AdvisoryRef) -> Bool { (a.product, a.id) < (b.product, b.id) }
    }

    public var host: String
    public var from: RunRef
    public var to: RunRef
    public var mechanismsAdded: [MechanismRef] = []
    public var mechanismsRemoved: [MechanismRef] = []
    /// Keyed by product id; values are versions (nil when unknown).
    public var versionChanges: [Change<String>] = []
    public var stateChanges: [Change<String>] = []
    /// Guests present in the later run only, or in the earlier only (their checks then start or stop running).
    public var guestsAppeared: [GuestRef] = []
    public var guestsVanished: [GuestRef] = []
    public var advisoriesNew: [AdvisoryRef] = []
    public var advisoriesFixed: [AdvisoryRef] = []
    public var checkChanges: [CheckChange] = []
    /// Keyed by `CONTROL subject`; values are verdict statuses.
    public var verdictChanges: [Change<String>] = []
    public var staleFactsNew: [String] = []
    public var staleFactsResolved: [String] = []

    public var isEmpty: Bool {
        mechanismsAdded.isEmpty && mechanismsRemoved.isEmpty && versionChanges.isEmpty && stateChanges.isEmpty
            && guestsAppeared.isEmpty && guestsVanished.isEmpty
            && advisoriesNew.isEmpty && advisoriesFixed.isEmpty && checkChanges.isEmpty && verdictChanges.isEmpty
            && staleFactsNew.isEmpty && staleFactsResolved.isEmpty
    }

    /// Compares two records of the same host. Waivers are applied at `fromAt` and `toAt` (pass the same date
    /// to compare the current posture, or each run's finish time to see what was true then).
    public static func compute(
        from a: AssessmentRecord, id aID: Int64, to b: AssessmentRecord, id bID: Int64, waivers: [Waiver],
        fromAt: Date, toAt: Date
    ) -> Drift {
        var d = Drift(host: b.host, from: RunRef(id: aID, finishedAt: a.finishedAt), to: RunRef(id: bID, finishedAt: b.finishedAt))
        let ma = Dictionary(a.mechanisms.map { ($0.product.rawValue, $0) }, uniquingKeysWith: { x, _ in x })
        let mb = Dictionary(b.mechanisms.map { ($0.product.rawValue, $0) }, uniquingKeysWith: { x, _ in x })
        for key in Set(ma.keys).union(mb.keys).sorted() {
            switch (ma[key], mb[key]) {
            case (nil, let m?): d.mechanismsAdded.append(MechanismRef(product: key, name: m.name, version: m.version))
            case (let m?, nil): d.mechanismsRemoved.append(MechanismRef(product: key, name: m.name, version: m.version))
            case (let x?, let y?):
                if x.version != y.version { d.versionChanges.append(Change(key: key, from: x.version, to: y.version)) }
                if x.state != y.state {
                    d.stateChanges.append(Change(key: key, from: x.state.rawValue, to: y.state.rawValue))
                }
            case (nil, nil): break
            }
        }
        func guests(_ r: AssessmentRecord) -> Set<GuestRef> {
            Set(r.mechanisms.flatMap { m in m.guests.map { GuestRef(product: m.product.rawValue, name: $0.name) } })
        }
        let ga = guests(a)
        let gb = guests(b)
        d.guestsAppeared = gb.subtracting(ga).sorted()
        d.guestsVanished = ga.subtracting(gb).sorted()
        func advisories(_ r: AssessmentRecord) -> Set<AdvisoryRef> {
            Set(r.openAdvisories.flatMap { product, ids in ids.map { AdvisoryRef(product: product, id: $0) } })
        }
        let aa = advisories(a)
        let ab = advisories(b)
        d.advisoriesNew = ab.subtracting(aa).sorted()
        d.advisoriesFixed = aa.subtracting(ab).sorted()

        struct FKey: Hashable { var check: String; var subject: String }
        var fa: [FKey: (Finding, EffectiveOutcome)] = [:]
        for f in a.findings {
            fa[FKey(check: f.checkID, subject: f.subject)] = (f, EffectiveOutcome.of(f, host: a.host, at: fromAt, waivers: waivers))
        }
        var fb: [FKey: (Finding, EffectiveOutcome)] = [:]
        for f in b.findings {
            fb[FKey(check: f.checkID, subject: f.subject)] = (f, EffectiveOutcome.of(f, host: b.host, at: toAt, waivers: waivers))
        }
        for key in Set(fa.keys).union(fb.keys).sorted(by: { ($0.check, $0.subject) < ($1.check, $1.subject) }) {
            let x = fa[key]?.1
            let y = fb[key]?.1
            if x?.label != y?.label {
                let severity = (fb[key]?.0 ?? fa[key]?.0)?.severity.rawValue ?? "info"
                d.checkChanges.append(CheckChange(checkID: key.check, subject: key.subject, severity: severity, from: x, to: y))
            }
        }
        func verdicts(_ r: AssessmentRecord) -> [String: String] {
            Dictionary(r.verdicts.map { ("\($0.control.rawValue) \($0.subject.rawValue)", $0.status.rawValue) }, uniquingKeysWith: { x, _ in x })
        }
        let va = verdicts(a)
        let vb = verdicts(b)
        for key in Set(va.keys).union(vb.keys).sorted() where va[key] != vb[key] {
            d.verdictChanges.append(Change(key: key, from: va[key], to: vb[key]))
        }
        let sa = Set(a.staleFacts)
        let sb = Set(b.staleFacts)
        d.staleFactsNew = sb.subtracting(sa).sorted()
        d.staleFactsResolved = sa.subtracting(sb).sorted()
        return d
    }
}

extension Store {
    /// Drift between two runs of one host. Defaults: `to` is the host's latest run, `from` the one before it;
    /// with no host given, the host of the latest run in the store. Waivers are applied as of `at`.
    public func drift(host: String? = nil, from: Int64? = nil, to: Int64? = nil, at: Date = Date()) throws -> Drift {
        let all = try runs()
        guard let latest = all.first else {
            throw StoreError(.notFound, "No assessments recorded yet in \(path); run `bulkhead assess` twice to see drift.")
        }
        let toID: Int64
        if let to {
            toID = to
        } else {
            let h = host ?? all.first(where: { r in from.map { $0 == r.id } ?? false })?.host ?? latest.host
            guard let last = all.first(where: { $0.host == h && $0.id != from }) else {
                throw StoreError(.notFound, "No assessment of host \(h) in \(path).")
            }
            toID = last.id
        }
        let b = try assessment(run: toID)
        let fromID: Int64
        if let from {
            fromID = from
        } else {
            guard let prev = all.first(where: { $0.host == b.host && $0.id != toID && ($0.finishedAt, $0.id) < (b.finishedAt, toID) }) else {
                throw StoreError(.notFound, "Host \(b.host) has only one assessment (#\(toID)) in \(path); drift needs two.")
            }
            fromID = prev.id
        }
        let a = try assessment(run: fromID)
        return Drift.compute(from: a, id: fromID, to: b, id: toID, waivers: try waivers(), fromAt: at, toAt: at)
    }
}
