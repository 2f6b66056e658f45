import BulkheadTestSupport
import Foundation
import Testing

@testable import Formats

/// Bulkhead's TOML reader against Python's `tomllib` (CPython 3.11+, a strict TOML 1.0 reader): the same
/// documents accepted, the same values, the same documents refused. The corpus: every TOML file in the
/// repository (Kata configurations from upstream, profiles), and documents written for one rule each.
@Suite struct TOMLReaderTests {
    /// Documents tomllib accepts, one TOML 1.0 rule each (the spec's own examples where it has one).
    static let valid: [String] = [
        "a = 1\nb = -2\nc = +3\nd = 1_000\ne = 0xDEAD_beef\nf = 0o755\ng = 0b1101\nh = 0\n",
        "f1 = 1.0\nf2 = -3.1415\nf3 = 5e+22\nf4 = 1e06\nf5 = -2E-2\nf6 = 6.626e-34\nf7 = 224_617.445_991\nf8 = inf\nf9 = -inf\nf10 = nan\n",
        "s = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"\nl = 'C:\\Users\\x'\n",
        "m = \"\"\"\nRoses are red\n  Violets\\tare blue\"\"\"\n",
        "m = \"\"\"\\\n    The quick \\\n    brown fox.\\\n    \"\"\"\n",
        "q = \"\"\"Here are two quotes: \"\". Simple.\"\"\"\nq2 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n",
        "lit = '''\nThe first newline is\ntrimmed in raw strings.\n'''\nl2 = ''''That,' she said, 'is still pointless.''''\n",
        "[server]\nip = \"10.0.0.1\"\n[server.alpha]\nrole = \"frontend\"\n[server.beta]\nrole = \"backend\"\n",
        "[x.y.z.w]\n[x]\na = 1\n",
        "fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n",
        "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = \"pug\" }\nempty = {}\n",
        "a = [ 1, 2, 3, ]\nb = [\n  \"x\", # comment\n  'y'\n]\nc = [ [ 1, 2 ], [\"a\", 'b'], ]\nd = []\ne = [ { x = 1 }, { y = 2 } ]\n",
        "[[products]]\nname = \"Hammer\"\n[[products]]\n[[products]]\nname = \"Nail\"\n[products.meta]\nk = 1\n",
        "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits]]\nname = \"banana\"\n",
        "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\nldt = 1979-05-27T07:32:00\nld = 1979-05-27\nlt = 07:32:00\nlt2 = 00:32:00.999999\nleap = 2024-02-29\n",
        "\"quoted key\" = 1\n'literal key' = 2\nbare_key-1 = 3\n1234 = 4\n\"\" = 5\n",
        "site.\"google.com\" = true\n3.14159 = \"pi\"\n",
        "# only a comment\n\n   \t\n",
        "a = 1 # trailing comment\r\nb = 2\r\n",
        "[a]\nb.c = 1\nb.d = 2\n[a.b.e]\nf = 3\n",
        "[a.b.c]\n[a]\nb.d = 1\n",
        "key = \"value with # not a comment\"\n",
        "bool1 = true\nbool2 = false\n",
    ]

    /// Documents tomllib refuses; each breaks one rule.
    static let invalid: [String] = [
        "[[[testme]]\n",  // toml++ 3.4.0 (TOMLKit) aborted the process on this
        "[[a]\n", "[a]]\n", "[]\n", "[a.]\n", "[.a]\n", "[a..b]\n",
        "a = 1\na = 2\n", "[a]\n[a]\n", "a = 1\n[a]\n", "[a]\nb = 1\n[a.b]\n",
        "a = {b = 1}\n[a]\n", "a = {b = 1}\n[a.c]\n", "a = {b = 1}\na.c = 2\n", "a = [1]\n[[a]]\n",
        "[fruit]\napple.color = \"red\"\n[fruit.apple]\n",
        "a = \"unterminated\n", "a = 'unterminated\n", "a = \"\"\"unterminated\n", "a = '''unterminated\n",
        "a = \"bad \\q escape\"\n", "a = \"\\u12\"\n", "a = \"\\uD800\"\n", "a = \"new\nline\"\n",
        "a = \"ctl \u{01}\"\n", "# ctl \u{7F} in a comment\n", "a = 1\rb = 2\n",
        "a = 01\n", "a = 1__0\n", "a = _1\n", "a = 1_\n", "a = +0x10\n", "a = 0xG\n",
        "a = 1.\n", "a = .5\n", "a = 1e\n", "a = 01.5\n", "a = 1._5\n", "a = infinity\n", "a = True\n",
        "a = 1979-13-01\n", "a = 1979-02-30\n", "a = 2023-02-29\n", "a = 24:00:00\n", "a = 07:60:00\n", "a = 07:32\n",
        "a = 1979-05-27T07:32:00+25:00\n", "a = 07:32:00.\n",
        "a = [1 2]\n", "a = [1,,2]\n", "a = [,]\n", "a = { b = 1, }\n", "a = { b = 1\n}\n", "a = {b = 1, b = 2}\n",
        "a =\n", "= 1\n", "a b = 1\n", "a = 1 b = 2\n", "a.\"\"\"b\"\"\" = 1\n", "key = value\n",
        "a = 1\n[a.b]\n",
    ]

    /// Every TOML file in the repository (upstream Kata configurations, profiles, check fixtures).
    static func repositoryDocuments() -> [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var found: [URL] = []
        for top in ["Sources", "Tests", "deploy"] {
            guard let walker = FileManager.default.enumerator(at: root.appendingPathComponent(top), includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in walker where url.pathExtension == "toml" { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// What tomllib makes of each document: a type-tagged JSON value, or nil when it refuses the document.
    static func reference(_ documents: [String]) throws -> [Any?] {
        let python = try #require(Tool.python(importing: "tomllib"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (n, text) in documents.enumerated() {
            let url = dir.appendingPathComponent("\(n).toml")
            try Data(text.utf8).write(to: url)
            paths.append(url.path)
        }
        let script = """
            import json, sys, tomllib, math, datetime
            def tag(v):
                if isinstance(v, bool): return ["bool", v]
                if isinstance(v, int): return ["integer", str(v)]
                if isinstance(v, float): return ["float", "nan" if math.isnan(v) else repr(v)]
                if isinstance(v, str): return ["string", v]
                if isinstance(v, (datetime.datetime, datetime.date, datetime.time)): return ["datetime"]
                if isinstance(v, list): return ["array", [tag(x) for x in v]]
                return ["table", {k: tag(x) for k, x in v.items()}]
            out = []
            for p in sys.argv[1:]:
                try:
                    with open(p, "rb") as f: out.append(tag(tomllib.load(f)))
                except Exception:
                    out.append(None)
            print(json.dumps(out))
            """
        let data = try Tool.output(python, ["-c", script] + paths)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [Any?]).map { $0 is NSNull ? nil : $0 }
    }

    /// The same tagging for Bulkhead's value (floats as Python's repr would print the same double).
    static func tag(_ v: TOMLValue) -> Any {
        switch v {
        case .bool(let b): ["bool", b] as [Any]
        case .integer(let n): ["integer", String(n)] as [Any]
        case .float(let d): ["float", d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : "\(d)"] as [Any]
        case .string(let s): ["string", s] as [Any]
        case .datetime: ["datetime"] as [Any]
        case .array(let a): ["array", a.map(tag)] as [Any]
        case .table(let t): ["table", t.mapValues(tag)] as [Any]
        }
    }

    /// Python prints 5e+22 where Swift prints 5e+22 too, but 1e06 as 1000000.0 against Swift's 1000000.0; both
    /// print the shortest round-trip digits, so the texts compare once both are parsed back.
    static func same(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? [Any], let y = b as? [Any] {
            if x.count == 2, y.count == 2, x.first as? String == "float", y.first as? String == "float",
                let p = x[1] as? String, let q = y[1] as? String
            {
                return p == q || Double(p) == Double(q)
            }
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        }
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { same(v, $0) } ?? false }
        }
        if let x = a as? Bool, let y = b as? Bool { return x == y }
        if let x = a as? String, let y = b as? String { return x == y }
        return false
    }

    func compare(_ documents: [String], names: [String]) throws -> (accepted: Int, refused: Int) {
        let theirs = try Self.reference(documents)
        var accepted = 0
        var refused = 0
        for (n, text) in documents.enumerated() {
            let ours = try? TOMLReader.parse(text)
            switch (ours, theirs[n]) {
            case (let o?, let t?):
                #expect(Self.same(Self.tag(.table(o)), t), "\(names[n]): values differ\nours:   \(Self.tag(.table(o)))\ntheirs: \(t)")
                accepted += 1
            case (nil, nil):
                refused += 1
            case (nil, _?):
                var why = ""
                do { _ = try TOMLReader.parse(text) } catch { why = "line \(error.line): \(error.message)" }
                Issue.record("\(names[n]): tomllib reads it, Bulkhead refused it (\(why))")
            case (_?, nil):
                Issue.record("\(names[n]): tomllib refuses it, Bulkhead read it")
            }
        }
        return (accepted, refused)
    }

    @Test(.enabled(if: Tool.runsPython(importing: "tomllib")))
    func sameAsTomllibOnTheRulesCorpus() throws {
        let documents = Self.valid + Self.invalid
        let names = Self.valid.indices.map { "valid[\($0)]" } + Self.invalid.indices.map { "invalid[\($0)] \(Self.invalid[$0].debugDescription)" }
        let result = try compare(documents, names: names)
        #expect(result.accepted == Self.valid.count)
        #expect(result.refused == Self.invalid.count)
    }

    @Test(.enabled(if: Tool.runsPython(importing: "tomllib")))
    func sameAsTomllibOnTheRepositorysTOMLFiles() throws {
        let urls = Self.repositoryDocuments()
        #expect(urls.count >= 5, "the Kata configurations and profiles were not found")
        let documents = try urls.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self) }
        let result = try compare(documents, names: urls.map(\.lastPathComponent))
        #expect(result.accepted >= 5)
    }

    @Test func errorsNameTheirLine() {
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse("a = 1\nb = 2\n[[[c]]\n") }
        do {
            _ = try TOMLReader.parse("a = 1\n\n# c\nb = \"x\ny\"\n")
            Issue.record("a newline in a single-line string was read")
        } catch {
            #expect(error.line == 4)
            #expect(error.message.contains("newline"))
        }
    }

    @Test func nestingAndSizeAreBounded() {
        let deepArray = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse(deepArray) }
        let deepInline = "a = " + String(repeating: "{b = ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse(deepInline) }
        let deepKey = "[" + Array(repeating: "k", count: 10_000).joined(separator: ".") + "]"
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse(deepKey) }
        let many = (0..<200).map { "k\($0) = \($0)" }.joined(separator: "\n")
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse(many, maxElements: 100) }
        #expect((try? TOMLReader.parse(many, maxElements: 1000))?.count == 200)
        // TOML 1.0 integers are 64-bit: Python reads any size, Bulkhead refuses what does not fit.
        #expect(throws: TOMLReader.Failure.self) { try TOMLReader.parse("a = 9223372036854775808\n") }
    }
}
