import Foundation

/// A TOML 1.0 value as Bulkhead's TOML reader gives it. Dates and times stay text (validated, not converted).
package indirect enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    /// An offset date-time, local date-time, local date or local time, as written.
    case datetime(String)
    case array([TOMLValue])
    case table([String: TOMLValue])

    /// The kind, as a problem message names it.
    package var kind: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .bool: "boolean"
        case .datetime: "date-time"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// Bulkhead's own TOML 1.0 reader (Kata's configuration.toml, the system profile): one pass over bytes, in
/// memory-safe Swift, strict (whatever TOML 1.0 refuses is an error with its line), bounded in depth and
/// element count. It replaced TOMLKit, whose C++ toml++ 3.4.0 aborts the whole process on some invalid
/// documents (`[[[a]]` fails an assertion; with NDEBUG the same line is undefined behaviour), and which leaks
/// its error record on every parse. Checked against Python's `tomllib` in FormatsTests and by `Fuzz/run toml`.
package struct TOMLReader {
    package struct Failure: Error, Hashable, Sendable {
        package var line: Int
        package var message: String
    }

    /// How a table came to exist, which decides whether a later header or key may add to it (TOML 1.0:
    /// a table is defined once; dotted keys define their tables; inline tables and static arrays are closed).
    enum Origin { case header, implicit, dotted, inline, arrayElement }

    final class Node {
        var values: [String: TOMLValue] = [:]
        var tables: [String: Node] = [:]
        var arrays: [String: [Node]] = [:]
        var origin: Origin
        init(_ origin: Origin) { self.origin = origin }

        func has(_ key: String) -> Bool { values[key] != nil || tables[key] != nil || arrays[key] != nil }

        var value: TOMLValue {
            var out = values
            for (k, t) in tables { out[k] = t.value }
            for (k, a) in arrays { out[k] = .array(a.map(\.value)) }
            return .table(out)
        }
    }

    let bytes: [UInt8]
    let maxDepth: Int
    let maxElements: Int
    var i = 0
    var line = 1
    var elements = 0

    /// Reads `text`: the document's root table. Throws on the first error, with its line.
    package static func parse(_ text: String, maxDepth: Int = 64, maxElements: Int = 100_000) throws(Failure) -> [String: TOMLValue] {
        var reader = TOMLReader(bytes: Array(text.utf8), maxDepth: maxDepth, maxElements: maxElements)
        let root = try reader.document()
        guard case .table(let table) = root.value else { return [:] }
        return table
    }

    func fail(_ message: String) -> Failure { Failure(line: line, message: message) }

    var atEnd: Bool { i >= bytes.count }
    var current: UInt8? { i < bytes.count ? bytes[i] : nil }
    func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    func startsWith(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        return s.withUTF8Buffer { buffer in
            var k = 0
            while k < n {
                if bytes[i + k] != buffer[k] { return false }
                k += 1
            }
            return true
        }
    }

    mutating func skipSpaces() {
        while let c = current, c == 0x20 || c == 0x09 { i += 1 }
    }

    /// A comment (from `#`) to the end of its line; control characters other than tab are refused in it.
    mutating func skipComment() throws(Failure) {
        guard current == UInt8(ascii: "#") else { return }
        while let c = current, c != 0x0A {
            if c == 0x0D, peek(1) == 0x0A { return }
            if (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("a control character (0x\(String(c, radix: 16))) in a comment") }
            i += 1
        }
    }

    /// A newline (LF or CR LF), if one is here.
    mutating func newline() throws(Failure) -> Bool {
        if current == 0x0A {
            i += 1
            line += 1
            return true
        }
        if current == 0x0D {
            guard peek(1) == 0x0A else { throw fail("a carriage return not followed by a line feed") }
            i += 2
            line += 1
            return true
        }
        return false
    }

    /// Blank lines, spaces and comments (between array elements, and between statements).
    mutating func skipBlank() throws(Failure) {
        while true {
            skipSpaces()
            try skipComment()
            if try !newline() { return }
        }
    }

    /// After a statement: spaces, an optional comment, then a newline or the end.
    mutating func endOfStatement() throws(Failure) {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        if try !newline() { throw fail("expected the end of the line, found \(describe(current))") }
    }

    func describe(_ c: UInt8?) -> String {
        guard let c else { return "the end of the document" }
        if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(String(c, radix: 16))"
    }

    mutating func document() throws(Failure) -> Node {
        let root = Node(.header)
        var table = root
        while true {
            try skipBlank()
            guard let c = current else { break }
            if c == UInt8(ascii: "[") {
                table = try header(root)
            } else {
                try keyValue(into: table, closed: false, depth: 0)
            }
            try endOfStatement()
        }
        return root
    }

    // MARK: Keys

    static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    mutating func key() throws(Failure) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = current else { throw fail("expected a key, found the end of the document") }
            if c == UInt8(ascii: "\"") {
                if startsWith("\"\"\"") { throw fail("a multi-line string cannot be a key") }
                parts.append(try basicString())
            } else if c == UInt8(ascii: "'") {
                if startsWith("'''") { throw fail("a multi-line string cannot be a key") }
                parts.append(try literalString())
            } else if Self.isBare(c) {
                let start = i
                while let b = current, Self.isBare(b) { i += 1 }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            } else {
                throw fail("expected a key, found \(describe(c))")
            }
            skipSpaces()
            guard current == UInt8(ascii: ".") else { return parts }
            i += 1
            guard parts.count < maxDepth else { throw fail("a key with more than \(maxDepth) parts") }
        }
    }

    // MARK: Tables

    mutating func header(_ root: Node) throws(Failure) -> Node {
        let array = startsWith("[[")
        i += array ? 2 : 1
        let path = try key()
        guard array ? startsWith("]]") : current == UInt8(ascii: "]") else {
            throw fail("expected '\(array ? "]]" : "]")' to close the table header, found \(describe(current))")
        }
        i += array ? 2 : 1
        var node = root
        for (n, part) in path.enumerated() {
            let last = n == path.count - 1
            if last && array {
                guard node.values[part] == nil, node.tables[part] == nil else {
                    throw fail("'\(path.joined(separator: "."))' is already defined as something other than an array of tables")
                }
                guard try count() else { throw fail("more than \(maxElements) elements") }
                let element = Node(.arrayElement)
                node.arrays[part, default: []].append(element)
                return element
            }
            if let next = node.tables[part] {
                if last {
                    guard next.origin == .implicit else {
                        throw fail("the table '\(path.joined(separator: "."))' is defined twice")
                    }
                    next.origin = .header
                } else if next.origin == .inline {
                    throw fail("the inline table '\(path.prefix(n + 1).joined(separator: "."))' cannot be extended")
                }
                node = next
            } else if let elements = node.arrays[part], let lastElement = elements.last {
                guard !last else { throw fail("'\(path.joined(separator: "."))' is an array of tables, not a table") }
                node = lastElement
            } else if node.values[part] != nil {
                throw fail("'\(path.prefix(n + 1).joined(separator: "."))' is already a value")
            } else {
                guard try count() else { throw fail("more than \(maxElements) elements") }
                let next = Node(last ? .header : .implicit)
                node.tables[part] = next
                node = next
            }
            guard n < maxDepth else { throw fail("tables nested deeper than \(maxDepth)") }
        }
        return node
    }

    mutating func count() throws(Failure) -> Bool {
        elements += 1
        return elements <= maxElements
    }

    /// `key = value` into `table`, creating the tables a dotted key names. Within an inline table (`closed`),
    /// a dotted key's tables belong to it.
    mutating func keyValue(into table: Node, closed: Bool, depth: Int) throws(Failure) {
        let path = try key()
        guard current == UInt8(ascii: "=") else {
            throw fail("expected '=' after the key '\(path.joined(separator: "."))', found \(describe(current))")
        }
        i += 1
        skipSpaces()
        var node = table
        for part in path.dropLast() {
            if let next = node.tables[part] {
                guard next.origin == .dotted || next.origin == .implicit && !closed else {
                    throw fail("the table '\(path.joined(separator: "."))' is defined already; a dotted key cannot add to it")
                }
                next.origin = .dotted
                node = next
            } else if node.has(part) {
                throw fail("'\(part)' in '\(path.joined(separator: "."))' is already a value")
            } else {
                guard try count() else { throw fail("more than \(maxElements) elements") }
                let next = Node(.dotted)
                node.tables[part] = next
                node = next
            }
        }
        let last = path[path.count - 1]
        guard !node.has(last) else { throw fail("the key '\(path.joined(separator: "."))' is defined twice") }
        guard try count() else { throw fail("more than \(maxElements) elements") }
        let v = try value(depth: depth + path.count)
        if case .table = v {
            // Inline tables are closed: kept as a node so that no header or dotted key can extend them.
            let inline = Node(.inline)
            if case .table(let entries) = v { inline.values = entries }
            node.tables[last] = inline
        } else {
            node.values[last] = v
        }
    }

    // MARK: Values

    mutating func value(depth: Int) throws(Failure) -> TOMLValue {
        guard depth <= maxDepth else { throw fail("values nested deeper than \(maxDepth)") }
        guard let c = current else { throw fail("expected a value, found the end of the document") }
        switch c {
        case UInt8(ascii: "\""):
            return .string(startsWith("\"\"\"") ? try multilineString(quote: c, escapes: true) : try basicString())
        case UInt8(ascii: "'"):
            return .string(startsWith("'''") ? try multilineString(quote: c, escapes: false) : try literalString())
        case UInt8(ascii: "["):
            return try array(depth: depth)
        case UInt8(ascii: "{"):
            return try inlineTable(depth: depth)
        case UInt8(ascii: "t"):
            guard startsWith("true") else { throw fail("expected a value, found \(describe(c))") }
            i += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            guard startsWith("false") else { throw fail("expected a value, found \(describe(c))") }
            i += 5
            return .bool(false)
        default:
            return try numberOrDate()
        }
    }

    mutating func array(depth: Int) throws(Failure) -> TOMLValue {
        i += 1
        let opened = line
        var items: [TOMLValue] = []
        while true {
            try skipBlank()
            guard !atEnd else { throw Failure(line: opened, message: "the array opened on line \(opened) is not closed") }
            if current == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            guard try count() else { throw fail("more than \(maxElements) elements") }
            items.append(try value(depth: depth + 1))
            try skipBlank()
            if current == UInt8(ascii: ",") {
                i += 1
            } else if current == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            } else if atEnd {
                throw Failure(line: opened, message: "the array opened on line \(opened) is not closed")
            } else {
                throw fail("expected ',' or ']' in an array, found \(describe(current))")
            }
        }
    }

    mutating func inlineTable(depth: Int) throws(Failure) -> TOMLValue {
        i += 1
        let table = Node(.inline)
        skipSpaces()
        if current == UInt8(ascii: "}") {
            i += 1
            return .table([:])
        }
        while true {
            skipSpaces()
            try keyValue(into: table, closed: true, depth: depth + 1)
            skipSpaces()
            if current == UInt8(ascii: ",") {
                i += 1
            } else if current == UInt8(ascii: "}") {
                i += 1
                return table.value
            } else {
                throw fail("expected ',' or '}' in an inline table, found \(describe(current))")
            }
            guard depth < maxDepth else { throw fail("values nested deeper than \(maxDepth)") }
        }
    }

    // MARK: Strings

    /// A character allowed in a string as it is: anything but control characters other than tab.
    func checkText(_ c: UInt8) throws(Failure) {
        if (c < 0x20 && c != 0x09) || c == 0x7F { throw fail("a control character (0x\(String(c, radix: 16))) in a string") }
    }

    mutating func basicString() throws(Failure) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw fail("a string is not closed") }
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                try escape(into: &out)
                continue
            }
            if c == 0x0A || c == 0x0D { throw fail("a newline in a single-line string") }
            try checkText(c)
            out.append(c)
            i += 1
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(Failure) {
        i += 1
        guard let e = current else { throw fail("a string is not closed") }
        i += 1
        if let byte = ParseSupport.shortEscape(e) {
            out.append(byte)
            return
        }
        switch e {
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= bytes.count else { throw fail("a \\\(Character(Unicode.Scalar(e))) escape needs \(n) hexadecimal digits") }
            var code: UInt32 = 0
            for k in 0..<n {
                guard let d = Self.hexDigit(bytes[i + k]) else {
                    throw fail("a \\\(Character(Unicode.Scalar(e))) escape needs \(n) hexadecimal digits")
                }
                code = code << 4 | UInt32(d)
            }
            i += n
            guard let scalar = Unicode.Scalar(code) else {
                throw fail("\\\(Character(Unicode.Scalar(e))) escape of a value that is not a Unicode scalar")
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("an unknown escape \\\(describe(e))")
        }
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    mutating func literalString() throws(Failure) -> String {
        i += 1
        let start = i
        while true {
            guard let c = current else { throw fail("a string is not closed") }
            if c == UInt8(ascii: "'") {
                defer { i += 1 }
                return String(decoding: bytes[start..<i], as: UTF8.self)
            }
            if c == 0x0A || c == 0x0D { throw fail("a newline in a single-line string") }
            try checkText(c)
            i += 1
        }
    }

    /// `"""…"""` (`escapes`) and `'''…'''`: a newline right after the opening is dropped; one or two quotes
    /// may end the content. In a basic string a backslash at the end of a line drops the line break and the
    /// whitespace after it, and other backslashes are escapes; a literal string takes its bytes as they are.
    mutating func multilineString(quote: UInt8, escapes: Bool) throws(Failure) -> String {
        i += 3
        let opened = line
        _ = try newline()
        var out: [UInt8] = []
        while true {
            guard let c = current else { throw Failure(line: opened, message: "the multi-line string opened on line \(opened) is not closed") }
            if c == quote, peek(1) == quote, peek(2) == quote {
                var quotes = 3
                while peek(quotes) == quote, quotes < 5 { quotes += 1 }
                out.append(contentsOf: repeatElement(quote, count: quotes - 3))
                i += quotes
                return String(decoding: out, as: UTF8.self)
            }
            if escapes, c == UInt8(ascii: "\\") {
                // A line-ending backslash: whitespace, then at least one newline, then all whitespace after.
                var k = 1
                while let w = peek(k), w == 0x20 || w == 0x09 { k += 1 }
                if peek(k) == 0x0A || (peek(k) == 0x0D && peek(k + 1) == 0x0A) {
                    i += k
                    while true {
                        if try newline() { continue }
                        if let w = current, w == 0x20 || w == 0x09 {
                            i += 1
                            continue
                        }
                        break
                    }
                    continue
                }
                try escape(into: &out)
                continue
            }
            if c == 0x0A || c == 0x0D {
                _ = try newline()
                out.append(0x0A)
                continue
            }
            try checkText(c)
            out.append(c)
            i += 1
        }
    }

    // MARK: Numbers, dates and times

    static func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    mutating func numberOrDate() throws(Failure) -> TOMLValue {
        // A date starts with four digits and '-', a time with two digits and ':'.
        if Self.isDigit(current), Self.isDigit(peek(1)) {
            if peek(2) == UInt8(ascii: ":") { return .datetime(try time()) }
            if Self.isDigit(peek(2)), Self.isDigit(peek(3)), peek(4) == UInt8(ascii: "-") { return try dateTime() }
        }
        let start = i
        while let c = current, Self.isBare(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") { i += 1 }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !token.isEmpty else { throw fail("expected a value, found \(describe(current))") }
        if let v = Self.integer(token) { return .integer(v) }
        if let v = Self.float(token) { return .float(v) }
        throw fail("'\(token.prefix(40))' is not a TOML value")
    }

    static func integer(_ token: String) -> Int64? {
        var s = Substring(token)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where s.hasPrefix(prefix) {
            let digits = s.dropFirst(2)
            guard let clean = underscored(digits, radix: radix) else { return nil }
            return Int64(clean, radix: radix)
        }
        var negative = false
        if s.first == "+" || s.first == "-" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        guard let clean = underscored(s, radix: 10) else { return nil }
        if clean.count > 1 && clean.first == "0" { return nil }
        return Int64((negative ? "-" : "") + clean)
    }

    /// Digits of `radix` with single underscores only between digits, or nil.
    static func underscored(_ s: Substring, radix: Int) -> String? {
        guard let first = s.first, let last = s.last, first != "_", last != "_" else { return nil }
        var out = ""
        var previousUnderscore = false
        for ch in s {
            if ch == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            guard ch.isASCII, ch.hexDigitValue.map({ $0 < radix }) == true else { return nil }
            previousUnderscore = false
            out.append(ch)
        }
        return out
    }

    static func float(_ token: String) -> Double? {
        var s = Substring(token)
        var sign = ""
        if s.first == "+" || s.first == "-" {
            sign = s.first == "-" ? "-" : ""
            s = s.dropFirst()
        }
        if s == "inf" { return sign == "-" ? -.infinity : .infinity }
        if s == "nan" { return .nan }
        // int part [. frac] [e exp], each part digits with underscores between them.
        var mantissa = s
        var exponent: Substring?
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[..<e]
            exponent = s[s.index(after: e)...]
        }
        var intPart = mantissa
        var fraction: Substring?
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fraction = mantissa[mantissa.index(after: dot)...]
        }
        guard fraction != nil || exponent != nil else { return nil }
        guard let i = underscored(intPart, radix: 10), !(i.count > 1 && i.first == "0") else { return nil }
        var text = sign + i
        if let fraction {
            guard let f = underscored(fraction, radix: 10) else { return nil }
            text += "." + f
        }
        if var exponent {
            var expSign = ""
            if exponent.first == "+" || exponent.first == "-" {
                expSign = exponent.first == "-" ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard let x = underscored(exponent, radix: 10) else { return nil }
            text += "e" + expSign + x
        }
        return Double(text)
    }

    /// `HH:MM:SS[.fraction]`, checked for range.
    mutating func time() throws(Failure) -> String {
        let start = i
        guard let h = twoDigits(), h < 24, current == UInt8(ascii: ":") else { throw fail("not a valid time") }
        i += 1
        guard let m = twoDigits(), m < 60, current == UInt8(ascii: ":") else { throw fail("not a valid time") }
        i += 1
        guard let s = twoDigits(), s < 60 else { throw fail("not a valid time") }
        if current == UInt8(ascii: ".") {
            i += 1
            guard Self.isDigit(current) else { throw fail("not a valid time: no digit after '.'") }
            while Self.isDigit(current) { i += 1 }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    mutating func twoDigits() -> Int? {
        guard Self.isDigit(current), Self.isDigit(peek(1)) else { return nil }
        defer { i += 2 }
        return Int(bytes[i] - 0x30) * 10 + Int(bytes[i + 1] - 0x30)
    }

    mutating func dateTime() throws(Failure) -> TOMLValue {
        let start = i
        guard let y1 = twoDigits(), let y2 = twoDigits() else { throw fail("not a valid date") }
        let year = y1 * 100 + y2
        i += 1
        guard let month = twoDigits(), (1...12).contains(month), current == UInt8(ascii: "-") else { throw fail("not a valid date") }
        i += 1
        guard let day = twoDigits() else { throw fail("not a valid date") }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { throw fail("not a valid date: day \(day) of month \(month)") }
        // A time follows after 'T', 't' or one space followed by a digit.
        if let c = current, c == UInt8(ascii: "T") || c == UInt8(ascii: "t") || (c == 0x20 && Self.isDigit(peek(1))) {
            i += 1
            _ = try time()
            if let z = current, z == UInt8(ascii: "Z") || z == UInt8(ascii: "z") {
                i += 1
            } else if let z = current, z == UInt8(ascii: "+") || z == UInt8(ascii: "-") {
                i += 1
                guard let oh = twoDigits(), oh < 24, current == UInt8(ascii: ":") else { throw fail("not a valid time offset") }
                i += 1
                guard let om = twoDigits(), om < 60 else { throw fail("not a valid time offset") }
                _ = (oh, om)
            }
        }
        return .datetime(String(decoding: bytes[start..<i], as: UTF8.self))
    }
}
