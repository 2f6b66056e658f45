public import BulkheadModel
public import Foundation
import ProcessRunner

/// Opt-in only (`--probe-versions`): asks a host binary for its version when no package records one.
/// Runs the binary itself through ProcessRunner: an argument array (never a shell), no standard input, a
/// clean environment, a timeout (SIGTERM, then SIGKILL 0.1 s later), and a bound on what it may print.
/// Only on the live host.
public struct VersionProbe: Sendable {
    public var timeout: Duration = .seconds(3)
    public var outputLimit = 64 * 1024

    public init() {}

    /// The version flag each product answers to.
    static let flags: [ProductID: [String]] = [
        "qemu": ["--version"], "firecracker": ["--version"], "cloud-hypervisor": ["--version"],
        "crosvm": ["version"], "gvisor": ["--version"], "runc": ["--version"], "crun": ["--version"],
        "youki": ["--version"], "docker": ["--version"], "containerd": ["--version"], "podman": ["--version"],
        "bubblewrap": ["--version"], "kata-containers": ["--version"], "libvirt": ["--version"],
    ]

    /// Fills in `version` for mechanisms that have none and a binary Bulkhead knows how to ask. The calling
    /// task is suspended while each program runs; no thread waits.
    public func fill(_ mechanisms: [IsolationMechanism], binaries: [ProductID: String], now: Date) async -> [IsolationMechanism] {
        var out: [IsolationMechanism] = []
        for mechanism in mechanisms {
            guard let argv = command(for: mechanism, binaries: binaries) else {
                out.append(mechanism)
                continue
            }
            out.append(record(await run(argv), of: argv, in: mechanism, now: now))
        }
        return out
    }

    /// The command that asks `mechanism`'s binary for its version, when it has no version yet.
    func command(for mechanism: IsolationMechanism, binaries: [ProductID: String]) -> [String]? {
        guard mechanism.version == nil, let binary = binaries[mechanism.product], let flags = Self.flags[mechanism.product] else { return nil }
        return [binary] + flags
    }

    func record(_ result: Result<String, Problem>, of argv: [String], in mechanism: IsolationMechanism, now: Date) -> IsolationMechanism {
        var m = mechanism
        let binary = argv[0]
        switch result {
        case .success(let output):
            if let version = Self.firstVersion(in: output) {
                m.version = version
                m.evidence.append(
                    Evidence(claim: "\(binary) reports version \(version)", source: .command(argv: argv), observedAt: now, confidence: .medium))
            } else {
                m.problems.append(Problem(subject: binary, message: "printed no recognisable version"))
            }
        case .failure(let problem):
            m.problems.append(problem)
        }
        return m
    }

    /// The first word of a program's output that starts with a digit and holds a dot
    /// (`QEMU emulator version 7.2.22 (Debian …)` → `7.2.22`, `runsc version 0.0~20221219.0` → `0.0~20221219.0`).
    static func firstVersion(in text: String) -> String? {
        for word in text.prefix(4096).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let first = word.first, first.isASCII, first.isNumber, word.contains(".") else { continue }
            let trimmed = word.drop { _ in false }.trimmingTrailing { ",;:)".contains($0) }
            if !trimmed.isEmpty && trimmed.count <= 64 { return String(trimmed) }
        }
        return nil
    }

    /// The program's request: no standard input, a clean environment, the time and output bounds.
    func request(_ argv: [String]) -> ProcessRequest {
        ProcessRequest(
            argv, environment: .exactly(["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"]),
            output: .capture(limit: outputLimit, stopAtLimit: false), error: .capture(limit: outputLimit, stopAtLimit: false),
            timeout: timeout, grace: .milliseconds(100))
    }

    /// Runs one version command (suspending the calling task).
    func run(_ argv: [String]) async -> Result<String, Problem> {
        let subject = argv.first ?? "version probe"
        do {
            return answer(try await ProcessRunner.run(request(argv)), subject: subject)
        } catch {
            return .failure(Problem(subject: subject, message: "could not run: \(error.message)"))
        }
    }

    /// What the program printed (standard output, then standard error), or why there is nothing to read.
    func answer(_ outcome: ProcessOutcome, subject: String) -> Result<String, Problem> {
        if outcome.timedOut { return .failure(Problem(subject: subject, message: "did not answer within \(timeout); stopped")) }
        return .success(String(decoding: outcome.stdout + outcome.stderr, as: UTF8.self))
    }
}

extension Substring {
    fileprivate func trimmingTrailing(_ drop: (Character) -> Bool) -> Substring {
        var s = self
        while let last = s.last, drop(last) { s = s.dropLast() }
        return s
    }
}
