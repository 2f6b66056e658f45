/// One program to run: an argument array (never a shell string), where its standard streams go, and the
/// bounds it runs under.
public struct ProcessRequest: Sendable, Hashable {
    /// The environment the program gets.
    public enum Environment: Sendable, Hashable {
        /// This process's environment.
        case inherit
        /// This process's environment with these variables set (or replaced).
        case inheritUpdating([String: String])
        /// Exactly these variables and no others.
        case exactly([String: String])
    }

    /// Where standard input comes from.
    public enum Input: Sendable, Hashable {
        /// `/dev/null`.
        case none
        /// A file opened read-only.
        case file(String)
    }

    /// Where a standard output stream goes. Every destination has a byte bound.
    public enum Destination: Sendable, Hashable {
        /// Kept in memory up to `limit` bytes. Past the bound the program is stopped (SIGTERM, then SIGKILL
        /// after the grace period) when `stopAtLimit`, else the rest is read and dropped.
        case capture(limit: Int, stopAtLimit: Bool = true)
        /// Written to a new file (created mode 0600 or truncated, never through a symbolic link) up to
        /// `limit` bytes; past the bound the program is stopped.
        case file(String, limit: Int)
        /// Read and dropped.
        case discard
    }

    /// `argv[0]` is the program's absolute path; the rest are its arguments, passed as they are.
    public var argv: [String]
    public var environment: Environment
    public var workingDirectory: String?
    public var input: Input
    public var output: Destination
    public var error: Destination
    /// How long the program may run; nil for no time bound.
    public var timeout: Duration?
    /// Between SIGTERM and SIGKILL when the program is stopped.
    public var grace: Duration
    /// Strings to watch for in captured standard output: the outcome says when each first appeared.
    public var watch: [String]

    public init(
        _ argv: [String], environment: Environment = .inherit, workingDirectory: String? = nil, input: Input = .none,
        output: Destination = .capture(limit: 8 << 20), error: Destination = .capture(limit: 64 << 10, stopAtLimit: false),
        timeout: Duration? = nil, grace: Duration = .seconds(1), watch: [String] = []
    ) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.output = output
        self.error = error
        self.timeout = timeout
        self.grace = grace
        self.watch = watch
    }
}

/// How a program ended.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    public var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signalled(let signal): "killed by \(Self.signalName(signal))"
        }
    }

    /// `SIGTERM` for 15 and so on; `signal N` for the rest.
    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV",
            13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}

/// What running a program gave.
public struct ProcessOutcome: Sendable {
    public var argv: [String]
    public var termination: ProcessTermination
    /// Captured standard output (empty for a file or discarded destination), at most its bound.
    public var stdout: [UInt8]
    /// Captured standard error, at most its bound.
    public var stderr: [UInt8]
    /// Bytes the program wrote to standard output (to memory or to the file) before it ended or was stopped.
    public var stdoutBytes: Int
    /// Bytes past a bound were dropped from standard output / standard error.
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// The program passed its time bound and was stopped.
    public var timedOut: Bool
    /// The program passed an output bound that stops it, and was stopped.
    public var stoppedAtOutputCap: Bool
    public var started: ContinuousClock.Instant
    public var ended: ContinuousClock.Instant
    /// When each watched string first appeared in standard output.
    public var marks: [String: ContinuousClock.Instant]

    /// The exit status, nil when the program was stopped by Bulkhead or ended by a signal.
    public var exitStatus: Int32? {
        if timedOut || stoppedAtOutputCap { return nil }
        if case .exited(let status) = termination { return status }
        return nil
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// This outcome when the program ran to an end with an accepted exit status; otherwise the error that
    /// says why not (timed out, output over its bound, other status or a signal, with its standard error).
    public func checked(accepting statuses: Set<Int32> = [0]) throws(ProcessRunnerError) -> ProcessOutcome {
        let program = argv.first ?? "the program"
        let why = String(stderrText.prefix(500)).trimmedOfWhitespace()
        if timedOut { throw ProcessRunnerError(.timedOut, "\(program) did not finish in time and was stopped", cause: why) }
        if stoppedAtOutputCap {
            throw ProcessRunnerError(.outputOverCap, "\(program) wrote more output than its bound and was stopped", cause: why)
        }
        if case .exited(let status) = termination, statuses.contains(status) { return self }
        throw ProcessRunnerError(.failed, "\(program) failed (\(termination))", cause: why)
    }
}

extension String {
    fileprivate func trimmedOfWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
