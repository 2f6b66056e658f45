/// Errors of HostInspection outside single host reads (those are `HostReadError`): writing and loading
/// snapshots, private copies of package databases. Each names the file, says what a user can do, and
/// keeps the underlying cause.
public struct HostInspectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable {
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
    public var underlying: String?

    public init(_ code: Code, _ message: String, underlying: String? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(message) (\(underlying))" }
        return message
    }
}
