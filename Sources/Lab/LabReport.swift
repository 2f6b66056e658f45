public import BulkheadModel
public import Foundation
import SafeFiles

/// An isolation mechanism the lab can boot.
public enum LabMechanism: String, Codable, Hashable, Sendable, CaseIterable {
    case qemu, runsc, bwrap, crun

    /// What the probe should identify inside this mechanism.
    public var expectedIdentification: Set<String> {
        switch self {
        case .qemu: ["qemu-tcg", "kvm"]
        case .runsc: ["gvisor"]
        case .bwrap, .crun: ["namespaces"]
        }
    }

    /// `vm` or `sandbox`: which scenarios apply.
    public var isVirtualMachine: Bool { self == .qemu }

    /// The catalog product this mechanism exercises (runsc is gVisor's runtime, bwrap is bubblewrap).
    public var product: ProductID {
        switch self {
        case .qemu: "qemu"
        case .runsc: "gvisor"
        case .bwrap: "bubblewrap"
        case .crun: "crun"
        }
    }

    /// The lab mechanism that exercises a discovered catalog product, or nil when the lab has none.
    public init?(exercising product: ProductID) {
        guard let mechanism = Self.allCases.first(where: { $0.product == product }) else { return nil }
        self = mechanism
    }
}

/// Outcome of one scenario (the ISM vocabulary's check outcomes).
public enum ScenarioOutcome: String, Codable, Hashable, Sendable {
    case pass, fail, notApplicable, inconclusive
}

/// One threat scenario's result.
public struct ScenarioResult: Codable, Hashable, Sendable {
    public var id: String
    public var title: String
    /// The threat it mimics, in a sentence.
    public var threat: String
    public var expected: String
    public var observed: String
    public var outcome: ScenarioOutcome
    public var controls: [ControlID]
    public var severity: Severity
}

/// Where the time went, in seconds.
public struct LabTimings: Codable, Hashable, Sendable {
    /// Building the initramfs / bundle in the temporary directory.
    public var build: Double = 0
    /// Start of the mechanism until the probe's begin marker appeared.
    public var boot: Double = 0
    /// Begin marker to end marker: the probe's own run.
    public var probe: Double = 0
    /// End marker until the mechanism exited (guest power-off, sandbox teardown).
    public var shutdown: Double = 0
    /// Whole run, start to report.
    public var total: Double = 0
}

/// One mechanism run: how it was launched, what the probe saw, each scenario's outcome.
public struct LabRun: Codable, Hashable, Sendable {
    public var mechanism: LabMechanism
    /// A label for the configuration (`baseline`, `floppy`, `cap-sys-admin` …).
    public var variant: String
    /// The exact argument array used to start the mechanism.
    public var command: [String]
    /// `tcg` or `kvm` for QEMU; nil for sandboxes.
    public var accelerator: String?
    /// Why KVM was or was not used, when it was tried.
    public var acceleratorNote: String?
    /// How the mechanism had to be started on this host, when that differs from the documented way.
    public var launchNote: String?
    public var exitStatus: Int32?
    public var timedOut: Bool
    /// Set when the probe output could not be used; every scenario is then inconclusive.
    public var inconclusiveReason: String?
    /// The probe's identification (`qemu-tcg`, `gvisor`, `namespaces` …).
    public var identified: String?
    /// The raw probe JSON, kept as evidence (at most 1 MiB).
    public var rawProbeOutput: String?
    /// The mechanism's stderr tail, for diagnosis.
    public var diagnostics: String?
    public var scenarios: [ScenarioResult]
    public var timings: LabTimings
}

/// The lab's report: one or more runs, when and where.
public struct LabReport: Codable, Hashable, Sendable {
    public static let currentSchemaVersion = 1
    public var schemaVersion: Int = LabReport.currentSchemaVersion
    public var startedAt: Date
    public var host: String?
    public var runs: [LabRun]
    /// Artefacts kept (with --keep-artifacts), else nil: the temporary directory was removed.
    public var artifactsDirectory: String?

    public init(startedAt: Date, host: String?, runs: [LabRun], artifactsDirectory: String? = nil) {
        self.startedAt = startedAt
        self.host = host
        self.runs = runs
        self.artifactsDirectory = artifactsDirectory
    }

    public var counts: [ScenarioOutcome: Int] {
        var c: [ScenarioOutcome: Int] = [:]
        for run in runs { for s in run.scenarios { c[s.outcome, default: 0] += 1 } }
        return c
    }

    /// Turns the report into evidence for ISM-1460/1604 (one entry per scenario, plus one per run for the
    /// identification), sourced to the `bulkhead lab run` command that repeats it.
    public func evidence() -> [Evidence] {
        var out: [Evidence] = []
        for run in runs {
            let command = "bulkhead lab run --mechanism \(run.mechanism.rawValue) (variant \(run.variant))"
            if let reason = run.inconclusiveReason {
                out.append(
                    Evidence(
                        claim: "lab run of \(run.mechanism.rawValue) was inconclusive: \(reason)",
                        source: .measurement(command: command), observedAt: startedAt, confidence: .low))
                continue
            }
            out.append(
                Evidence(
                    claim: "probe inside \(run.mechanism.rawValue) identified \(run.identified ?? "nothing")",
                    source: .command(argv: run.command), observedAt: startedAt, confidence: .high))
            for s in run.scenarios where s.outcome != .notApplicable {
                out.append(
                    Evidence(
                        claim: "lab scenario \(s.id) on \(run.mechanism.rawValue) [\(run.variant)]: \(s.outcome.rawValue)"
                            + " — expected \(s.expected); observed \(s.observed)",
                        source: .measurement(command: command), observedAt: startedAt,
                        confidence: s.outcome == .inconclusive ? .low : .high))
            }
        }
        return out
    }

    /// The scenarios as `Finding`s about the catalog product the mechanism exercises (subject
    /// `<product>/lab <variant>`, e.g. `gvisor/lab baseline`), so the assessment attaches them to the
    /// discovered mechanism.
    public func findings() -> [Finding] {
        let ev = evidence()
        var out: [Finding] = []
        for run in runs {
            for s in run.scenarios {
                let outcome: Outcome =
                    switch s.outcome {
                    case .pass: .pass
                    case .fail: .fail
                    case .notApplicable: .notApplicable
                    case .inconclusive: .inconclusive(reason: run.inconclusiveReason ?? s.observed)
                    }
                out.append(
                    Finding(
                        checkID: "lab.\(s.id)", subject: "\(run.mechanism.product.rawValue)/lab \(run.variant)", outcome: outcome,
                        observed: s.observed, expected: s.expected, severity: s.severity, controls: s.controls,
                        evidence: ev.filter { $0.claim.contains("scenario \(s.id) on \(run.mechanism.rawValue) [\(run.variant)]") }))
            }
        }
        return out
    }
}

extension LabReport {
    /// Reads a stored report (`bulkhead lab run --format json > FILE`), bounded to 16 MiB, for
    /// `assess --lab FILE`. A report from an unknown schema version is refused.
    public static func load(path: String, limit: Int = 16 << 20) throws(LabError) -> LabReport {
        let data: Data
        do {
            data = try SafeFile.readRegular(path, limit: limit)
        } catch {
            if error.code == .tooLarge { throw LabError(.invalidArgument, "lab report \(path) is over \(limit) bytes") }
            throw LabError(.artifactMissing, "cannot read the lab report \(path)", cause: error)
        }
        let decoder = JSONCoding.decoder()
        let report: LabReport
        do {
            report = try decoder.decode(LabReport.self, from: data)
        } catch let error as DecodingError {
            throw LabError(.invalidArgument, "\(path) is not a lab report: \(ProbeOutputParser.describe(error))")
        } catch {
            throw LabError(.invalidArgument, "\(path) is not a lab report", cause: error)
        }
        guard report.schemaVersion == currentSchemaVersion else {
            throw LabError(.invalidArgument, "lab report \(path) has schemaVersion \(report.schemaVersion); expected \(currentSchemaVersion)")
        }
        return report
    }
}
