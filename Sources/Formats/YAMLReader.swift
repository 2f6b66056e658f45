import Foundation
import Yams

/// A YAML document as values: mappings keep their keys in document order, scalars their text (quotes and escapes
/// resolved, block scalars folded as YAML says; tags are not applied, so `~`, `null`, `yes` and `08` stay the text
/// written). Host-agnostic: log forwarders' files (fluent-bit, Vector, Filebeat), Docker Compose files, anything.
public indirect enum YAMLNode: Hashable, Sendable {
    case scalar(String)
    case sequence([YAMLNode])
    case mapping([Entry])

    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: YAMLNode
        public init(key: String, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }
}

/// YAML 1.1 read by Yams (jpsim/Yams, over libyaml), with the bounds a hostile file needs:
/// - `maxBytes` before anything is read;
/// - nesting: libyaml refuses 1,000 levels, and a tree deeper than `maxDepth` is refused;
/// - aliases: each alias is copied into the tree it stands in, and the copies are counted, so a document whose
///   aliases expand past `maxNodes` nodes (a "billion laughs") is refused instead of built. Yams compares every
///   mapping's keys to find duplicates, which walks an alias's expansion when the alias is (part of) a key, so a
///   document that could use an alias as a key is refused before Yams reads it: an alias is accepted only as the
///   whole value of a block mapping entry (`key: *name`, `<<: *name`) or of a block sequence item (`- *name`), and
///   only in a document with no explicit `?` key. The test for this is a scan of the text that errs toward
///   refusing (any `[` or `{` puts the rest of the line, and what follows until it closes, in flow context).
/// Duplicate keys, several documents where one is expected, an undefined alias and anything libyaml refuses are
/// `ConfigParseError`s with the line; the message never carries the document's text.
public enum YAMLReader {
    public struct Limits: Hashable, Sendable {
        public var maxBytes: Int
        public var maxDepth: Int
        /// Nodes in the tree once every alias is expanded.
        public var maxNodes: Int
        public init(maxBytes: Int = 4 << 20, maxDepth: Int = 64, maxNodes: Int = 1_000_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }
    }

    /// The one document of `text` (nil when the text holds none: empty, or only comments).
    public static func parse(_ text: String, source: String, limits: Limits = Limits()) throws(ConfigParseError) -> YAMLNode? {
        let documents = try documents(text, source: source, limits: limits)
        guard documents.count <= 1 else {
            throw ConfigParseError(
                .malformed, source: source, message: "the file holds \(documents.count) YAML documents where one is read")
        }
        return documents.first
    }

    /// Every document of a stream (`---` separated).
    public static func documents(_ text: String, source: String, limits: Limits = Limits()) throws(ConfigParseError) -> [YAMLNode] {
        guard text.utf8.count <= limits.maxBytes else {
            throw ConfigParseError(
                .tooLarge, source: source, message: "the file is \(text.utf8.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        if let (line, message) = unsafeAlias(text) {
            throw ConfigParseError(.forbiddenConstruct, source: source, line: line, message: message)
        }
        var budget = limits.maxNodes
        var out: [YAMLNode] = []
        do {
            let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            while let root = try parser.nextRoot() {
                out.append(try convert(root, depth: 0, budget: &budget, limits: limits, source: source))
            }
        } catch let error as ConfigParseError {
            throw error
        } catch let error as YamlError {
            throw failure(error, source: source)
        } catch {
            throw ConfigParseError(.malformed, source: source, message: "not valid YAML")
        }
        return out
    }

    private static func convert(_ node: Node, depth: Int, budget: inout Int, limits: Limits, source: String) throws(ConfigParseError) -> YAMLNode {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigParseError(
                .tooLarge, source: source, line: node.mark?.line,
                message: "the document expands to more than \(limits.maxNodes) nodes (aliases are copied where they are used)")
        }
        guard depth <= limits.maxDepth else {
            throw ConfigParseError(
                .tooLarge, source: source, line: node.mark?.line, message: "nesting deeper than \(limits.maxDepth) levels")
        }
        switch node {
        case .scalar(let s): return .scalar(s.string)
        case .alias: throw ConfigParseError(.malformed, source: source, line: node.mark?.line, message: "an alias Yams did not resolve")
        case .sequence(let s):
            var items: [YAMLNode] = []
            items.reserveCapacity(s.count)
            for item in s { items.append(try convert(item, depth: depth + 1, budget: &budget, limits: limits, source: source)) }
            return .sequence(items)
        case .mapping(let m):
            var entries: [YAMLNode.Entry] = []
            entries.reserveCapacity(m.count)
            for (key, value) in m {
                guard case .scalar(let k) = key else {
                    throw ConfigParseError(
                        .forbiddenConstruct, source: source, line: key.mark?.line, message: "a mapping key that is not a scalar")
                }
                entries.append(.init(key: k.string, value: try convert(value, depth: depth + 1, budget: &budget, limits: limits, source: source)))
            }
            return .mapping(entries)
        }
    }

    /// libyaml's problem and line, without the document's text (Yams' own descriptions quote it).
    private static func failure(_ error: YamlError, source: String) -> ConfigParseError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigParseError(.malformed, source: source, line: mark.line, message: "not valid YAML: \(problem) (column \(mark.column))")
        case .reader(let problem, _, _, _):
            return ConfigParseError(.invalidEncoding, source: source, message: "not readable as YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.prefix(3).map { "'\($0.prefix(80))'" }.joined(separator: ", ")
            return ConfigParseError(.malformed, source: source, line: context.mark.line, message: "a mapping repeats the key \(keys)")
        case .memory:
            return ConfigParseError(.tooLarge, source: source, message: "libyaml ran out of memory")
        default:
            return ConfigParseError(.malformed, source: source, message: "not valid YAML")
        }
    }

    // MARK: Where an alias may stand

    /// The first line holding an alias that could be (part of) a mapping key, with why; nil when every alias is the
    /// whole value of a block entry or item. Errs toward refusing: every `[`/`{` opens flow context, which inside
    /// ends only at a bracket outside anything that could be a quoted scalar or a comment.
    static func unsafeAlias(_ text: String) -> (Int, String)? {
        var depth = 0
        var quote: UInt8 = 0
        var explicitKey: Int?
        var firstAlias: Int?
        var line = 0
        for raw in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            let bytes = Array(raw)
            // A line whose first character is `#` holds no token: a comment, or text of a block or quoted scalar.
            if quote == 0, bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "#") { continue }
            let startDepth = depth, startQuote = quote
            var quoted = false
            var aliases: [Int] = []
            var previous = UInt8(ascii: " ")
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                defer { previous = b }
                i += 1
                if quote != 0 {  // only ever set in flow context
                    if quote == UInt8(ascii: "\""), b == UInt8(ascii: "\\") {
                        i += 1
                    } else if b == quote {
                        quote = 0
                    }
                    continue
                }
                let boundary = isBoundary(previous)
                let next = i < bytes.count ? bytes[i] : UInt8(ascii: " ")
                switch b {
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): if depth > 0 { depth -= 1 }
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    quoted = true
                    if depth > 0 { quote = b }
                // A comment: in flow context outside what could be quoted; in block context when nothing on the line
                // before it could open a quoted scalar (a `#` inside one is text, and nothing after it is a token).
                case UInt8(ascii: "#") where (previous == 0x20 || previous == 0x09) && (depth > 0 || !quoted): i = bytes.count
                case UInt8(ascii: "?") where boundary && isBlank(next): explicitKey = explicitKey ?? line
                case UInt8(ascii: "*") where boundary && isAnchorCharacter(next): aliases.append(i - 1)
                default: break
                }
            }
            guard let at = aliases.first else { continue }
            firstAlias = firstAlias ?? line
            let inFlow = startDepth > 0 || startQuote != 0 || bytes[..<at].contains { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }
            if inFlow || aliases.count > 1 || !isBlockValue(bytes, alias: at) {
                return (
                    line,
                    "an alias stands where it could be (part of) a mapping key; an alias is read only as the whole value of a block entry or item"
                )
            }
        }
        if firstAlias != nil, let explicitKey {
            return (explicitKey, "an explicit key (?) in a document with aliases")
        }
        return nil
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    private static func isBoundary(_ b: UInt8) -> Bool {
        isBlank(b) || "[]{},:?\"'".utf8.contains(b)
    }

    /// libyaml's anchor characters: ASCII letters, digits, `_` and `-`.
    private static func isAnchorCharacter(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// `(- )*key: *name` or `(- )+*name`, then only blanks or a comment.
    private static func isBlockValue(_ bytes: [UInt8], alias: Int) -> Bool {
        var end = alias + 1
        while end < bytes.count, isAnchorCharacter(bytes[end]) { end += 1 }
        let rest = bytes[end...].drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        if let first = rest.first, first != UInt8(ascii: "#") || end == bytes.count || !isBlank(bytes[end]) { return false }
        var prefix = bytes[..<alias].drop { $0 == 0x20 || $0 == 0x09 }
        var items = 0
        while prefix.first == UInt8(ascii: "-"), prefix.count >= 2, isBlank(prefix[prefix.startIndex + 1]) {
            prefix = prefix.dropFirst(2).drop { $0 == 0x20 || $0 == 0x09 }
            items += 1
        }
        if prefix.isEmpty { return items > 0 }
        // `key:` then blanks: the key a plain or quoted scalar, not a flow collection, alias or explicit key.
        let key = prefix.reversed().drop { $0 == 0x20 || $0 == 0x09 }
        guard key.first == UInt8(ascii: ":"), key.count >= 2, prefix.last.map(isBlank) == true else { return false }
        guard let start = prefix.first, !"[{?:*&!|>".utf8.contains(start) else { return false }
        return true
    }
}
