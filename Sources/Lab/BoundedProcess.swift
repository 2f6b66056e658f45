import Foundation
import ProcessRunner

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The result of running a program with a time and size bound.
public struct BoundedRun: Sendable {
    public var argv: [String]
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// Exit status, or nil when the process was killed.
    public var exitStatus: Int32?
    public var timedOut: Bool
    /// True when stdout passed the size bound (the process was then killed).
    public var outputTruncated: Bool
    public var started: ContinuousClock.Instant
    public var ended: ContinuousClock.Instant
    /// When each watched string first appeared in stdout.
    public var marks: [String: ContinuousClock.Instant]
}

/// The lab's view of ProcessRunner: every program the lab starts goes through here.
enum BoundedProcess {
    /// The largest file a program may write when its standard output goes to a file (the initramfs).
    static let fileOutputLimit = 1 << 30

    /// Runs `argv` (argv[0] an absolute path; never a shell) with stdin from /dev/null (or `stdinFile`),
    /// capturing stdout up to `outputLimit` bytes (or writing it to `stdoutFile`, up to `fileOutputLimit`)
    /// and stderr up to 64 KiB. At `timeout`, or when the output bound is passed, the program is sent
    /// SIGTERM, then SIGKILL one second later (ProcessRunner's teardown); it starts with an empty signal
    /// mask, so SIGTERM works in it.
    static func run(
        _ argv: [String], timeout: Duration, outputLimit: Int, watch: [String] = [],
        environment: [String: String]? = nil, currentDirectory: String? = nil,
        stdinFile: String? = nil, stdoutFile: String? = nil
    ) async throws(LabError) -> BoundedRun {
        guard let executable = argv.first else { throw LabError(.invalidArgument, "empty command") }
        let environment: ProcessRequest.Environment = environment.map { .exactly($0) } ?? .inherit
        let input: ProcessRequest.Input = stdinFile.map { .file($0) } ?? ProcessRequest.Input.none
        let output: ProcessRequest.Destination = stdoutFile.map { .file($0, limit: fileOutputLimit) } ?? .capture(limit: outputLimit)
        let request = ProcessRequest(
            argv, environment: environment, workingDirectory: currentDirectory, input: input, output: output,
            error: .capture(limit: 64 * 1024, stopAtLimit: false), timeout: timeout, grace: .seconds(1), watch: watch)
        let outcome: ProcessOutcome
        do {
            outcome = try await ProcessRunner.run(request)
        } catch {
            switch error.code {
            case .io: throw LabError(.buildFailed, error.message, cause: error.cause)
            case .invalidArgument: throw LabError(.invalidArgument, error.message, cause: error.cause)
            default: throw LabError(.launchFailed, "cannot start \(executable)", cause: error)
            }
        }
        return BoundedRun(
            argv: argv, stdout: outcome.stdout, stderr: outcome.stderr, exitStatus: outcome.exitStatus, timedOut: outcome.timedOut,
            outputTruncated: outcome.stoppedAtOutputCap, started: outcome.started, ended: outcome.ended, marks: outcome.marks)
    }

    /// True when a process with this id still exists (kill 0).
    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
}

extension Duration {
    /// Seconds as a Double, for reports.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
