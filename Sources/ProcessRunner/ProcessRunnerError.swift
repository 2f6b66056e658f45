public import BulkheadModel

/// Why a program could not be run to a usable end: Bulkhead's one error shape with the runner's codes.
public typealias ProcessRunnerError = BulkheadError<ProcessRunnerErrorCode>

/// What went wrong running a program.
public enum ProcessRunnerErrorCode: String, Sendable, Hashable, Codable, BulkheadErrorCode {
    public static let domain = "process"
    /// An empty argument array, a relative program path or a bad option.
    case invalidArgument
    /// The program does not exist or is not an executable file.
    case programNotFound
    /// The program exists but could not be started (permissions, working directory, resources).
    case launchFailed
    /// The program did not finish within its time bound; it was stopped (SIGTERM, then SIGKILL).
    case timedOut
    /// The program wrote more than its output bound; it was stopped (SIGTERM, then SIGKILL).
    case outputOverCap
    /// The program ended with a status the caller did not accept, or by a signal.
    case failed
    /// A file named for standard input or output could not be opened or written.
    case io
}
