public import BulkheadModel
package import Foundation

/// Why a configuration could not be parsed at all. Parsers throw this only when nothing usable can be
/// had; parts they cannot understand become `Problem`s beside a partial value instead. It has
/// Bulkhead's one error shape (`CodedError`) plus where in the input it happened.
public struct ConfigParseError: CodedError, Hashable, Sendable {
    public enum Code: String, Codable, Hashable, Sendable, CaseIterable, BulkheadErrorCode {
        public static let domain = "config"
        /// The input is empty (no bytes, no arguments).
        case empty
        /// The input exceeds a bound in `ParseLimits`.
        case tooLarge
        /// The bytes are not valid UTF-8.
        case invalidEncoding
        /// The syntax is broken (unterminated string, malformed XML or JSON).
        case malformed
        /// The input uses a construct refused for safety (an XML DOCTYPE or entity declaration).
        case forbiddenConstruct
        /// A field has the wrong type (a string where a number is required).
        case wrongType
        /// The input is well-formed but is not this kind of configuration (wrong root element or program).
        case notThisFormat
    }

    public var code: Code
    /// What was parsed: a file path, `pid 1234 cmdline`, or a label the caller chose.
    public var source: String
    /// The field, option or element concerned, when there is one.
    public var field: String?
    /// 1-based line number, when known.
    public var line: Int?
    /// A message a user can act on.
    public var message: String
    /// The underlying error, when another library reported it.
    public var cause: (any Error)?

    public init(
        _ code: Code, source: String, field: String? = nil, line: Int? = nil, message: String,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.source = source
        self.field = field
        self.line = line
        self.message = message
        self.cause = cause
    }

    /// For an underlying reason known only as text.
    public init(_ code: Code, source: String, field: String? = nil, line: Int? = nil, message: String, underlying: String?) {
        self.init(code, source: source, field: field, line: line, message: message, cause: underlying.map(ErrorText.init))
    }

    /// `source:line [field]`.
    public var context: String? {
        var s = source
        if let line { s += ":\(line)" }
        if let field { s += " [\(field)]" }
        return s
    }

    /// The error as a `Problem`, for attaching to the guest whose configuration it concerns.
    public var problem: Problem {
        Problem(subject: field.map { "\(source) \($0)" } ?? source, message: description)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.isSame(as: rhs) }
    public func hash(into hasher: inout Hasher) { hashIdentity(into: &hasher) }
}

/// A parsed configuration and what could not be understood in it.
public struct Parsed<Value: Hashable & Sendable>: Hashable, Sendable {
    public var value: Value
    /// Parts of the input that were skipped or guessed at; each names the field and says why.
    public var problems: [Problem]
    public init(value: Value, problems: [Problem] = []) {
        self.value = value
        self.problems = problems
    }
}

extension Parsed {
    /// The same problems with a transformed value, e.g. `try QEMUArgvParser.parse(argv).map(GuestConfiguration.qemu)`.
    public func map<T: Hashable & Sendable>(_ transform: (Value) -> T) -> Parsed<T> {
        Parsed<T>(value: transform(value), problems: problems)
    }
}

/// Bounds every parser enforces. Inputs beyond them are refused with `ConfigParseError.Code.tooLarge`.
public struct ParseLimits: Hashable, Sendable {
    /// Largest configuration file or document, in bytes.
    public var maxBytes: Int
    /// Most arguments in one argv.
    public var maxArguments: Int
    /// Longest single argument, in bytes (QEMU JSON `-blockdev` arguments run to a few KiB).
    public var maxArgumentBytes: Int
    /// Deepest XML or JSON nesting.
    public var maxDepth: Int
    /// Most XML elements, JSON values or list items in one document.
    public var maxElements: Int

    public init(
        maxBytes: Int = 4 << 20, maxArguments: Int = 16_384, maxArgumentBytes: Int = 256 << 10,
        maxDepth: Int = 64, maxElements: Int = 200_000
    ) {
        self.maxBytes = maxBytes
        self.maxArguments = maxArguments
        self.maxArgumentBytes = maxArgumentBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    public static let standard = ParseLimits()
}

/// Shared helpers for the parsers. Internal: the public surface is the parsers themselves.
package enum ParseSupport {
    /// The byte a one-letter backslash escape stands for in JSON and TOML strings (`\b \t \n \f \r \" \\`), or
    /// nil for any other letter (`\u`, a format's own escapes, an unknown one).
    static func shortEscape(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): letter
        default: nil
        }
    }

    /// Refuses an argv that is empty or beyond the limits.
    package static func checkArgv(_ argv: [String], source: String, limits: ParseLimits) throws(ConfigParseError) {
        if argv.isEmpty {
            throw ConfigParseError(.empty, source: source, message: "the command line has no arguments")
        }
        if argv.count > limits.maxArguments {
            throw ConfigParseError(
                .tooLarge, source: source,
                message: "the command line has \(argv.count) arguments, more than the limit of \(limits.maxArguments)")
        }
        var total = 0
        for (i, a) in argv.enumerated() {
            let n = a.utf8.count
            total += n
            if n > limits.maxArgumentBytes {
                throw ConfigParseError(
                    .tooLarge, source: source, field: "argv[\(i)]",
                    message: "argument \(i) is \(n) bytes long, more than the limit of \(limits.maxArgumentBytes)")
            }
        }
        if total > limits.maxBytes {
            throw ConfigParseError(
                .tooLarge, source: source,
                message: "the command line is \(total) bytes long, more than the limit of \(limits.maxBytes)")
        }
    }

    /// Decodes strict UTF-8 within the byte limit.
    package static func text(_ data: Data, source: String, limits: ParseLimits) throws(ConfigParseError) -> String {
        if data.count > limits.maxBytes {
            throw ConfigParseError(
                .tooLarge, source: source,
                message: "the file is \(data.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        guard let s = String(validating: data, as: UTF8.self) else {
            var offset = 0
            // Find the first offending byte for the message.
            let bytes = [UInt8](data)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                let len = b < 0x80 ? 1 : (b >> 5 == 0b110 ? 2 : (b >> 4 == 0b1110 ? 3 : (b >> 3 == 0b11110 ? 4 : 0)))
                if len == 0 || i + len > bytes.count { offset = i; break }
                if String(validating: bytes[i..<(i + len)], as: UTF8.self) == nil { offset = i; break }
                i += len
                offset = i
            }
            let line = bytes.prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw ConfigParseError(
                .invalidEncoding, source: source, line: line,
                message: "the file is not valid UTF-8 (first bad byte at offset \(offset)); check that it is the right file")
        }
        return s
    }

    /// `on/off/yes/no/true/false/1/0` → Bool; anything else nil.
    package static func bool(_ s: String?) -> Bool? {
        guard let s else { return nil }
        switch s.lowercased() {
        case "on", "yes", "true", "1", "y": return true
        case "off", "no", "false", "0", "n": return false
        default: return nil
        }
    }

    /// True when a listener on `host` is reachable from other hosts: nil/empty/wildcard or any address
    /// that is not loopback.
    package static func beyondLoopback(_ host: String?) -> Bool {
        guard var h = host.map(trimmingWhitespace), !h.isEmpty else { return true }
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        let l = h.lowercased()
        if l == "localhost" || l == "ip6-localhost" || l == "::1" || l == "0:0:0:0:0:0:0:1" { return false }
        if l.hasPrefix("127.") { return false }
        if l.hasPrefix("::ffff:127.") { return false }
        return true
    }

    /// `s.trimmingCharacters(in: .whitespaces)`, without the Foundation call when there is nothing to trim:
    /// an ASCII first and last byte that is not a space or tab (every other character in `.whitespaces` is
    /// outside ASCII). This runs for every listener address of every guest.
    package static func trimmingWhitespace(_ s: String) -> String {
        guard let first = s.utf8.first, let last = s.utf8.last else { return s }
        func plain(_ b: UInt8) -> Bool { b < 0x80 && b != 0x20 && b != 0x09 }
        if plain(first) && plain(last) { return s }
        return s.trimmingCharacters(in: .whitespaces)
    }

    /// Keys whose values are passwords or secret material and must never be stored.
    package static func isSecretKey(_ key: String) -> Bool { Redaction.isSecretKey(key) }

    package static let redacted = "<redacted>"

    /// Integer from decimal or 0x hex.
    package static func int(_ s: String?) -> Int? {
        guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return Int(s.dropFirst(2), radix: 16) }
        return Int(s)
    }

    package static func problem(_ source: String, _ field: String, _ message: String) -> Problem {
        Problem(subject: "\(source) \(field)", message: message)
    }

    /// A command-line word as an option: its name without the leading `-` or `--`, and the value after its first
    /// `=` (`--name=value`). Nil for a word that is not an option (no leading `-`, or `-` alone).
    package static func option(_ word: String) -> (name: String, inlineValue: String?)? {
        guard word.hasPrefix("-"), word.count > 1 else { return nil }
        var name = Substring(word.dropFirst())
        if name.hasPrefix("-") { name = name.dropFirst() }
        if let equals = name.firstIndex(of: "=") { return (String(name[..<equals]), String(name[name.index(after: equals)...])) }
        return (String(name), nil)
    }

    /// Skips an option the parser does not know (at `index - 1`) with the value that seems to go with it: the next
    /// word, when the option has no inline value, that word stands before `valuesBefore` and is not an option
    /// (advancing `index` past it). Returns the words skipped, for the configuration's unrecognised list.
    package static func skipUnknownOption(
        _ option: String, inline: String?, argv: [String], index: inout Int, valuesBefore end: Int
    ) -> [String] {
        guard inline == nil, index < end, !argv[index].hasPrefix("-") else { return [option] }
        defer { index += 1 }
        return [option, argv[index]]
    }

    /// Option `option`'s `value` as a whole number; nil, with a problem quoting the first `quoted` characters of the
    /// value and saying it is not `expected` ("a number", "a numeric uid" …), when it is not one.
    package static func integer(
        _ value: String, option: String, expected: String, quoted: Int = 30, source: String, problems: inout [Problem]
    ) -> Int? {
        if let number = Int(value) { return number }
        problems.append(problem(source, option, "'\(value.prefix(quoted))' is not \(expected)"))
        return nil
    }

    /// The value of option `option`: its inline `--opt=value`, else the next argument (advancing `index`).
    /// Nil, with a problem, when the option is the last argument.
    package static func optionValue(
        _ option: String, inline: String?, argv: [String], index: inout Int, source: String, problems: inout [Problem]
    ) -> String? {
        if let inline { return inline }
        guard index < argv.count else {
            problems.append(problem(source, option, "option \(option) is the last argument but needs a value; it was ignored"))
            return nil
        }
        defer { index += 1 }
        return argv[index]
    }
}

/// QEMU's `key=value,key2=value2` option syntax (QemuOpts / keyval): `,,` escapes a comma, an
/// implied first key takes a leading bare value, and later bare words are booleans (`server` →
/// `server=on`, `noserver` → `server=off`).
public enum QEMUOptionString {
    public struct Pair: Hashable, Sendable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Splits `s` into pairs in order. `impliedKey` names the key of a leading bare value. Read as bytes, as
    /// QEMU reads it: `,` and `=` are ASCII, so every piece cut at them is whole UTF-8. A part is decoded from
    /// its slice of the bytes; only one holding an escaped comma is copied first (to unescape it).
    public static func parse(_ s: String, impliedKey: String? = nil) -> [Pair] {
        let comma = UInt8(ascii: ","), equals = UInt8(ascii: "=")
        let bytes = Array(s.utf8)
        var out: [Pair] = []
        var partNumber = 0
        func endPart(_ part: ArraySlice<UInt8>) {
            defer { partNumber += 1 }
            guard !part.isEmpty else { return }
            let start = part.startIndex
            if let eq = part.firstIndex(of: equals) {
                out.append(Pair(key: String(decoding: part[..<eq], as: UTF8.self), value: String(decoding: part[(eq + 1)...], as: UTF8.self)))
            } else if partNumber == 0, let impliedKey {
                out.append(Pair(key: impliedKey, value: String(decoding: part, as: UTF8.self)))
            } else if part.count > 2, part[start] == UInt8(ascii: "n"), part[start + 1] == UInt8(ascii: "o") {
                out.append(Pair(key: String(decoding: part[(start + 2)...], as: UTF8.self), value: "off"))
            } else {
                out.append(Pair(key: String(decoding: part, as: UTF8.self), value: "on"))
            }
        }
        /// The part `start..<end` with each `,,` read as one `,` when it holds one.
        func part(_ start: Int, _ end: Int, escaped: Bool) -> ArraySlice<UInt8> {
            guard escaped else { return bytes[start..<end] }
            var unescaped: [UInt8] = []
            var index = start
            while index < end {
                unescaped.append(bytes[index])
                // Inside a part every comma is the first of a `,,` pair.
                index += bytes[index] == comma ? 2 : 1
            }
            return unescaped[...]
        }
        var index = 0
        var start = 0
        var escaped = false
        while index < bytes.count {
            guard bytes[index] == comma else {
                index += 1
                continue
            }
            // `,,` is a literal comma.
            if index + 1 < bytes.count, bytes[index + 1] == comma {
                escaped = true
                index += 2
                continue
            }
            endPart(part(start, index, escaped: escaped))
            index += 1
            start = index
            escaped = false
        }
        endPart(part(start, bytes.count, escaped: escaped))
        return out
    }

    /// The pairs read by key as `dictionary(pairs)` reads them (the last value wins), without building the
    /// dictionary: an option string has a handful of pairs, and most options are only looked up.
    public struct Lookup: Sendable {
        public let pairs: [Pair]

        public init(_ pairs: [Pair]) { self.pairs = pairs }

        public subscript(key: String) -> String? { pairs.last { $0.key == key }?.value }
    }

    /// The pairs as a dictionary (last value wins, as in QEMU).
    public static func dictionary(_ pairs: [Pair]) -> [String: String] {
        var d: [String: String] = [:]
        d.reserveCapacity(pairs.count)
        for p in pairs { d[p.key] = p.value }
        return d
    }
}
