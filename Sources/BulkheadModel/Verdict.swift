import Foundation

/// An ISM control identifier such as `ISM-1460` (OSCAL id `ism-1460`).
public struct ControlID: RawRepresentable, Hashable, Codable, Sendable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    /// The id used in the ISM's OSCAL catalog (`ism-1460`).
    public var oscalID: String { rawValue.lowercased() }
    public static func < (a: ControlID, b: ControlID) -> Bool { a.rawValue < b.rawValue }

    public static let ism1460: ControlID = "ISM-1460"
    public static let ism1604: ControlID = "ISM-1604"
    public static let ism1605: ControlID = "ISM-1605"
    public static let ism1606: ControlID = "ISM-1606"
    public static let ism1848: ControlID = "ISM-1848"
    public static let ism1607: ControlID = "ISM-1607"
    public static let ism1461: ControlID = "ISM-1461"
    /// Operating systems from vendors with a Secure-by-Design commitment (judged for the host OS).
    public static let ism1743: ControlID = "ISM-1743"
    /// The Virtualisation hardening controls, in the ISM's order.
    public static let virtualisationHardening: [ControlID] = [
        .ism1460, .ism1604, .ism1605, .ism1606, .ism1848, .ism1607, .ism1461,
    ]

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// The outcome of one check.
public enum Outcome: Codable, Hashable, Sendable {
    case pass
    case fail
    case notApplicable
    /// Could not be observed; the reason says why.
    case inconclusive(reason: String)

    public var label: String {
        switch self {
        case .pass: "pass"
        case .fail: "fail"
        case .notApplicable: "notApplicable"
        case .inconclusive: "inconclusive"
        }
    }
}

public enum Severity: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case info, low, medium, high, critical
    private var rank: Int {
        switch self {
        case .info: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// The result of one check applied to one subject (a mechanism, a guest or the host).
public struct Finding: Codable, Hashable, Sendable {
    public var checkID: String
    /// What was checked: `host`, a product id, or `product/guest-name`.
    public var subject: String
    public var outcome: Outcome
    public var observed: String?
    public var expected: String?
    public var severity: Severity
    public var controls: [ControlID]
    public var evidence: [Evidence]

    public init(
        checkID: String, subject: String, outcome: Outcome, observed: String? = nil, expected: String? = nil,
        severity: Severity, controls: [ControlID], evidence: [Evidence] = []
    ) {
        self.checkID = checkID
        self.subject = subject
        self.outcome = outcome
        self.observed = observed
        self.expected = expected
        self.severity = severity
        self.controls = controls
        self.evidence = evidence
    }
}

/// A control verdict for one mechanism.
public enum VerdictStatus: String, Codable, Hashable, Sendable, CaseIterable {
    case satisfied
    /// ISM-1460's "less preferably memory-safe programming practices" path.
    case satisfiedLessPreferred
    case partiallySatisfied
    case notSatisfied
    /// No evidence to decide on.
    case notAssessed
    case notApplicable
}

/// A control's verdict for one mechanism, with the evidence and criteria it rests on.
public struct ControlVerdict: Codable, Hashable, Sendable {
    public var control: ControlID
    public var subject: ProductID
    public var status: VerdictStatus
    public var confidence: Confidence
    /// Why, in sentences an assessor can check against the evidence.
    public var rationale: [String]
    public var evidence: [Evidence]

    public init(
        control: ControlID, subject: ProductID, status: VerdictStatus, confidence: Confidence,
        rationale: [String], evidence: [Evidence]
    ) {
        self.control = control
        self.subject = subject
        self.status = status
        self.confidence = confidence
        self.rationale = rationale
        self.evidence = evidence
    }
}
