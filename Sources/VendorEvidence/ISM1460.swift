public import BulkheadModel
public import Foundation

/// A criterion's result for one product.
public enum CriterionOutcome: String, Codable, Hashable, Sendable, CaseIterable {
    case met, partiallyMet, notMet, unknown
}

public struct CriterionResult: Codable, Hashable, Sendable {
    public var criterion: Criterion
    public var outcome: CriterionOutcome
    /// Why, naming the facts that decided.
    public var reasons: [String]
    /// The resolved facts this criterion read.
    public var facts: [ResolvedFact]
}

/// How memory-safe one component of a stack is, and on what basis.
public struct ComponentSafety: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case memorySafe, partlyMemorySafe, memoryUnsafe, unknown
        var rank: Int {
            switch self {
            case .memoryUnsafe: 0
            case .unknown: 1
            case .partlyMemorySafe: 2
            case .memorySafe: 3
            }
        }
    }
    public var component: Component
    public var status: Status
    /// Measured memory-safe share, when a fact gives one.
    public var share: Double?
    /// "measured 98.9 % (…)", "language C (catalog)".
    public var basis: String
}

/// Which way ISM-1460's memory-safety clause is met.
public enum MemorySafetyPath: String, Codable, Hashable, Sendable {
    /// (4a) memory-safe languages: preferred.
    case languages
    /// (4b) memory-safe practices: less preferred.
    case practices
    case partial
    case notMet
    case unknown
}

/// The ISM-1460 evaluation of one product (a stack judged by its parts).
public struct ISM1460Evaluation: Codable, Hashable, Sendable {
    public var product: ProductID
    public var productName: String
    public var status: VerdictStatus
    public var confidence: Confidence
    public var memorySafety: MemorySafetyPath
    public var criteria: [CriterionResult]
    public var components: [ComponentSafety]
    /// The weakest isolation-critical part of the stack, with why.
    public var weakestComponent: String?
    public var weakestComponentReason: String?
    /// Facts observed more than 12 months before `assessedAt` (confidence lowered one level).
    public var staleFacts: [WeighedFact]
    /// Questions on which facts disagreed, with how each was resolved.
    public var conflicts: [ResolvedFact]
    public var rationale: [String]
    public var assessedAt: Date

    public func result(_ c: Criterion) -> CriterionResult? { criteria.first { $0.criterion == c } }

    /// The control verdict in the shared model's shape, with the deciding evidence.
    public var verdict: ControlVerdict {
        var seen = Set<Evidence>()
        var evidence: [Evidence] = []
        for r in criteria {
            for f in r.facts where seen.insert(f.decided.fact.evidence).inserted {
                evidence.append(f.decided.fact.evidence)
            }
        }
        return ControlVerdict(
            control: .ism1460, subject: product, status: status, confidence: confidence, rationale: rationale,
            evidence: evidence)
    }
}

/// Decides ISM-1460 for a product from its resolved facts. docs/criteria.md is the specification;
/// keep the two in step.
public struct ISM1460Evaluator: Sendable {
    /// Languages counted as memory-safe: the ISM glossary's examples (C#, Go, Java, Ruby, Rust, Swift),
    /// plus Python and Ada (NSA/CISA lists) and OCaml (garbage-collected, bounds-checked; counted in
    /// products.md's measured shares).
    public static let memorySafeLanguages: Set<String> = [
        "c#", "go", "java", "ruby", "rust", "swift", "python", "ada", "ocaml",
    ]
    public static let memoryUnsafeLanguages: Set<String> = ["c", "c++", "asm", "assembly", "objective-c"]
    /// A component whose measured memory-safe share is at least this is memory-safe.
    public static let memorySafeThreshold = 90.0
    /// At least this (and below the threshold) is partly memory-safe.
    public static let partlySafeThreshold = 50.0

    public var merge: EvidenceMerge

    public init(asOf: Date) { self.merge = EvidenceMerge(asOf: asOf) }

    /// Evaluates one product from its catalog facts plus attestations and measured facts.
    public func evaluate(
        _ product: Product, attestations: [CriterionFact] = [], measured: [CriterionFact] = []
    ) -> ISM1460Evaluation {
        let resolved = merge.resolve(product: product.id, facts: product.facts + attestations + measured)
        let components = componentSafety(product, resolved)
        var criteria: [CriterionResult] = []
        for c in Criterion.allCases {
            criteria.append(evaluate(c, resolved: resolved, components: components))
        }
        return combine(product: product, criteria: criteria, components: components, resolved: resolved)
    }

    /// A product the catalog does not know: `notAssessed`, with the file that would fix it.
    public func notInCatalog(product: ProductID, name: String) -> ISM1460Evaluation {
        ISM1460Evaluation(
            product: product, productName: name, status: .notAssessed, confidence: .low, memorySafety: .unknown,
            criteria: Criterion.allCases.map {
                CriterionResult(criterion: $0, outcome: .unknown, reasons: ["no catalog entry"], facts: [])
            },
            components: [], weakestComponent: nil, weakestComponentReason: nil, staleFacts: [], conflicts: [],
            rationale: [
                "ISM-1460 not assessed: the catalog has no entry for \"\(product)\" (\(name)).",
                CatalogTemplate.howToAdd(product: product, name: name),
            ], assessedAt: merge.asOf)
    }

    // MARK: - Components (criterion 4a)

    func componentSafety(_ product: Product, _ resolved: [ResolvedFact]) -> [ComponentSafety] {
        product.components.map { comp in
            if let share = resolved.first(where: { $0.aspect == .memorySafeShare && $0.component == comp.id }),
                case .percent(let p) = share.value
            {
                let status: ComponentSafety.Status =
                    p >= Self.memorySafeThreshold
                    ? .memorySafe : p >= Self.partlySafeThreshold ? .partlyMemorySafe : .memoryUnsafe
                return ComponentSafety(
                    component: comp, status: status, share: p,
                    basis:
                        "memory-safe share \(FactValue.format(p)) % (\(EvidenceMerge.kind(share.decided.fact.origin)), \(share.decided.effectiveConfidence.rawValue) confidence: \(share.decided.fact.evidence.source))"
                )
            }
            if let stmt = resolved.first(where: { $0.aspect == .languageStatement && $0.component == comp.id }),
                stmt.value == .yes || stmt.value == .no
            {
                return ComponentSafety(
                    component: comp, status: stmt.value == .yes ? .memorySafe : .memoryUnsafe, share: nil,
                    basis: "\(stmt.decided.fact.evidence.claim) (\(stmt.decided.fact.evidence.source))")
            }
            let first = comp.languages.first?.lowercased() ?? "unknown"
            let langs = comp.languages.joined(separator: ", ")
            if Self.memorySafeLanguages.contains(first) {
                return ComponentSafety(
                    component: comp, status: .memorySafe, share: nil, basis: "written in \(langs) (catalog; not measured)")
            }
            if Self.memoryUnsafeLanguages.contains(first) {
                return ComponentSafety(
                    component: comp, status: .memoryUnsafe, share: nil, basis: "written in \(langs) (catalog; not measured)")
            }
            return ComponentSafety(
                component: comp, status: .unknown, share: nil, basis: "language not published (\(langs))")
        }
    }

    /// The components 4a is decided on: the product's own isolation-critical code; the kernel's when the
    /// product is itself kernel code (KVM).
    public static func decidingComponents(_ all: [ComponentSafety]) -> [ComponentSafety] {
        let own = all.filter { $0.component.isolationCritical && $0.component.layer == .mechanism }
        if !own.isEmpty { return own }
        return all.filter { $0.component.isolationCritical }
    }

    static func weakest(_ all: [ComponentSafety]) -> ComponentSafety? {
        let critical = all.filter { $0.component.isolationCritical }
        return critical.min { a, b in
            if a.status.rank != b.status.rank { return a.status.rank < b.status.rank }
            if (a.share ?? 101) != (b.share ?? 101) { return (a.share ?? 101) < (b.share ?? 101) }
            // Equal: name the product's own code before the shared kernel.
            return a.component.layer == .mechanism && b.component.layer != .mechanism
        }
    }

    // MARK: - Criteria

    static func yes(_ facts: [ResolvedFact], _ aspects: Set<Aspect>) -> [ResolvedFact] {
        facts.filter { aspects.contains($0.aspect) && $0.value == .yes }
    }
    static func no(_ facts: [ResolvedFact], _ aspects: Set<Aspect>) -> [ResolvedFact] {
        facts.filter { aspects.contains($0.aspect) && $0.value == .no }
    }
    static func describe(_ f: ResolvedFact) -> String {
        let d = f.decided
        var s = "\(d.fact.evidence.claim) [\(d.fact.aspect.rawValue): \(d.fact.value); \(d.effectiveConfidence.rawValue)"
        if d.stale { s += ", stale" }
        s += "; \(d.fact.evidence.source); observed \(CalendarDate.format(d.fact.evidence.observedAt))]"
        if f.conflict, let r = f.resolution { s += " — conflict: \(r)" }
        return s
    }

    func evaluate(_ c: Criterion, resolved: [ResolvedFact], components: [ComponentSafety]) -> CriterionResult {
        let own = resolved.filter { $0.criterion == c }
        switch c {
        case .sbdCommitment:
            let decisive: Set<Aspect> = [.pledge, .sdlPublished, .memorySafetyRoadmap]
            return rule(
                c, own, decisive: decisive, supporting: [.securityDesignStatement], needed: 1,
                metText: "a public Secure-by-Design commitment is evidenced",
                partialText: "only a security design statement, no pledge, published SDL or memory-safety roadmap")
        case .secureByDefault:
            return rule(
                c, own, decisive: [.defaultConfinement, .noDefaultCredentials],
                supporting: [.hardeningGuide, .optionalHardening], needed: 1,
                metText: "confinement is on by default",
                partialText: "hardening exists but is not all on by default")
        case .secureProgramming:
            return rule(
                c, own,
                decisive: [.fuzzing, .staticAnalysis, .sanitizers, .codingStandard, .codeReview, .threatModel, .formalVerification],
                supporting: [.signedReleases, .sbom], needed: 2,
                metText: "at least two secure programming practices are evidenced",
                partialText: "fewer than two secure programming practices are evidenced")
        case .vulnerabilityHandling:
            return vulnerabilityHandling(own)
        case .memorySafeLanguages:
            return memorySafeLanguages(own, components)
        case .memorySafePractices:
            let practices: Set<Aspect> = [
                .fuzzing, .staticAnalysis, .sanitizers, .codingStandard, .sandboxedDeviceEmulation, .hardenedBuild,
            ]
            let strong: Set<Aspect> = [.memorySafetyRoadmap, .formalVerification]
            let read = resolved.filter { practices.contains($0.aspect) || strong.contains($0.aspect) }
            let strongYes = Self.yes(read, strong)
            let practiceYes = Self.yes(read, practices)
            let practiceNo = Self.no(read, practices)
            var reasons: [String] = []
            let outcome: CriterionOutcome
            if !strongYes.isEmpty {
                outcome = .met
                reasons.append("a memory-safety roadmap or formal verification is evidenced")
                reasons += strongYes.map(Self.describe)
                reasons += practiceYes.map(Self.describe)
            } else if !practiceYes.isEmpty {
                outcome = .partiallyMet
                reasons.append(
                    "memory-safe practices are evidenced, but no published memory-safety roadmap (CISA/ASD \"The Case for Memory Safe Roadmaps\") or formal verification"
                )
                reasons += practiceYes.map(Self.describe)
                reasons += practiceNo.map { "against: " + Self.describe($0) }
            } else if !practiceNo.isEmpty {
                outcome = .notMet
                reasons.append("the memory-safe practices on record are absent")
                reasons += practiceNo.map(Self.describe)
            } else {
                outcome = .unknown
                reasons.append("no evidence of memory-safe practices or a memory-safety roadmap")
            }
            return CriterionResult(criterion: c, outcome: outcome, reasons: reasons, facts: read)
        }
    }

    func rule(
        _ c: Criterion, _ facts: [ResolvedFact], decisive: Set<Aspect>, supporting: Set<Aspect>, needed: Int,
        metText: String, partialText: String
    ) -> CriterionResult {
        let dYes = Self.yes(facts, decisive)
        let dNo = Self.no(facts, decisive)
        let sYes = Self.yes(facts, supporting)
        let distinctYes = Set(dYes.map(\.aspect)).count
        var reasons: [String] = []
        let outcome: CriterionOutcome
        if distinctYes >= needed, dNo.isEmpty {
            outcome = .met
            reasons.append(metText)
            reasons += (dYes + sYes).map(Self.describe)
        } else if !dYes.isEmpty || !sYes.isEmpty {
            outcome = .partiallyMet
            reasons.append(dNo.isEmpty ? partialText : "evidence is mixed")
            reasons += (dYes + sYes).map(Self.describe)
            reasons += dNo.map { "against: " + Self.describe($0) }
        } else if !dNo.isEmpty {
            outcome = .notMet
            reasons.append("the evidence on record is negative")
            reasons += dNo.map(Self.describe)
        } else {
            outcome = .unknown
            let unknowns = facts.filter { !EvidenceMerge.isKnown($0.value) }
            reasons.append(
                unknowns.isEmpty
                    ? "no evidence in the catalog or attestations"
                    : "no evidence found (\"not found\" is unknown, not no)")
            reasons += unknowns.map(Self.describe)
        }
        return CriterionResult(criterion: c, outcome: outcome, reasons: reasons, facts: facts)
    }

    /// A measured CWE share (the advisories stage: share of the product's vulnerability records carrying a
    /// CWE) supports criterion 5 from this percentage on, as `cveWithCWE: yes` does.
    public static let cweTransparencyThreshold = 50.0

    static func cweShare(_ f: ResolvedFact) -> Double? {
        guard f.aspect == .cveWithCWE, case .percent(let p) = f.value else { return nil }
        return p
    }

    func vulnerabilityHandling(_ facts: [ResolvedFact]) -> CriterionResult {
        let decisive: Set<Aspect> = [.vdp, .advisories, .patchCadence]
        let supporting: Set<Aspect> = [.cveWithCWE, .bugBounty, .supportLifecycle]
        let dYes = Self.yes(facts, decisive)
        let dNo = Self.no(facts, decisive)
        let sYes = Self.yes(facts, supporting) + facts.filter { (Self.cweShare($0) ?? -1) >= Self.cweTransparencyThreshold }
        let has = Set(dYes.map(\.aspect))
        var reasons: [String] = []
        let outcome: CriterionOutcome
        // Numbers (median days to fix, a CWE share below the threshold) are shown, not counted.
        let informational = facts.filter {
            $0.aspect == .notableVulnerability || $0.aspect == .patchCadence && !($0.value == .yes || $0.value == .no)
                || (Self.cweShare($0) ?? 100) < Self.cweTransparencyThreshold
        }
        if has.contains(.vdp), has.contains(.advisories), dNo.isEmpty {
            outcome = .met
            reasons.append("a vulnerability disclosure process and published advisories are evidenced")
            reasons += (dYes + sYes).map(Self.describe)
        } else if !dYes.isEmpty || !sYes.isEmpty {
            outcome = .partiallyMet
            reasons.append(
                dNo.isEmpty ? "only part of VDP + published advisories is evidenced" : "evidence is mixed")
            reasons += (dYes + sYes).map(Self.describe)
            reasons += dNo.map { "against: " + Self.describe($0) }
        } else if !dNo.isEmpty {
            outcome = .notMet
            reasons.append("the evidence on record is negative")
            reasons += dNo.map(Self.describe)
        } else {
            outcome = .unknown
            reasons.append("no evidence of a VDP or advisories")
        }
        reasons += informational.map { "for information: " + Self.describe($0) }
        return CriterionResult(criterion: .vulnerabilityHandling, outcome: outcome, reasons: reasons, facts: facts)
    }

    func memorySafeLanguages(_ facts: [ResolvedFact], _ components: [ComponentSafety]) -> CriterionResult {
        let deciding = Self.decidingComponents(components)
        var reasons: [String] = []
        let statuses = deciding.map(\.status)
        let outcome: CriterionOutcome
        if deciding.isEmpty || statuses.allSatisfy({ $0 == .unknown }) {
            outcome = .unknown
            reasons.append("the language of the isolation-critical code is not known")
        } else if statuses.allSatisfy({ $0 == .memorySafe }) {
            outcome = .met
            reasons.append("the product's isolation-critical code is in memory-safe languages")
        } else if statuses.allSatisfy({ $0 == .memoryUnsafe }) {
            outcome = .notMet
            reasons.append("the product's isolation-critical code is in memory-unsafe languages")
        } else {
            outcome = .partiallyMet
            reasons.append("only part of the product's isolation-critical code is in memory-safe languages")
        }
        for s in deciding {
            reasons.append("\(s.component.name): \(s.status.rawValue) — \(s.basis)")
        }
        for s in components where s.component.isolationCritical && !deciding.contains(s) {
            reasons.append(
                "\(s.component.name) (\(s.component.layer.rawValue) layer, judged with the host OS under ISM-1605/ISM-1743): \(s.status.rawValue) — \(s.basis)"
            )
        }
        let density = facts.filter { $0.aspect == .unsafeDensity }
        reasons += density.map { "for information: " + Self.describe($0) }
        return CriterionResult(criterion: .memorySafeLanguages, outcome: outcome, reasons: reasons, facts: facts)
    }

    // MARK: - Combination

    func combine(
        product: Product, criteria: [CriterionResult], components: [ComponentSafety], resolved: [ResolvedFact]
    ) -> ISM1460Evaluation {
        func outcome(_ c: Criterion) -> CriterionOutcome { criteria.first { $0.criterion == c }?.outcome ?? .unknown }
        let core: [Criterion] = [.sbdCommitment, .secureByDefault, .secureProgramming, .vulnerabilityHandling]
        let a = outcome(.memorySafeLanguages), b = outcome(.memorySafePractices)
        let path: MemorySafetyPath =
            if a == .met { .languages } else if b == .met { .practices } else if a == .partiallyMet || b == .partiallyMet {
                .partial
            } else if a == .notMet && b == .notMet { .notMet } else if a == .unknown && b == .unknown { .unknown } else {
                .partial
            }
        let coreOutcomes = core.map(outcome)
        let allCoreMet = coreOutcomes.allSatisfy { $0 == .met }
        let anyEvidence = criteria.contains { $0.outcome != .unknown }
        let status: VerdictStatus
        if !anyEvidence {
            status = .notAssessed
        } else if path == .notMet || coreOutcomes.contains(.notMet) {
            status = .notSatisfied
        } else if allCoreMet && path == .languages {
            status = .satisfied
        } else if allCoreMet && path == .practices {
            status = .satisfiedLessPreferred
        } else {
            status = .partiallySatisfied
        }

        // Confidence: the weakest deciding fact among criteria that decided something.
        var used: [WeighedFact] = []
        for r in criteria where r.outcome != .unknown {
            used += r.facts.filter { EvidenceMerge.isKnown($0.value) }.map(\.decided)
        }
        let confidence = used.map(\.effectiveConfidence).min() ?? .low

        let weak = Self.weakest(components)
        var weakReason: String?
        if let weak {
            var why =
                "\(weak.component.name) (\(weak.component.languages.joined(separator: ", ")), \(weak.component.layer.rawValue) layer) is the weakest isolation-critical part: \(weak.status.rawValue) — \(weak.basis)"
            if weak.component.layer == .kernel {
                why += "; it is shared host-kernel code, so it is named here but judged with the host OS (ISM-1605, ISM-1743)"
            }
            weakReason = why
        }
        var stale: [WeighedFact] = []
        for r in resolved {
            for w in [r.decided] + r.others where w.stale && !stale.contains(w) { stale.append(w) }
        }
        let conflicts = resolved.filter(\.conflict)

        var rationale: [String] = []
        rationale.append("ISM-1460 \(status.rawValue) for \(product.name): \(summary(status, path, criteria))")
        for r in criteria {
            rationale.append("(\(r.criterion.number)) \(r.criterion.title): \(r.outcome.rawValue) — \(r.reasons.first ?? "")")
        }
        if let weakReason { rationale.append("Weakest component: \(weakReason).") }
        if !stale.isEmpty {
            rationale.append(
                "\(stale.count) fact(s) observed before \(CalendarDate.format(merge.staleBefore)) are stale and lost one confidence level: "
                    + stale.map { "\($0.fact.aspect.rawValue) (\(CalendarDate.format($0.fact.evidence.observedAt)))" }.joined(
                        separator: ", "))
        }
        for c in conflicts {
            rationale.append("Conflict on \(c.aspect.rawValue)\(c.component.map { " of \($0)" } ?? ""): \(c.resolution ?? "")")
        }
        return ISM1460Evaluation(
            product: product.id, productName: product.name, status: status, confidence: confidence, memorySafety: path,
            criteria: criteria, components: components, weakestComponent: weak?.component.name,
            weakestComponentReason: weakReason, staleFacts: stale, conflicts: conflicts, rationale: rationale,
            assessedAt: merge.asOf)
    }

    func summary(_ status: VerdictStatus, _ path: MemorySafetyPath, _ criteria: [CriterionResult]) -> String {
        let gaps = criteria.filter { $0.outcome != .met && !($0.criterion == .memorySafePractices && path == .languages) }
            .map { "(\($0.criterion.number)) \($0.outcome.rawValue)" }
        switch status {
        case .satisfied: return "every criterion met, with memory-safe languages in the isolation-critical code"
        case .satisfiedLessPreferred:
            return "every criterion met, memory safety through practices rather than languages (the less preferred path)"
        case .notAssessed: return "no evidence on any criterion"
        case .notSatisfied, .partiallySatisfied, .notApplicable:
            return "gaps: " + gaps.joined(separator: ", ")
        }
    }
}

/// A catalog product with its ISM-1460 evaluation (`bulkhead vendor show --format json`).
public struct ProductView: Encodable, Sendable {
    public var product: Product
    public var ism1460: ISM1460Evaluation

    public init(product: Product, ism1460: ISM1460Evaluation) {
        self.product = product
        self.ism1460 = ism1460
    }
}
