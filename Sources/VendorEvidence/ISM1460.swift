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

/// How a part of the stack that is judged on its own (a component that is itself a catalog product, or
/// host-kernel code) limits the verdict of the product that relies on it (docs/criteria.md, "The stack's
/// dependencies cap the verdict").
public struct DependencyCap: Codable, Hashable, Sendable {
    /// The component's id and name in the product that relies on it.
    public var componentID: String
    public var component: String
    public var layer: ComponentLayer
    /// The catalog product that judges this code (`kvm`, `linux-kernel`, `qemu`), if any.
    public var product: ProductID?
    /// How that product (or, without one, the component's language) meets the memory-safety clause.
    public var memorySafety: MemorySafetyPath
    /// The best verdict the relying product can have while this part is judged so.
    public var cap: VerdictStatus
    /// Why, in words.
    public var reason: String
    /// True when this cap lowered the verdict.
    public var applied: Bool
}

/// The ISM-1460 evaluation of one product (a stack judged by its parts). The same evaluation judges the
/// host's operating system under ISM-1743 (`control`).
public struct ISM1460Evaluation: Codable, Hashable, Sendable {
    /// The control judged: ISM-1460 for an isolation mechanism, ISM-1743 for the host's operating system.
    public var control: ControlID = .ism1460
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
    /// The parts of the stack judged on their own, and the cap each puts on this verdict.
    public var dependencies: [DependencyCap] = []

    enum CodingKeys: String, CodingKey {
        case control, product, productName, status, confidence, memorySafety, criteria, components, weakestComponent
        case weakestComponentReason, staleFacts, conflicts, rationale, assessedAt, dependencies
    }

    public init(
        control: ControlID = .ism1460, product: ProductID, productName: String, status: VerdictStatus,
        confidence: Confidence, memorySafety: MemorySafetyPath, criteria: [CriterionResult], components: [ComponentSafety],
        weakestComponent: String?, weakestComponentReason: String?, staleFacts: [WeighedFact], conflicts: [ResolvedFact],
        rationale: [String], assessedAt: Date, dependencies: [DependencyCap] = []
    ) {
        self.control = control
        self.product = product
        self.productName = productName
        self.status = status
        self.confidence = confidence
        self.memorySafety = memorySafety
        self.criteria = criteria
        self.components = components
        self.weakestComponent = weakestComponent
        self.weakestComponentReason = weakestComponentReason
        self.staleFacts = staleFacts
        self.conflicts = conflicts
        self.rationale = rationale
        self.assessedAt = assessedAt
        self.dependencies = dependencies
    }

    /// Reads documents written before `control` and `dependencies` existed (both then take their defaults).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        control = try c.decodeIfPresent(ControlID.self, forKey: .control) ?? .ism1460
        product = try c.decode(ProductID.self, forKey: .product)
        productName = try c.decode(String.self, forKey: .productName)
        status = try c.decode(VerdictStatus.self, forKey: .status)
        confidence = try c.decode(Confidence.self, forKey: .confidence)
        memorySafety = try c.decode(MemorySafetyPath.self, forKey: .memorySafety)
        criteria = try c.decode([CriterionResult].self, forKey: .criteria)
        components = try c.decode([ComponentSafety].self, forKey: .components)
        weakestComponent = try c.decodeIfPresent(String.self, forKey: .weakestComponent)
        weakestComponentReason = try c.decodeIfPresent(String.self, forKey: .weakestComponentReason)
        staleFacts = try c.decode([WeighedFact].self, forKey: .staleFacts)
        conflicts = try c.decode([ResolvedFact].self, forKey: .conflicts)
        rationale = try c.decode([String].self, forKey: .rationale)
        assessedAt = try c.decode(Date.self, forKey: .assessedAt)
        dependencies = try c.decodeIfPresent([DependencyCap].self, forKey: .dependencies) ?? []
    }

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
            control: control, subject: product, status: status, confidence: confidence, rationale: rationale,
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
    /// The catalog a component's `product` is looked up in, so each part of a stack is judged once, on its
    /// own evidence; nil judges a product alone (its kernel-layer parts then cap it from their language).
    public var catalog: Catalog?
    /// Attestations and measured facts about the other products a stack relies on (filtered by product).
    public var otherFacts: [CriterionFact]

    public init(asOf: Date, catalog: Catalog? = nil, otherFacts: [CriterionFact] = []) {
        self.merge = EvidenceMerge(asOf: asOf)
        self.catalog = catalog
        self.otherFacts = otherFacts
    }

    /// Evaluates one product from its catalog facts plus attestations and measured facts. `control` is
    /// ISM-1460 for an isolation mechanism, ISM-1743 for an operating system (the same rule).
    public func evaluate(
        _ product: Product, attestations: [CriterionFact] = [], measured: [CriterionFact] = [],
        control: ControlID = .ism1460
    ) -> ISM1460Evaluation {
        evaluate(product, facts: attestations + measured, control: control, visiting: [product.id])
    }

    func evaluate(_ product: Product, facts extra: [CriterionFact], control: ControlID, visiting: Set<ProductID>)
        -> ISM1460Evaluation
    {
        // The parts of the stack that are catalog products of their own, judged once on their own evidence.
        var parts: [String: ISM1460Evaluation] = [:]
        for comp in product.components where comp.isolationCritical {
            guard let id = comp.product, !visiting.contains(id), let dependency = catalog?.product(id) else { continue }
            parts[comp.id] = evaluate(
                dependency, facts: otherFacts.filter { $0.product == id }, control: .ism1460, visiting: visiting.union([id]))
        }
        let resolved = merge.resolve(product: product.id, facts: product.facts + extra)
        let components = componentSafety(product, resolved, parts: parts)
        var criteria: [CriterionResult] = []
        for c in Criterion.allCases {
            if c == .memorySafePractices {
                criteria.append(memorySafePractices(resolved, components, parts: parts))
            } else {
                criteria.append(evaluate(c, resolved: resolved, components: components))
            }
        }
        var e = combine(product: product, criteria: criteria, components: components, resolved: resolved, parts: parts)
        e.control = control
        if control != .ism1460, let first = e.rationale.first, first.hasPrefix("ISM-1460") {
            e.rationale[0] = control.rawValue + first.dropFirst("ISM-1460".count)
        }
        return e
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

    func componentSafety(_ product: Product, _ resolved: [ResolvedFact], parts: [String: ISM1460Evaluation] = [:])
        -> [ComponentSafety]
    {
        product.components.map { comp in
            // A part that is a catalog product of its own is judged there, so the same code is judged once.
            if let part = parts[comp.id] {
                let own = Self.decidingComponents(part.components)
                let outcome = part.result(.memorySafeLanguages)?.outcome ?? .unknown
                let status: ComponentSafety.Status =
                    switch outcome {
                    case .met: .memorySafe
                    case .notMet: .memoryUnsafe
                    case .partiallyMet: .partlyMemorySafe
                    case .unknown: .unknown
                    }
                let detail = own.map { "\($0.component.name): \($0.basis)" }.joined(separator: "; ")
                return ComponentSafety(
                    component: comp, status: status, share: own.compactMap(\.share).min(),
                    basis: "judged as catalog product \(part.product) (\(part.productName)), criterion 4a \(outcome.rawValue): \(detail)")
            }
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
                metText: "a public Secure-by-Design commitment is evidenced by a primary source",
                partialText: "only a security design statement, no pledge, published SDL or memory-safety roadmap",
                primarySourceNeeded: true)
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
            return memorySafePractices(resolved, components, parts: [:])
        }
    }

    func rule(
        _ c: Criterion, _ facts: [ResolvedFact], decisive: Set<Aspect>, supporting: Set<Aspect>, needed: Int,
        metText: String, partialText: String, primarySourceNeeded: Bool = false
    ) -> CriterionResult {
        let dYes = Self.yes(facts, decisive)
        let dNo = Self.no(facts, decisive)
        let sYes = Self.yes(facts, supporting)
        // A claim known only from a secondary source (the press: confidence low) cannot alone meet the
        // criterion when a primary source is needed (criterion 1: the signer's or CISA's own page).
        let counted = primarySourceNeeded ? dYes.filter { $0.decided.effectiveConfidence > .low } : dYes
        let distinctYes = Set(counted.map(\.aspect)).count
        if primarySourceNeeded, distinctYes < needed, !dYes.isEmpty, dNo.isEmpty {
            let why =
                "known only from secondary sources (low confidence): a primary source (the signer's or CISA's own page) is needed to meet this criterion"
            return CriterionResult(criterion: c, outcome: .partiallyMet, reasons: [why] + (dYes + sYes).map(Self.describe), facts: facts)
        }
        if let graded = Self.graded(
            met: distinctYes >= needed && dNo.isEmpty, yes: dYes + sYes, no: dNo, metText: metText, partialText: partialText)
        {
            return CriterionResult(criterion: c, outcome: graded.outcome, reasons: graded.reasons, facts: facts)
        }
        let unknowns = facts.filter { !EvidenceMerge.isKnown($0.value) }
        let reasons =
            [unknowns.isEmpty ? "no evidence in the catalog or attestations" : "no evidence found (\"not found\" is unknown, not no)"]
            + unknowns.map(Self.describe)
        return CriterionResult(criterion: c, outcome: .unknown, reasons: reasons, facts: facts)
    }

    /// The grading the criteria share, given the decisive and supporting facts that say yes (`yes`) and the
    /// decisive ones that say no: met when `met` holds; partly met on any yes (with `partialText`, or as mixed
    /// when some say no); not met when only no; nil when there is no evidence either way (the caller says why).
    static func graded(
        met: Bool, yes: [ResolvedFact], no: [ResolvedFact], metText: String, partialText: String
    ) -> (outcome: CriterionOutcome, reasons: [String])? {
        if met { return (.met, [metText] + yes.map(describe)) }
        if !yes.isEmpty {
            return (.partiallyMet, [no.isEmpty ? partialText : "evidence is mixed"] + yes.map(describe) + no.map { "against: " + describe($0) })
        }
        if !no.isEmpty { return (.notMet, ["the evidence on record is negative"] + no.map(describe)) }
        return nil
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
        // Numbers (median days to fix, a CWE share below the threshold) are shown, not counted.
        let informational = facts.filter {
            $0.aspect == .notableVulnerability || $0.aspect == .patchCadence && !($0.value == .yes || $0.value == .no)
                || (Self.cweShare($0) ?? 100) < Self.cweTransparencyThreshold
        }
        let (outcome, reasons) =
            Self.graded(
                met: has.contains(.vdp) && has.contains(.advisories) && dNo.isEmpty, yes: dYes + sYes, no: dNo,
                metText: "a vulnerability disclosure process and published advisories are evidenced",
                partialText: "only part of VDP + published advisories is evidenced")
            ?? (.unknown, ["no evidence of a VDP or advisories"])
        return CriterionResult(
            criterion: .vulnerabilityHandling, outcome: outcome,
            reasons: reasons + informational.map { "for information: " + Self.describe($0) }, facts: facts)
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
                "\(s.component.name) (\(s.component.layer.rawValue) layer: judged on its own and capping the verdict, see the dependencies; the host OS under ISM-1743): \(s.status.rawValue) — \(s.basis)"
            )
        }
        let density = facts.filter { $0.aspect == .unsafeDensity }
        reasons += density.map { "for information: " + Self.describe($0) }
        return CriterionResult(criterion: .memorySafeLanguages, outcome: outcome, reasons: reasons, facts: facts)
    }

    // MARK: - Combination

    func combine(
        product: Product, criteria: [CriterionResult], components: [ComponentSafety], resolved: [ResolvedFact],
        parts: [String: ISM1460Evaluation] = [:]
    ) -> ISM1460Evaluation {
        func outcome(_ c: Criterion) -> CriterionOutcome { criteria.first { $0.criterion == c }?.outcome ?? .unknown }
        // Criterion 5 supports "Secure by Design practices"; it is not a gate of its own (revision 5 of the
        // control dropped revision 4's "maintaining the security of their products").
        let core: [Criterion] = [.sbdCommitment, .secureByDefault, .secureProgramming]
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
        var status: VerdictStatus
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

        // The parts of the stack judged on their own cap the verdict.
        let uncapped = status
        var dependencies = Self.dependencyCaps(components, parts: parts)
        var capped: [DependencyCap] = []
        if status != .notAssessed, status != .notApplicable {
            for i in dependencies.indices where Self.rank(dependencies[i].cap) < Self.rank(status) {
                dependencies[i].applied = true
            }
            if let lowest = dependencies.filter(\.applied).min(by: { Self.rank($0.cap) < Self.rank($1.cap) }) {
                status = lowest.cap
                capped = dependencies.filter { $0.applied && $0.cap == lowest.cap }
            }
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
                why +=
                    "; it is shared host-kernel code: judged on its own (its practices decide how far it caps this verdict) and, for the host, under ISM-1743"
            }
            weakReason = why
        }
        var stale: [WeighedFact] = []
        for r in resolved {
            for w in [r.decided] + r.others where w.stale && !stale.contains(w) { stale.append(w) }
        }
        let conflicts = resolved.filter(\.conflict)

        var rationale: [String] = []
        var headline = "ISM-1460 \(status.rawValue) for \(product.name): \(summary(uncapped, path, criteria))"
        if !capped.isEmpty {
            headline +=
                "; capped at \(status.rawValue) by \(capped.map(\.component).joined(separator: ", ")), the part of the stack it relies on"
        }
        rationale.append(headline)
        for r in criteria {
            rationale.append("(\(r.criterion.number)) \(r.criterion.title): \(r.outcome.rawValue) — \(r.reasons.first ?? "")")
        }
        if let weakReason { rationale.append("Weakest component: \(weakReason).") }
        for d in capped {
            rationale.append("Capped at \(d.cap.rawValue) by \(d.component): \(d.reason).")
        }
        for d in dependencies where !d.applied {
            rationale.append("Depends on \(d.component) (allows up to \(d.cap.rawValue)): \(d.reason).")
        }
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
            assessedAt: merge.asOf, dependencies: dependencies)
    }

    /// Verdict order for caps: satisfied > satisfiedLessPreferred > partiallySatisfied > notSatisfied.
    static func rank(_ s: VerdictStatus) -> Int {
        switch s {
        case .satisfied: 4
        case .satisfiedLessPreferred: 3
        case .partiallySatisfied: 2
        case .notSatisfied: 1
        case .notAssessed, .notApplicable: 0
        }
    }

    /// The best verdict a product can have while a part it relies on meets the memory-safety clause so.
    public static func cap(for path: MemorySafetyPath) -> VerdictStatus {
        switch path {
        case .languages: .satisfied
        case .practices: .satisfiedLessPreferred
        case .partial, .unknown: .partiallySatisfied
        case .notMet: .notSatisfied
        }
    }

    /// The parts judged on their own: every isolation-critical component that is a catalog product (judged
    /// as that product), and host-kernel code the product does not decide 4a on (without a catalog product,
    /// judged from its language alone: memory-unsafe code whose practices nobody has shown caps at partial).
    static func dependencyCaps(_ components: [ComponentSafety], parts: [String: ISM1460Evaluation]) -> [DependencyCap] {
        let deciding = Set(decidingComponents(components).map(\.component.id))
        var out: [DependencyCap] = []
        for s in components where s.component.isolationCritical {
            let c = s.component
            if let part = parts[c.id] {
                let b = part.result(.memorySafePractices)
                var reason =
                    "judged as catalog product \(part.product) (\(part.productName)): memory safety \(part.memorySafety.rawValue) (4a \(part.result(.memorySafeLanguages)?.outcome.rawValue ?? "unknown"), 4b \(b?.outcome.rawValue ?? "unknown"))"
                if let first = b?.reasons.first, part.memorySafety != .languages { reason += " — 4b: \(first)" }
                out.append(
                    DependencyCap(
                        componentID: c.id, component: c.name, layer: c.layer, product: part.product,
                        memorySafety: part.memorySafety, cap: cap(for: part.memorySafety), reason: reason, applied: false))
            } else if c.layer == .kernel, !deciding.contains(c.id) {
                let path: MemorySafetyPath = s.status == .memorySafe ? .languages : .unknown
                let reason =
                    c.product.map { "catalog product \($0) is not in the catalog; judged from its language: \(s.status.rawValue) — \(s.basis)" }
                    ?? "host-kernel code with no catalog product to show its memory-safe practices; judged from its language: \(s.status.rawValue) — \(s.basis)"
                out.append(
                    DependencyCap(
                        componentID: c.id, component: c.name, layer: c.layer, product: c.product, memorySafety: path,
                        cap: cap(for: path), reason: reason, applied: false))
            }
        }
        return out
    }

    // MARK: - Criterion 4b

    /// Memory-safe programming practices ISM-1460 accepts, less preferably, in place of memory-safe languages.
    public static let memorySafePracticeAspects: Set<Aspect> = [
        .fuzzing, .staticAnalysis, .sanitizers, .codingStandard, .sandboxedDeviceEmulation, .hardenedBuild,
        .formalVerification,
    ]
    /// Distinct practices (at medium confidence or better) that meet 4b.
    public static let practicesNeeded = 2

    /// (4b): met by at least two different memory-safe practices on record from a primary source (the
    /// product's own, and those of the parts of its own code that are catalog products), or by formal
    /// verification covering every memory-unsafe isolation-critical part it decides on. Formal verification
    /// counts only for the components it names; a memory-safety roadmap is shown as a strength, counted
    /// under criterion 1 only.
    func memorySafePractices(_ resolved: [ResolvedFact], _ components: [ComponentSafety], parts: [String: ISM1460Evaluation])
        -> CriterionResult
    {
        let practices = Self.memorySafePracticeAspects
        let deciding = Self.decidingComponents(components)
        let critical = Set(components.filter(\.component.isolationCritical).map(\.component.id))
        var read: [(label: String, fact: ResolvedFact)] = resolved.filter { practices.contains($0.aspect) }.map { ("", $0) }
        for s in deciding.filter({ $0.component.layer == .mechanism }) {
            guard let part = parts[s.component.id], let b = part.result(.memorySafePractices) else { continue }
            read += b.facts.filter { practices.contains($0.aspect) }.map { ("inherited from \(part.product): ", $0) }
        }
        var counted: Set<Aspect> = []
        var countedText: [String] = []
        var weak: [String] = []
        var notCounted: [String] = []
        var verified: Set<String> = []
        for (label, f) in read where f.value == .yes {
            if f.aspect == .formalVerification {
                guard let c = f.component, critical.contains(c) || !label.isEmpty else {
                    notCounted.append(
                        "not counted: formal verification that names no isolation-critical component it covers — " + Self.describe(f))
                    continue
                }
                if label.isEmpty, let c = f.component { verified.insert(c) }
            }
            if f.decided.effectiveConfidence == .low {
                weak.append(label + Self.describe(f))
                continue
            }
            counted.insert(f.aspect)
            countedText.append(label + Self.describe(f))
        }
        let against = read.filter { $0.fact.value == .no }.map { "against: " + $0.label + Self.describe($0.fact) }
        let unsafeDeciding = deciding.filter { $0.status != .memorySafe }
        let allVerified = !unsafeDeciding.isEmpty && unsafeDeciding.allSatisfy { verified.contains($0.component.id) }
        var reasons: [String] = []
        let outcome: CriterionOutcome
        if allVerified {
            outcome = .met
            reasons.append("formal verification covers every memory-unsafe isolation-critical part")
            reasons += countedText
        } else if counted.count >= Self.practicesNeeded {
            outcome = .met
            reasons.append(
                "\(counted.count) different memory-safe practices are evidenced (\(counted.map(\.rawValue).sorted().joined(separator: ", ")))")
            reasons += countedText + against
        } else if !counted.isEmpty || !weak.isEmpty {
            outcome = .partiallyMet
            reasons.append(
                "fewer than \(Self.practicesNeeded) different memory-safe practices are evidenced from a primary source")
            reasons += countedText + weak.map { "low confidence: " + $0 } + against
        } else if !against.isEmpty {
            outcome = .notMet
            reasons.append("the memory-safe practices on record are absent")
            reasons += against
        } else {
            outcome = .unknown
            reasons.append("no evidence of memory-safe practices")
        }
        reasons += notCounted
        for r in resolved where r.aspect == .memorySafetyRoadmap && r.value == .yes {
            reasons.append("for information (a strength, counted under criterion 1 only): " + Self.describe(r))
        }
        return CriterionResult(
            criterion: .memorySafePractices, outcome: outcome, reasons: reasons, facts: read.map(\.fact))
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
