import BulkheadTestSupport
import FleetProtocol
import Foundation
import NIOCore
import Testing

@testable import FleetServer

/// Ingest reads the body and the report with `SubmissionReader` (Formats' JSONPull) instead of `JSONDecoder`.
/// Held to the old path here: on this machine's real report (`bulkhead assess`), the same payload and the same
/// values for the ingest statement (every column and array ingest stores); on malformed and odd inputs, the same
/// refusals and the same acceptances.
@Suite struct SubmissionReaderTests {
    /// What the old path read: `FleetWire.decoder()` for the payload, `JSONDecoder()` for the digest.
    static func oldPayload(_ body: Data) -> BundlePayload? { try? FleetWire.decoder().decode(BundlePayload.self, from: body) }
    static func oldDigest(_ report: Data) -> ReportDigest? { try? JSONDecoder().decode(ReportDigest.self, from: report) }

    /// Everything the ingest statement stores from a digest (fixed host, nonce and time).
    static func stored(_ digest: ReportDigest, report: Data) -> IngestStatement.Values {
        FleetDatabase.ingestValues(
            hostID: 7, nonce: "0123456789abcdef", bundleSHA: "sha", hostname: "test", bulkheadVersion: "0.1.0", manifest: "{}",
            report: report, digest: digest, now: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func theRealReportIsStoredAsBefore() throws {
        let report = try FleetHarness.liveReport.get()
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let identity = try FleetHarness.newIdentity(in: dir)
        let payload = try FleetHarness.bundle(report, signedBy: identity, in: dir)
        let body = try FleetWire.encoder().encode(payload)
        let read = try SubmissionReader.payload(body)
        #expect(read == payload)
        #expect(read == Self.oldPayload(body))

        let old = try #require(Self.oldDigest(report))
        let new = try SubmissionReader.digest(report)
        let stored = Self.stored(new, report: report)
        #expect(stored == Self.stored(old, report: report))
        // The comparison is not vacuous: this machine's report has verdicts and findings.
        #expect(stored.controls.count > 5 && stored.checkIDs.count > 20)
    }

    /// A small report in the assessment schema's shape, varied below.
    static let small = """
        {"assessedAt":"2026-12-04T16:06:02Z","host":{"hostname":"h1"},"mechanisms":[{"catalogProduct":"qemu",\
        "mechanism":{"name":"QEMU","product":"qemu","version":"7.2"},"controls":[{"verdict":{"control":"ISM-1460",\
        "status":"notSatisfied","subject":"qemu"},"findings":[{"checkID":"qemu.sandbox","severity":"high",\
        "outcome":{"fail":{"reason":"no -sandbox"}},"subject":"vm1","controls":["ISM-1460","ISM-1605"]},\
        {"checkID":"qemu.user","outcome":{"pass":{}}}]}]}],"hostControls":[{"verdict":{"control":"ISM-1461",\
        "status":"satisfied"},"findings":null}],"profile":{"host":{"classification":"OFFICIAL"}}}
        """

    /// Variants of `small`: (what is replaced, by what). Refused ones and accepted ones alike.
    static let variants: [(String, String)] = [
        ("\"assessedAt\":\"2026-12-04T16:06:02Z\",", ""),  // a required key missing
        ("\"2026-12-04T16:06:02Z\"", "5"),  // a wrong type
        ("{\"hostname\":\"h1\"}", "null"),
        ("\"h1\"", "5"),
        ("\"h1\"", "null"),
        ("\"mechanisms\":[", "\"mechanisms\":[1,"),
        ("\"mechanism\":{\"name\":\"QEMU\",", "\"mechanism\":null,\"x\":{\"name\":\"QEMU\","),
        ("\"catalogProduct\":\"qemu\"", "\"catalogProduct\":[]"),
        ("\"version\":\"7.2\"", "\"version\":7.2"),
        ("\"controls\":[{\"verdict\":{\"control\":\"ISM-1460\"", "\"controls\":null,\"c\":[{\"verdict\":{\"control\":\"ISM-1460\""),
        ("\"control\":\"ISM-1460\",", ""),
        ("\"status\":\"notSatisfied\"", "\"status\":null"),
        ("\"subject\":\"qemu\"", "\"subject\":{}"),
        ("\"checkID\":\"qemu.sandbox\"", "\"checkID\":1"),
        ("\"checkID\":\"qemu.sandbox\"", "\"check\\u0049D\":\"qemu.sandbox\""),  // an escaped key is the same key
        ("\"checkID\":\"qemu.sandbox\"", "\"checkID\":\"qemu.\\ud800\""),  // a lone surrogate
        ("\"checkID\":\"qemu.sandbox\"", "\"checkID\":\"qemu.\\ud83d\\ude00\""),  // a pair
        ("\"checkID\":\"qemu.sandbox\"", "\"checkID\":\"qemu.sandbox\",\"checkID\":\"other\""),  // a repeated key
        ("\"severity\":\"high\"", "\"severity\":3"),
        ("{\"fail\":{\"reason\":\"no -sandbox\"}}", "\"fail\""),
        ("{\"fail\":{\"reason\":\"no -sandbox\"}}", "{}"),
        ("{\"fail\":{\"reason\":\"no -sandbox\"}}", "{\"pass\":1,\"fail\":[]}"),
        ("\"outcome\":{\"pass\":{}}", "\"outcome\":null"),
        ("[\"ISM-1460\",\"ISM-1605\"]", "[\"ISM-1460\",null]"),
        ("[\"ISM-1460\",\"ISM-1605\"]", "null"),
        ("\"findings\":null", "\"findings\":{}"),
        ("\"hostControls\":[", "\"hostControls\":null,\"y\":["),
        ("\"hostControls\":[", "\"hostControls\":\"x\",\"y\":["),
        ("{\"host\":{\"classification\":\"OFFICIAL\"}}", "5"),  // profile: none of it is an error
        ("{\"host\":{\"classification\":\"OFFICIAL\"}}", "null"),
        ("{\"classification\":\"OFFICIAL\"}", "[]"),
        ("\"OFFICIAL\"", "7"),
        ("\"OFFICIAL\"", "\"SECRET\",\"classification\":\"OFFICIAL\""),
        ("\"reason\":\"no -sandbox\"", "\"reason\":tru"),  // syntax inside a skipped value
        ("\"reason\":\"no -sandbox\"", "\"reason\":\"\\u12\""),
        ("\"reason\":\"no -sandbox\"", "\"deep\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600)),
        ("\"reason\":\"no -sandbox\"", "\"deep\":" + String(repeating: "[", count: 400) + String(repeating: "]", count: 400)),
        ("{\"assessedAt\"", "\u{FEFF}{\"assessedAt\""),
        ("{\"assessedAt\"", "[{\"assessedAt\""),
        ("\"profile\"", " \n\t\"profile\""),
    ]

    @Test func malformedAndOddReportsAreJudgedAsBefore() throws {
        var texts = Self.variants.map { Self.small.replacingOccurrences(of: $0.0, with: $0.1) }
        texts += [Self.small, "", "{}", "null", String(Self.small.dropLast()), Self.small + "x", Self.small + "}", "[]"]
        var refused = 0
        for (index, text) in texts.enumerated() {
            let data = Data(text.utf8)
            let old = Self.oldDigest(data)
            var new: ReportDigest?
            var refusal = ""
            do { new = try SubmissionReader.digest(data) } catch { refusal = error.message }
            #expect((old == nil) == (new == nil), "\(old == nil ? "refused" : "accepted") before, not now: text \(index) \(refusal)")
            if let old, let new { #expect(Self.stored(old, report: data) == Self.stored(new, report: data), "\(text.prefix(300))") }
            if old == nil { refused += 1 }
        }
        // Not JSON (RFC 8259) inside a value the digest skips: JSONDecoder let these through (it checks the syntax of
        // what it does not decode only as far as to find the value's end); JSONPull validates every byte and refuses
        // them — the one difference, stricter. The report is kept and shown later, so it must be JSON.
        for (from, to) in [
            ("\"reason\":\"no -sandbox\"", "\"reason\":01"), ("\"reason\":\"no -sandbox\"", "\"reason\":\"a\u{01}b\""),
            ("\"reason\":\"no -sandbox\"", "\"reason\":\"\\x\""), ("\"reason\":\"no -sandbox\"", "\"reason\":1."),
            ("\"reason\":\"no -sandbox\"", "\"reason\":-"), ("\"reason\":\"no -sandbox\"", "\"reason\":\"\\uZZZZ\""),
        ] {
            let data = Data(Self.small.replacingOccurrences(of: from, with: to).utf8)
            #expect(Self.oldDigest(data) != nil && (try? SubmissionReader.digest(data)) == nil, "\(to)")
        }
        // Not UTF-8: a lone continuation byte in a string.
        var bytes = Array(Self.small.utf8)
        bytes[bytes.firstIndex(of: UInt8(ascii: "Q"))!] = 0x80
        #expect(Self.oldDigest(Data(bytes)) == nil && (try? SubmissionReader.digest(Data(bytes))) == nil)
        #expect(refused >= 25, "most variants are malformed: \(refused) refused")
    }

    @Test func malformedAndOddBodiesAreJudgedAsBefore() throws {
        let good = #"{"files":{"reports/assessment.json":"e30=","a/b":""},"manifest":"bWFuaWZlc3Q=","signature":"c2ln\n"}"#
        let bodies = [
            good, "", "[]", "{}", "null", String(good.dropLast()), good + "x",
            good.replacingOccurrences(of: "\"bWFuaWZlc3Q=\"", with: "\"@@@\""),  // not base64
            good.replacingOccurrences(of: "\"bWFuaWZlc3Q=\"", with: "\"bWFuaWZlc3Q\""),  // unpadded
            good.replacingOccurrences(of: "\"bWFuaWZlc3Q=\"", with: "5"),
            good.replacingOccurrences(of: "\"c2ln\\n\"", with: "null"),
            good.replacingOccurrences(of: "\"c2ln\\n\"", with: "\"\\ud800\""),
            good.replacingOccurrences(of: "\"e30=\"", with: "7"),
            good.replacingOccurrences(of: "\"e30=\"", with: "\"e30=\",\"reports/assessment.json\":\"@@\""),  // repeated path
            good.replacingOccurrences(of: "{\"reports", with: "[{\"reports").replacingOccurrences(of: "\"\"}", with: "\"\"}]"),
            good.replacingOccurrences(of: "\"files\":", with: "\"other\":{\"x\":[1,2,{}]},\"files\":"),
            good.replacingOccurrences(of: "\"manifest\":", with: "\"manifest\":\"AAAA\",\"manifest\":"),
            good.replacingOccurrences(of: "\"manifest\":\"bWFuaWZlc3Q=\",", with: ""),
            good.replacingOccurrences(of: "\"e30=\"", with: "\"e3\\/0=\""),
            "\u{FEFF}" + good,
        ]
        for text in bodies {
            let data = Data(text.utf8)
            let old = Self.oldPayload(data)
            let new = try? SubmissionReader.payload(data)
            #expect(old == new, "\(text.prefix(200)): before \(old.map { "\($0.files.keys.sorted())" } ?? "refused")")
        }
    }
}
