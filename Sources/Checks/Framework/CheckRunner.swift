public import BulkheadModel
import Foundation

/// What a run produced: one finding per (check, subject), the checks left out and why.
public struct CheckReport: Codable, Hashable, Sendable {
    public struct Skipped: Codable, Hashable, Sendable {
        public var checkID: String
        public var reason: String
    }
    public var findings: [Finding]
    public var skipped: [Skipped]
    /// Title and source of the tailoring applied, if any.
    public var tailoring: String?

    public init(findings: [Finding], skipped: [Skipped], tailoring: String?) {
        self.findings = findings
        self.skipped = skipped
        self.tailoring = tailoring
    }

    /// Findings of one outcome label (`pass`, `fail`, `notApplicable`, `inconclusive`).
    public func count(_ label: String) -> Int { findings.filter { $0.outcome.label == label }.count }
}

/// Applies the selected checks to the input: host checks once, mechanism checks per mechanism, guest checks
/// per guest, daemon checks per daemon configuration. Pure: the same input gives the same report.
public struct CheckRunner: Sendable {
    public let catalog: CheckCatalog

    public init(catalog: CheckCatalog) { self.catalog = catalog }

    /// The checks that describe the CPU (side channels, SMT, mitigations): on a host that is itself a virtual
    /// machine they describe virtual CPUs, and every finding says so.
    public static let cpuChecks: Set<String> = ["host.smt", "host.cpu-vulnerabilities", "host.mitigations-off"]

    /// The note added beside a CPU finding when the host is itself a guest (CPU hypervisor flag, DMI), else nil.
    static func virtualCPUNote(_ checkID: String, _ v: HostVirtualization) -> String? {
        guard cpuChecks.contains(checkID), v.isGuest == true else { return nil }
        let what = [v.hypervisor, v.platform].compactMap { $0 }.joined(separator: ", ")
        return
            "this host is itself a virtual machine\(what.isEmpty ? "" : " (\(what))"): the CPU state read here is of its virtual CPUs, not of the physical host's"
    }

    public func run(_ input: CheckInput, selection: CheckSelection = .all, tailoring: Tailoring? = nil) -> CheckReport {
        var findings: [Finding] = []
        var skipped: [CheckReport.Skipped] = []
        let tailoringSkips = Dictionary(
            (tailoring?.skip ?? []).map { ($0.id, $0.reason) }, uniquingKeysWith: { a, _ in a })
        for definition in catalog.definitions {
            if let why = selection.exclusion(of: definition) {
                skipped.append(.init(checkID: definition.id, reason: why))
                continue
            }
            if let why = tailoringSkips[definition.id] {
                skipped.append(.init(checkID: definition.id, reason: "tailoring (\(tailoring?.source ?? "")): \(why)"))
                continue
            }
            guard let check = catalog.checks[definition.id] else { continue }
            let context = makeContext(input, definition, tailoring)
            func add(_ result: CheckResult, subject: String) {
                var observed = result.observed
                var evidence = result.evidence
                if let note = Self.virtualCPUNote(definition.id, input.facts.virtualization) {
                    observed = (observed.map { $0 + " — " } ?? "") + note
                    evidence += input.facts.virtualization.evidence
                }
                findings.append(
                    Finding(
                        checkID: definition.id, subject: subject, outcome: result.outcome, observed: observed,
                        expected: result.expected ?? definition.expected, severity: definition.severity,
                        controls: definition.controls, evidence: evidence))
            }
            switch check.body {
            case .host(let f):
                add(f(context), subject: "host")
            case .mechanism(let f):
                for m in input.mechanisms {
                    if let r = f(context, m) { add(r, subject: m.product.rawValue) }
                }
            case .guest(let f):
                for m in input.mechanisms {
                    for g in m.guests {
                        let subject = GuestSubject(mechanism: m, guest: g)
                        if let r = f(context, subject) { add(r, subject: subject.label) }
                    }
                }
            case .daemon(let f):
                for d in input.daemons {
                    if let r = f(context, d) { add(r, subject: "\(d.product.rawValue):\(d.path)") }
                }
            }
        }
        let label = tailoring.map { t in t.title.map { "\($0) (\(t.source))" } ?? t.source }
        return CheckReport(findings: findings, skipped: skipped, tailoring: label)
    }

    func makeContext(_ input: CheckInput, _ d: CheckDefinition, _ tailoring: Tailoring?) -> CheckContext {
        var values: [String: ParameterValue] = [:]
        for p in d.parameters { values[p.name] = p.default }
        var tailored: [String: Evidence] = [:]
        for v in tailoring?.values ?? [] where v.checkID == d.id {
            values[v.parameter] = v.value
            tailored[v.parameter] = Evidence(
                claim: "tailoring sets \(d.id) \(v.parameter) = \(v.value): \(v.reason)",
                source: .file(path: tailoring?.source ?? "tailoring", sha256: nil), observedAt: input.now,
                confidence: .medium)
        }
        return CheckContext(input: input, definition: d, values: values, tailored: tailored)
    }
}
