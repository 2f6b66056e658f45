import BulkheadModel
import Foundation

/// A JSON tree for documents whose shape is fixed by an external schema (OSCAL, SARIF). Encoded with
/// `JSONCoding`'s style (sorted keys), so the same value always gives the same bytes.
public indirect enum JSONValue: Hashable, Sendable, Encodable, ExpressibleByStringLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var d: [String: JSONValue] = [:]
        for (k, v) in elements { d[k] = v }
        self = .object(d)
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// An object without the keys whose value is nil or an empty array (OSCAL forbids empty arrays).
    static func compact(_ pairs: [(String, JSONValue?)]) -> JSONValue {
        var d: [String: JSONValue] = [:]
        for (k, v) in pairs {
            guard let v else { continue }
            if case .array(let a) = v, a.isEmpty { continue }
            if case .string(let s) = v, s.isEmpty { continue }
            d[k] = v
        }
        return .object(d)
    }
}

/// Timestamps as OSCAL and SARIF want them: RFC 3339 UTC with a `Z`, whole seconds.
enum Timestamp {
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current))
    }
}

extension JSONCoding {
    /// A document (OSCAL, SARIF) as the bytes of a file: pretty JSON ending in a newline.
    static func documentData(_ document: some Encodable) throws -> Data {
        var data = try encoder().encode(document)
        data.append(0x0A)
        return data
    }
}
