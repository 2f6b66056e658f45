/// Why a program could not be run to a usable end. Each code names what went wrong.
public struct ProcessRunnerError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
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
    public var code: Code
    public var message: String
    /// The underlying cause (an OS error, the program's standard error), when there is one.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause, !cause.isEmpty { return "\(message) (\(cause))" }
        return message
    }
}
