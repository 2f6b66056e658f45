public import BulkheadModel

/// Errors of HostInspection outside single host reads (those are `HostReadError`): writing and loading
/// snapshots, private copies of package databases. Each names the file, says what a user can do, and
/// keeps the underlying cause; it has Bulkhead's one error shape (`CodedError`).
public struct HostInspectionError: CodedError, Hashable, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, BulkheadErrorCode {
        public static let domain = "host-inspection"
        /// The file system refused (open, write, stat).
        case io
        /// The output exists and --force was not given.
        case exists
        /// Over one of the documented caps.
        case tooLarge
        /// Not a valid gzip stream or tar archive, truncated, or a manifest that does not parse.
        case corrupt
        /// A member name that is absolute, climbs with `..`, or is outside `files/`.
        case unsafeMember
        /// A member's SHA-256 differs from the manifest's.
        case hashMismatch
        /// A format feature Bulkhead does not read.
        case unsupported
    }

    public var code: Code
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// For a cause known only as text (an OS message).
    public init(_ code: Code, _ message: String, cause text: String?) {
        self.init(code, message, cause: text.map(ErrorText.init))
    }

    /// The older spelling of `init(_:_:cause:)` with a textual cause.
    public init(_ code: Code, _ message: String, underlying: String?) {
        self.init(code, message, cause: underlying)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.isSame(as: rhs) }
    public func hash(into hasher: inout Hasher) { hashIdentity(into: &hasher) }
}
