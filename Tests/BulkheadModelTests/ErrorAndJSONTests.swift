import BulkheadModel
import Foundation
import Testing

/// The one error shape and the one JSON configuration every stage uses.
@Suite struct ErrorAndJSONTests {
    enum DemoCode: String, BulkheadErrorCode {
        static let domain = "demo"
        case unreadable
        case prefixed = "demo.prefixed"
    }
    typealias DemoError = BulkheadError<DemoCode>

    @Test func oneDescriptionStyleWithTheUnderlyingError() throws {
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/nonexistent"])
        let error = DemoError(.unreadable, "cannot read /nonexistent", cause: missing)
        #expect(error.description.hasPrefix("cannot read /nonexistent [demo.unreadable]: "))
        // Foundation's errors are described in words, not as a debugging dump.
        #expect(!error.description.contains("Error Domain"))
        #expect(error.cause is CocoaError)
        #expect(error.localizedDescription == error.description)
        #expect(DemoError(.prefixed, "x").description == "x [demo.prefixed]")
        #expect(DemoError(.unreadable, "x", cause: "stderr text").description == "x [demo.unreadable]: stderr text")
        // Nested Bulkhead errors keep their own code.
        let outer = DemoError(.unreadable, "outer", cause: error)
        #expect(outer.description == "outer [demo.unreadable]: \(error.description)")
    }

    @Test func typedThrowsAndEquality() {
        func fail() throws(DemoError) { throw DemoError(.unreadable, "no", cause: "why") }
        do {
            try fail()
            Issue.record("no error")
        } catch {
            #expect(error.isCode(.unreadable))
            #expect(error == DemoError(.unreadable, "no", cause: "why"))
            #expect(error != DemoError(.unreadable, "no", cause: "another reason"))
            #expect(Set([error, error]).count == 1)
        }
    }

    @Test func oneJSONStyle() throws {
        struct Doc: Codable, Equatable {
            var url: String
            var at: Date
            var b: Int
            var a: Int
        }
        let doc = Doc(url: "https://example.org/a/b", at: Date(timeIntervalSince1970: 0), b: 2, a: 1)
        let text = try JSONCoding.string(doc)
        #expect(text == "{\n  \"a\" : 1,\n  \"at\" : \"1970-01-01T00:00:00Z\",\n  \"b\" : 2,\n  \"url\" : \"https://example.org/a/b\"\n}\n")
        let compact = String(decoding: try JSONCoding.encoder(.compact).encode(doc), as: UTF8.self)
        #expect(compact == "{\"a\":1,\"at\":\"1970-01-01T00:00:00Z\",\"b\":2,\"url\":\"https://example.org/a/b\"}")
        #expect(try JSONCoding.decoder().decode(Doc.self, from: Data(text.utf8)) == doc)
    }
}
