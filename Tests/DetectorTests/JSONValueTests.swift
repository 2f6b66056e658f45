import Discovery
import Formats
import Foundation
import Testing

/// `JSONValue.parse` reads QEMU's JSON option syntax and Firecracker's config file; it must agree with
/// Foundation's JSON reader on valid input and refuse broken input with its position.
@Suite struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(text, source: "test") }

    @Test func typesAreExact() throws {
        let v = try parse(#"{"a": 1, "b": -2.5e3, "c": "x", "d": true, "e": null, "f": [1, [2, {}]], "g": 9223372036854775807}"#)
        #expect(v["a"] == .int(1))
        #expect(v["b"] == .double(-2500))
        #expect(v["c"] == .string("x"))
        #expect(v["d"] == .bool(true))
        #expect(v["e"] == .null)
        #expect(v["f"] == .array([.int(1), .array([.int(2), .object([:])])]))
        #expect(v["g"] == .int(Int64.max))
        // Beyond Int64: a double, not a crash (92233720368547758080 is the nearest Double; the text's digits are not exact).
        #expect(try parse("92233720368547758070") == .double(92233720368547758080))
    }

    @Test func escapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t""#) == .string("a\"b\\c/d\n\t"))
        #expect(try parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
        #expect(try parse("\"ünïcödé\"") == .string("ünïcödé"))
    }

    @Test func agreesWithFoundationOnQEMUStyleDocuments() throws {
        let docs = [
            #"{"driver":"virtio-blk-pci","bus":"pci.1","drive":"libvirt-1-format","id":"virtio-disk0","bootindex":1}"#,
            #"{"qom-type":"memory-backend-ram","id":"pc.ram","size":2147483648}"#,
            #"{"detect-zeroes":"unmap","file":{"cache":{"direct":true,"no-flush":false},"filename":"/var/lib/vz/x.qcow2"}}"#,
        ]
        for doc in docs {
            let ours = try parse(doc)
            let theirs = try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any]
            guard case .object(let o) = ours else {
                Issue.record("not an object")
                continue
            }
            #expect(Set(o.keys) == Set(theirs?.keys.map { $0 } ?? []))
        }
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "nul", "01x", "\"unterminated", "\"bad \\x escape\"",
        "\"\\ud800\"", "1.", "1e", "{} {}", "\"a\u{01}b\"", "[1 2]",
    ])
    func brokenInputIsRefusedWithAPosition(_ text: String) {
        do {
            _ = try JSONValue.parse(text, source: "test")
            Issue.record("accepted broken JSON: \(text.debugDescription)")
        } catch {
            #expect(error.code == .malformed || error.code == .empty, "\(error)")
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ConfigParseError.self) { try JSONValue.parse(deep, source: "test") }
    }
}
