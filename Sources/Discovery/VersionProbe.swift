public import BulkheadModel
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Opt-in only (`--probe-versions`): asks a host binary for its version when no package records one.
/// Runs the binary itself with an argument array (never a shell), no standard input, a clean environment,
/// a timeout, and a bound on what it may print. Only on the live host.
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

    /// Fills in `version` for mechanisms that have none and a binary Bulkhead knows how to ask.
    public func fill(_ mechanisms: [IsolationMechanism], binaries: [ProductID: String], now: Date) -> [IsolationMechanism] {
        mechanisms.map { mechanism in
            guard mechanism.version == nil, let binary = binaries[mechanism.product],
                let flags = Self.flags[mechanism.product]
            else { return mechanism }
            var m = mechanism
            let argv = [binary] + flags
            switch run(argv) {
            case .success(let output):
                if let version = Self.firstVersion(in: output) {
                    m.version = version
                    m.evidence.append(
                        Evidence(
                            claim: "\(binary) reports version \(version)", source: .command(argv: argv), observedAt: now,
                            confidence: .medium))
                } else {
                    m.problems.append(Problem(subject: binary, message: "printed no recognisable version"))
                }
            case .failure(let problem):
                m.problems.append(problem)
            }
            return m
        }
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

    func run(_ argv: [String]) -> Result<String, Problem> {
        guard let executable = argv.first else { return .failure(Problem(subject: "version probe", message: "no program")) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(Problem(subject: executable, message: "could not run: \(error.localizedDescription)"))
        }
        let deadline = ContinuousClock.now + timeout
        var output = Data()
        let reader = pipe.fileHandleForReading
        // Read in the background so a chatty program cannot block on a full pipe.
        let group = DispatchGroup()
        let box = OutputBox(limit: outputLimit)
        group.enter()
        DispatchQueue.global().async {
            while let chunk = try? reader.read(upToCount: 4096), !chunk.isEmpty {
                if !box.append(chunk) { break }
            }
            group.leave()
        }
        while process.isRunning && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if process.isRunning {
            process.terminate()
            Thread.sleep(forTimeInterval: 0.1)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            _ = group.wait(timeout: .now() + 1)
            return .failure(Problem(subject: executable, message: "did not answer within \(timeout); stopped"))
        }
        _ = group.wait(timeout: .now() + 1)
        output = box.data
        return .success(String(decoding: output, as: UTF8.self))
    }
}

/// Output collected from a child, capped; guarded by a lock for the reader thread.
final class OutputBox: Sendable {
    private let state: Mutex<Data>
    private let limit: Int
    init(limit: Int) {
        self.limit = limit
        self.state = Mutex(Data())
    }
    /// Appends; false once the cap is reached.
    func append(_ chunk: Data) -> Bool {
        state.withLock { data in
            let room = limit - data.count
            if room <= 0 { return false }
            data.append(chunk.prefix(room))
            return data.count < limit
        }
    }
    var data: Data { state.withLock { $0 } }
}

extension Substring {
    fileprivate func trimmingTrailing(_ drop: (Character) -> Bool) -> Substring {
        var s = self
        while let last = s.last, drop(last) { s = s.dropLast() }
        return s
    }
}
