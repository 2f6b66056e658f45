import Foundation

/// A JSON value with its exact type, so parsers can report a wrong-typed field by path
/// (`machine-config.vcpu_count` given as a string) instead of silently coercing it.
public indirect enum JSONValue: Hashable, Sendable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    /// Name of the type, for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The scalar as text (booleans as `true`/`false`), nil for null, arrays and objects.
    public var scalarText: String? {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): s
        default: nil
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Parses `text` as JSON within the limits. Depth is checked before decoding so that deeply nested
    /// input cannot exhaust the stack.
    public static func parse(_ text: String, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> JSONValue
    {
        if text.utf8.count > limits.maxBytes {
            throw ConfigParseError(.tooLarge, source: source, message: "JSON document larger than \(limits.maxBytes) bytes")
        }
        var depth = 0
        var maxDepth = 0
        var values = 0
        var inString = false
        var escaped = false
        for b in text.utf8 {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true; values += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1; values += 1
                maxDepth = max(maxDepth, depth)
                if maxDepth > limits.maxDepth {
                    throw ConfigParseError(.tooLarge, source: source, message: "JSON nested deeper than \(limits.maxDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): values += 1
            default: break
            }
        }
        if values > limits.maxElements {
            throw ConfigParseError(.tooLarge, source: source, message: "JSON document has more than \(limits.maxElements) values")
        }
        var scanner = JSONScanner(text, maxDepth: limits.maxDepth)
        do {
            return try scanner.document()
        } catch {
            guard case .malformed(let offset, let what) = error else {
                throw ConfigParseError(.malformed, source: source, message: "not valid JSON")
            }
            throw ConfigParseError(
                .malformed, source: source, message: "not valid JSON; check the file is complete",
                underlying: "\(what) at byte \(offset)")
        }
    }
}
