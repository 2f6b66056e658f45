import BulkheadModel
import Foundation
import Testing

@testable import VendorEvidence

/// The catalog's `lifecycle` block: the additive fields (latestLines, published, per-line status,
/// supportedAtLeastUntil, source) decode, and contradictory entries name the file and field.
@Suite struct LifecycleDecodingTests {
    static func product(lifecycle: String) -> String {
        CatalogTests.good.replacingOccurrences(of: #""facts":"#, with: "\"lifecycle\":\(lifecycle),\"facts\":")
    }

    func decode(_ lifecycle: String) throws(VendorEvidenceError) -> SupportLifecycle? {
        try Catalog.decodeProduct(Data(Self.product(lifecycle: lifecycle).utf8), file: "demo.json").lifecycle
    }

    func error(_ lifecycle: String) -> VendorEvidenceError? {
        do throws(VendorEvidenceError) {
            _ = try decode(lifecycle)
            return nil
        } catch { return error }
    }

    static let source =
        #""source":{"url":"https://github.com/o/r/blob/0123456789012345678901234567890123456789/P.md#L1-L2","title":"o/r @ 012345678901 : P.md:1-2"}"#

    @Test func extendedLifecycleDecodes() throws {
        let l = try #require(
            try decode(
                """
                {"policy":"newest two","latestLines":2,"observed":"2026-11-28",\(Self.source),
                 "branches":[{"version":"v1.16","supportedAtLeastUntil":"2026-12-03","status":"supported"},
                             {"version":"1.14","endOfSupport":"2026-06-03",\(Self.source)},
                             {"version":"28","status":"ended","note":"Unmaintained"}]}
                """))
        #expect(l.latestLines == 2 && l.published)
        #expect(l.branches.count == 3)
        #expect(l.branches[0].status == .supported && l.branches[0].supportedAtLeastUntil == CalendarDate.parse("2026-12-03"))
        #expect(l.branches[1].source != nil && l.branches[0].source == nil)
        #expect(l.branches[2].status == .ended)
        let none = try #require(
            try decode(#"{"policy":"No published support policy found (SECURITY.md)","published":false,"observed":"2026-11-28","# + Self.source + "}")
        )
        #expect(!none.published && none.branches.isEmpty)
    }

    @Test(arguments: [
        (#""latestLines":0,"#, "latestLines", "at least 1"),
        (#""published":false,"latestLines":1,"#, "lifecycle.published", "unpublished"),
        (#""published":false,"branches":[{"version":"1.0"}],"#, "lifecycle.published", "unpublished"),
        (#""branches":[{"version":"1.2"},{"version":"v1.2"}],"#, "lifecycle.branches", "listed twice"),
        (#""branches":[{"version":"latest"}],"#, "version", "not a release line"),
        (#""branches":[{"version":"1.2","status":"gone"}],"#, "status", ""),
        (#""branches":[{"version":"1.2","status":"ended","supportedAtLeastUntil":"2026-01-01"}],"#, "status", "ended line"),
        (#""branches":[{"version":"1.2","endOfSupport":"March 2027"}],"#, "endOfSupport", "not a date"),
        (#""branches":[{"version":"1.2","eol":"2027-03-01"}],"#, "eol", "unknown field"),
    ])
    func contradictoryLifecycleNamesTheField(extra: String, field: String, message: String) throws {
        let err = try #require(error("{" + extra + #""policy":"p","observed":"2026-11-28","# + Self.source + "}"))
        #expect(err.file == "demo.json")
        #expect(err.field?.contains(field) == true, "got field \(err.field ?? "nil"): \(err)")
        if !message.isEmpty { #expect(err.description.contains(message), "\(err)") }
    }
}
