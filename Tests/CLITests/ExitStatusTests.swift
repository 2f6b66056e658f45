import BulkheadTestSupport
import Foundation
import Testing

/// The built `bulkhead` binary as a user runs it: a usage mistake is exit status 64 with the usage text;
/// a runtime failure is exit status 1 with exactly one line, `bulkhead: error: …`, and no usage text.
@Suite struct ExitStatusTests {
    typealias Run = BuiltRun

    func bulkhead(_ arguments: [String]) throws -> Run {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try runBulkhead(arguments, in: dir)
    }

    @Test func usageMistakeExits64WithUsage() throws {
        let r = try bulkhead(["discover", "--root", "/", "--snapshot", "/nonexistent.tar.gz"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--root and --snapshot are mutually exclusive"))
        #expect(r.stderr.contains("Usage:") || r.stderr.contains("USAGE:"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func unknownFormatIsAUsageMistake() throws {
        let r = try bulkhead(["vendor", "list", "--format", "oscal"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--format"))
    }

    @Test func runtimeFailureIsOneLineAndExit1() throws {
        let r = try bulkhead(["discover", "--snapshot", "/nonexistent"])
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("bulkhead: error: cannot load the snapshot /nonexistent") == true, "\(r.stderr)")
        #expect(!r.stderr.uppercased().contains("USAGE"))
        #expect(r.stdout.isEmpty)
    }

    @Test func unknownProductIsARuntimeFailure() throws {
        let r = try bulkhead(["vendor", "show", "no-such-product"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("bulkhead: error: no catalog product \"no-such-product\""))
        #expect(!r.stderr.uppercased().contains("USAGE"))
    }

    @Test(arguments: [
        ["discover"], ["vendor", "list"], ["checks", "list"], ["checks", "show"], ["checks", "run"], ["census"], ["lab", "run"], ["lab", "list"],
        ["history"], ["diff"], ["review", "list"], ["review", "due"], ["training", "due"], ["advisories", "import"],
        ["advisories", "stats"], ["advisories", "check"],
    ])
    func everyDataCommandTakesFormatTableOrJSON(command: [String]) throws {
        let r = try bulkhead(command + ["--help"])
        #expect(r.status == 0)
        // Help text is wrapped to the terminal's width: compare with the white space collapsed.
        let help = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("--format <format>"), "\(r.stdout)")
        #expect(help.contains("values: table, json"), "\(r.stdout)")
    }

    @Test func jsonIsTheSharedStyle() throws {
        let r = try bulkhead(["vendor", "show", "firecracker", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        // JSONCoding: pretty, sorted keys, slashes not escaped, ISO 8601 dates.
        #expect(r.stdout.hasPrefix("{\n"))
        #expect(r.stdout.contains("https://"))
        #expect(!r.stdout.contains("https:\\/\\/"))
        #expect(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) is [String: Any])
    }
}

extension ExitStatusTests {
    /// An empty (or non-Linux) directory given as --root is an error before anything runs, never an
    /// assessment of nothing.
    @Test func anEmptyRootIsAnErrorBeforeAnythingRuns() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-empty-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        for command in [["assess"], ["checks", "run"], ["discover"], ["snapshot", "--output", empty.path + "-snap.tar.gz"]] {
            let r = try bulkhead(command + ["--root", empty.path])
            #expect(r.status == 1, "\(command): \(r.stderr)")
            #expect(r.stderr.contains("no /etc/os-release, /proc or /sys: not a host root"), "\(command): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: empty.path + "-snap.tar.gz"))
    }
}
