public import Foundation

/// The code of a `BulkheadError`: a stable, documented reason per stage (`StoreErrorCode.busy`,
/// `LabErrorCode.programMissing` …). Each stage declares one enum and names its domain.
public protocol BulkheadErrorCode: RawRepresentable, Hashable, Sendable where RawValue == String {
    /// The stage the code belongs to: `store`, `census`, `lab` …
    static var domain: String { get }
}

extension BulkheadErrorCode {
    /// `domain.code`, as shown in messages and logs (`store.busy`, `lab.programMissing`).
    public var identifier: String {
        rawValue.hasPrefix(Self.domain + ".") ? rawValue : "\(Self.domain).\(rawValue)"
    }
}

/// The shape every Bulkhead error shares (in the spirit of apple/containerization's
/// `ContainerizationError`): a code, a message a user can act on, and the underlying error, if any.
/// Conforming types get one description style:
///
///     [context: ]message [domain.code][: cause]
///
/// e.g. `cannot write /out/report.html [report.write]: Permission denied`.
public protocol CodedError: Error, CustomStringConvertible {
    associatedtype Code: BulkheadErrorCode
    var code: Code { get }
    /// What went wrong and, where it helps, what to do about it.
    var message: String { get }
    /// The error that caused this one (an OS error, a decoder's error, another stage's error).
    var cause: (any Error)? { get }
    /// Where it happened, when that is not already in the message (a file and field, a source and line).
    var context: String? { get }
}

extension CodedError {
    public var context: String? { nil }

    public var description: String {
        var text = context.map { "\($0): " } ?? ""
        text += "\(message) [\(code.identifier)]"
        if let cause { text += ": \(BulkheadErrorText.describe(cause))" }
        return text
    }

    /// True when this error has the given code.
    public func isCode(_ code: Code) -> Bool { self.code == code }

    /// Equal in code, context, message and the cause's description (the cause is any error, so
    /// conformers implement `==` with this).
    public func isSame(as other: Self) -> Bool {
        code == other.code && context == other.context && message == other.message
            && cause.map(BulkheadErrorText.describe) == other.cause.map(BulkheadErrorText.describe)
    }

    /// Hashes what `isSame(as:)` compares, but the cause.
    public func hashIdentity(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(context)
        hasher.combine(message)
    }
}

/// The one error type of Bulkhead's stages. Each stage names it with its own code enum:
/// `public typealias StoreError = BulkheadError<StoreErrorCode>`, so `throws(StoreError)` stays typed
/// and `StoreError.Code` lists that stage's reasons. (A stage whose public API is declared in files that
/// do not import BulkheadModel publicly declares a small struct conforming to `CodedError` instead.)
public struct BulkheadError<Code: BulkheadErrorCode>: CodedError, Sendable, LocalizedError {
    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// For causes that exist only as text (a program's standard error, a reason another tool printed).
    public init(_ code: Code, _ message: String, cause text: String?) {
        self.init(code, message, cause: text.map(ErrorText.init))
    }

    public var errorDescription: String? { description }
}

extension BulkheadError: Hashable {
    /// Equal when code, message and the cause's description are equal (the cause is any error).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.isSame(as: rhs) }
    public func hash(into hasher: inout Hasher) { hashIdentity(into: &hasher) }
}

/// A cause known only as text.
public struct ErrorText: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum BulkheadErrorText {
    /// An error in words: a Bulkhead error's description; Foundation's localized description for its
    /// own errors (whose `description` is a debugging dump); else the error's description.
    public static func describe(_ error: any Error) -> String {
        if let coded = error as? any CodedError { return coded.description }
        if type(of: error) is NSError.Type || error is CocoaError || error is POSIXError || error is URLError {
            return error.localizedDescription
        }
        return String(describing: error)
    }
}
