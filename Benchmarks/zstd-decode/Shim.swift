// What Zstd.swift takes from the rest of the package, for the benchmark's stand-alone -O build: the error type
// (BulkheadModel's shape, reduced).
public enum FormatErrorCode: String, Sendable { case corrupt, tooLarge, unsupported, io }

public struct FormatError: Error, CustomStringConvertible {
    public var code: FormatErrorCode
    public var message: String
    public init(_ code: FormatErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
