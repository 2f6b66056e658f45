public import BulkheadModel
import Foundation
import SafeFiles

/// Why the catalog or an evidence file could not be used. Every error names the file and, where it
/// applies, the field (`facts[3].observed`), says what to do, and keeps the underlying cause; it has
/// Bulkhead's one error shape (`CodedError`) with the file and field as its context.
public struct VendorEvidenceError: CodedError, Hashable, Sendable {
    public enum Code: String, Sendable, Hashable, Codable, BulkheadErrorCode {
        public static let domain = "vendor-evidence"
        /// The file could not be read (missing, unreadable, too large).
        case unreadable
        /// The file is not valid JSON or a field has the wrong type or a bad value.
        case malformed
        /// The JSON is well formed but breaks a rule (unknown product, duplicate id, aspect in the wrong criterion …).
        case invalid
        /// A product id that no catalog entry has.
        case unknownProduct
    }

    public var code: Code
    public var file: String
    /// Dotted path of the offending field (`facts[3].source.url`), or nil for the whole file.
    public var field: String?
    public var message: String
    /// The underlying error (a decoder or OS error), when there is one.
    public var cause: (any Error)?

    public init(_ code: Code, file: String, field: String? = nil, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.file = file
        self.field = field
        self.message = message
        self.cause = cause
    }

    /// For a cause known only as text (a decoder's debug description).
    public init(_ code: Code, file: String, field: String? = nil, message: String, cause text: String?) {
        self.init(code, file: file, field: field, message: message, cause: text.flatMap { $0.isEmpty || $0 == message ? nil : ErrorText($0) })
    }

    /// `file: field`.
    public var context: String? {
        if let field, !field.isEmpty { return "\(file): \(field)" }
        return file
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.isSame(as: rhs) }
    public func hash(into hasher: inout Hasher) { hashIdentity(into: &hasher) }
}

extension VendorEvidenceError {
    /// Turns a `DecodingError` into an error naming the file and the field path.
    static func decoding(_ error: DecodingError, file: String) -> VendorEvidenceError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var s = ""
            for key in codingPath {
                if let i = key.intValue {
                    s += "[\(i)]"
                } else {
                    s += s.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return s
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let parent = path(ctx.codingPath)
            let field = parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)"
            return VendorEvidenceError(.malformed, file: file, field: field, message: "required field is missing")
        case .typeMismatch(let type, let ctx):
            return VendorEvidenceError(
                .malformed, file: file, field: path(ctx.codingPath),
                message: "wrong type, expected \(Self.typeName(type))", cause: ctx.debugDescription)
        case .valueNotFound(let type, let ctx):
            return VendorEvidenceError(
                .malformed, file: file, field: path(ctx.codingPath),
                message: "null where \(Self.typeName(type)) is required", cause: ctx.debugDescription)
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                let underlying = (ctx.underlyingError as? NSError)?.localizedDescription
                return VendorEvidenceError(
                    .malformed, file: file, field: nil, message: "not valid JSON",
                    cause: underlying ?? ctx.debugDescription)
            }
            return VendorEvidenceError(
                .malformed, file: file, field: path(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            return VendorEvidenceError(.malformed, file: file, message: "could not decode", cause: error)
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// Reads a whole regular file of at most `limit` bytes (never truncates silently).
func readBounded(_ url: URL, limit: Int, file: String) throws(VendorEvidenceError) -> Data {
    do {
        // SafeFile: a FIFO or device is refused before it is opened; at most `limit` bytes.
        return try SafeFile.readRegular(url.path, limit: limit)
    } catch {
        switch error.code {
        case .notRegular: throw VendorEvidenceError(.unreadable, file: file, message: "not a regular file")
        case .tooLarge: throw VendorEvidenceError(.unreadable, file: file, message: "file is larger than the \(limit)-byte limit")
        default: throw VendorEvidenceError(.unreadable, file: file, message: "cannot read the file", cause: error)
        }
    }
}
