import Foundation
import Testing

@testable import Lab

/// The host side treats the probe's output as hostile input.
@Suite("Probe output parsing")
struct ProbeOutputTests {
    let begin = "@@BULKHEAD-PROBE-BEGIN-t@@"
    let end = "@@BULKHEAD-PROBE-END-t@@"

    func wrap(_ body: String, console: Bool = true) -> [UInt8] {
        let noise = console ? "[    1.2345] random: crng init done\r\n" : ""
        return Array((noise + begin + "\r\n" + body + "\r\n" + end + "\r\n" + noise).utf8)
    }

    func failure(_ r: Result<(ObservedProbe, String), ProbeOutputError>) -> String? {
        if case .failure(let e) = r { return e.message }
        return nil
    }

    @Test("the real probe's output, with markers and console noise, decodes")
    func realProbeDecodes() async throws {
        let raw = try await captureProbeOutput(["--marker", "t"])
        var console = Array("[    0.1] kernel noise\r\n".utf8)
        console += raw.flatMap { $0 == 0x0a ? [0x0d, 0x0a] : [$0] }  // serial consoles add CR
        let result = ProbeOutputParser.extract(console, begin: begin, end: end)
        guard case .success(let (probe, text)) = result else {
            Issue.record("real probe output rejected: \(failure(result) ?? "?")")
            return
        }
        #expect(probe.schemaVersion == 1)
        #expect(probe.identification?.mechanism.isEmpty == false)
        #expect(probe.process?.capEff != nil)
        #expect(text.hasPrefix("{") && text.hasSuffix("}"))
    }

    @Test("missing markers are inconclusive with a clear message")
    func missingMarkers() {
        let none = ProbeOutputParser.extract(Array("kernel panic - not syncing\n".utf8), begin: begin, end: end)
        #expect(failure(none)?.contains("begin marker never appeared") == true)
        let noEnd = ProbeOutputParser.extract(Array((begin + "\n{\"schemaVersion\":1}\n").utf8), begin: begin, end: end)
        #expect(failure(noEnd)?.contains("end marker is missing") == true)
        let reversed = ProbeOutputParser.extract(Array((end + "\n{}\n" + begin).utf8), begin: begin, end: end)
        #expect(failure(reversed) != nil)
        // Markers that share their "@@" (the end marker starting inside the begin marker) are refused.
        let overlapping = ProbeOutputParser.extract(
            Array("@@BULKHEAD-PROBE-BEGIN-t@@BULKHEAD-PROBE-END-t@@".utf8), begin: begin, end: end)
        #expect(failure(overlapping) != nil)
    }

    @Test("two marker blocks are refused as ambiguous")
    func twoBlocks() {
        let one = wrap("{\"schemaVersion\":1}")
        let r = ProbeOutputParser.extract(one + one, begin: begin, end: end)
        #expect(failure(r)?.contains("2 times") == true)
    }

    @Test("wrong types name the field")
    func wrongTypes() {
        let r = ProbeOutputParser.extract(
            wrap(#"{"schemaVersion":1,"process":{"seccomp":"two"}}"#), begin: begin, end: end)
        let message = failure(r) ?? ""
        #expect(message.contains("process.seccomp"), "\(message)")
        let r2 = ProbeOutputParser.extract(wrap(#"{"schemaVersion":"1"}"#), begin: begin, end: end)
        #expect(failure(r2)?.contains("schemaVersion") == true)
        let r3 = ProbeOutputParser.extract(wrap(#"[1,2,3]"#), begin: begin, end: end)
        #expect(failure(r3) != nil)
    }

    @Test("a gigantic string is refused before decoding")
    func giganticString() {
        let big = String(repeating: "A", count: 100_000)
        let r = ProbeOutputParser.extract(
            wrap(#"{"schemaVersion":1,"kernel":{"version":"\#(big)"}}"#), begin: begin, end: end)
        #expect(failure(r)?.contains("string longer than") == true)
    }

    @Test("deep nesting is refused")
    func deepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let r = ProbeOutputParser.extract(wrap(#"{"schemaVersion":1,"x":\#(deep)}"#), begin: begin, end: end)
        #expect(failure(r)?.contains("nests deeper") == true)
    }

    @Test("output over the size bound is refused")
    func oversized() {
        let items = Array(repeating: "\"ok\"", count: 300_000).joined(separator: ",")
        let r = ProbeOutputParser.extract(wrap(#"{"schemaVersion":1,"x":[\#(items)]}"#), begin: begin, end: end)
        #expect(failure(r)?.contains("bound") == true)
    }

    @Test("truncated JSON, non-JSON and an unsupported schema version are refused")
    func truncatedAndVersion() {
        #expect(
            failure(ProbeOutputParser.extract(wrap(#"{"schemaVersion":1,"cpu":{"#), begin: begin, end: end))?
                .contains("truncated") == true)
        #expect(failure(ProbeOutputParser.extract(wrap("hello guest"), begin: begin, end: end)) != nil)
        #expect(
            failure(ProbeOutputParser.extract(wrap(#"{"schemaVersion":99}"#), begin: begin, end: end))?
                .contains("not supported") == true)
        #expect(failure(ProbeOutputParser.extract(wrap("\u{0}\u{1}\u{ff}"), begin: begin, end: end)) != nil)
    }

    @Test("a minimal but valid report decodes and leaves scenarios inconclusive, not passed")
    func minimalReport() throws {
        let r = ProbeOutputParser.extract(wrap(#"{"schemaVersion":1}"#), begin: begin, end: end)
        guard case .success(let (probe, _)) = r else {
            Issue.record("minimal report rejected")
            return
        }
        let context = HostContext(hostNamespaces: ["pid": "pid:[1]"], expectedIdentification: ["namespaces"], canaryText: nil)
        for scenario in Scenarios.all {
            let result = scenario.evaluate(probe, .bwrap, context)
            #expect(result.outcome == .inconclusive || result.outcome == .notApplicable, "\(scenario.id) gave \(result.outcome)")
        }
    }
}
