import BulkheadModel
import Foundation
import Testing

@Suite struct ModelTests {
    @Test func confidenceOrdersAndLowers() {
        #expect(Confidence.low < .medium && Confidence.medium < .high)
        #expect(Confidence.high.lowered == .medium)
        #expect(Confidence.low.lowered == .low)
    }

    @Test func controlIDNormalisesAndMapsToOSCAL() {
        let id = ControlID(rawValue: "ism-1460")
        #expect(id == .ism1460)
        #expect(id.oscalID == "ism-1460")
    }

    @Test func evidenceRoundTripsThroughJSON() throws {
        let e = Evidence(
            claim: "QEMU runs with -sandbox on", source: .process(pid: 42, field: "cmdline"),
            observedAt: Date(timeIntervalSince1970: 1_700_000_000), confidence: .high)
        let data = try JSONEncoder().encode(e)
        #expect(try JSONDecoder().decode(Evidence.self, from: data) == e)
    }

    /// Issue 13: `programName` finds the last path component without splitting the whole path; the answers
    /// are those of `split(separator: "/").last`, the form it replaced.
    @Test func programNameIsTheLastComponent() {
        func split(_ s: String) -> String? { s.split(separator: "/").last.map(String.init) }
        let paths = [
            "/usr/bin/qemu-system-x86_64", "qemu-kvm", "/usr/libexec/", "//", "/", "", "a//b//", "./runsc",
            "/opt/ü/kata-runtime", "/usr/bin/x/\u{338}y", "/usr/bin/qemu-system-x86_64 (deleted)",
        ]
        for path in paths {
            let byExecutable = HostProcess(pid: 1, name: "comm", executable: path, arguments: []).programName
            var expected = split(path) ?? "comm"
            if expected.hasSuffix(" (deleted)") { expected = String(expected.dropLast(10)) }
            #expect(byExecutable == expected, "\(path)")
            let byArgument = HostProcess(pid: 1, name: "comm", arguments: [path]).programName
            #expect(byArgument == split(path) ?? "comm", "\(path)")
        }
    }
}
