import Foundation
import Store
import Testing

/// The store commands as a user runs them: the built `bulkhead` binary against a temporary store.
@Suite struct CLITests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func bulkhead(_ args: [String], _ dir: TempDir) throws -> Result {
        let c = try Child(args, in: dir, executable: "bulkhead", environment: ["TZ": "UTC", "HOME": dir.url.path])
        let status = c.wait()
        return Result(status: status, stdout: c.stdout, stderr: c.stderr)
    }

    func recordJSON(_ finished: String, outcome: String, guest: String) -> String {
        """
        {"host":"hv01","source":"live","startedAt":"\(finished)","finishedAt":"\(finished)","bulkheadVersion":"0.1.0",
         "mechanisms":[{"product":"qemu","name":"QEMU","version":"8.2.2","role":"vmm","state":"running",
           "guests":[{"name":"\(guest)","running":true,"evidence":[],"problems":[]}],"evidence":[],"problems":[]}],
         "findings":[{"checkID":"qemu.sandbox","subject":"qemu/web01","outcome":{"\(outcome)":{}},"severity":"high","controls":["ISM-1604"],"evidence":[]}],
         "verdicts":[],"openAdvisories":{"qemu":["CVE-2024-3446"]},"staleFacts":[],"documents":{},"problems":[]}
        """
    }

    @Test func historyOnAMissingStoreIsHelpfulAndCreatesNothing() throws {
        let dir = try TempDir()
        let store = dir.path("none/bulkhead.sqlite")
        let r = try bulkhead(["history", "--store", store], dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("No assessments recorded yet"))
        #expect(r.stdout.contains("bulkhead assess"))
        #expect(!FileManager.default.fileExists(atPath: store))
        // The default path for a non-root user follows XDG/HOME (the test's HOME is the temp dir).
        let d = try bulkhead(["history"], dir)
        #expect(d.status == 0)
        #expect(getuid() == 0 || d.stdout.contains(dir.path(".local/share/bulkhead/bulkhead.sqlite")))
        let due = try bulkhead(["review", "due", "--store", store], dir)
        #expect(due.status == 1)
        #expect(due.stdout.contains("due now"))
    }

    @Test func importWaiveHistoryDiffAndReport() throws {
        let dir = try TempDir()
        let store = dir.path("s.sqlite")
        try Data(recordJSON("2026-09-01T00:00:00Z", outcome: "pass", guest: "web01").utf8).write(to: dir.url.appendingPathComponent("a.json"))
        try Data(recordJSON("2026-10-01T00:00:00Z", outcome: "fail", guest: "<script>alert(1)</script>").utf8)
            .write(to: dir.url.appendingPathComponent("b.json"))
        let imp = try bulkhead(["store-import", "--store", store, dir.path("a.json"), dir.path("b.json")], dir)
        #expect(imp.status == 0, "\(imp.stderr)")
        var diff = try bulkhead(["diff", "--store", store], dir)
        #expect(diff.stdout.contains("Check qemu.sandbox on qemu/web01 [high]: pass → fail"))
        let waive = try bulkhead(
            [
                "waive", "qemu.sandbox", "--host", "hv01", "--until", "2099-12-31", "--reason", "vendor fix pending", "--approver", "Sam", "--store",
                store,
            ], dir)
        #expect(waive.status == 0, "\(waive.stderr)")
        diff = try bulkhead(["diff", "1", "2", "--store", store], dir)
        #expect(diff.stdout.contains("pass → waived"))
        let history = try bulkhead(["history", "--store", store], dir)
        let lines = history.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        // #2 (run, host, date time offset, source): mech 1, fail 0, waived 1, inconclusive 0, pass 0.
        #expect(
            lines.dropFirst().first?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(6).prefix(5).joined(separator: " ")
                == "1 0 1 0 0")
        let html = dir.path("r.html")
        let rep = try bulkhead(["report", "interval", "--from", "2026-08-01", "--to", "2026-11-30", "--store", store, "--html", html], dir)
        #expect(rep.status == 0, "\(rep.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!text.contains("<script"))
        #expect(text.contains("&lt;script&gt;"))
        let md = try bulkhead(["report", "interval", "--from", "2026-08-01", "--to", "2026-11-30", "--store", store], dir)
        #expect(md.stdout.hasPrefix("# Bulkhead interval report"))
        let due = try bulkhead(["training", "due", "--store", store], dir)
        #expect(due.status == 0 && due.stdout.contains("No training recorded"))
    }

    @Test func realAssessOutputIsRecordedAndDiffed() throws {
        let dir = try TempDir()
        let store = dir.path("s.sqlite")
        let assess = try bulkhead(["assess", "--format", "json"], dir)
        #expect(assess.status == 0, "\(assess.stderr)")
        let json = dir.path("assess.json")
        try Data(assess.stdout.utf8).write(to: URL(fileURLWithPath: json))
        let imp = try bulkhead(["store-import", "--store", store, json, json], dir)
        #expect(imp.status == 0, "\(imp.stderr)")
        let s = try Store.open(at: store)
        let runs = try s.runs()
        #expect(runs.count == 2)
        let rec = try s.assessment(run: 1)
        #expect(rec.documents["assessment.json"] != nil)
        #expect(rec.source == "live host")
        #expect(rec.verdicts.count >= rec.mechanisms.count)
        #expect(try s.drift().isEmpty)
    }

    @Test func foreignFileIsAnErrorAndUntouched() throws {
        let dir = try TempDir()
        let path = dir.path("notes.sqlite")
        let content = Data("meeting notes, not a database\n".utf8)
        try content.write(to: URL(fileURLWithPath: path))
        for args in [["history"], ["waive", "x", "--host", "h", "--until", "2099-01-01", "--reason", "r", "--approver", "a"]] {
            let r = try bulkhead(args + ["--store", path], dir)
            #expect(r.status != 0)
            #expect(r.stderr.contains("not a SQLite database"))
            #expect(r.stderr.contains("left untouched"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)
    }

    @Test(arguments: [
        ["history"], ["diff"], ["review"], ["review", "start"], ["review", "sign-off"], ["review", "due"], ["review", "list"],
        ["waive"], ["training"], ["training", "record"], ["training", "due"], ["report"], ["report", "interval"],
    ])
    func everyCommandHasHelp(command: [String]) throws {
        let dir = try TempDir()
        let r = try bulkhead(command + ["--help"], dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("OVERVIEW:"))
        #expect(r.stdout.contains("USAGE:"))
    }
}
