public import BulkheadModel

/// Why a file's lines could not be counted, in Bulkhead's one error shape (`census-scan.lineTooLong`).
public enum ScanFailure: CodedError, Sendable, Equatable {
    /// A line longer than the limit (minified or generated data): the file is skipped.
    case lineTooLong(line: Int, length: Int, limit: Int)

    public enum Code: String, Sendable, Hashable, BulkheadErrorCode {
        public static let domain = "census-scan"
        case lineTooLong
    }

    public var code: Code {
        switch self {
        case .lineTooLong: .lineTooLong
        }
    }

    public var message: String {
        switch self {
        case .lineTooLong(let line, let length, let limit):
            "line \(line) is \(length) bytes, over the \(limit)-byte limit (minified or generated data); file skipped"
        }
    }

    public var cause: (any Error)? { nil }
}

/// Counts blank, comment and code lines of one file in one pass over its bytes, following each
/// language's comment and string rules, and counts `unsafe` escapes and C++ evidence in code.
///
/// The byte loop reads a `Span<UInt8>`; no pointers.
public enum LineCounter {
    static let nl = UInt8(ascii: "\n")

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0C || b == 0x0B
    }
    @inline(__always) static func isIdentStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F
    }
    @inline(__always) static func isIdent(_ b: UInt8) -> Bool {
        isIdentStart(b) || (b >= 0x30 && b <= 0x39)
    }
    @inline(__always) static func byte(_ s: borrowing Span<UInt8>, _ i: Int) -> UInt8 {
        i >= 0 && i < s.count ? s[i] : 0
    }
    static func matches(_ s: borrowing Span<UInt8>, _ i: Int, _ pattern: [UInt8]) -> Bool {
        guard i >= 0, i + pattern.count <= s.count else { return false }
        for k in 0..<pattern.count where s[i + k] != pattern[k] { return false }
        return true
    }
    static func equals(_ s: borrowing Span<UInt8>, _ start: Int, _ end: Int, _ word: StaticString) -> Bool {
        guard end - start == word.utf8CodeUnitCount else { return false }
        var k = 0
        var equal = true
        word.withUTF8Buffer { buffer in
            for b in buffer {
                if s[start + k] != b { equal = false; return }
                k += 1
            }
        }
        return equal
    }
    static func string(_ s: borrowing Span<UInt8>, _ start: Int, _ end: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, end - start))
        var i = start
        while i < end { bytes.append(s[i]); i += 1 }
        return String(decoding: bytes, as: UTF8.self)
    }
    /// Length of the UTF-8 sequence that starts with `b`.
    @inline(__always) static func utf8Length(_ b: UInt8) -> Int {
        b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
    }
    /// The next non-whitespace position at or after `i` (may cross lines; used only to peek).
    static func skipSpace(_ s: borrowing Span<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < s.count, isSpace(s[j]) || s[j] == nl { j += 1 }
        return j
    }

    static let cppWords: [StaticString] = [
        "namespace", "template", "typename", "virtual", "public", "private", "protected", "nullptr",
        "constexpr", "operator", "class", "decltype", "noexcept", "static_assert_cxx",
    ]
    static let cppDirectives: [StaticString] = [
        "include", "define", "undef", "if", "ifdef", "ifndef", "elif", "else", "endif", "error", "warning",
        "pragma", "line", "include_next",
    ]

    private enum State { case code, lineComment, block, string, doc, rest, pod }

    /// Counts the lines of `bytes` as `language`. `header` turns on C++ evidence collection for `.h` files.
    public static func scan(
        _ s: borrowing Span<UInt8>, language: Language, header: Bool = false, maxLineLength: Int = 1 << 20
    ) throws(ScanFailure) -> ScanResult {
        let syn = Syntax.forLanguage(language, header: header)
        var result = ScanResult()
        let n = s.count

        var state = State.code
        // Block comments: the close sequence, the open sequence (for nesting) and the depth.
        var blockClose: [UInt8] = []
        var blockOpen: [UInt8] = []
        var blockNests = false
        var depth = 0
        // Strings: either a single delimiter byte or a close sequence.
        var strDelim: UInt8 = 0
        var strClose: [UInt8] = []
        var strEscapes = true
        var strMultiline = false
        var strDoubled = false
        var strStart = 0
        var podEnd: StaticString = "=cut"
        // Go import tracking.
        var goImportPending = false
        var goImportBlock = false

        var lineBegin = 0
        var lineNumber = 1
        var nonBlank = false
        var hasCode = false
        var hasComment = false
        var endPodAfterLine = false

        func unsafeUse(_ kind: String, _ r: inout ScanResult) { r.unsafeUses[kind, default: 0] += 1 }

        let table = Self.table(for: syn)
        var i = 0
        while true {
            if i >= n || s[i] == nl {
                let length = i - lineBegin
                if length > maxLineLength {
                    throw .lineTooLong(line: lineNumber, length: length, limit: maxLineLength)
                }
                if i >= n && i == lineBegin { break }
                if !nonBlank { result.lines.blank += 1 } else if hasCode { result.lines.code += 1 } else { result.lines.comment += 1 }
                _ = hasComment
                if i >= n { break }
                i += 1
                lineNumber += 1
                lineBegin = i
                nonBlank = false; hasCode = false; hasComment = false
                if state == .lineComment { state = .code }
                if state == .string && !strMultiline { state = .code }
                if endPodAfterLine { state = .code; endPodAfterLine = false }
                continue
            }
            let b = s[i]
            if isSpace(b) { i += 1; continue }
            let atStart = !nonBlank
            nonBlank = true

            switch state {
            case .lineComment, .rest:
                hasComment = true
                while i < n && s[i] != nl { i += 1 }
                continue

            case .pod:
                hasComment = true
                if atStart && i == lineBegin && matches(s, i, Array(podEndBytes(podEnd))) { endPodAfterLine = true }
                while i < n && s[i] != nl { i += 1 }
                continue

            case .block:
                hasComment = true
                let c0 = blockClose[0]
                let o0: UInt8 = blockNests ? blockOpen[0] : c0
                if b != c0 && b != o0 {
                    i += 1
                    while i < n { let c = s[i]; if c == c0 || c == o0 || c == nl { break }; i += 1 }
                    continue
                }
                if matches(s, i, blockClose) {
                    i += blockClose.count
                    depth -= 1
                    if depth == 0 { state = .code }
                } else if blockNests && matches(s, i, blockOpen) {
                    i += blockOpen.count
                    depth += 1
                } else {
                    i += 1
                }
                continue

            case .string, .doc:
                if state == .doc { hasComment = true } else { hasCode = true }
                if b == 0x5C && strEscapes {  // backslash
                    i += (byte(s, i + 1) == nl || i + 1 >= n) ? 1 : 2
                    continue
                }
                let stop: UInt8 = strClose.isEmpty ? strDelim : strClose[0]
                if b != stop {
                    i += 1
                    while i < n { let c = s[i]; if c == stop || c == nl || c == 0x5C { break }; i += 1 }
                    continue
                }
                if strClose.isEmpty {
                    if b == strDelim {
                        if strDoubled && byte(s, i + 1) == strDelim { i += 2; continue }
                        if syn.watch == .go && (goImportPending || goImportBlock) {
                            if equals(s, strStart, i, "C") { unsafeUse("cgo", &result) }
                            if equals(s, strStart, i, "unsafe") { unsafeUse("import unsafe", &result) }
                            if !goImportBlock { goImportPending = false }
                        }
                        state = .code
                    }
                    i += 1
                } else if b == strClose[0] && matches(s, i, strClose) {
                    i += strClose.count
                    state = .code
                } else {
                    i += 1
                }
                continue

            case .code:
                break
            }

            // ---- code state ----
            if syn.allCode { hasCode = true; i += 1; continue }

            if atStart && i == 0 && b == UInt8(ascii: "#") && byte(s, 1) == UInt8(ascii: "!") {
                // A shebang is an interpreter directive: code, as cloc counts it.
                hasCode = true
                while i < n && s[i] != nl { i += 1 }
                continue
            }
            if atStart {
                switch syn.lineStart {
                case .none: break
                case .ruby:
                    if i == lineBegin && matches(s, i, Array("=begin".utf8)) {
                        state = .pod; podEnd = "=end"; hasComment = true
                        while i < n && s[i] != nl { i += 1 }
                        continue
                    }
                case .perl:
                    if i == lineBegin && b == UInt8(ascii: "=") && isIdentStart(byte(s, i + 1)) {
                        state = .pod; podEnd = "=cut"; hasComment = true
                        if matches(s, i, Array("=cut".utf8)) { endPodAfterLine = true }
                        while i < n && s[i] != nl { i += 1 }
                        continue
                    }
                    if i == lineBegin && (matches(s, i, Array("__END__".utf8)) || matches(s, i, Array("__DATA__".utf8))) {
                        state = .rest; hasComment = true
                        continue
                    }
                case .m4:
                    if i == lineBegin && matches(s, i, Array("dnl".utf8)) && (isSpace(byte(s, i + 3)) || byte(s, i + 3) == nl || i + 3 >= n) {
                        state = .lineComment; hasComment = true
                        continue
                    }
                case .assembly:
                    if i == lineBegin && b == UInt8(ascii: "*") {
                        state = .lineComment; hasComment = true
                        continue
                    }
                    if b == UInt8(ascii: "#") {
                        var j = i + 1
                        while j < n && isSpace(s[j]) { j += 1 }
                        var k = j
                        while k < n && isIdent(s[k]) { k += 1 }
                        var directive = false
                        for d in cppDirectives where equals(s, j, k, d) { directive = true; break }
                        if directive { hasCode = true; i = k; continue }
                    }
                }
            }

            // Plain code bytes: run to the next byte that may start something.
            if table[Int(b)] == 0 {
                hasCode = true
                i += 1
                while i < n && table[Int(s[i])] < 2 { i += 1 }
                continue
            }

            // Comments.
            if syn.slash && b == UInt8(ascii: "/") {
                let next = byte(s, i + 1)
                if next == UInt8(ascii: "/") { state = .lineComment; hasComment = true; i += 2; continue }
                if next == UInt8(ascii: "*") {
                    state = .block; blockOpen = [0x2F, 0x2A]; blockClose = [0x2A, 0x2F]; blockNests = syn.nested
                    depth = 1; hasComment = true; i += 2; continue
                }
            }
            if syn.hash && b == UInt8(ascii: "#") { state = .lineComment; hasComment = true; i += 1; continue }
            if syn.dashDash && b == UInt8(ascii: "-") && byte(s, i + 1) == UInt8(ascii: "-") {
                state = .lineComment; hasComment = true; i += 2; continue
            }
            if syn.asmMarkers && (b == 0x3B || b == 0x40 || b == 0x7C || b == 0x21 || b == 0x23) {  // ; @ | ! #
                state = .lineComment; hasComment = true; i += 1; continue
            }
            if (syn.ocaml || syn.pascal) && b == UInt8(ascii: "(") && byte(s, i + 1) == UInt8(ascii: "*") {
                state = .block; blockOpen = Array("(*".utf8); blockClose = Array("*)".utf8); blockNests = syn.ocaml
                depth = 1; hasComment = true; i += 2; continue
            }
            if syn.pascal && b == UInt8(ascii: "{") {
                state = .block; blockOpen = [0x7B]; blockClose = [0x7D]; blockNests = false
                depth = 1; hasComment = true; i += 1; continue
            }
            if syn.html && b == UInt8(ascii: "<") && matches(s, i, Array("<!--".utf8)) {
                state = .block; blockOpen = []; blockClose = Array("-->".utf8); blockNests = false
                depth = 1; hasComment = true; i += 4; continue
            }

            // Strings.
            if syn.strings != .none {
                func open(_ delim: UInt8, escapes: Bool, multiline: Bool, doubled: Bool = false, skip: Int = 1) {
                    state = .string; strDelim = delim; strClose = []; strEscapes = escapes
                    strMultiline = multiline; strDoubled = doubled; strStart = i + skip
                }
                func openSeq(_ close: [UInt8], escapes: Bool, doc: Bool = false) {
                    state = doc ? .doc : .string; strClose = close; strEscapes = escapes; strMultiline = true
                    strDoubled = false
                }
                let dq = UInt8(ascii: "\""), sq = UInt8(ascii: "'")
                let tripleDQ = b == dq && byte(s, i + 1) == dq && byte(s, i + 2) == dq
                switch syn.strings {
                case .none: break
                case .c, .cpp:
                    if b == dq { hasCode = true; open(dq, escapes: true, multiline: false); i += 1; continue }
                    if b == sq {
                        hasCode = true
                        if syn.strings == .cpp && isIdent(byte(s, i - 1)) { i += 1; continue }  // 1'000'000
                        open(sq, escapes: true, multiline: false); i += 1; continue
                    }
                case .java:
                    if tripleDQ { hasCode = true; openSeq([dq, dq, dq], escapes: true); i += 3; continue }
                    if b == dq || b == sq { hasCode = true; open(b, escapes: true, multiline: false); i += 1; continue }
                case .csharp:
                    if tripleDQ {
                        var q = 0
                        while byte(s, i + q) == dq { q += 1 }
                        hasCode = true; openSeq(Array(repeating: dq, count: q), escapes: false); i += q; continue
                    }
                    if b == UInt8(ascii: "@") && byte(s, i + 1) == dq {
                        hasCode = true; open(dq, escapes: false, multiline: true, doubled: true, skip: 2); i += 2; continue
                    }
                    if (b == UInt8(ascii: "$") && byte(s, i + 1) == UInt8(ascii: "@") && byte(s, i + 2) == dq)
                        || (b == UInt8(ascii: "@") && byte(s, i + 1) == UInt8(ascii: "$") && byte(s, i + 2) == dq)
                    {
                        hasCode = true; open(dq, escapes: false, multiline: true, doubled: true, skip: 3); i += 3; continue
                    }
                    if b == dq || b == sq { hasCode = true; open(b, escapes: true, multiline: false); i += 1; continue }
                case .go:
                    if b == UInt8(ascii: "`") { hasCode = true; open(b, escapes: false, multiline: true); i += 1; continue }
                    if b == dq || b == sq { hasCode = true; open(b, escapes: true, multiline: false); i += 1; continue }
                case .swift:
                    if b == UInt8(ascii: "#") {
                        var h = 0
                        while byte(s, i + h) == UInt8(ascii: "#") { h += 1 }
                        if byte(s, i + h) == dq {
                            let hashes = Array(repeating: UInt8(ascii: "#"), count: h)
                            let multi = byte(s, i + h + 1) == dq && byte(s, i + h + 2) == dq
                            hasCode = true
                            openSeq((multi ? [dq, dq, dq] : [dq]) + hashes, escapes: false)
                            i += h + (multi ? 3 : 1); continue
                        }
                    }
                    if tripleDQ { hasCode = true; openSeq([dq, dq, dq], escapes: true); i += 3; continue }
                    if b == dq { hasCode = true; open(dq, escapes: true, multiline: false); i += 1; continue }
                case .python:
                    if tripleDQ || (b == sq && byte(s, i + 1) == sq && byte(s, i + 2) == sq) {
                        // Triple-quoted strings count as comments (docstrings), as cloc counts them.
                        hasComment = true; openSeq([b, b, b], escapes: true, doc: true); i += 3; continue
                    }
                    if b == dq || b == sq { hasCode = true; open(b, escapes: true, multiline: false); i += 1; continue }
                case .rust, .ocaml, .ada:
                    if b == dq {
                        hasCode = true
                        if syn.strings == .ada {
                            open(dq, escapes: false, multiline: false, doubled: true)
                        } else {
                            open(dq, escapes: true, multiline: true)
                        }
                        i += 1; continue
                    }
                    if b == sq {
                        // A character literal ('x', '\n', '"') or a lifetime / type variable / attribute ('a, X'Length).
                        hasCode = true
                        let c1 = byte(s, i + 1)
                        if c1 == 0x5C && syn.strings != .ada {
                            open(sq, escapes: true, multiline: false); i += 1; continue
                        }
                        let len = utf8Length(c1)
                        if c1 != nl && byte(s, i + 1 + len) == sq { i += 2 + len; continue }
                        i += 1; continue
                    }
                    if syn.strings == .ocaml && b == UInt8(ascii: "{") && byte(s, i + 1) == UInt8(ascii: "|") {
                        hasCode = true; openSeq(Array("|}".utf8), escapes: false); i += 2; continue
                    }
                case .pascal:
                    if b == sq { hasCode = true; open(sq, escapes: false, multiline: false, doubled: true); i += 1; continue }
                }
            }

            // Identifiers: raw string prefixes, unsafe escapes, C++ evidence.
            if isIdentStart(b) && !isIdent(byte(s, i - 1)) && (syn.watch != .none || syn.strings == .rust || syn.strings == .cpp) {
                var j = i + 1
                while j < n && isIdent(s[j]) { j += 1 }
                hasCode = true
                let next = byte(s, j)
                if syn.strings == .rust && (equals(s, i, j, "r") || equals(s, i, j, "br") || equals(s, i, j, "cr"))
                    && (next == UInt8(ascii: "\"") || next == UInt8(ascii: "#"))
                {
                    var h = 0
                    while byte(s, j + h) == UInt8(ascii: "#") { h += 1 }
                    if byte(s, j + h) == UInt8(ascii: "\"") {
                        state = .string; strClose = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "#"), count: h)
                        strEscapes = false; strMultiline = true; strDoubled = false
                        i = j + h + 1; continue
                    }
                }
                if syn.strings == .cpp && next == UInt8(ascii: "\"")
                    && (equals(s, i, j, "R") || equals(s, i, j, "u8R") || equals(s, i, j, "uR") || equals(s, i, j, "UR") || equals(s, i, j, "LR"))
                {
                    var k = j + 1
                    while k < n && k - j <= 17 && s[k] != UInt8(ascii: "(") && s[k] != nl { k += 1 }
                    if byte(s, k) == UInt8(ascii: "(") {
                        var close: [UInt8] = [UInt8(ascii: ")")]
                        var d = j + 1
                        while d < k { close.append(s[d]); d += 1 }
                        close.append(UInt8(ascii: "\""))
                        state = .string; strClose = close; strEscapes = false; strMultiline = true; strDoubled = false
                        i = k + 1; continue
                    }
                }
                switch syn.watch {
                case .none: break
                case .rust:
                    if equals(s, i, j, "unsafe") {
                        let k = skipSpace(s, j)
                        var e = k
                        while e < n && isIdent(s[e]) { e += 1 }
                        if byte(s, k) == UInt8(ascii: "{") {
                            unsafeUse("block", &result)
                        } else if equals(s, k, e, "fn") {
                            unsafeUse("fn", &result)
                        } else if equals(s, k, e, "impl") {
                            unsafeUse("impl", &result)
                        } else if equals(s, k, e, "trait") {
                            unsafeUse("trait", &result)
                        } else if equals(s, k, e, "extern") {
                            unsafeUse("extern", &result)
                        } else {
                            unsafeUse("other", &result)
                        }
                    }
                case .go:
                    if equals(s, i, j, "unsafe") && byte(s, skipSpace(s, j)) == UInt8(ascii: ".") {
                        unsafeUse("unsafe.", &result)
                    } else if equals(s, i, j, "import") {
                        goImportPending = true
                        if byte(s, skipSpace(s, j)) == UInt8(ascii: "(") { goImportBlock = true }
                    }
                case .swift:
                    if equals(s, i, j, "unsafe") || matches(s, i, Array("Unsafe".utf8))
                        || (j - i > 6 && matches(s, i, Array("unsafe".utf8)))
                        || matches(s, i, Array("withUnsafe".utf8))
                    {
                        unsafeUse(string(s, i, j), &result)
                    }
                case .csharp:
                    if equals(s, i, j, "unsafe") { unsafeUse("unsafe", &result) }
                case .header:
                    for w in cppWords where equals(s, i, j, w) { result.cppEvidence += 1; break }
                }
                i = j
                continue
            }
            if syn.watch == .go && goImportBlock && b == UInt8(ascii: ")") { goImportBlock = false; goImportPending = false }
            if syn.watch == .header && b == UInt8(ascii: ":") && byte(s, i + 1) == UInt8(ascii: ":") {
                result.cppEvidence += 1; hasCode = true; i += 2; continue
            }
            hasCode = true
            i += 1
        }
        return result
    }

    /// Byte classes in code state: 0 plain code, 1 whitespace, 2 may start a comment, string,
    /// identifier of interest, or ends the line.
    static func table(for syn: Syntax) -> [UInt8] {
        var t = [UInt8](repeating: 0, count: 256)
        for w in [0x20, 0x09, 0x0D, 0x0C, 0x0B] { t[w] = 1 }
        t[Int(nl)] = 2
        func special(_ chars: String) { for c in chars.utf8 { t[Int(c)] = 2 } }
        if syn.allCode { return t }
        if syn.slash { special("/") }
        if syn.hash { special("#") }
        if syn.dashDash { special("-") }
        if syn.asmMarkers { special(";@|!#*") }
        if syn.ocaml { special("({") }
        if syn.pascal { special("({") }
        if syn.html { special("<") }
        switch syn.strings {
        case .none: break
        case .c, .cpp, .java, .python, .rust, .ocaml, .ada, .pascal: special("\"'")
        case .go: special("\"'`")
        case .csharp: special("\"'@$")
        case .swift: special("\"#")
        }
        if syn.watch != .none || syn.strings == .rust || syn.strings == .cpp {
            special("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
        }
        if syn.watch == .header { special(":") }
        if syn.watch == .go { special(")") }
        return t
    }

    private static func podEndBytes(_ marker: StaticString) -> [UInt8] {
        var out: [UInt8] = []
        marker.withUTF8Buffer { out = Array($0) }
        return out
    }
}
