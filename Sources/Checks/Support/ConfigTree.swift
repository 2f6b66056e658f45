import Formats
import Foundation

/// A configuration document as a tree: the subset of YAML that log forwarders' files use (fluent-bit's and
/// Vector's YAML, Filebeat's): block mappings and sequences, flow sequences and mappings on one line, quoted and
/// plain scalars, block scalars (skipped as text); and TOML (Vector's), read by Formats' strict TOML reader.
/// YAML anchors, tags and multi-document files are read as plain text; what is not understood is left out,
/// never guessed.
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

    private struct Line {
        var indent: Int
        var text: String
    }

    static func yaml(_ text: String) -> ConfigTree {
        var lines: [Line] = []
        var blockIndent: Int?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let s = String(raw).replacingOccurrences(of: "\t", with: "  ")
            let indent = s.prefix { $0 == " " }.count
            let body = stripComment(String(s.dropFirst(indent)))
            if let b = blockIndent {
                if body.isEmpty || indent > b { continue }
                blockIndent = nil
            }
            if body.isEmpty || body == "---" || body == "..." || body.hasPrefix("%") { continue }
            lines.append(Line(indent: indent, text: body))
            if let last = body.last, ["|", ">"].contains(last) || body.hasSuffix("|-") || body.hasSuffix(">-") || body.hasSuffix("|+") {
                blockIndent = indent
                lines[lines.count - 1].text = body.replacingOccurrences(
                    of: "[|>][-+]?$", with: "\"\"", options: .regularExpression)
            }
        }
        var i = 0
        return block(&lines, &i, indent: lines.first?.indent ?? 0, depth: 0)
    }

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

    /// Nesting deeper than this is not read (a hostile file cannot exhaust the stack); its lines are skipped.
    static let maxDepth = 48

    private static func block(_ lines: inout [Line], _ i: inout Int, indent: Int, depth: Int) -> ConfigTree {
        guard i < lines.count else { return .scalar("") }
        if depth > maxDepth {
            while i < lines.count, lines[i].indent >= indent { i += 1 }
            return .scalar("")
        }
        if lines[i].text == "-" || lines[i].text.hasPrefix("- ") {
            var items: [ConfigTree] = []
            while i < lines.count, lines[i].indent == indent, lines[i].text == "-" || lines[i].text.hasPrefix("- ") {
                let rest = lines[i].text == "-" ? "" : String(lines[i].text.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                if rest.isEmpty {
                    i += 1
                    items.append(
                        i < lines.count && lines[i].indent > indent ? block(&lines, &i, indent: lines[i].indent, depth: depth + 1) : .scalar(""))
                } else if keyValue(rest) != nil {
                    // `- key: value` opens a mapping whose keys sit where `key` starts.
                    let column = indent + 2 + (lines[i].text.count - 2 - rest.count)
                    lines[i] = Line(indent: column, text: rest)
                    items.append(block(&lines, &i, indent: column, depth: depth + 1))
                } else {
                    items.append(flow(rest))
                    i += 1
                }
            }
            return .list(items)
        }
        var entries: [(String, ConfigTree)] = []
        while i < lines.count, lines[i].indent == indent, let (key, value) = keyValue(lines[i].text) {
            i += 1
            if !value.isEmpty {
                entries.append((key, flow(value)))
            } else if i < lines.count, lines[i].indent > indent {
                entries.append((key, block(&lines, &i, indent: lines[i].indent, depth: depth + 1)))
            } else if i < lines.count, lines[i].indent == indent, lines[i].text.hasPrefix("- ") || lines[i].text == "-" {
                entries.append((key, block(&lines, &i, indent: indent, depth: depth + 1)))
            } else {
                entries.append((key, .scalar("")))
            }
        }
        if entries.isEmpty, i < lines.count {
            // A line that is neither a key nor an item here: a scalar on its own; skip it and its children.
            let v = flow(lines[i].text)
            i += 1
            while i < lines.count, lines[i].indent > indent { i += 1 }
            return v
        }
        return .map(entries)
    }

    /// `key: value` (the colon followed by a space or the end, outside quotes and brackets).
    static func keyValue(_ s: String) -> (String, String)? {
        var quote: Character?
        var depth = 0
        let chars = Array(s)
        for (n, c) in chars.enumerated() {
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "\"", "'": if n == 0 { quote = c }
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case ":" where depth == 0 && (n + 1 == chars.count || chars[n + 1] == " "):
                let key = unquote(String(chars[..<n]).trimmingCharacters(in: .whitespaces))
                return key.isEmpty ? nil : (key, String(chars[(n + 1)...]).trimmingCharacters(in: .whitespaces))
            default: break
            }
        }
        return nil
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, f == s.last, f == "\"" || f == "'" { return String(s.dropFirst().dropLast()) }
        return s
    }

    /// A flow value on one line: `[a, "b"]`, `{k: v}`, or a scalar.
    static func flow(_ s: String, depth: Int = 0) -> ConfigTree {
        let t = s.trimmingCharacters(in: .whitespaces)
        if depth > maxDepth { return .scalar(t) }
        if t.hasPrefix("["), t.hasSuffix("]") {
            return .list(splitTopLevel(String(t.dropFirst().dropLast())).filter { !$0.isEmpty }.map { flow($0, depth: depth + 1) })
        }
        if t.hasPrefix("{"), t.hasSuffix("}") {
            return .map(
                splitTopLevel(String(t.dropFirst().dropLast())).compactMap { part in
                    if let (k, v) = keyValue(part) { return (k, flow(v, depth: depth + 1)) }
                    if let eq = part.firstIndex(of: "=") {  // TOML inline table
                        return (
                            unquote(part[..<eq].trimmingCharacters(in: .whitespaces)), flow(String(part[part.index(after: eq)...]), depth: depth + 1)
                        )
                    }
                    return nil
                })
        }
        return .scalar(unquote(t))
    }

    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for c in s {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            } else if c == "," && depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
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
