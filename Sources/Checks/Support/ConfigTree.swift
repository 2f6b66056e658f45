import Formats
import Foundation

/// A log forwarder's configuration document as a tree: YAML (fluent-bit's, Vector's, Filebeat's) read by Formats'
/// `YAMLReader`, TOML (Vector's) by Formats' `TOMLReader`. A document either reader refuses is a failure with its
/// line; nothing is guessed.
indirect enum ConfigTree: Hashable, Sendable {
    case map([(String, ConfigTree)])
    case list([ConfigTree])
    case scalar(String)

    static func == (a: ConfigTree, b: ConfigTree) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
    func hash(into h: inout Hasher) {
        switch self {
        case .scalar(let s): h.combine(s)
        case .list(let l): h.combine(l)
        case .map(let m): for (k, v) in m { h.combine(k); h.combine(v) }
        }
    }

    var entries: [(String, ConfigTree)] { if case .map(let m) = self { m } else { [] } }
    var items: [ConfigTree] {
        switch self {
        case .list(let l): l
        case .scalar, .map: [self]
        }
    }
    var string: String? { if case .scalar(let s) = self { s } else { nil } }
    /// Scalars of a scalar or a list of scalars.
    var strings: [String] { items.compactMap(\.string) }

    /// The value at a dotted path, where a key may itself contain dots (`output.elasticsearch` under the root, or
    /// `output:` → `elasticsearch:`); keys compare case-insensitively.
    subscript(_ path: String) -> ConfigTree? {
        let parts = path.split(separator: ".").map { $0.lowercased() }
        return lookup(parts[...])
    }
    private func lookup(_ parts: ArraySlice<String>) -> ConfigTree? {
        if parts.isEmpty { return self }
        for (key, value) in entries {
            let k = key.lowercased().split(separator: ".").map(String.init)
            if k.count <= parts.count, Array(parts.prefix(k.count)) == k, let found = value.lookup(parts.dropFirst(k.count)) {
                return found
            }
        }
        return nil
    }

    var bool: Bool? {
        switch string?.lowercased() {
        case "true", "yes", "on"?: true
        case "false", "no", "off"?: false
        default: nil
        }
    }

    // MARK: YAML

    /// A YAML document (fluent-bit's, Vector's and Filebeat's files) as a tree, read by Formats' `YAMLReader`
    /// (Yams under Formats' bounds: size, depth, alias expansion): a document YAML refuses is a failure with its
    /// line, never a guessed tree, since the forwarder refuses it too. An empty document is an empty map.
    static func yaml(_ text: String, source: String) -> Result<ConfigTree, ConfigParseError> {
        Result { () throws(ConfigParseError) in try YAMLReader.parse(text, source: source) }.map { $0.map(tree) ?? .map([]) }
    }

    private static func tree(_ node: YAMLNode) -> ConfigTree {
        switch node {
        case .scalar(let s): .scalar(s)
        case .sequence(let items): .list(items.map(tree))
        case .mapping(let entries): .map(entries.map { ($0.key, tree($0.value)) })
        }
    }

    // MARK: Text helpers (rsyslog, fluent-bit's classic syntax)

    /// `#` starts a comment at the line start or after white space, outside quotes.
    static func stripComment(_ s: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, c) in s.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" && (previous == " " || offset == 0) {
                return String(s.prefix(offset)).trimmingCharacters(in: .whitespaces)
            }
            previous = c
        }
        return s.trimmingCharacters(in: .whitespaces)
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, f == s.last, f == "\"" || f == "'" { return String(s.dropFirst().dropLast()) }
        return s
    }

    // MARK: TOML

    /// A TOML document (Vector's `vector.toml`) as a tree, read by the project's strict TOML 1.0 reader
    /// (`Formats.TOMLReader`, the one Kata's configuration and the system profile use): a document TOML refuses is
    /// a failure with its line, never a guessed tree. Tables become maps with their keys in order, every scalar
    /// its TOML text.
    static func toml(_ text: String) -> Result<ConfigTree, TOMLReader.Failure> {
        Result { () throws(TOMLReader.Failure) in try TOMLReader.parse(text) }.map { tree(.table($0)) }
    }

    private static func tree(_ value: TOMLValue) -> ConfigTree {
        switch value {
        case .string(let s), .datetime(let s): .scalar(s)
        case .integer(let i): .scalar(String(i))
        case .float(let d): .scalar(String(d))
        case .bool(let b): .scalar(b ? "true" : "false")
        case .array(let items): .list(items.map(tree))
        case .table(let t): .map(t.sorted { $0.key < $1.key }.map { ($0.key, tree($0.value)) })
        }
    }
}
