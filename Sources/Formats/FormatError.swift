public import BulkheadModel

/// Why bytes could not be read as their format (gzip, tar, an RPM header, an rpmdb image): Bulkhead's
/// one error shape with this target's codes. Callers that know what the bytes were (a snapshot, a
/// package database) keep the message and may re-code it in their own domain (`FormatError.recoded`).
public typealias FormatError = BulkheadError<FormatErrorCode>

public enum FormatErrorCode: String, Sendable, Hashable, Codable, CaseIterable, BulkheadErrorCode {
    public static let domain = "format"
    /// Not this format, truncated, or a checksum that does not match.
    case corrupt
    /// Over one of the caps the caller passed (decompressed size, member count, array length).
    case tooLarge
    /// A feature of the format Bulkhead does not read (tar base-256 sizes, a legacy rpmdb).
    case unsupported
    /// The library underneath failed for a reason that is not the input's (compression, a temporary copy).
    case io
}
