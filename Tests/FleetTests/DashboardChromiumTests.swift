import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import Testing

@testable import FleetServer

/// The dashboard's pages as headless Chromium renders them (saved as served, screenshot, DOM via `--dump-dom`,
/// console messages logged to stderr): `/waivers` with a waiver in force, one expired and one revoked; a host page
/// with its drift and waivers; a stored assessment's HTML report; the findings filter form. Hostile check ids,
/// subjects, waiver reasons and host names (`<script>`, quotes, `javascript:`, U+202E) are text, never markup; a
/// viewer's pages hold no administrative element, an admin's do. Real stored reports, real PostgreSQL.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct DashboardChromiumTests {
    static let adminToken = "admin-token-\(UUID().uuidString)"
    static let viewerToken = "viewer-token-\(UUID().uuidString)"
    static let hostile = FleetWaiverDriftTests.hostile
    /// `hostile` as Chromium serializes it in a text node (control and bidirectional characters shown as U+FFFD).
    static let hostileText = "&lt;script&gt;alert('x')&lt;/script&gt;\"'javascript:alert(1)\u{FFFD}rtl"
    static let hostileCheck = "javascript:alert(1)//<img src=x onerror=alert(2)>"

    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("dashchromium")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    static func basic(_ token: String) -> [(String, String)] {
        [("Authorization", "Basic " + Data("any:\(token)".utf8).base64EncodedString())]
    }
    var admin: [(String, String)] { [("Authorization", "Bearer \(Self.adminToken)")] }

    struct Estate {
        var server: FleetHarness.Running
        var latest: Int64
        var waivers: (active: Int, expired: Int, revoked: Int)
    }

    /// kvm-a reported twice (QEMU 8.1 passing `qemu.sandbox`, then 8.2 failing it and the hostile check, with
    /// hostile subjects); kvm-b once; waivers in force, expired and revoked with hostile reasons; a host row with a
    /// hostile name (as an older server could have stored; enrolment refuses such names now).
    func populated() async throws -> Estate {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        let server = try await FleetHarness.startServer(databaseURL, access: access)
        let before = try FleetWaiverDriftTests.report(version: "8.1", checks: [("qemu.sandbox", "pass", "high")], status: "satisfied")
        let after = try FleetWaiverDriftTests.report(
            version: "8.2", checks: [("qemu.sandbox", "fail", "high"), (Self.hostileCheck, "fail", "medium")], status: "notSatisfied")
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        for (host, documents) in [("kvm-a", [before, after]), ("kvm-b", [after])] {
            var identity = try FleetHarness.newIdentity(in: dir)
            try await FleetHarness.enrol(&identity, host: host, server: server, databaseURL: databaseURL)
            for (index, document) in documents.enumerated() {
                let bundle = try FleetHarness.bundle(document, signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(Double(index) * 5))
                let outcome = await client.submit(bundle, identity: identity)
                guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
            }
        }
        func waive(_ check: String, host: String?, reason: String) async throws -> Int {
            var ask: [String: Any] = ["check": check, "reason": reason, "expires": "2099-12-31"]
            if let host { ask["host"] = host }
            let added = try await FleetHarness.post(
                server.url + "/api/v1/admin/waivers", body: try JSONSerialization.data(withJSONObject: ask), headers: admin)
            #expect(added.status == 201)
            return try #require((try JSONSerialization.jsonObject(with: added.body) as? [String: Any])?["id"] as? Int)
        }
        let active = try await waive("qemu.sandbox", host: "kvm-a", reason: "upgrade \(Self.hostile)")
        let expired = try await waive(Self.hostileCheck, host: nil, reason: "lapsed \(Self.hostile)")
        _ = try FleetHarness.sql(databaseURL, "UPDATE waivers SET expires_at = now() - interval '1 day' WHERE id = \(expired)")
        let revoked = try await waive("qemu.seccomp", host: "kvm-a", reason: "revoked later")
        let revoke = try await FleetHarness.post(
            server.url + "/api/v1/admin/waivers/\(revoked)/revoke",
            body: try JSONSerialization.data(withJSONObject: ["reason": "withdrawn \(Self.hostile)"]), headers: admin)
        #expect(revoke.status == 200 || revoke.status == 204)
        let name = Self.hostile.replacingOccurrences(of: "'", with: "''")
        _ = try FleetHarness.sql(databaseURL, "INSERT INTO hosts (name) VALUES ('\(name)')")
        let latest = try #require(
            Int64(
                try FleetHarness.sql(
                    databaseURL,
                    "SELECT a.id FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'kvm-a' ORDER BY a.assessed_at DESC, a.id DESC LIMIT 1"
                )))
        return Estate(server: server, latest: latest, waivers: (active, expired, revoked))
    }

    /// Gets `path` as the token's caller, saves it, screenshots it and returns Chromium's DOM. Expects 200, a
    /// non-blank screenshot and no console message.
    func rendered(_ estate: Estate, _ path: String, as token: String = viewerToken, name: String) async throws -> (html: String, dom: String) {
        let reply = try await FleetHarness.get(estate.server.url + path, headers: Self.basic(token))
        #expect(reply.status == 200, "\(path)")
        let chromium = try #require(Tool.find("chromium") ?? Tool.find("chromium-browser"), "chromium is not installed")
        let page = dir.appendingPathComponent("\(name).html")
        try reply.body.write(to: page)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0",
            "--user-data-dir=\(dir.appendingPathComponent("chrome").path)",
        ]
        let shot = dir.appendingPathComponent("\(name).png")
        let (shotStatus, _, _) = try Self.run(chromium, common + ["--screenshot=\(shot.path)", "--window-size=1280,1400", page.absoluteString])
        #expect(shotStatus == 0 && ((try? Data(contentsOf: shot))?.count ?? 0) > 10_000, "\(path)")
        let (status, dom, log) = try Self.run(chromium, common + ["--dump-dom", page.absoluteString])
        #expect(status == 0 && dom.contains("</html>"), "\(path)")
        try Data(dom.utf8).write(to: dir.appendingPathComponent("\(name).dom.html"))
        // Chromium logs each console message (a script error, a refused resource) as INFO:CONSOLE:LINE (older: CONSOLE(LINE)).
        #expect(!log.contains(":CONSOLE"), "\(path): \(log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.prefix(3))")
        return (String(decoding: reply.body, as: UTF8.self), dom)
    }

    /// No element or attribute a browser would run: no script element, no event-handler attribute, no
    /// `javascript:` link, no image; U+202E never reaches the page.
    /// (Chromium serializes `<` and `>` of text and of attribute values as entities, so a literal `<` opens an element.)
    static func expectInert(_ dom: String, _ path: String) throws {
        #expect(!dom.contains("<script"), "\(path)")
        #expect(!dom.contains("<img"), "\(path)")
        #expect(dom.range(of: "href=\"javascript:", options: .caseInsensitive) == nil, "\(path)")
        #expect(!dom.contains(try Regex(#"<[a-zA-Z][^<>]*\s[oO][nN][a-zA-Z]+\s*="#)), "\(path)")
        #expect(!dom.contains("\u{202E}"), "\(path)")
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func theWaiversPageShowsEachStateWithHostileReasonsAsText() async throws {
        let estate = try await populated()
        defer { Task { await estate.server.stop() } }
        let (html, dom) = try await rendered(estate, "/waivers", name: "waivers")
        try Self.expectInert(dom, "/waivers")
        #expect(dom.contains("1 in force, 1 expired, 1 revoked."))
        #expect(dom.contains("<tr class=\"waiver-active\"><td>\(estate.waivers.active)</td>"))
        #expect(dom.contains("<tr class=\"waiver-expired\"><td>\(estate.waivers.expired)</td>"))
        #expect(dom.contains("<tr class=\"waiver-revoked\"><td>\(estate.waivers.revoked)</td>"))
        #expect(dom.contains("in force") && dom.contains("expired: acts no more") && dom.contains("revoked "))
        #expect(dom.contains("upgrade \(Self.hostileText)") && dom.contains("lapsed \(Self.hostileText)"))
        #expect(dom.contains("withdrawn \(Self.hostileText)"))
        // The hostile check id: text, its link a relative, percent-encoded findings filter.
        #expect(dom.contains("javascript:alert(1)//&lt;img src=x onerror=alert(2)&gt;</a>"))
        #expect(html.contains("href=\"/?check=javascript%3Aalert%281%29%2F%2F%3Cimg%20src%3Dx%20onerror%3Dalert%282%29%3E&amp;verdict=fail\""))
        #expect(dom.contains("<a href=\"/hosts/kvm-a\">kvm-a</a>") && dom.contains("every host"))
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func theHostPageShowsItsDriftAndWaiversAndHostileNamesAsText() async throws {
        let estate = try await populated()
        defer { Task { await estate.server.stop() } }
        let (_, dom) = try await rendered(estate, "/hosts/kvm-a", name: "host")
        try Self.expectInert(dom, "/hosts/kvm-a")
        // Drift against the previous assessment: the hostile check started failing (qemu.sandbox failed before too,
        // under ISM-1460), ISM-1604 went satisfied → notSatisfied, QEMU 8.1 → 8.2.
        #expect(dom.contains("Drift since the previous assessment") && dom.contains("<table id=\"host-drift\""))
        let hostileRow = "<td>check</td><td class=\"bad\">now failing</td><td>javascript:alert(1)//&lt;img src=x onerror=alert(2)&gt;</td>"
        #expect(dom.contains(hostileRow + "<td>qemu/\(Self.hostileText)</td>"))
        #expect(dom.contains("<td class=\"bad\">satisfied → notSatisfied</td><td>ISM-1604</td>"))
        #expect(dom.contains("<td>mechanism</td><td>added</td><td>qemu</td><td>qemu 8.2</td>"))
        #expect(dom.contains("<td>mechanism</td><td>removed</td><td>qemu</td><td>qemu 8.1</td>"))
        // Its waivers (in force and revoked on kvm-a, the expired one on every host) and a waived finding.
        #expect(dom.contains("Waivers on this host (3)"))
        #expect(dom.contains("class=\"waiver-active\"") && dom.contains("class=\"waiver-revoked\"") && dom.contains("class=\"waiver-expired\""))
        #expect(dom.contains("<td class=\"waived\">waived <span class=\"muted\">(fails; waiver \(estate.waivers.active) until"))
        #expect(dom.contains("<a class=\"report\" href=\"/assessments/\(estate.latest)/report.html\">"))

        // A hostile name in the path (it arrives percent-encoded, as sent): the heading holds it as text.
        let path = "/hosts/" + Dashboard.component(Self.hostile)
        let (_, hostileDOM) = try await rendered(estate, path, name: "hostile-host")
        try Self.expectInert(hostileDOM, path)
        #expect(hostileDOM.contains("<h1>Host \(String(path.dropFirst(7)))</h1>"))
        #expect(hostileDOM.contains("No assessment received from this host."))

        // The estate lists the hostile host row as text, its link percent-encoded.
        let (estateHTML, estateDOM) = try await rendered(estate, "/", name: "estate")
        try Self.expectInert(estateDOM, "/")
        #expect(estateDOM.contains(">\(Self.hostileText)</a>"))
        #expect(estateHTML.contains("<a href=\"/hosts/\(Dashboard.component(Self.hostile))\">"))
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func aStoredAssessmentsReportRendersWithHostileStringsAsText() async throws {
        let estate = try await populated()
        defer { Task { await estate.server.stop() } }
        let path = "/assessments/\(estate.latest)/report.html"
        let (_, dom) = try await rendered(estate, path, name: "report")
        try Self.expectInert(dom, path)
        #expect(dom.contains("qemu/\(Self.hostileText)") || dom.contains("qemu/&lt;script&gt;alert('x')&lt;/script&gt;"))
        #expect(dom.contains("qemu.sandbox") && dom.contains("&lt;img src=x onerror=alert(2)&gt;"))
        #expect(!dom.contains("class=\"admin\""))
        // Unknown and malformed ids: 404 pages, never a crash.
        for bad in ["/assessments/999999/report.html", "/assessments/abc/report.html", "/assessments/-1/report.html"] {
            let reply = try await FleetHarness.get(estate.server.url + bad, headers: Self.basic(Self.viewerToken))
            #expect(reply.status == 404, "\(bad)")
            #expect(!String(decoding: reply.body, as: UTF8.self).contains("<script"))
        }
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func theFilterFormSelectsFindingsAndKeepsHostileValuesInsideItsFields() async throws {
        let estate = try await populated()
        defer { Task { await estate.server.stop() } }
        let (_, dom) = try await rendered(estate, "/?check=qemu.sandbox&verdict=fail", name: "filter")
        try Self.expectInert(dom, "filter")
        #expect(dom.contains("<form class=\"filters\" method=\"get\" action=\"/\">"))
        #expect(dom.contains("<input name=\"check\" value=\"qemu.sandbox\">") && dom.contains("<input name=\"verdict\" value=\"fail\">"))
        let findings = try #require(dom.components(separatedBy: "<table id=\"findings\"").last?.components(separatedBy: "</table>").first)
        let rows = findings.components(separatedBy: "<tr>").dropFirst(2)
        // Under ISM-1604 and ISM-1460 on each host: kvm-a's waived, kvm-b's failing.
        #expect(rows.count == 4 && rows.allSatisfy { $0.contains("<td>qemu.sandbox</td>") })
        #expect(rows.filter { $0.contains(">kvm-a</a>") }.allSatisfy { $0.contains("<td class=\"waived\">waived") })
        #expect(rows.filter { $0.contains(">kvm-b</a>") }.allSatisfy { $0.contains("<td class=\"bad\">fail</td>") })
        #expect(dom.contains("<a id=\"export-csv\" href=\"/api/v1/findings.csv?check=qemu.sandbox&amp;verdict=fail\">"))

        // A hostile filter value stays the value of its field: the form closes after its button, nothing runs.
        let query = "/?check=" + Dashboard.component(Self.hostile) + "&product=" + Dashboard.component("\"><script>alert(3)</script>")
        let (_, hostile) = try await rendered(estate, query, name: "filter-hostile")
        let inField = "value=\"&lt;script&gt;alert('x')&lt;/script&gt;&quot;'javascript:alert(1)\u{FFFD}rtl\""
        let inProduct = "value=\"&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\""
        #expect(hostile.contains("<input name=\"check\" \(inField)>") && hostile.contains("<input name=\"product\" \(inProduct)>"))
        try Self.expectInert(hostile, query)
        #expect(hostile.contains("<button type=\"submit\">Filter</button></form>"))
        #expect(hostile.contains("0 finding(s)"))
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func aViewersPagesHoldNoAdministrationAndAnAdminsDo() async throws {
        let estate = try await populated()
        defer { Task { await estate.server.stop() } }
        for (index, path) in ["/", "/?verdict=fail", "/hosts/kvm-a", "/hosts/nobody", "/waivers"].enumerated() {
            let (_, viewer) = try await rendered(estate, path, name: "viewer-\(index)")
            #expect(!viewer.contains("class=\"admin\"") && !viewer.contains("id=\"admin\""), "\(path)")
            #expect(!viewer.contains("/api/v1/admin") && !viewer.contains("Administration"), "\(path)")
            #expect(viewer.contains("Signed in as viewer (viewer)") || viewer.contains("(viewer)</p>"), "\(path)")
            let (_, admin) = try await rendered(estate, path, as: Self.adminToken, name: "admin-\(index)")
            #expect(admin.contains("<p id=\"admin\" class=\"admin\">") && admin.contains("<h2>Administration</h2>"), "\(path)")
            #expect(admin.contains("DELETE /api/v1/admin/waivers/ID") && admin.contains("(admin)</p>"), "\(path)")
        }
        // The host's own report is the same for both: no administration in it.
        let path = "/assessments/\(estate.latest)/report.html"
        let (viewerReport, _) = try await rendered(estate, path, name: "viewer-report")
        let (adminReport, _) = try await rendered(estate, path, as: Self.adminToken, name: "admin-report")
        #expect(!viewerReport.contains("class=\"admin\"") && !adminReport.contains("class=\"admin\""))
    }

    /// Runs a program to completion with its output and error output in files (Chromium's children may keep a
    /// pipe open).
    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-chromium-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out")
        let err = base.appendingPathExtension("err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        try #require(FileManager.default.createFile(atPath: out.path, contents: nil), "could not create \(out.path)")
        try #require(FileManager.default.createFile(atPath: err.path, contents: nil), "could not create \(err.path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }
}
