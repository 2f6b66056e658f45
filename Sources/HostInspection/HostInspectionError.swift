public import BulkheadModel
public import Formats

/// Errors of HostInspection outside single host reads (those are `HostReadError`): writing and loading
/// snapshots, private copies of package databases. Each names the file, says what a user can do, and
/// keeps the underlying cause: Bulkhead's one error shape with this stage's codes.
public typealias HostInspectionError = BulkheadError<HostInspectionErrorCode>

public enum HostInspectionErrorCode: String, Sendable, Hashable, Codable, BulkheadErrorCode {
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

extension BulkheadError where Code == HostInspectionErrorCode {
    /// A format reader's error (gzip, tar, an rpmdb image) in this stage's terms: same message, same cause,
    /// the code it corresponds to.
    public init(_ error: FormatError) {
        let code: HostInspectionErrorCode =
            switch error.code {
            case .corrupt: .corrupt
            case .tooLarge: .tooLarge
            case .unsupported: .unsupported
            case .io: .io
            }
        self.init(code, error.message, cause: error.cause)
    }
}
