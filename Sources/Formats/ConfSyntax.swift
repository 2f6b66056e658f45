package import BulkheadModel
import Foundation

/// The `key = value` syntax shared by libvirt's configuration files (virconf: qemu.conf,
/// libvirtd.conf) and xl's (xl.cfg(5), xl.conf(5)): strings in '…' or "…" (libvirt also """…"""),
/// integers (decimal, 0x hex, negative), lists in [ … ] over several lines with an optional trailing
/// comma, `#` comments, `;` or newline between settings, and xl's `+=` for appending.
package enum ConfSyntax {
    package indirect enum Value: Hashable, Sendable {
        case string(String)
        case number(String)
        case list([Value])

        package var text: String {
            switch self {
            case .string(let s), .number(let s): s
            case .list(let l): l.map(\.text).joined(separator: ",")
            }
        }
        package var listItems: [String] {
            if case .list(let l) = self { return l.map(\.text) }
            return [text]
        }
        package var int: Int? {
            switch self {
            case .number(let s), .string(let s): ParseSupport.int(s)
            case .list: nil
            }
        }
        package var bool: Bool? {
            switch self {
            case .number(let s): ParseSupport.int(s).map { $0 != 0 }
            case .string(let s): ParseSupport.bool(s)
            case .list: nil
            }
        }
        package var string: String? {
            if case .list = self { return nil }
            return text
        }
    }

    package struct Entry: Hashable, Sendable {
        package var key: String
        package var value: Value
        package var append: Bool
        package var line: Int
    }

    package static func parse(_ text: String, source: String, limits: ParseLimits) throws(ConfigParseError) -> (
        entries: [Entry], problems: [Problem]
    ) {
        let s = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        var entries: [Entry] = []
        var problems: [Problem] = []
        var values = 0

        func skipBlank(newlines: Bool) {
            while i < s.count {
                let c = s[i]
                if c == " " || c == "\t" || c == "\r" {
                    i += 1
                } else if c == "\n" && newlines {
                    line += 1; i += 1
                } else if c == "#" {
                    while i < s.count, s[i] != "\n" { i += 1 }
                } else if c == "\\" && i + 1 < s.count && s[i + 1] == "\n" {
                    i += 2; line += 1
                } else {
                    break
                }
            }
        }
        func skipLine() {
            while i < s.count, s[i] != "\n" { i += 1 }
        }
        func isKeyChar(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (CharacterSet.alphanumerics.contains(c) || c == "_" || c == "." || c == "-")
        }
        func parseValue(depth: Int) throws(ConfigParseError) -> Value? {
            values += 1
            if values > limits.maxElements {
                throw ConfigParseError(.tooLarge, source: source, line: line, message: "more than \(limits.maxElements) values")
            }
            if depth > limits.maxDepth {
                throw ConfigParseError(.tooLarge, source: source, line: line, message: "lists nested deeper than \(limits.maxDepth)")
            }
            guard i < s.count else { return nil }
            let c = s[i]
            if c == "\"" || c == "'" {
                let startLine = line
                // libvirt's triple-quoted strings may span lines.
                if c == "\"", i + 2 < s.count, s[i + 1] == "\"", s[i + 2] == "\"" {
                    i += 3
                    var out = String.UnicodeScalarView()
                    while i + 2 < s.count, !(s[i] == "\"" && s[i + 1] == "\"" && s[i + 2] == "\"") {
                        if s[i] == "\n" { line += 1 }
                        out.append(s[i]); i += 1
                    }
                    guard i + 2 < s.count else {
                        throw ConfigParseError(
                            .malformed, source: source, line: startLine, message: "unterminated \"\"\" string starting on line \(startLine)")
                    }
                    i += 3
                    return .string(String(out))
                }
                i += 1
                var out = String.UnicodeScalarView()
                while i < s.count, s[i] != c {
                    if s[i] == "\n" {
                        throw ConfigParseError(
                            .malformed, source: source, line: startLine,
                            message: "unterminated string starting on line \(startLine); add the closing \(c == "'" ? "'" : "\"")")
                    }
                    if s[i] == "\\", i + 1 < s.count, s[i + 1] == c || s[i + 1] == "\\" { i += 1 }
                    out.append(s[i]); i += 1
                }
                guard i < s.count else {
                    throw ConfigParseError(
                        .malformed, source: source, line: startLine,
                        message: "unterminated string starting on line \(startLine); add the closing \(c == "'" ? "'" : "\"")")
                }
                i += 1
                return .string(String(out))
            }
            if c == "[" {
                let startLine = line
                i += 1
                var items: [Value] = []
                while true {
                    skipBlank(newlines: true)
                    guard i < s.count else {
                        throw ConfigParseError(
                            .malformed, source: source, line: startLine, message: "list starting on line \(startLine) is not closed with ]")
                    }
                    if s[i] == "]" { i += 1; break }
                    guard let v = try parseValue(depth: depth + 1) else {
                        throw ConfigParseError(.malformed, source: source, line: line, message: "expected a list item")
                    }
                    items.append(v)
                    skipBlank(newlines: true)
                    guard i < s.count else { continue }
                    if s[i] == "," { i += 1; continue }
                    if s[i] == "]" { continue }
                    throw ConfigParseError(
                        .malformed, source: source, line: line,
                        message: "expected , or ] in the list starting on line \(startLine), found '\(Character(s[i]))'")
                }
                return .list(items)
            }
            if c == "-" || c == "+" || (c.isASCII && CharacterSet.decimalDigits.contains(c)) {
                var out = String.UnicodeScalarView()
                while i < s.count, s[i].isASCII, CharacterSet.alphanumerics.contains(s[i]) || s[i] == "-" || s[i] == "+" || s[i] == "." {
                    out.append(s[i]); i += 1
                }
                return .number(String(out))
            }
            return nil
        }

        while true {
            skipBlank(newlines: true)
            guard i < s.count else { break }
            if s[i] == ";" { i += 1; continue }
            let keyLine = line
            var key = String.UnicodeScalarView()
            while i < s.count, isKeyChar(s[i]) { key.append(s[i]); i += 1 }
            skipBlank(newlines: false)
            var append = false
            if i < s.count, s[i] == "+", i + 1 < s.count, s[i + 1] == "=" { append = true; i += 1 }
            guard !key.isEmpty, i < s.count, s[i] == "=" else {
                problems.append(
                    Problem(subject: "\(source):\(keyLine)", message: "line \(keyLine) is not a `key = value` setting; it was skipped"))
                skipLine()
                continue
            }
            i += 1
            skipBlank(newlines: false)
            guard let v = try parseValue(depth: 0) else {
                problems.append(
                    Problem(
                        subject: "\(source):\(keyLine) \(String(key))",
                        message: "the value of \(String(key)) on line \(keyLine) is not a string, number or list; it was skipped"))
                skipLine()
                continue
            }
            entries.append(Entry(key: String(key), value: v, append: append, line: keyLine))
            skipBlank(newlines: false)
            if i < s.count, s[i] != "\n", s[i] != ";" {
                problems.append(
                    Problem(
                        subject: "\(source):\(keyLine) \(String(key))",
                        message: "unexpected text after the value of \(String(key)) on line \(keyLine); it was ignored"))
                skipLine()
            }
        }
        return (entries, problems)
    }
}
