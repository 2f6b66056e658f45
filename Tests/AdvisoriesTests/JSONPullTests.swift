import Formats
import Foundation
import Testing

@testable import Advisories
@testable import HostInspection

/// JSONPull on hostile input: RFC 8259 syntax, UTF-8, depth, escapes, numbers, error paths, and
/// agreement with Foundation's JSONSerialization on what must be accepted.
enum Pull {
    /// Validates a whole document (skipValue + end); nil when it is accepted.
    static func check(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONPull.Failure? {
        let s = bytes.span
        var r = JSONPull(maxDepth: maxDepth)
        do throws(JSONPull.Failure) {
            r.skipByteOrderMark(s)
            try r.skipValue(s)
            try r.end(s)
            return nil
        } catch {
            return error
        }
    }

    static func check(_ text: String, maxDepth: Int = 64) -> JSONPull.Failure? { check(Array(text.utf8), maxDepth: maxDepth) }

    /// The single string value of `["…"]`, escapes decoded.
    static func string(_ json: String) throws -> String { try string(Array(json.utf8)) }

    static func string(_ bytes: [UInt8]) throws -> String {
        let s = bytes.span
        var r = JSONPull()
        var c = try r.beginArray(s)
        guard try r.nextElement(s, &c) else { throw JSONPull.Failure(kind: .missing, offset: 0, path: "", message: "empty") }
        let v = try r.string(s)
        guard try !r.nextElement(s, &c) else { throw JSONPull.Failure(kind: .syntax, offset: 0, path: "", message: "more") }
        try r.end(s)
        return v
    }

    /// The single number of `[…]`.
    static func number(_ json: String) throws -> Double? {
        let bytes = Array(json.utf8)
        let s = bytes.span
        var r = JSONPull()
        var c = try r.beginArray(s)
        _ = try r.nextElement(s, &c)
        let v = try r.optionalNumber(s)
        _ = try r.nextElement(s, &c)
        try r.end(s)
        return v
    }

    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// `"` + bytes + `"` inside an array.
    static func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x5B, 0x22] + bytes + [0x22, 0x5D] }
}

@Suite struct JSONPullSyntaxTests {
    /// Every class of RFC 8259 violation, with the byte where it must be reported.
    static let invalid: [(String, Int)] = [
        // trailing commas (Foundation's JSONSerialization accepts these two; RFC 8259 does not)
        ("[1,]", 3), ("{\"a\":1,}", 7), ("[1,2,]", 5),
        // missing colon, missing value, bad keys
        ("{\"a\" 1}", 5), ("{\"a\"}", 4), ("{\"a\":}", 5), ("{1:2}", 1), ("{'a':1}", 1), ("{a:1}", 1),
        // missing or doubled commas
        ("[1 2]", 3), ("{\"a\":1 \"b\":2}", 7), ("[1,,2]", 3), ("[,1]", 1),
        // bare words and non-JSON literals
        ("[tru]", 1), ("[nul]", 1), ("[fals]", 1), ("[True]", 1), ("[NULL]", 1), ("undefined", 0), ("[NaN]", 1),
        ("[Infinity]", 1), ("[-Infinity]", 1), ("['a']", 1), ("/* c */ []", 0), ("0x10", 1),
        // numbers
        ("[01]", 2), ("[-01]", 3), ("[00]", 2), ("[1.]", 1), ("[-]", 1), ("-", 0), ("[.5]", 1), ("[+1]", 1), ("[1e]", 1),
        ("[1e+]", 1), ("[1.e5]", 1), ("[- 1]", 1), ("[1.5.5]", 4),
        // unterminated
        ("\"abc", 0), ("[\"abc]", 1), ("{\"a\":1", 6), ("{\"a\"", 4), ("[1,2", 4), ("[", 1), ("{", 1), ("{\"a\":", 5), ("", 0), (" ", 1),
        // bad escapes and \u (an escape that runs off the end is an unterminated string, reported at its quote)
        ("[\"\\x\"]", 2), ("[\"\\'\"]", 2), ("[\"\\u12\"]", 2), ("[\"\\u12G4\"]", 2), ("[\"\\U0041\"]", 2), ("[\"\\", 1),
        ("[\"\\u\"]", 2), ("[\"abc\\\"]", 1),
        // content after the document
        ("[1] x", 4), ("{} {}", 3), ("[1][2]", 3), ("1 2", 2), ("null,", 4),
    ]

    @Test(arguments: invalid)
    func violationIsSyntaxErrorAtItsByte(_ doc: String, _ offset: Int) throws {
        let f = try #require(Pull.check(doc), "accepted: \(doc.debugDescription)")
        #expect(f.kind == .syntax, "\(doc.debugDescription): \(f.description)")
        #expect(f.offset == offset, "\(doc.debugDescription): \(f.description)")
        #expect(f.description.hasPrefix("invalid JSON at byte \(offset)"))
    }

    @Test func foundationAlsoRejectsAllButTheTrailingCommas() {
        // A cross-check of the table itself: what Foundation refuses too cannot be a mistake of the table.
        for (doc, _) in Self.invalid where !doc.contains(",]") && !doc.contains(",}") {
            #expect(!Pull.foundationAccepts(Array(doc.utf8)), "Foundation accepts \(doc.debugDescription)")
        }
        // Foundation is lenient about trailing commas; JSONPull is not.
        #expect(Pull.foundationAccepts(Array("[1,]".utf8)))
        #expect(Pull.check("[1,]") != nil)
    }

    @Test(arguments: [UInt8](0x00...0x1F))
    func rawControlCharacterInStringIsRefused(_ c: UInt8) throws {
        let doc = Pull.quoted([0x61, c, 0x62])
        let f = try #require(Pull.check(doc))
        #expect(f.kind == .syntax)
        #expect(f.offset == 3)
        #expect(f.message.contains("control character"))
        #expect(!Pull.foundationAccepts(doc))
    }

    @Test func controlCharacterInKeyIsRefused() throws {
        let f = try #require(Pull.check([0x7B, 0x22, 0x61, 0x0A, 0x22, 0x3A, 0x31, 0x7D]))
        #expect(f.kind == .syntax && f.offset == 3)
    }

    @Test func byteOrderMarkOnlyAtTheStart() throws {
        #expect(Pull.check([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8)) == nil)
        let f = try #require(Pull.check(Array("[1,".utf8) + [0xEF, 0xBB, 0xBF] + Array("2]".utf8)))
        #expect(f.kind == .syntax && f.offset == 3)
        // Without skipByteOrderMark a reader refuses it like any other stray byte.
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0x5B, 0x5D]
        var r = JSONPull()
        #expect(throws: JSONPull.Failure.self) { try r.skipValue(bytes.span) }
    }

    @Test func wrongTypeIsATypeErrorNotASyntaxError() throws {
        let bytes = Array("{\"a\": [1]}".utf8)
        let s = bytes.span
        var r = JSONPull()
        var o = try r.beginObject(s)
        _ = try r.nextKey(s, &o)
        do {
            _ = try r.string(s)
            Issue.record("an array read as a string")
        } catch {
            #expect(error.kind == .type)
            #expect(error.message == "wrong type at a: expected a string, found an array")
        }
    }
}

@Suite struct JSONPullUTF8Tests {
    static let invalidSequences: [(String, [UInt8])] = [
        ("overlong 2-byte '/'", [0xC0, 0xAF]),
        ("overlong 2-byte U+007F", [0xC1, 0xBF]),
        ("overlong 3-byte '/'", [0xE0, 0x80, 0xAF]),
        ("overlong 3-byte U+07FF", [0xE0, 0x9F, 0xBF]),
        ("overlong 4-byte '/'", [0xF0, 0x80, 0x80, 0xAF]),
        ("overlong 4-byte U+FFFF", [0xF0, 0x8F, 0xBF, 0xBF]),
        ("surrogate U+D800", [0xED, 0xA0, 0x80]),
        ("surrogate U+DB7F", [0xED, 0xAD, 0xBF]),
        ("surrogate U+DC00", [0xED, 0xB0, 0x80]),
        ("surrogate U+DFFF", [0xED, 0xBF, 0xBF]),
        ("surrogate pair encoded as two 3-byte forms", [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
        ("U+110000", [0xF4, 0x90, 0x80, 0x80]),
        ("F5 lead", [0xF5, 0x80, 0x80, 0x80]),
        ("F7 lead", [0xF7, 0xBF, 0xBF, 0xBF]),
        ("5-byte form", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ("6-byte form", [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80]),
        ("FE", [0xFE]),
        ("FF", [0xFF]),
        ("truncated 2-byte", [0xC3]),
        ("truncated 3-byte", [0xE2, 0x82]),
        ("truncated 4-byte", [0xF0, 0x9F, 0x98]),
        ("lead then ASCII", [0xE2, 0x41, 0x41]),
        ("stray continuation 80", [0x80]),
        ("stray continuation BF", [0xBF]),
        ("extra continuation after é", [0xC3, 0xA9, 0xA9]),
    ]

    @Test(arguments: invalidSequences)
    func invalidSequenceInAStringIsUTF8Error(_ name: String, _ seq: [UInt8]) throws {
        let doc = Pull.quoted([0x61] + seq + [0x62])
        let f = try #require(Pull.check(doc), "\(name) accepted")
        #expect(f.kind == .utf8, "\(name): \(f.description)")
        #expect(f.offset >= 3 && f.offset < 3 + seq.count, "\(name): \(f.offset)")
        #expect(f.description.contains("not valid UTF-8"))
        #expect(!Pull.foundationAccepts(doc), "\(name): Foundation accepts it")
    }

    @Test(arguments: invalidSequences)
    func invalidSequenceInAKeyIsUTF8Error(_ name: String, _ seq: [UInt8]) throws {
        let doc: [UInt8] = [0x7B, 0x22] + seq + [0x22, 0x3A, 0x31, 0x7D]
        let f = try #require(Pull.check(doc), "\(name) accepted")
        #expect(f.kind == .utf8, "\(name): \(f.description)")
    }

    @Test func truncatedAtTheEndOfInput() throws {
        for tail: [UInt8] in [[0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98]] {
            let f = try #require(Pull.check([0x22] + tail))
            #expect(f.kind == .utf8)
        }
    }

    @Test func boundaryScalarsAreAcceptedAndKept() throws {
        let cases: [([UInt8], UInt32)] = [
            ([0xC2, 0x80], 0x80), ([0xDF, 0xBF], 0x7FF), ([0xE0, 0xA0, 0x80], 0x800), ([0xED, 0x9F, 0xBF], 0xD7FF),
            ([0xEE, 0x80, 0x80], 0xE000), ([0xEF, 0xBF, 0xBF], 0xFFFF), ([0xF0, 0x90, 0x80, 0x80], 0x10000),
            ([0xF4, 0x8F, 0xBF, 0xBF], 0x10FFFF),
        ]
        for (seq, scalar) in cases {
            let v = try Pull.string(Pull.quoted(seq))
            #expect(v.unicodeScalars.map(\.value) == [scalar], "\(seq)")
            #expect(Pull.foundationAccepts(Pull.quoted(seq)))
        }
    }

    @Test func invalidUTF8OutsideStringsIsASyntaxError() throws {
        let f = try #require(Pull.check([0x5B, 0xFF, 0x5D]))
        #expect(f.kind == .syntax && f.offset == 1)
        #expect(f.message.contains("\\xff"))
    }
}

@Suite struct JSONPullDepthTests {
    @Test func hundredThousandOpenBracketsStopAtMaxDepth() throws {
        let f = try #require(Pull.check([UInt8](repeating: UInt8(ascii: "["), count: 100_000)))
        #expect(f.kind == .depth)
        #expect(f.offset == 64)
        #expect(f.description.contains("nesting deeper than 64"))
    }

    @Test func hundredThousandNestedObjects() throws {
        let f = try #require(Pull.check(String(repeating: "{\"a\":", count: 100_000)))
        #expect(f.kind == .depth)
    }

    @Test func exactlyMaxDepthIsAccepted() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(Pull.check(ok) == nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(Pull.check(deep)?.kind == .depth)
        #expect(Pull.check("[[[1]]]", maxDepth: 3) == nil)
        #expect(Pull.check("[[[[1]]]]", maxDepth: 3)?.kind == .depth)
        #expect(Pull.check("{\"a\":{\"b\":{\"c\":{}}}}", maxDepth: 3)?.kind == .depth)
    }

    @Test func depthIsRestoredAfterEachContainer() {
        // 10,000 siblings at depth 2: depth goes up and down, never accumulates.
        let doc = "[" + Array(repeating: "[[]]", count: 10_000).joined(separator: ",") + "]"
        #expect(Pull.check(doc, maxDepth: 3) == nil)
    }
}

@Suite struct JSONPullEscapeTests {
    @Test func shortEscapes() throws {
        #expect(try Pull.string(#"["\n\t\"\\\/\b\f\r"]"#) == "\n\t\"\\/\u{08}\u{0C}\r")
        #expect(try Pull.string(#"["a\/b"]"#) == "a/b")
        #expect(try Pull.string(#"["\\n"]"#) == "\\n")
        #expect(try Pull.string(#"["plain"]"#) == "plain")
        #expect(try Pull.string(#"[""]"#) == "")
    }

    @Test func unicodeEscapes() throws {
        #expect(try Pull.string(#"["\u00e9"]"#) == "é")
        #expect(try Pull.string(#"["\u00E9t\u00C9"]"#) == "étÉ")
        #expect(try Pull.string(#"["\u0041\u0000B"]"#) == "A\u{0}B")
        #expect(try Pull.string(#"["\u20ac"]"#) == "€")
        #expect(try Pull.string(#"["\uFFFF"]"#).unicodeScalars.map(\.value) == [0xFFFF])
    }

    @Test func surrogatePairIsOneScalar() throws {
        let v = try Pull.string(#"["\ud83d\ude00"]"#)
        #expect(v == "😀")
        #expect(v.unicodeScalars.count == 1)
        #expect(v.unicodeScalars.first?.value == 0x1F600)
        #expect(try Pull.string(#"["\uD800\uDC00"]"#).unicodeScalars.map(\.value) == [0x10000])
        #expect(try Pull.string(#"["\uDBFF\uDFFF"]"#).unicodeScalars.map(\.value) == [0x10FFFF])
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try Pull.string(#"["\ud83d"]"#) == "\u{FFFD}")
        #expect(try Pull.string(#"["\ude00"]"#) == "\u{FFFD}")
        #expect(try Pull.string(#"["x\ud83dy"]"#) == "x\u{FFFD}y")
        #expect(try Pull.string(#"["\ud83d\u0041"]"#) == "\u{FFFD}A")
        #expect(try Pull.string(#"["\ude00\ud83d"]"#) == "\u{FFFD}\u{FFFD}")
        #expect(try Pull.string(#"["\ud83d\ud83d\ude00"]"#) == "\u{FFFD}😀")
        #expect(try Pull.string(#"["\ud83d\n"]"#) == "\u{FFFD}\n")
    }

    @Test func escapesAgreeWithFoundation() throws {
        for doc in [#"["\n\t\"\\\/\b\f\r"]"#, #"["\u00e9\u20AC"]"#, #"["\ud83d\ude00 and \uD834\uDD1E"]"#, #"["é€😀"]"#] {
            let theirs = try #require(try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String])
            #expect(try Pull.string(doc) == theirs.first, "\(doc)")
        }
    }
}

@Suite struct JSONPullNumberTests {
    @Test func numbers() throws {
        #expect(try Pull.number("[0]") == 0)
        #expect(try Pull.number("[-0]") == 0)
        #expect(try Pull.number("[0.5]") == 0.5)
        #expect(try Pull.number("[-2.5]") == -2.5)
        #expect(try Pull.number("[7.5]") == 7.5)
        #expect(try Pull.number("[1e3]") == 1000)
        #expect(try Pull.number("[1E+2]") == 100)
        #expect(try Pull.number("[-2.5E-2]") == -0.025)
        #expect(try Pull.number("[10e-1]") == 1)
        #expect(try Pull.number("[123456789]") == 123_456_789)
        #expect(try Pull.number("[null]") == nil)
    }

    @Test func outOfRangeIsRefusedNotInfinity() throws {
        do {
            _ = try Pull.number("[1e400]")
            Issue.record("1e400 accepted")
        } catch let e as JSONPull.Failure {
            #expect(e.kind == .type)
            #expect(e.message.contains("out of range"))
        }
        #expect(try Pull.number("[-1e-400]") == 0)  // underflow to zero is harmless
    }

    @Test func numberOfTheWrongType() throws {
        for doc in ["[\"1\"]", "[true]", "[[1]]", "[{}]"] {
            do {
                _ = try Pull.number(doc)
                Issue.record("\(doc) read as a number")
            } catch let e as JSONPull.Failure {
                #expect(e.kind == .type, "\(doc)")
            }
        }
    }

    @Test func valuesOfEveryKindAreSkipped() {
        let doc = #"{"n":[0,-0,0.5,-1.25e+10,1E-3,12345678901234567890123],"s":"x\u0041","b":[true,false],"z":null,"o":{"":{}},"a":[[],{}]}"#
        #expect(Pull.check(doc) == nil)
        #expect(Pull.foundationAccepts(Array(doc.utf8)))
    }
}

@Suite struct JSONPullPathTests {
    static let doc = Array(#"{"a": {"x": 1, "b": [1, 2, {"c": "text", "d": 4}]}}"#.utf8)

    /// Walks to a.b[2] and positions on the value of `key`.
    static func walk(_ s: Span<UInt8>, _ r: inout JSONPull, to key: String) throws {
        var o = try r.beginObject(s)
        _ = try r.nextKey(s, &o)  // a
        var o2 = try r.beginObject(s)
        while let k = try r.nextKey(s, &o2) {
            if JSONPull.key(s, k, is: "b") { break }
            try r.skipValue(s)
        }
        var arr = try r.beginArray(s)
        for _ in 0..<2 {
            _ = try r.nextElement(s, &arr)
            try r.skipValue(s)
        }
        _ = try r.nextElement(s, &arr)
        var o3 = try r.beginObject(s)
        while let k = try r.nextKey(s, &o3) {
            if JSONPull.key(s, k, is: key) { return }
            try r.skipValue(s)
        }
    }

    @Test func typeErrorNamesKeysAndIndices() throws {
        let s = Self.doc.span
        var r = JSONPull()
        try Self.walk(s, &r, to: "c")
        do {
            _ = try r.optionalNumber(s)
            Issue.record("a string read as a number")
        } catch {
            #expect(error.path == "a.b[2].c")
            #expect(error.message == "wrong type at a.b[2].c: expected a number, found a string")
        }
    }

    @Test func missingFieldNamesItsParent() throws {
        let bytes = Array(#"{"a": {"x": 1, "b": [1, 2, {"c": "text", "d": 4}]}}"#.utf8)
        let s = bytes.span
        var r = JSONPull()
        try Self.walk(s, &r, to: "d")
        _ = try r.optionalNumber(s)
        // Called once the object is closed (as the decoders do): the missing key is named below its parent.
        var o = JSONPull.Container()
        #expect(try r.nextKey(s, &o) == nil)
        let f = r.missing(s, "e")
        #expect(f.kind == .missing)
        #expect(f.message == "missing field a.b[2].e")
        // Bulkhead's one error shape: the sentence, then the code.
        #expect(f.description == "missing field a.b[2].e [json.missing]")
    }

    @Test func syntaxErrorCarriesThePath() throws {
        let f = try #require(Pull.check(#"{"a": {"b": [1, 2, {"c": tru}]}}"#))
        #expect(f.kind == .syntax)
        #expect(f.path == "a.b[2].c")
        #expect(f.message == "invalid JSON at byte 25 (in a.b[2].c): unknown literal")
    }

    @Test func utf8ErrorCarriesThePath() throws {
        let f = try #require(Pull.check(Array(#"{"list": ["ok", ""#.utf8) + [0xC0, 0x80] + Array(#""]}"#.utf8)))
        #expect(f.kind == .utf8)
        #expect(f.path == "list[1]")
        #expect(f.message == "not valid UTF-8 at byte 17 (in list[1]); file skipped")
    }

    @Test func recoveringSkipsABadElementAndKeepsTheOthers() throws {
        let bytes = Array(#"[{"id": "A"}, {"id": 42, "x": [1, {"y": 2}]}, {"id": "C"}]"#.utf8)
        let s = bytes.span
        var r = JSONPull()
        var got: [Result<String, JSONPull.Failure>] = []
        var c = try r.beginArray(s)
        while try r.nextElement(s, &c) {
            got.append(
                try r.recovering(s) { (r: inout JSONPull) throws(JSONPull.Failure) -> String in
                    var id: String?
                    var o = try r.beginObject(s)
                    while let k = try r.nextKey(s, &o) {
                        if JSONPull.key(s, k, is: "id") { id = try r.string(s) } else { try r.skipValue(s) }
                    }
                    guard let id else { throw r.missing(s, "id") }
                    return id
                })
        }
        try r.end(s)
        #expect(got.count == 3)
        #expect((try? got[0].get()) == "A")
        #expect((try? got[2].get()) == "C")
        guard case .failure(let f) = got[1] else {
            Issue.record("element 1 must fail")
            return
        }
        #expect(f.message == "wrong type at [1].id: expected a string, found a number")
    }

    @Test func recoveringDoesNotHideSyntaxErrors() throws {
        let bytes = Array(#"[{"id": 42, "x": [1,,2]}, {"id": "C"}]"#.utf8)
        let s = bytes.span
        var r = JSONPull()
        var c = try r.beginArray(s)
        _ = try r.nextElement(s, &c)
        do {
            _ = try r.recovering(s) { (r: inout JSONPull) throws(JSONPull.Failure) -> String in
                var o = try r.beginObject(s)
                _ = try r.nextKey(s, &o)
                return try r.string(s)
            }
            Issue.record("a syntax error inside a tolerated element was hidden")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.offset == 20)
        }
    }
}

@Suite struct JSONPullAgreementTests {
    /// Every fixture file: JSONPull and Foundation's JSONSerialization accept the same ones.
    @Test func everyFixtureFileAgreesWithFoundation() throws {
        var checked = 0
        var accepted = 0
        let root = Fixture.root
        let walker = FileManager.default.enumerator(atPath: root)
        while let rel = walker?.nextObject() as? String {
            guard rel.hasSuffix(".json") else { continue }
            let bytes = Array(try Fixture.data(rel))
            let mine = Pull.check(bytes)
            let theirs = Pull.foundationAccepts(bytes)
            #expect((mine == nil) == theirs, "\(rel): JSONPull \(mine?.description ?? "accepts"), Foundation \(theirs ? "accepts" : "rejects")")
            checked += 1
            if mine == nil { accepted += 1 }
        }
        // 21 CVE 5 + 2 kernel CVE 5 (cve5-kernel) + 31 OSV + 10 NVD + 2 KEV + 1 tracker + 4 distribution (3 CSAF, 1 Ubuntu
        // OSV) + 7 malformed (of which invalid-utf8 and truncated are refused).
        #expect(checked == 78)
        #expect(accepted == 76)
    }

    /// Documents built from each valid fixture by re-serialising it (other whitespace, key order, escapes).
    @Test func reserialisedFixturesAreAccepted() throws {
        for dir in ["cve5", "osv", "nvd2"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir)) where f.hasSuffix(".json") {
                let obj = try JSONSerialization.jsonObject(with: try Fixture.data(dir + "/" + f))
                for opts: JSONSerialization.WritingOptions in [[], [.prettyPrinted, .sortedKeys], [.withoutEscapingSlashes]] {
                    let out = Array(try JSONSerialization.data(withJSONObject: obj, options: opts))
                    #expect(Pull.check(out) == nil, "\(dir)/\(f) \(opts)")
                }
            }
        }
    }

    @Test func validEdgeDocumentsAreAcceptedByBoth() {
        let docs = [
            "0", "-0", "1.5e-7", "\"\"", "null", "true", "false", "[]", "{}", " \t\r\n[ ]\n", "[[[]]]", "{\"\":\"\"}",
            "{\"a\":{\"a\":{\"a\":[null,true,false,-1,\"\\u0000\"]}}}", "[\"\\ud83d\\ude00\"]", "{\"a\":1,\"a\":2}",
            "[1E2,1e-2,0.0,-0.0e0]", "\"\u{7F}\"", "[\"é€😀\"]",
        ]
        for d in docs {
            #expect(Pull.check(d) == nil, "\(d.debugDescription): \(Pull.check(d)?.description ?? "")")
            #expect(Pull.foundationAccepts(Array(d.utf8)), "\(d.debugDescription)")
        }
    }
}
