import Foundation

/// The ISM-1460 criteria (docs/criteria.md says how each is decided and how they combine).
public enum Criterion: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    /// (1) A public Secure-by-Design commitment: SbD pledge, published SDL, memory-safety roadmap.
    case sbdCommitment
    /// (2) Secure by Default: confinement on by default, no default credentials, hardening guide.
    case secureByDefault
    /// (3) Secure programming practices: fuzzing, static analysis, sanitizers, review, threat model.
    case secureProgramming
    /// (4a) Memory-safe languages in the isolation-critical code (measured where possible).
    case memorySafeLanguages
    /// (4b) Less preferably: memory-safe programming practices.
    case memorySafePractices
    /// (5) Vulnerability handling and transparency: VDP, advisories, CWE, lifecycle, patch cadence.
    case vulnerabilityHandling

    /// The number used in ISM-1460 reports: `1`, `2`, `3`, `4a`, `4b`, `5`.
    public var number: String {
        switch self {
        case .sbdCommitment: "1"
        case .secureByDefault: "2"
        case .secureProgramming: "3"
        case .memorySafeLanguages: "4a"
        case .memorySafePractices: "4b"
        case .vulnerabilityHandling: "5"
        }
    }

    public var title: String {
        switch self {
        case .sbdCommitment: "Public Secure-by-Design commitment"
        case .secureByDefault: "Secure by Default"
        case .secureProgramming: "Secure programming practices"
        case .memorySafeLanguages: "Memory-safe languages"
        case .memorySafePractices: "Memory-safe practices (less preferred)"
        case .vulnerabilityHandling: "Vulnerability handling and transparency"
        }
    }

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: Criterion, b: Criterion) -> Bool { a.rank < b.rank }
}

/// What a fact is about, inside its criterion. Each aspect belongs to exactly one criterion (`criterion`);
/// a few are also read by another criterion's rule (docs/criteria.md).
public enum Aspect: String, Codable, Hashable, Sendable, CaseIterable {
    // (1)
    case pledge, sdlPublished, memorySafetyRoadmap, securityDesignStatement
    // (2)
    case defaultConfinement, noDefaultCredentials, hardeningGuide, optionalHardening
    // (3)
    case fuzzing, staticAnalysis, sanitizers, codingStandard, codeReview, threatModel, formalVerification
    case signedReleases, sbom
    // (4a)
    case memorySafeShare, languageStatement, unsafeDensity
    // (4b)
    case sandboxedDeviceEmulation, hardenedBuild
    // (5)
    case vdp, advisories, cveWithCWE, bugBounty, supportLifecycle, patchCadence, notableVulnerability

    /// The criterion a fact with this aspect belongs to.
    public var criterion: Criterion {
        switch self {
        case .pledge, .sdlPublished, .memorySafetyRoadmap, .securityDesignStatement: .sbdCommitment
        case .defaultConfinement, .noDefaultCredentials, .hardeningGuide, .optionalHardening: .secureByDefault
        case .fuzzing, .staticAnalysis, .sanitizers, .codingStandard, .codeReview, .threatModel,
            .formalVerification, .signedReleases, .sbom:
            .secureProgramming
        case .memorySafeShare, .languageStatement, .unsafeDensity: .memorySafeLanguages
        case .sandboxedDeviceEmulation, .hardenedBuild: .memorySafePractices
        case .vdp, .advisories, .cveWithCWE, .bugBounty, .supportLifecycle, .patchCadence, .notableVulnerability:
            .vulnerabilityHandling
        }
    }
}

/// A fact's value: yes / no / unknown / not applicable, or a number.
/// JSON: `"yes"`, `"no"`, `"unknown"`, `"notApplicable"`, `{"percent": 98.9}`, `{"count": 389}`,
/// `{"perThousandLines": 3.6}`, `{"days": 12}`.
public enum FactValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case yes, no, unknown, notApplicable
    case percent(Double)
    case count(Int)
    case perThousandLines(Double)
    case days(Double)

    public var description: String {
        switch self {
        case .yes: "yes"
        case .no: "no"
        case .unknown: "unknown"
        case .notApplicable: "n/a"
        case .percent(let p): "\(Self.format(p)) %"
        case .count(let n): "\(n)"
        case .perThousandLines(let d): "\(Self.format(d)) per 1,000 lines"
        case .days(let d): "\(Self.format(d)) days"
        }
    }

    public static func format(_ d: Double) -> String {
        d == d.rounded() ? String(Int(d)) : String(format: "%.1f", d)
    }

    private enum NumberKey: String, CodingKey, CaseIterable { case percent, count, perThousandLines, days }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let s = try? single.decode(String.self) {
            switch s {
            case "yes": self = .yes
            case "no": self = .no
            case "unknown": self = .unknown
            case "notApplicable": self = .notApplicable
            default:
                throw DecodingError.dataCorruptedError(
                    in: single,
                    debugDescription:
                        "value \"\(s)\" is not one of yes, no, unknown, notApplicable (or an object {\"percent\": n})")
            }
            return
        }
        let c = try decoder.container(keyedBy: NumberKey.self)
        let keys = c.allKeys
        guard keys.count == 1, let key = keys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "value must be \"yes\", \"no\", \"unknown\", \"notApplicable\" or an object with exactly one of percent, count, perThousandLines, days"
                ))
        }
        /// The number under `key`, refused with `message` unless it lies in `range`.
        func number<R: RangeExpression>(in range: R, _ message: (R.Bound) -> String) throws -> R.Bound where R.Bound: Decodable {
            let n = try c.decode(R.Bound.self, forKey: key)
            guard range.contains(n) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: message(n))
            }
            return n
        }
        switch key {
        case .percent: self = .percent(try number(in: 0...100) { "a percentage must be between 0 and 100, got \($0)" })
        case .count: self = .count(try number(in: 0...) { _ in "a count must be ≥ 0" })
        case .perThousandLines: self = .perThousandLines(try number(in: 0...) { _ in "a density must be ≥ 0" })
        case .days: self = .days(try number(in: 0...) { _ in "days must be ≥ 0" })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .yes, .no, .unknown, .notApplicable:
            var s = encoder.singleValueContainer()
            let text: String =
                switch self {
                case .yes: "yes"
                case .no: "no"
                case .unknown: "unknown"
                default: "notApplicable"
                }
            try s.encode(text)
        case .percent(let p): try number(p, .percent)
        case .count(let n): try number(n, .count)
        case .perThousandLines(let d): try number(d, .perThousandLines)
        case .days(let d): try number(d, .days)
        }
        /// `{"key": n}`.
        func number(_ n: some Encodable, _ key: NumberKey) throws {
            var c = encoder.container(keyedBy: NumberKey.self)
            try c.encode(n, forKey: key)
        }
    }
}

/// Where a criterion fact came from, which decides precedence when facts disagree (docs/criteria.md).
public enum FactOrigin: Codable, Hashable, Sendable {
    /// A catalog file shipped with Bulkhead (`Catalog/firecracker.json`).
    case catalog(file: String)
    /// The organisation's own evidence (`--evidence FILE`).
    case attestation(file: String, attestedBy: String, documentTitle: String, sha256: String)
    /// Measured by a Bulkhead stage (census, advisories) on this run.
    case measurement(stage: String)

    /// Precedence on equal confidence: measurement > attestation > catalog.
    public var precedence: Int {
        switch self {
        case .measurement: 2
        case .attestation: 1
        case .catalog: 0
        }
    }

    public var label: String {
        switch self {
        case .catalog(let file): "catalog \(file)"
        case .attestation(let file, let by, let title, let sha):
            "attestation by \(by) in \(file): \"\(title)\" (sha256 \(sha.prefix(12))…)"
        case .measurement(let stage): "measured by \(stage)"
        }
    }
}

/// One fact about a product against one ISM-1460 criterion, with its evidence.
/// Catalog files, `--evidence` attestations and measuring stages (census, advisories) all produce these.
public struct CriterionFact: Codable, Hashable, Sendable {
    public var product: ProductID
    public var criterion: Criterion
    public var aspect: Aspect
    /// The component of the product this fact is about (a component id from the catalog), if any.
    public var component: String?
    public var value: FactValue
    /// Source, observation date, confidence and the claim in words.
    public var evidence: Evidence
    public var origin: FactOrigin

    public init(
        product: ProductID, aspect: Aspect, component: String? = nil, value: FactValue, evidence: Evidence,
        origin: FactOrigin
    ) {
        self.product = product
        self.criterion = aspect.criterion
        self.aspect = aspect
        self.component = component
        self.value = value
        self.evidence = evidence
        self.origin = origin
    }

    /// A memory-safe share measured from source (the census stage): high confidence, criterion 4a.
    public static func measuredMemorySafeShare(
        product: ProductID, component: String, percent: Double, evidence: Evidence, stage: String = "census"
    ) -> CriterionFact {
        CriterionFact(
            product: product, aspect: .memorySafeShare, component: component, value: .percent(percent),
            evidence: evidence, origin: .measurement(stage: stage))
    }
}
