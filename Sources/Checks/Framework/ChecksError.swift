/// The one error type of the Checks target: a code, a message a user can act on, and the cause.
public struct ChecksError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
        /// A check definition file is missing, unreadable or malformed.
        case badDefinition
        /// A check is registered without a definition, or a definition has no check.
        case definitionMismatch
        /// A tailoring file is malformed or names an unknown check or parameter.
        case badTailoring
        /// `--only`/`--skip` named a check id or pattern that matches no check.
        case unknownCheck
    }
    public var code: Code
    public var message: String
    /// The underlying error's description, when there is one.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { "\(message) (\(code.rawValue): \(cause))" } else { "\(message) (\(code.rawValue))" }
    }
}
