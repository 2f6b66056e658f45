public import BulkheadModel
public import Foundation

/// A fact as weighed on the assessment date: stale or not, and its confidence after staleness.
public struct WeighedFact: Codable, Hashable, Sendable {
    public var fact: CriterionFact
    /// Observed more than 12 months before the assessment date.
    public var stale: Bool
    /// The fact's confidence, one level lower when stale.
    public var effectiveConfidence: Confidence
}

/// All facts on one question (same product, aspect and component), and the one that decides.
public struct ResolvedFact: Codable, Hashable, Sendable {
    public var aspect: Aspect
    public var criterion: Criterion
    public var component: String?
    public var decided: WeighedFact
    /// The other facts on the same question, agreeing or not; shown beside the deciding fact.
    public var others: [WeighedFact]
    /// True when two facts give different known values (yes vs no, 98.9 % vs 97.2 %).
    public var conflict: Bool
    /// Why `decided` decides, in words, when there was more than one fact.
    public var resolution: String?

    public var value: FactValue { decided.fact.value }
}

/// Merges catalog facts, the organisation's attestations and facts measured on this run into one resolved
/// fact per question. The rule (docs/criteria.md, "Evidence merge"), in order:
///  0. a known value beats `unknown` ("not found" never hides evidence, and never counts as "no");
///  1. higher confidence after staleness wins;
///  2. then measurement > attestation > catalog;
///  3. then the newer observation;
///  4. then the less favourable value (no before yes), so a tie never flatters the product.
public struct EvidenceMerge: Sendable {
    public var asOf: Date
    /// Facts observed before this date are stale.
    public var staleBefore: Date

    /// Staleness window: 12 months before `asOf`.
    public init(asOf: Date) {
        self.asOf = asOf
        self.staleBefore = CalendarDate.calendar.date(byAdding: .month, value: -12, to: asOf) ?? asOf.addingTimeInterval(-365 * 86_400)
    }

    public func weigh(_ fact: CriterionFact) -> WeighedFact {
        let stale = fact.evidence.observedAt < staleBefore
        return WeighedFact(
            fact: fact, stale: stale, effectiveConfidence: stale ? fact.evidence.confidence.lowered : fact.evidence.confidence)
    }

    /// Resolves every question for one product. Facts for other products are ignored.
    public func resolve(product: ProductID, facts: [CriterionFact]) -> [ResolvedFact] {
        struct Key: Hashable {
            var aspect: Aspect
            var component: String?
        }
        var groups: [Key: [WeighedFact]] = [:]
        var order: [Key] = []
        for f in facts where f.product == product {
            let k = Key(aspect: f.aspect, component: f.component)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(weigh(f))
        }
        // Notable vulnerabilities are a list, not one question: each stands alone.
        var resolved: [ResolvedFact] = []
        for k in order {
            guard let group = groups[k] else { continue }
            if k.aspect == .notableVulnerability {
                for w in group {
                    resolved.append(
                        ResolvedFact(
                            aspect: k.aspect, criterion: k.aspect.criterion, component: k.component, decided: w, others: [],
                            conflict: false, resolution: nil))
                }
                continue
            }
            resolved.append(resolve(group, aspect: k.aspect, component: k.component))
        }
        return resolved.sorted {
            ($0.criterion, $0.aspect.rawValue, $0.component ?? "") < ($1.criterion, $1.aspect.rawValue, $1.component ?? "")
        }
    }

    func resolve(_ group: [WeighedFact], aspect: Aspect, component: String?) -> ResolvedFact {
        let sorted = group.sorted(by: Self.decidesBefore)
        // `sorted` is non-empty: groups are only created with a first element.
        let decided = sorted[0]
        let others = Array(sorted.dropFirst())
        let known = Set(group.map(\.fact.value).filter { $0 != .unknown && $0 != .notApplicable })
        let conflict = known.count > 1
        var resolution: String?
        if let runnerUp = others.first {
            resolution = Self.explain(decided, over: runnerUp, conflict: conflict)
        }
        return ResolvedFact(
            aspect: aspect, criterion: aspect.criterion, component: component, decided: decided, others: others,
            conflict: conflict, resolution: resolution)
    }

    static func isKnown(_ v: FactValue) -> Bool { v != .unknown && v != .notApplicable }

    /// Lower is less favourable: no, then numbers, then yes.
    static func favour(_ v: FactValue) -> Int {
        switch v {
        case .no: 0
        case .unknown, .notApplicable: 1
        case .percent, .count, .perThousandLines, .days: 2
        case .yes: 3
        }
    }

    static func decidesBefore(_ a: WeighedFact, _ b: WeighedFact) -> Bool {
        let ak = isKnown(a.fact.value), bk = isKnown(b.fact.value)
        if ak != bk { return ak }
        if a.effectiveConfidence != b.effectiveConfidence { return a.effectiveConfidence > b.effectiveConfidence }
        // An attestation that contradicts the catalog's sourced fact (the vendor's own document) does not
        // override it: the conflict is shown and the less favourable value stands until the assessor resolves it.
        if contradicts(a, b), favour(a.fact.value) != favour(b.fact.value) { return favour(a.fact.value) < favour(b.fact.value) }
        if a.fact.origin.precedence != b.fact.origin.precedence {
            return a.fact.origin.precedence > b.fact.origin.precedence
        }
        if a.fact.evidence.observedAt != b.fact.evidence.observedAt {
            return a.fact.evidence.observedAt > b.fact.evidence.observedAt
        }
        if favour(a.fact.value) != favour(b.fact.value) { return favour(a.fact.value) < favour(b.fact.value) }
        return a.fact.evidence.claim < b.fact.evidence.claim
    }

    /// One is an attestation and the other a catalog fact, both known and different.
    static func contradicts(_ a: WeighedFact, _ b: WeighedFact) -> Bool {
        let kinds = Set([kind(a.fact.origin), kind(b.fact.origin)])
        return kinds == ["attestation", "catalog"] && isKnown(a.fact.value) && isKnown(b.fact.value) && a.fact.value != b.fact.value
    }

    static func explain(_ a: WeighedFact, over b: WeighedFact, conflict: Bool) -> String {
        let verb = conflict ? "decides over the conflicting" : "decides; agreeing or weaker"
        let why: String
        if isKnown(a.fact.value) != isKnown(b.fact.value) {
            why = "a known value beats \"unknown\""
        } else if a.effectiveConfidence != b.effectiveConfidence {
            why = "higher confidence (\(a.effectiveConfidence.rawValue) vs \(b.effectiveConfidence.rawValue)\(b.stale ? ", the other is stale" : ""))"
        } else if contradicts(a, b), favour(a.fact.value) != favour(b.fact.value) {
            why =
                "the attestation contradicts the catalog's sourced fact; the less favourable value stands until the assessor resolves the conflict (never a silent override)"
        } else if a.fact.origin.precedence != b.fact.origin.precedence {
            why = "equal confidence; \(kind(a.fact.origin)) takes precedence over \(kind(b.fact.origin))"
        } else if a.fact.evidence.observedAt != b.fact.evidence.observedAt {
            why = "equal confidence and origin; newer observation (\(CalendarDate.format(a.fact.evidence.observedAt)))"
        } else {
            why = "all else equal; the less favourable value is taken"
        }
        return "\(kind(a.fact.origin)) value \(a.fact.value) \(verb) \(kind(b.fact.origin)) value \(b.fact.value): \(why)"
    }

    static func kind(_ o: FactOrigin) -> String {
        switch o {
        case .catalog: "catalog"
        case .attestation: "attestation"
        case .measurement: "measurement"
        }
    }
}
