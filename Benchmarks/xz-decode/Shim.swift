// What XZ.swift takes from the rest of the package, for the benchmark's stand-alone -O build: the error type
// (BulkheadModel's shape, reduced) and SHA-256 (swift-crypto's API; the benchmark's file is CRC64-checked, so the
// stand-in is never asked for a digest that matters).
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

struct SHA256 {
    mutating func update(data: [UInt8]) {}
    func finalize() -> [UInt8] { [UInt8](repeating: 0, count: 32) }
}
