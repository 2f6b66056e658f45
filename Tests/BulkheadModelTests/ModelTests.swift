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

    /// A measured fact's number is refused outside its range, naming the key and the range.
    @Test func factValueNumbersAreCheckedOnDecoding() throws {
        func decode(_ json: String) throws -> FactValue { try JSONDecoder().decode(FactValue.self, from: Data(json.utf8)) }
        #expect(try decode(#"{"percent": 42.5}"#) == .percent(42.5))
        #expect(try decode(#"{"count": 0}"#) == .count(0))
        #expect(try decode(#"{"perThousandLines": 1.5}"#) == .perThousandLines(1.5))
        #expect(try decode(#"{"days": 30}"#) == .days(30))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try [FactValue.yes, .notApplicable, .percent(42.5), .count(3), .perThousandLines(1.5), .days(30)].map {
            String(decoding: try encoder.encode($0), as: UTF8.self)
        }
        #expect(encoded == [#""yes""#, #""notApplicable""#, #"{"percent":42.5}"#, #"{"count":3}"#, #"{"perThousandLines":1.5}"#, #"{"days":30}"#])
        let refused = [
            #"{"percent": 100.5}"#: "a percentage must be between 0 and 100, got 100.5",
            #"{"percent": -1}"#: "a percentage must be between 0 and 100, got -1.0",
            #"{"count": -1}"#: "a count must be ≥ 0",
            #"{"perThousandLines": -0.5}"#: "a density must be ≥ 0",
            #"{"days": -2}"#: "days must be ≥ 0",
        ]
        for (json, message) in refused {
            do {
                _ = try decode(json)
                Issue.record("\(json) was accepted")
            } catch DecodingError.dataCorrupted(let context) {
                #expect(context.debugDescription == message, "\(json)")
                #expect(context.codingPath.map(\.stringValue) == [String(json.dropFirst(2).prefix { $0 != "\"" })], "\(json)")
            }
        }
    }

    @Test func permissionBitsAreFourOctalDigitsWithoutTheFileType() {
        #expect(PermissionBits.octal(0o020660) == "0660")  // a character device's st_mode
        #expect(PermissionBits.octal(0o104755) == "4755")
        #expect(PermissionBits.octal(0o7) == "0007")
        #expect(PermissionBits.octal(0o177777) == "7777")
    }
}
