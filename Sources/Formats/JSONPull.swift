public import BulkheadModel

/// A one-pass, pull-style JSON reader over UTF-8 bytes for the advisory formats.
///
/// The feed decoders walk a document with it, materialising only the values Bulkhead keeps and skipping
/// the rest (references, long free-form objects) without building anything — but everything is validated:
/// JSON syntax (RFC 8259), escapes, UTF-8 (no overlong forms, no surrogates), nesting depth. Errors carry
/// the byte offset and the path of keys and indices leading to the value (`containers.cna.affected[0]`),
/// reconstructed only when something fails.
///
/// The bytes are passed to every call as a `Span<UInt8>` (the reader itself only holds positions), so
/// no copy of the input is made and no pointer is ever used.
public struct JSONPull {
    /// Why a document was refused, with Bulkhead's one error shape: the kind is the code (`json.syntax`),
    /// `message` the sentence a user reads, with the byte offset and the path of keys and indices.
    public struct Failure: CodedError, Sendable {
        public enum Kind: String, Sendable, Hashable, Codable, BulkheadErrorCode {
            public static let domain = "json"
            case syntax, type, missing, utf8, depth
        }
        public var kind: Kind
        public var offset: Int
        public var path: String
        /// What the reader expected or found, without the location.
        public var detail: String

        public init(kind: Kind, offset: Int, path: String, message detail: String) {
            self.kind = kind
            self.offset = offset
            self.path = path
            self.detail = detail
        }

        public var code: Kind { kind }
        public var cause: (any Error)? { nil }

        /// "wrong type at containers.cna.affected[0].versions: expected an array, found a string"
        public var message: String {
            switch kind {
            case .type: "wrong type at \(path.isEmpty ? "the top level" : path): \(detail)"
            case .missing: "missing field \(path)"
            case .utf8: "not valid UTF-8 at byte \(offset)\(path.isEmpty ? "" : " (in \(path))"); file skipped"
            case .syntax, .depth: "invalid JSON at byte \(offset)\(path.isEmpty ? "" : " (in \(path))"): \(detail)"
            }
        }
    }

    /// The kind of the next value, from its first byte.
    public enum ValueKind: Sendable {
        case object, array, string, number, bool, null

        public var article: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    /// Iteration state of one object or array.
    public struct Container: Sendable {
        fileprivate var first = true
        fileprivate var count = 0

        public init() {}
    }

    public private(set) var pos = 0
    public private(set) var depth = 0
    public let maxDepth: Int
    /// Per depth: the current key's byte range, or -1 and the current array index.
    private var keyStart: [Int]
    private var keyEnd: [Int]
    private var index: [Int]

    /// What a `\u` escape of a lone surrogate becomes: U+FFFD (feeds: keep the record), or an error
    /// (configuration files: refuse what cannot be read exactly).
    public enum LoneSurrogate: Sendable { case replace, refuse }
    public let loneSurrogates: LoneSurrogate

    public init(maxDepth: Int = 64, loneSurrogates: LoneSurrogate = .replace) {
        self.maxDepth = maxDepth
        self.loneSurrogates = loneSurrogates
        keyStart = [Int](repeating: -1, count: maxDepth + 2)
        keyEnd = [Int](repeating: -1, count: maxDepth + 2)
        index = [Int](repeating: 0, count: maxDepth + 2)
    }

    // MARK: character classes

    /// 0: ordinary string byte; 1: `"`; 2: `\`; 3: control character (invalid); 4: non-ASCII.
    private static let stringClass: [UInt8] = (0..<256).map { b in
        switch b {
        case 0x22: 1
        case 0x5C: 2
        case 0..<0x20: 3
        case 0x80...: 4
        default: 0
        }
    }

    @inline(__always)
    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    // MARK: errors

    /// The path of keys and indices down to the current depth, for messages.
    public func path(_ s: Span<UInt8>, extraKey: String? = nil) -> String {
        var out = ""
        var d = 1
        while d <= depth {
            if keyStart[d] >= 0 {
                let k = Self.text(s, keyStart[d]..<keyEnd[d])
                out += out.isEmpty ? k : "." + k
            } else {
                out += "[\(index[d])]"
            }
            d += 1
        }
        if let extraKey { out += out.isEmpty ? extraKey : "." + extraKey }
        return out
    }

    public func fail(_ s: Span<UInt8>, _ kind: Failure.Kind, _ message: String, at offset: Int? = nil) -> Failure {
        Failure(kind: kind, offset: offset ?? pos, path: path(s), message: message)
    }

    public func missing(_ s: Span<UInt8>, _ key: String) -> Failure {
        Failure(kind: .missing, offset: pos, path: path(s, extraKey: key), message: "")
    }

    public static func text(_ s: Span<UInt8>, _ r: Range<Int>) -> String {
        guard r.lowerBound >= 0, r.upperBound <= s.count, r.lowerBound <= r.upperBound,
            let u = try? UTF8Span(validating: s.extracting(r))
        else { return "?" }
        return String(copying: u)
    }

    // MARK: structure

    @inline(__always)
    public mutating func skipSpace(_ s: Span<UInt8>) {
        while pos < s.count, Self.isSpace(s[pos]) { pos += 1 }
    }

    /// The kind of the next value (after whitespace), without consuming it.
    public mutating func peek(_ s: Span<UInt8>) throws(Failure) -> ValueKind {
        skipSpace(s)
        guard pos < s.count else { throw fail(s, .syntax, "unexpected end of input") }
        switch s[pos] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail(s, .syntax, "unexpected character '\(Self.printable(s[pos]))'")
        }
    }

    public static func printable(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
    }

    private mutating func expect(_ s: Span<UInt8>, _ kind: ValueKind) throws(Failure) {
        let k = try peek(s)
        guard k == kind else { throw fail(s, .type, "expected \(kind.article), found \(k.article)") }
    }

    private mutating func enter(_ s: Span<UInt8>) throws(Failure) {
        guard depth < maxDepth else { throw fail(s, .depth, "nesting deeper than \(maxDepth)") }
        depth += 1
        keyStart[depth] = -1
        index[depth] = 0
        pos += 1
    }

    /// Consumes `{`; then call `nextKey` until it returns nil.
    public mutating func beginObject(_ s: Span<UInt8>) throws(Failure) -> Container {
        try expect(s, .object)
        try enter(s)
        return Container()
    }

    /// The next key's raw byte range (between the quotes), positioned at its value; nil after `}`.
    public mutating func nextKey(_ s: Span<UInt8>, _ c: inout Container) throws(Failure) -> Range<Int>? {
        skipSpace(s)
        guard pos < s.count else { throw fail(s, .syntax, "unterminated object") }
        if s[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return nil
        }
        if !c.first {
            guard s[pos] == UInt8(ascii: ",") else { throw fail(s, .syntax, "expected ',' or '}' in an object") }
            pos += 1
            skipSpace(s)
            guard pos < s.count else { throw fail(s, .syntax, "unterminated object") }
        }
        c.first = false
        guard s[pos] == UInt8(ascii: "\"") else { throw fail(s, .syntax, "expected a string key") }
        let (range, _) = try scanString(s)
        keyStart[depth] = range.lowerBound
        keyEnd[depth] = range.upperBound
        skipSpace(s)
        guard pos < s.count, s[pos] == UInt8(ascii: ":") else { throw fail(s, .syntax, "expected ':' after a key") }
        pos += 1
        return range
    }

    /// Consumes `[`; then call `nextElement` until it returns false.
    public mutating func beginArray(_ s: Span<UInt8>) throws(Failure) -> Container {
        try expect(s, .array)
        try enter(s)
        return Container()
    }

    /// Positions at the next element; false after `]`.
    public mutating func nextElement(_ s: Span<UInt8>, _ c: inout Container) throws(Failure) -> Bool {
        skipSpace(s)
        guard pos < s.count else { throw fail(s, .syntax, "unterminated array") }
        if s[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return false
        }
        if !c.first {
            guard s[pos] == UInt8(ascii: ",") else { throw fail(s, .syntax, "expected ',' or ']' in an array") }
            pos += 1
        }
        c.first = false
        index[depth] = c.count
        c.count += 1
        return true
    }

    /// Before the top-level value: skips a UTF-8 byte order mark (RFC 8259 §8.1 lets a parser ignore one;
    /// Foundation's JSONDecoder does). Anywhere else EF BB BF is an unexpected character.
    public mutating func skipByteOrderMark(_ s: Span<UInt8>) {
        if pos == 0, s.count >= 3, s[0] == 0xEF, s[1] == 0xBB, s[2] == 0xBF { pos = 3 }
    }

    /// After the top-level value: only whitespace may follow.
    public mutating func end(_ s: Span<UInt8>) throws(Failure) {
        skipSpace(s)
        guard pos == s.count else { throw fail(s, .syntax, "content after the JSON document") }
    }

    /// Whether a raw key equals `name` (keys with escapes never match a plain name; none of the formats use them).
    /// Inlinable: the decoders of other modules compare every key with several names.
    @inlinable @inline(__always)
    public static func key(_ s: Span<UInt8>, _ r: Range<Int>, is name: String) -> Bool {
        let k = name.utf8.span
        guard r.count == k.count else { return false }
        var i = 0
        let base = r.lowerBound
        while i < k.count {
            if s[base + i] != k[i] { return false }
            i += 1
        }
        return true
    }

    // MARK: values

    /// Scans a string at `pos` (on its opening quote), validating escapes and UTF-8. Returns the raw
    /// content range and whether it holds escapes; leaves `pos` after the closing quote.
    public mutating func scanString(_ s: Span<UInt8>) throws(Failure) -> (Range<Int>, Bool) {
        let table = Self.stringClass
        let n = s.count
        let start = pos + 1
        var i = start
        var escaped = false
        while true {
            // The hot loop: ordinary ASCII bytes.
            while i < n, table[Int(s[i])] == 0 { i += 1 }
            guard i < n else { throw fail(s, .syntax, "unterminated string", at: pos) }
            switch table[Int(s[i])] {
            case 1:
                pos = i + 1
                return (start..<i, escaped)
            case 2:
                escaped = true
                guard i + 1 < n else { throw fail(s, .syntax, "unterminated string", at: pos) }
                switch s[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 5 < n, Self.hex4(s, i + 2) != nil else { throw fail(s, .syntax, "bad \\u escape", at: i) }
                    i += 6
                default:
                    throw fail(s, .syntax, "bad escape '\\\(Self.printable(s[i + 1]))'", at: i)
                }
            case 3:
                throw fail(s, .syntax, "control character 0x\(String(s[i], radix: 16)) inside a string", at: i)
            default:
                i = try utf8Sequence(s, i)
            }
        }
    }

    /// Validates one multi-byte UTF-8 sequence starting at `i`; returns the index after it.
    private func utf8Sequence(_ s: Span<UInt8>, _ i: Int) throws(Failure) -> Int {
        let b0 = s[i]
        let n = s.count
        func cont(_ k: Int) -> Bool { k < n && s[k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            if cont(i + 1) { return i + 2 }
        case 0xE0...0xEF:
            if cont(i + 1), cont(i + 2) {
                let b1 = s[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { break }  // overlong
                if b0 == 0xED && b1 >= 0xA0 { break }  // surrogate
                return i + 3
            }
        case 0xF0...0xF4:
            if cont(i + 1), cont(i + 2), cont(i + 3) {
                let b1 = s[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { break }  // overlong
                if b0 == 0xF4 && b1 >= 0x90 { break }  // above U+10FFFF
                return i + 4
            }
        default:
            break
        }
        throw fail(s, .utf8, "invalid UTF-8", at: i)
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private static func hex4(_ s: Span<UInt8>, _ i: Int) -> UInt32? {
        guard i + 3 < s.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = hexValue(s[i + k]) else { return nil }
            v = v << 4 | h
        }
        return v
    }

    /// A string value (escapes decoded; lone surrogates become U+FFFD).
    public mutating func string(_ s: Span<UInt8>) throws(Failure) -> String {
        try expect(s, .string)
        let (r, escaped) = try scanString(s)
        return try decoded(s, r, escaped: escaped)
    }

    /// The text of a string's raw content range (as `scanString` or `nextKey` returned it), escapes decoded.
    public func decoded(_ s: Span<UInt8>, _ r: Range<Int>, escaped: Bool = true) throws(Failure) -> String {
        guard escaped, s.extracting(r).indices.contains(where: { s[r.lowerBound + $0] == UInt8(ascii: "\\") }) else {
            return Self.text(s, r)
        }
        var out: [UInt8] = []
        out.reserveCapacity(r.count)
        var i = r.lowerBound
        while i < r.upperBound {
            let b = s[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            let e = s[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = Self.hex4(s, i) ?? 0xFFFD
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    if i + 5 < r.upperBound, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u"),
                        let low = Self.hex4(s, i + 2), (0xDC00...0xDFFF).contains(low)
                    {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        guard loneSurrogates == .replace else { throw fail(s, .syntax, "unpaired surrogate in a \\u escape", at: i - 6) }
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    guard loneSurrogates == .replace else { throw fail(s, .syntax, "unpaired surrogate in a \\u escape", at: i - 6) }
                    scalar = 0xFFFD
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: UTF8.encode(u).map { Array($0) } ?? [0xEF, 0xBF, 0xBD])
            default: out.append(e)  // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A string, or nil for `null`.
    public mutating func optionalString(_ s: Span<UInt8>) throws(Failure) -> String? {
        if try skipNull(s) { return nil }
        return try string(s)
    }

    /// A string's raw content range (escapes not decoded) and whether it holds escapes, or nil for `null`:
    /// the checks of `optionalString` (a value of another type fails the same way), without making a
    /// `String` — for a field read for its type only, or turned into text later (`decoded`) only when needed.
    /// (With `loneSurrogates: .refuse`, an unpaired `\u` surrogate is refused only by `decoded`.)
    public mutating func optionalRawString(_ s: Span<UInt8>) throws(Failure) -> (range: Range<Int>, escaped: Bool)? {
        if try skipNull(s) { return nil }
        try expect(s, .string)
        return try scanString(s)
    }

    /// A number as a Double, or nil for `null`.
    public mutating func optionalNumber(_ s: Span<UInt8>) throws(Failure) -> Double? {
        switch try peek(s) {
        case .null:
            try skipValue(s)
            return nil
        case .number:
            let start = pos
            let r = try scanNumber(s)
            // A well-formed number too large for a Double (1e400) is refused rather than read as infinity.
            guard let v = Double(Self.text(s, r)), v.isFinite else {
                throw fail(s, .type, "number \(Self.text(s, r).prefix(40)) out of range", at: start)
            }
            return v
        case let k:
            throw fail(s, .type, "expected a number, found \(k.article)")
        }
    }

    /// A boolean (`null` is a wrong type).
    public mutating func bool(_ s: Span<UInt8>) throws(Failure) -> Bool {
        try expect(s, .bool)
        guard let b = try optionalBool(s) else { throw fail(s, .type, "expected a boolean, found null") }
        return b
    }

    /// A number's source text and whether it is an integer literal (no fraction, no exponent), for
    /// readers that keep integers exact.
    public mutating func numberText(_ s: Span<UInt8>) throws(Failure) -> (text: String, isInteger: Bool) {
        let k = try peek(s)
        guard k == .number else { throw fail(s, .type, "expected a number, found \(k.article)") }
        let r = try scanNumber(s)
        var isInteger = true
        for i in r where s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") { isInteger = false }
        return (Self.text(s, r), isInteger)
    }

    /// A boolean, or nil for `null`.
    public mutating func optionalBool(_ s: Span<UInt8>) throws(Failure) -> Bool? {
        switch try peek(s) {
        case .null:
            try skipValue(s)
            return nil
        case .bool:
            if Self.literal(s, pos, "true") {
                pos += 4
                return true
            }
            if Self.literal(s, pos, "false") {
                pos += 5
                return false
            }
            throw fail(s, .syntax, "unknown literal")
        case let k:
            throw fail(s, .type, "expected a boolean, found \(k.article)")
        }
    }

    /// An array of strings (nil for `null`).
    public mutating func optionalStrings(_ s: Span<UInt8>) throws(Failure) -> [String]? {
        if try peek(s) == .null {
            try skipValue(s)
            return nil
        }
        var out: [String] = []
        var c = try beginArray(s)
        while try nextElement(s, &c) { out.append(try string(s)) }
        return out
    }

    /// Whether the next value is `null` (consumed when it is).
    public mutating func skipNull(_ s: Span<UInt8>) throws(Failure) -> Bool {
        guard try peek(s) == .null else { return false }
        try skipValue(s)
        return true
    }

    private static func literal(_ s: Span<UInt8>, _ at: Int, _ word: String) -> Bool {
        let w = word.utf8.span
        guard at >= 0, at + w.count <= s.count else { return false }
        for k in 0..<w.count where s[at + k] != w[k] { return false }
        return true
    }

    /// Scans a number at `pos` by the JSON grammar; returns its byte range.
    private mutating func scanNumber(_ s: Span<UInt8>) throws(Failure) -> Range<Int> {
        let start = pos
        let n = s.count
        func digit(_ k: Int) -> Bool { k < n && s[k] >= 0x30 && s[k] <= 0x39 }
        var i = pos
        if i < n, s[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { throw fail(s, .syntax, "malformed number", at: start) }
        if s[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while digit(i) { i += 1 }
        }
        if i < n, s[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { throw fail(s, .syntax, "malformed number", at: start) }
            while digit(i) { i += 1 }
        }
        if i < n, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { throw fail(s, .syntax, "malformed number", at: start) }
            while digit(i) { i += 1 }
        }
        pos = i
        return start..<i
    }

    /// Skips (and validates) any value.
    public mutating func skipValue(_ s: Span<UInt8>) throws(Failure) {
        switch try peek(s) {
        case .object:
            var c = try beginObject(s)
            while try nextKey(s, &c) != nil { try skipValue(s) }
        case .array:
            var c = try beginArray(s)
            while try nextElement(s, &c) { try skipValue(s) }
        case .string:
            _ = try scanString(s)
        case .number:
            _ = try scanNumber(s)
        case .bool:
            if Self.literal(s, pos, "true") {
                pos += 4
            } else if Self.literal(s, pos, "false") {
                pos += 5
            } else {
                throw fail(s, .syntax, "unknown literal")
            }
        case .null:
            guard Self.literal(s, pos, "null") else { throw fail(s, .syntax, "unknown literal") }
            pos += 4
        }
    }

    /// Decodes one value with `body`, tolerating a wrong type or a missing field inside it: then the value
    /// is skipped from its start (still fully validated) and the failure is returned instead of thrown.
    /// Syntax, UTF-8 and depth failures are not tolerated: they are thrown and end the document.
    public mutating func recovering<T>(_ s: Span<UInt8>, _ body: (inout JSONPull) throws(Failure) -> T) throws(Failure) -> Result<T, Failure> {
        skipSpace(s)
        let start = pos
        let level = depth
        do throws(Failure) {
            return .success(try body(&self))
        } catch  where error.kind == .type || error.kind == .missing {
            pos = start
            depth = level
            try skipValue(s)
            return .failure(error)
        }
    }

    /// Iterates the elements of an array (nil / `null` → no elements), calling `body` positioned on each.
    public mutating func forEach(_ s: Span<UInt8>, _ body: (inout JSONPull) throws(Failure) -> Void) throws(Failure) {
        if try skipNull(s) { return }
        var c = try beginArray(s)
        while try nextElement(s, &c) { try body(&self) }
    }
}
