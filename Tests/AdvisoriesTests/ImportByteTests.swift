import Formats
import Foundation
import Testing

@testable import Advisories

/// The byte-level matchers and the reader of the import's per-record path give the answers of the
/// string operations they replaced, on the real fixtures and on the edge cases (case, non-ASCII, ends).
@Suite struct ImportByteMatchTests {
    /// Every summary and every string field of the fixture records, plus edge cases.
    static var texts: [String] {
        var out: [String] = []
        for dir in ["cve5", "cve5-kernel", "osv", "nvd2"] {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: Fixture.path(dir))) ?? []).filter { $0.hasSuffix(".json") }
            for f in files.sorted() {
                for a in (try? Fixture.parse(dir + "/" + f).advisories) ?? [] {
                    out.append(a.summary)
                    out += a.severities.compactMap(\.rating) + a.severities.map(\.source)
                    out += a.affected.compactMap(\.vendor) + a.affected.compactMap(\.product)
                }
            }
        }
        return out + edgeCases
    }

    static let edgeCases = [
        "", "o", "ou", "Use-After-Free in the parser", "USE AFTER FREE", "a heap overflow", "heap-overflow",
        "buffer overflow then out-of-bounds read",  // the earlier keyword in the list wins, wherever it is
        "double free and null pointer dereference", "NULL Pointer Dereference.", "memory corruption", "memorycorruption",
        "out\u{2011}of\u{2011}bounds",  // non-breaking hyphens: not the keyword
        "ÜBER out of bounds ü", "out of bound", "out of boundsX", "xout-of-bounds", "stack-based buffer overflo",
        "stack-based buffer overflow", "heap-based buffer overflow", "İstanbul use after free", "\u{212A}EV", "kev", "KEV",
        "Kev ", "REJECTED", "rejected", "Rejected", "reJECTed", "REJECTED ", "ſeverity", "Severity", "CVSS SEVERITY",
        "sévérité", "en", "EN", "en-US", "En_gb", "e", "fr", "ﬀ", "moderate", "Important", "\u{0130}", "ǰ", "straße",
    ]

    /// The answer of the per-byte search `firstKeyword` replaced: each keyword in turn, ASCII letters without case.
    static func reference(_ text: String) -> String? {
        let t = Array(text.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        for k in MemorySafety.keywords {
            let kb = Array(k.utf8)
            guard t.count >= kb.count else { continue }
            for i in 0...(t.count - kb.count) where Array(t[i..<(i + kb.count)]) == kb { return k }
        }
        return nil
    }

    @Test func firstKeywordAgreesWithTheKeywordByKeywordSearch() {
        var found = 0
        for text in Self.texts {
            let k = MemorySafety.firstKeyword(in: text)
            #expect(k == Self.reference(text), "\(text.prefix(120))")
            if k != nil { found += 1 }
        }
        // The fixtures hold records that match by keyword, and the edge cases do too.
        #expect(found >= 10)
        #expect(MemorySafety.firstKeyword(in: "buffer overflow then out-of-bounds read") == "out-of-bounds")
        #expect(MemorySafety.firstKeyword(in: "out\u{2011}of\u{2011}bounds") == nil)
        #expect(MemorySafety.firstKeyword(in: "USE AFTER FREE") == "use after free")
    }

    @Test func caseMappingsAgreeWithFoundation() {
        for s in Self.texts {
            #expect(ASCIICase.upper(s) == s.uppercased(), "\(s.prefix(80))")
            #expect(ASCIICase.uppercased(s, is: "REJECTED") == (s.uppercased() == "REJECTED"), "\(s.prefix(80))")
            #expect(ASCIICase.lowercased(s, is: "kev") == (s.lowercased() == "kev"), "\(s.prefix(80))")
            #expect(ASCIICase.lowercased(s, hasPrefix: "en") == s.lowercased().hasPrefix("en"), "\(s.prefix(80))")
            #expect(ASCIICase.lowercased(s, contains: "severity") == s.lowercased().contains("severity"), "\(s.prefix(80))")
        }
        // Non-ASCII text goes to the full mapping: the Kelvin sign lower-cases to an ASCII k.
        #expect(ASCIICase.lowercased("\u{212A}EV", is: "kev"))
        #expect(ASCIICase.upper("moderate") == "MODERATE")
    }

    @Test func contentHashOfBytesEqualsThatOfData() throws {
        for file in ["cve5/CVE-2021-3682.json", "kev/known_exploited_vulnerabilities.json", "malformed/invalid-utf8.json"] {
            let data = try Fixture.data(file)
            #expect(ContentHash.of([UInt8](data)) == ContentHash.of(data))
        }
        #expect(ContentHash.of([UInt8]()) == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// The body writer's numbers: what `String(Int64(n))` or `"\(n)"` wrote before.
    @Test func bodyNumbersAreWrittenAsBefore() {
        for n in [0.0, -0.0, 1, 9, 10, 99, 100, 416, 1_000_000, 123_456_789_012_345, -5, 7.5, 9.8, 1e15, -1e15, 1e300, .nan, .infinity] {
            var w = JSONWriter()
            w.field("n", number: n)
            let text = n.isFinite ? (n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : "\(n)") : "null"
            #expect(String(decoding: w.bytes, as: UTF8.self) == "\"n\":" + text, "\(n)")
        }
    }

    @Test func parsingBytesEqualsParsingData() throws {
        for file in [
            "cve5/CVE-2024-21626.json", "osv/GHSA-49hh-fprx-m68g.json", "nvd2/CVE-2021-3682.json", "kev/known_exploited_vulnerabilities.json",
            "malformed/invalid-utf8.json", "malformed/truncated.json",
        ] {
            let data = try Fixture.data(file)
            let a = AdvisoryParser.parse(data, file: file)
            let b = AdvisoryParser.parse([UInt8](data), file: file)
            #expect(a.advisories == b.advisories)
            #expect(a.problems == b.problems)
            #expect(a.kev == b.kev)
        }
    }
}

/// `AdvisoryImporter.read`: one file read into an array, with the checks it had.
@Suite struct ImportReadTests {
    @Test func readsAFixtureWholeAndSkipsAnUnchangedOne() throws {
        let path = Fixture.path("cve5/CVE-2024-21626.json")
        let expected = [UInt8](try Fixture.data("cve5/CVE-2024-21626.json"))
        let (bytes, size, mtime) = try AdvisoryImporter.read(path, previous: nil, limit: 1 << 20)
        #expect(bytes == expected)
        #expect(size == Int64(expected.count))
        #expect(mtime > 0)
        let previous = AdvisoryDatabase.FileState(id: 1, size: size, mtime: mtime, contentHash: ContentHash.of(expected), crc32: nil)
        let (again, _, _) = try AdvisoryImporter.read(path, previous: previous, limit: 1 << 20)
        #expect(again == nil)
        // A stored hash from before schema v3: read again.
        var old = previous
        old.contentHash = "xh4:0:0"
        #expect(try AdvisoryImporter.read(path, previous: old, limit: 1 << 20).0 == expected)
    }

    @Test func emptyFilesAndFilesAtTheCapAreRead() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty.json"
        let full = dir + "/full.json"
        try Data().write(to: URL(fileURLWithPath: empty))
        let bytes = [UInt8](repeating: 0x20, count: 70_000)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        #expect(try AdvisoryImporter.read(empty, previous: nil, limit: 10).0 == [])
        #expect(try AdvisoryImporter.read(full, previous: nil, limit: 70_000).0 == bytes)
    }

    @Test func refusesWhatItRefusedBefore() throws {
        let dir = try Fixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func code(_ path: String, limit: Int = 1 << 20) -> AdvisoriesErrorCode? {
            do {
                _ = try AdvisoryImporter.read(path, previous: nil, limit: limit)
                return nil
            } catch { return error.code }
        }
        // Missing, a directory, a FIFO (opened O_NONBLOCK: no hang), over the cap.
        #expect(code(dir + "/missing.json") == .unreadable)
        #expect(code(dir) == .unreadable)
        let fifo = dir + "/fifo.json"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(code(fifo) == .unreadable)
        let big = dir + "/big.json"
        try Data(repeating: 0x20, count: 4097).write(to: URL(fileURLWithPath: big))
        #expect(code(big, limit: 4096) == .tooLarge)
        #expect(code(big, limit: 4097) == nil)
    }
}

/// `JSONPull.optionalRawString`: the checks and failures of `optionalString`, the text left undecoded.
@Suite struct JSONPullRawStringTests {
    static func both(_ json: String) -> (raw: Result<String?, JSONPull.Failure>, text: Result<String?, JSONPull.Failure>) {
        both(bytes: Array(json.utf8))
    }

    static func both(bytes: [UInt8]) -> (raw: Result<String?, JSONPull.Failure>, text: Result<String?, JSONPull.Failure>) {
        let s = bytes.span
        var a = JSONPull()
        var b = JSONPull()
        var raw: Result<String?, JSONPull.Failure>
        do throws(JSONPull.Failure) {
            if let r = try a.optionalRawString(s) { raw = .success(try a.decoded(s, r.range, escaped: r.escaped)) } else { raw = .success(nil) }
            try a.end(s)
        } catch { raw = .failure(error) }
        var text: Result<String?, JSONPull.Failure>
        do throws(JSONPull.Failure) {
            text = .success(try b.optionalString(s))
            try b.end(s)
        } catch { text = .failure(error) }
        return (raw, text)
    }

    @Test func agreesWithOptionalString() {
        let cases = [
            "null", "\"CWE-787 Out-of-bounds Write\"", "\"a\\u00e9\\n\"", "\"\\ud800x\"", "\"\"", "  \"x\"  ", "42", "{}", "[\"a\"]",
            "true", "\"unterminated", "\"bad \\q escape\"", "\"\u{01}\"", "nul",
        ]
        for json in cases {
            let (raw, text) = Self.both(json)
            switch (raw, text) {
            case (.success(let x), .success(let y)): #expect(x == y, "\(json)")
            case (.failure(let x), .failure(let y)): #expect(x.message == y.message, "\(json)")
            default: Issue.record("\(json): \(raw) against \(text)")
            }
        }
        // Not valid UTF-8 inside the string: the same refusal.
        let (raw, text) = Self.both(bytes: Array("\"ab".utf8) + [0xC3, 0x28, 0x22])
        if case .failure(let x) = raw, case .failure(let y) = text {
            #expect(x.message == y.message && x.kind == .utf8)
        } else {
            Issue.record("invalid UTF-8 was not refused: \(raw), \(text)")
        }
    }
}
