public import BulkheadModel
public import Foundation

/// Everything a check may look at. Checks never do I/O: every fact arrives here.
public struct CheckInput: Sendable {
    /// What host inspection observed.
    public var facts: HostFacts
    /// What discovery found, with guests and their parsed configurations.
    public var mechanisms: [IsolationMechanism]
    /// File-level facts that `HostFacts` does not carry (KSM, logging, audit, integrity, os-release);
    /// nil when they were not collected (checks that need them are then `inconclusive`).
    public var observations: HostObservations?
    /// Vendor support windows (one per release line, from the catalog's `lifecycle.branches`); nil when no
    /// lifecycle data was supplied.
    public var lifecycle: [SupportWindow]?
    /// Whole-product support policies (no published policy; only the newest N lines supported).
    public var supportPolicies: [SupportPolicy]
    /// Management daemon configurations (libvirt `qemu.conf`).
    public var daemons: [DaemonConfiguration]
    /// The time support windows are judged against (normally when the facts were collected).
    public var now: Date

    public init(
        facts: HostFacts, mechanisms: [IsolationMechanism] = [], observations: HostObservations? = nil,
        lifecycle: [SupportWindow]? = nil, daemons: [DaemonConfiguration] = [], now: Date? = nil,
        supportPolicies: [SupportPolicy] = []
    ) {
        self.supportPolicies = supportPolicies
        self.facts = facts
        self.mechanisms = mechanisms
        self.observations = observations
        self.lifecycle = lifecycle
        self.daemons = daemons
        self.now = now ?? facts.collectedAt
    }
}

/// What one check decided about one subject, before the runner adds severity, controls and subject.
public struct CheckResult: Hashable, Sendable {
    public var outcome: Outcome
    public var observed: String?
    /// Overrides the definition's `expected` text when set.
    public var expected: String?
    public var evidence: [Evidence]

    public init(outcome: Outcome, observed: String? = nil, expected: String? = nil, evidence: [Evidence] = []) {
        self.outcome = outcome
        self.observed = observed
        self.expected = expected
        self.evidence = evidence
    }

    public static func pass(_ observed: String, expected: String? = nil, _ evidence: [Evidence] = []) -> CheckResult {
        CheckResult(outcome: .pass, observed: observed, expected: expected, evidence: evidence)
    }
    public static func fail(_ observed: String, expected: String? = nil, _ evidence: [Evidence] = []) -> CheckResult {
        CheckResult(outcome: .fail, observed: observed, expected: expected, evidence: evidence)
    }
    public static func inconclusive(_ reason: String, observed: String? = nil, _ evidence: [Evidence] = []) -> CheckResult {
        CheckResult(outcome: .inconclusive(reason: reason), observed: observed, evidence: evidence)
    }
    public static func notApplicable(_ why: String, _ evidence: [Evidence] = []) -> CheckResult {
        CheckResult(outcome: .notApplicable, observed: why, evidence: evidence)
    }
}

/// One check: a stable id (its definition file has the same id) and one small pure function.
public struct Check: Sendable {
    public enum Body: Sendable {
        /// Evaluated once per host.
        case host(@Sendable (CheckContext) -> CheckResult)
        /// Evaluated per mechanism; nil means the check does not concern this mechanism (no finding).
        case mechanism(@Sendable (CheckContext, IsolationMechanism) -> CheckResult?)
        /// Evaluated per guest; nil means the check does not concern this guest (no finding).
        case guest(@Sendable (CheckContext, GuestSubject) -> CheckResult?)
        /// Evaluated per management daemon configuration; nil: not this daemon.
        case daemon(@Sendable (CheckContext, DaemonConfiguration) -> CheckResult?)
    }

    public let id: String
    public let body: Body

    public init(_ id: String, _ body: Body) {
        self.id = id
        self.body = body
    }

    public static func host(_ id: String, _ f: @escaping @Sendable (CheckContext) -> CheckResult) -> Check {
        Check(id, .host(f))
    }
    public static func mechanism(
        _ id: String, _ f: @escaping @Sendable (CheckContext, IsolationMechanism) -> CheckResult?
    ) -> Check {
        Check(id, .mechanism(f))
    }
    public static func guest(_ id: String, _ f: @escaping @Sendable (CheckContext, GuestSubject) -> CheckResult?) -> Check {
        Check(id, .guest(f))
    }
    public static func daemon(
        _ id: String, _ f: @escaping @Sendable (CheckContext, DaemonConfiguration) -> CheckResult?
    ) -> Check {
        Check(id, .daemon(f))
    }
}

/// A guest with the mechanism that runs it.
public struct GuestSubject: Sendable {
    public let mechanism: IsolationMechanism
    public let guest: Guest
    public var label: String { "\(mechanism.product.rawValue)/\(guest.name)" }
}

/// What a check function receives besides its subject: the input, its own definition and the resolved
/// parameter values (definition defaults overridden by the tailoring file).
public struct CheckContext: Sendable {
    public let input: CheckInput
    public let definition: CheckDefinition
    public let values: [String: ParameterValue]
    /// Parameters set by the tailoring file: name → (reason, evidence).
    public let tailored: [String: Evidence]

    public var facts: HostFacts { input.facts }
    public var observedAt: Date { input.facts.collectedAt }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b)? = values[name] { return b }
        return false
    }
    public func int(_ name: String) -> Int? {
        if case .int(let i)? = values[name] { return i }
        return nil
    }
    public func strings(_ name: String) -> [String] {
        switch values[name] {
        case .strings(let a)?: a
        case .string(let s)?: [s]
        default: []
        }
    }
    /// The tailoring evidence for a parameter, as an array to append to a result's evidence.
    public func tailoring(_ name: String) -> [Evidence] { tailored[name].map { [$0] } ?? [] }

    /// Evidence for a host file or sysfs value.
    public func file(_ path: String, _ claim: String) -> Evidence {
        Evidence(claim: claim, source: .file(path: path, sha256: nil), observedAt: observedAt, confidence: .high)
    }
    /// Evidence for a process field.
    public func process(_ pid: Int32, _ field: String, _ claim: String) -> Evidence {
        Evidence(claim: claim, source: .process(pid: pid, field: field), observedAt: observedAt, confidence: .high)
    }

    /// Host-inspection problems whose subject mentions `path` (to explain why a fact is missing).
    public func problems(about path: String) -> [Problem] {
        facts.problems.filter { $0.subject.contains(path) || path.contains($0.subject) && !$0.subject.isEmpty }
    }

    /// An `inconclusive` result for a fact that was not observed, naming the source and any problem met.
    public func unobserved(_ what: String, at path: String) -> CheckResult {
        let known = problems(about: path)
        if known.isEmpty {
            return .inconclusive("\(what) was not observed (\(path) not collected from \(facts.source))")
        }
        return .inconclusive("\(what) could not be read: " + known.map(\.description).joined(separator: "; "))
    }
}
