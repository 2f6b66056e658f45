import BulkheadTestSupport
import Foundation
import Testing

/// Results people act on (issue 16), as a user runs them: the built `bulkhead` on a real host tree,
/// fc-guest (Tests/ChecksTests/Fixtures/hosts, captured on the CI machine: its kernel command line disables
/// mitigations, so host.mitigations-off [high] fails).
@Suite struct ActionableResultsTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fcGuest = tests.appendingPathComponent("ChecksTests/Fixtures/hosts/fc-guest").path

    typealias Run = BuiltRun

    func bulkhead(_ arguments: [String], in dir: URL, environment: [String: String] = [:], executable: String? = nil) throws -> Run {
        try runBulkhead(arguments, in: dir, environment: environment, executable: executable)
    }

    func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-act-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func assess(_ extra: [String], in dir: URL, environment: [String: String] = [:]) throws -> Run {
        try bulkhead(
            ["assess", "--root", Self.fcGuest, "--no-store", "--advisory-database", dir.appendingPathComponent("none.sqlite").path] + extra, in: dir,
            environment: environment)
    }

    @Test func tableSummaryComesFirstRanksFixesAndFits100Columns() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try assess([], in: dir, environment: ["NO_COLOR": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        // Only a single word wider than the terminal (a URL on its own line) may exceed it.
        let wide = lines.filter { $0.count > 100 && $0.trimmingCharacters(in: .whitespaces).contains(" ") }
        #expect(wide.isEmpty, "\(wide)")
        #expect(!r.stdout.contains("\u{1B}["), "no colour when standard output is not a terminal")
        let summary = try #require(r.stdout.range(of: "SUMMARY"))
        let firstDetail = try #require(r.stdout.range(of: "== The host"))
        #expect(summary.lowerBound < firstDetail.lowerBound)
        #expect(r.stdout.contains("Fix first (severity × reach):"))
        // The high-severity host FAIL is ranked first, with its observed value, remediation and reference.
        let fixes = String(r.stdout[summary.lowerBound...])
        let first = try #require(fixes.range(of: "1. [high] "))
        #expect(
            fixes[first.upperBound...].hasPrefix("host.mitigations-off on host")
                || fixes[first.upperBound...].hasPrefix("host.cpu-vulnerabilities on host"))
        #expect(r.stdout.contains("observed: mitigations=auto,no_guest_host,no_guest_guest"))
        #expect(r.stdout.contains("Remove the arguments from GRUB_CMDLINE_LINUX"))
        #expect(r.stdout.contains("see: ComplianceAsCode rule grub2_mitigation_argument"))
        #expect(r.stdout.contains("ISM-1605: notSatisfied — "))
        // Every FAIL line in the detail carries a fix.
        let failLines = lines.enumerated().filter { $0.element.contains("    FAIL ") }
        #expect(!failLines.isEmpty)
        for (i, _) in failLines {
            let block = lines[i..<min(lines.count, i + 8)].joined(separator: "\n")
            #expect(block.contains("fix"), "\(block)")
        }
    }

    /// Colour only on a terminal: util-linux `script` gives the command a pseudo-terminal.
    @Test(.enabled(if: Tool.runs("script"), "needs util-linux script"))
    func colourOnATerminalUnlessNoColor() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = try #require(Tool.find("script"))
        let bulkheadPath = try builtExecutable("bulkhead").path
        let none = dir.appendingPathComponent("none.sqlite").path
        let command = "'\(bulkheadPath)' assess --no-store --root '\(Self.fcGuest)' --advisory-database '\(none)'"
        let tty = try bulkhead(["-qec", command, "/dev/null"], in: dir, executable: script)
        #expect(tty.stdout.contains("\u{1B}[31mFAIL "), "\(tty.stdout.prefix(400))")
        let noColor = try bulkhead(["-qec", command, "/dev/null"], in: dir, environment: ["NO_COLOR": "1"], executable: script)
        #expect(noColor.status == 0 && !noColor.stdout.contains("\u{1B}[3") && noColor.stdout.contains("FAIL "))
        let flag = try bulkhead(["-qec", command + " --no-color", "/dev/null"], in: dir, executable: script)
        #expect(flag.status == 0 && !flag.stdout.contains("\u{1B}[3") && flag.stdout.contains("FAIL "))
    }

    @Test func severityGateNamesWhatTrippedIt() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let high = try assess(["--fail-on", "high", "--format", "json"], in: dir)
        #expect(high.status == 3, "\(high.stderr)")
        #expect(high.stderr.contains("--fail-on high:"))
        #expect(high.stderr.contains("host.mitigations-off [high] on host"))
        let critical = try assess(["--fail-on", "critical", "--format", "json"], in: dir)
        #expect(critical.status == 0, "\(critical.stderr)")
        let both = try assess(["--fail-on", "critical", "--fail-on", "notSatisfied", "--format", "json"], in: dir)
        #expect(both.status == 3 && both.stderr.contains("--fail-on notSatisfied:") && !both.stderr.contains("--fail-on critical:"))
        let help = try bulkhead(["help", "assess"], in: dir)
        #expect(help.stdout.contains("3  a --fail-on gate tripped") || help.stdout.contains("3 a --fail-on gate tripped"), "\(help.stdout)")
    }

    @Test func outputDirectoryIsNeverOverwrittenSilently() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("reports")
        let first = try assess(["--format", "json", "--output", out.path], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let html = out.appendingPathComponent("report.html")
        try Data("kept".utf8).write(to: html)
        let again = try assess(["--format", "json", "--output", out.path], in: dir)
        #expect(again.status == 1)
        #expect(again.stderr.contains("refusing to overwrite"), "\(again.stderr)")
        #expect(try String(contentsOf: html, encoding: .utf8) == "kept")
        let forced = try assess(["--format", "json", "--output", out.path, "--force"], in: dir)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOf: html, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        // No staging directory is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).allSatisfy { !$0.hasPrefix(".bulkhead-staging") })
    }

    @Test func sarifRulesCarryHelpAndEveryFailCarriesItsFix() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try assess(["--format", "sarif"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let run = try #require((doc["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        let rule = try #require(rules.first { $0["id"] as? String == "host.mitigations-off" })
        #expect(((rule["help"] as? [String: Any])?["text"] as? String)?.contains("GRUB_CMDLINE_LINUX") == true)
        #expect((rule["helpUri"] as? String)?.hasPrefix("https://") == true)
        #expect(((rule["fullDescription"] as? [String: Any])?["text"] as? String)?.contains("mitigations=off") == true)
        let results = try #require(run["results"] as? [[String: Any]])
        let fails = results.filter { ($0["kind"] as? String) == "fail" && ($0["properties"] as? [String: Any])?["severity"] != nil }
        #expect(!fails.isEmpty)
        for f in fails {
            let text = ((f["message"] as? [String: Any])?["text"] as? String) ?? ""
            #expect(text.contains("; fix"), "\(text)")
        }
        for format in ["md", "html", "csv", "oscal"] {
            let r = try assess(["--format", format], in: dir)
            #expect(r.status == 0)
            // Markdown escapes the underscores.
            let fix = format == "md" ? "Remove the arguments from GRUB\\_CMDLINE\\_LINUX" : "Remove the arguments from GRUB_CMDLINE_LINUX"
            #expect(r.stdout.contains(fix), "\(format)")
        }
    }

    /// `--only host.*` selects host checks only: the advisory check (ISM-1606) is not run. Needs an installed
    /// mechanism the advisory check covers (qemu, from .ci/run), so that it runs without --only.
    @Test(.enabled(if: Tool.hasDebianPackages("qemu-system-x86")))
    func onlyHostChecksSkipTheAdvisoryCheck() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = ["--advisory-database", dir.appendingPathComponent("none.sqlite").path]
        let all = try bulkhead(["assess", "--no-store", "--format", "json"] + db, in: dir)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("\"advisories.patched\""))
        let host = try bulkhead(["assess", "--no-store", "--format", "json", "--only", "host.*"] + db, in: dir)
        #expect(host.status == 0, "\(host.stderr)")
        #expect(!host.stdout.contains("\"advisories.patched\""))
        #expect(host.stdout.contains("\"host.mitigations-off\""))
    }

    /// Failing lab scenarios carry their remedy too: a real bubblewrap lab run (its baseline fails seccomp,
    /// host-share and risky-mounts) added with --lab-report.
    @Test(.enabled(if: Tool.runs("bwrap"), "needs bubblewrap (.ci/run installs it)"))
    func labFailuresCarryTheirRemedy() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lab = try bulkhead(["lab", "run", "--mechanism", "bwrap", "--format", "json"], in: dir)
        #expect(lab.status == 0, "\(lab.stderr)")
        let file = dir.appendingPathComponent("lab.json")
        try Data(lab.stdout.utf8).write(to: file)
        let r = try assess(["--lab-report", file.path], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let failLines = r.stdout.split(separator: "\n").filter { $0.contains("FAIL lab.") }
        #expect(!failLines.isEmpty, "\(r.stdout)")
        #expect(r.stdout.contains("Enforce the mechanism's seccomp filter"))
        #expect(!r.stdout.contains("checks show lab."), "a lab FAIL points to a check that does not exist")
    }

    @Test func closeIdsAreSuggested() throws {
        let dir = try temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vendor = try bulkhead(["vendor", "show", "firecrackr"], in: dir)
        #expect(vendor.status == 1 && vendor.stderr.contains("Did you mean firecracker"), "\(vendor.stderr)")
        #expect(!vendor.stderr.uppercased().contains("USAGE"))
        let check = try bulkhead(["checks", "show", "qemu.sandbx"], in: dir)
        #expect(check.status == 1 && check.stderr.contains("did you mean qemu.sandbox"), "\(check.stderr)")
        let advisories = try bulkhead(["checks", "show", "advisories.patched"], in: dir)
        #expect(advisories.status == 0, "\(advisories.stderr)")
        #expect(advisories.stdout.contains("ISM-1606") && advisories.stdout.contains("Remediation"))
    }
}
