public import BulkheadModel
public import Foundation

/// Parses a Kata Containers `configuration.toml`. Kata's files use a small part of TOML: `[table.name]`
/// headers, `key = value` with strings ("…" with escapes, '…' literal), booleans, numbers and arrays (which
/// may span lines), and `#` comments. Anything else (inline tables, dates, dotted keys) is reported as a
/// problem on that line and skipped; a broken string or array is an error with its line.
public enum KataConfigParser {
    public static func parse(_ data: Data, source: String, limits: ParseLimits = .standard) throws(ConfigParseError)
        -> Parsed<KataRuntimeConfiguration>
    {
        let text = try ParseSupport.text(data, source: source, limits: limits)
        return try parse(text: text, source: source)
    }

    public static func parse(text: String, source: String) throws(ConfigParseError) -> Parsed<KataRuntimeConfiguration> {
        var config = KataRuntimeConfiguration()
        var problems: [Problem] = []
        var table = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let lineNumber = index + 1
            var line = stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    problems.append(
                        ParseSupport.problem(source, "line \(lineNumber)", "table header '\(line.prefix(60))' is not supported; its keys are skipped")
                    )
                    table = "?unsupported"
                    continue
                }
                table = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                problems.append(ParseSupport.problem(source, "line \(lineNumber)", "not a 'key = value' line; skipped"))
                continue
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                problems.append(ParseSupport.problem(source, "line \(lineNumber)", "key '\(key.prefix(60))' is not a plain TOML key; skipped"))
                continue
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            // Arrays may span lines: gather until the brackets balance outside strings.
            if value.hasPrefix("[") {
                while !bracketsBalance(value) {
                    guard index < lines.count, index - lineNumber < 1000 else {
                        throw ConfigParseError(.malformed, source: source, field: key, line: lineNumber, message: "array is not closed")
                    }
                    value += " " + stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
                    index += 1
                }
                line = value
            }
            let path = table.isEmpty ? key : table + "." + key
            if table == "?unsupported" { continue }
            if value.hasPrefix("[") {
                config.lists[path] = try items(String(value.dropFirst().dropLast()), source: source, key: key, line: lineNumber)
            } else if value.hasPrefix("\"") || value.hasPrefix("'") {
                config.values[path] = try string(value, source: source, key: key, line: lineNumber)
            } else if value == "true" || value == "false" || Double(value.replacingOccurrences(of: "_", with: "")) != nil {
                config.values[path] = value
            } else {
                problems.append(
                    ParseSupport.problem(source, "line \(lineNumber)", "value of \(key) is not a string, boolean, number or array; skipped"))
            }
        }
        return Parsed(value: config, problems: problems)
    }

    /// The line without a `#` comment that is outside strings.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        var escaped = false
        for (offset, c) in line.enumerated() {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    static func bracketsBalance(_ text: String) -> Bool {
        var depth = 0
        var quote: Character?
        var escaped = false
        for c in text {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                continue
            }
            switch c {
            case "\"", "'": quote = c
            case "[": depth += 1
            case "]": depth -= 1
            default: break
            }
        }
        return depth <= 0 && quote == nil
    }

    static func string(_ value: String, source: String, key: String, line: Int) throws(ConfigParseError) -> String {
        guard let q = value.first, value.count >= 2, value.last == q else {
            throw ConfigParseError(.malformed, source: source, field: key, line: line, message: "unterminated string")
        }
        let body = String(value.dropFirst().dropLast())
        if q == "'" { return body }
        var out = ""
        var iterator = body.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else {
                out.append(c)
                continue
            }
            switch iterator.next() {
            case "n"?: out.append("\n")
            case "t"?: out.append("\t")
            case "\""?: out.append("\"")
            case "\\"?: out.append("\\")
            case let other?: out.append("\\"); out.append(other)
            case nil: throw ConfigParseError(.malformed, source: source, field: key, line: line, message: "string ends in a backslash")
            }
        }
        return out
    }

    static func items(_ body: String, source: String, key: String, line: Int) throws(ConfigParseError) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        func flush() throws(ConfigParseError) {
            let item = current.trimmingCharacters(in: .whitespaces)
            current = ""
            guard !item.isEmpty else { return }
            if item.hasPrefix("\"") || item.hasPrefix("'") {
                out.append(try string(item, source: source, key: key, line: line))
            } else {
                out.append(item)
            }
        }
        for c in body {
            if let q = quote {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                continue
            }
            if c == "\"" || c == "'" { quote = c; current.append(c); continue }
            if c == "," { try flush(); continue }
            current.append(c)
        }
        guard quote == nil else {
            throw ConfigParseError(.malformed, source: source, field: key, line: line, message: "unterminated string in array")
        }
        try flush()
        return out
    }
}
