import BulkheadModel
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
        // Two equal keys in one object: the VMM and Bulkhead could each take a different one.
        if let dup = JSONDuplicateKeys.first(in: text.utf8) {
            throw ConfigParseError(
                .malformed, source: source, message: "key \"\(dup.key)\" appears twice in \(dup.path); a configuration must not repeat a key")
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
        // One validating pass (HostInspection's JSONPull: RFC 8259, UTF-8, depth), building the tree.
        let bytes = Array(text.utf8)
        var reader = JSONPull(maxDepth: limits.maxDepth, loneSurrogates: .refuse)
        do {
            let value = try Self.read(bytes.span, &reader)
            try reader.end(bytes.span)
            return value
        } catch {
            throw ConfigParseError(
                .malformed, source: source, message: "not valid JSON; check the file is complete",
                cause: error)
        }
    }

    package static func read(_ s: Span<UInt8>, _ r: inout JSONPull) throws(JSONPull.Failure) -> JSONValue {
        switch try r.peek(s) {
        case .object:
            var object: [String: JSONValue] = [:]
            var c = try r.beginObject(s)
            while let k = try r.nextKey(s, &c) { object[try r.decoded(s, k)] = try read(s, &r) }
            return .object(object)
        case .array:
            var array: [JSONValue] = []
            var c = try r.beginArray(s)
            while try r.nextElement(s, &c) { array.append(try read(s, &r)) }
            return .array(array)
        case .string:
            return .string(try r.string(s))
        case .number:
            let (text, isInteger) = try r.numberText(s)
            if isInteger, let i = Int64(text) { return .int(i) }
            guard let d = Double(text), d.isFinite else { throw r.fail(s, .syntax, "number out of range") }
            return .double(d)
        case .bool:
            return .bool(try r.bool(s))
        case .null:
            _ = try r.skipNull(s)
            return .null
        }
    }
}
