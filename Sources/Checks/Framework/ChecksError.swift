public import BulkheadModel

/// The one error type of the Checks target: a code, a message a user can act on, and the cause.
public typealias ChecksError = BulkheadError<ChecksErrorCode>

/// Why the check catalog, a tailoring file or a selection cannot be used.
public enum ChecksErrorCode: String, Codable, BulkheadErrorCode {
    public static let domain = "checks"
    /// A check definition file is missing, unreadable or malformed.
    case badDefinition
    /// A check is registered without a definition, or a definition has no check.
    case definitionMismatch
    /// A tailoring file is malformed or names an unknown check or parameter.
    case badTailoring
    /// `--only`/`--skip` named a check id or pattern that matches no check.
    case unknownCheck
}
