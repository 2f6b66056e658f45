import BulkheadTestSupport
import Crypto
import FleetAgent
import FleetProtocol
import Foundation
import JWTKit
import Testing

@testable import FleetServer

/// The read API, roles, audit of administrative actions, /metrics and the dashboard (also rendered by
/// headless Chromium), against a real PostgreSQL and a server in this process.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct ReadAPITests {
    static let adminToken = "admin-token-\(UUID().uuidString)"
    static let viewerToken = "viewer-token-\(UUID().uuidString)"
    static let jwtSecret = Data("a-jwt-secret-of-at-least-32-bytes-\(UUID().uuidString)".utf8)
    static let hostile = "<script>alert('x')</script>&\u{202E}rtl"

    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("readapi")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// A server with two enrolled hosts (one reported a real report plus a hostile mechanism; one never reported).
    func populated() async throws -> FleetHarness.Running {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken], jwtSecret: Self.jwtSecret)
        let server = try await FleetHarness.startServer(databaseURL, access: access)
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "kvm-reporting", server: server, databaseURL: databaseURL)
        var quiet = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&quiet, host: "kvm-silent", server: server, databaseURL: databaseURL)
        var json = try #require(try JSONSerialization.jsonObject(with: try FleetHarness.liveReport.get()) as? [String: Any])
        var mechanisms = json["mechanisms"] as? [[String: Any]] ?? []
        mechanisms.append([
            "catalogProduct": "qemu", "mechanism": ["name": "QEMU", "product": "qemu", "version": "8.2"],
            "controls": [
                [
                    "verdict": ["control": "ISM-1604", "status": "notSatisfied", "subject": "qemu"],
                    "findings": [
                        [
                            "checkID": "qemu.sandbox", "severity": "high", "outcome": ["fail": [:]], "subject": "qemu/\(Self.hostile)",
                            "controls": ["ISM-1604"],
                        ]
                    ],
                ]
            ],
        ])
        json["mechanisms"] = mechanisms
        let payload = try FleetHarness.bundle(try JSONSerialization.data(withJSONObject: json), signedBy: identity, in: dir)
        let client = try FleetClient(server: server.url)
        let outcome = await client.submit(payload, identity: identity)
        await client.shutdown()
        guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
        return server
    }

    @Test func readersNeedATokenViewersReadAdminsAdministerAndAreAudited() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        // No or wrong credentials.
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts").status == 401)
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer("not-a-token")).status == 401)

        // Viewer: the read API.
        let hosts = try FleetWire.decoder().decode(
            [FleetDatabase.HostRow].self, from: try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer(Self.viewerToken)).body)
        #expect(hosts.map(\.name) == ["kvm-reporting", "kvm-silent"])
        #expect(hosts[0].failingChecks >= 1 && hosts[0].products.contains("qemu") && hosts[1].latestAssessmentID == nil)
        let posture = try FleetWire.decoder().decode(
            [FleetDatabase.PostureRow].self,
            from: try await FleetHarness.get(server.url + "/api/v1/posture?control=ISM-1604", headers: bearer(Self.viewerToken)).body)
        #expect(posture.contains { $0.control == "ISM-1604" && $0.status == "notSatisfied" && $0.count >= 1 })
        #expect(posture.allSatisfy { $0.control == "ISM-1604" })
        let findings = try FleetWire.decoder().decode(
            [FleetDatabase.FindingRow].self,
            from: try await FleetHarness.get(
                server.url + "/api/v1/findings?check=qemu.sandbox&severity=high&verdict=fail", headers: bearer(Self.viewerToken)
            ).body)
        #expect(findings.contains { $0.host == "kvm-reporting" && $0.subject == "qemu/\(Self.hostile)" })
        #expect(findings.allSatisfy { $0.checkID == "qemu.sandbox" && $0.severity == "high" && $0.verdict == "fail" })
        // Which hosts fail a check (as: QEMU without -sandbox): the check across hosts, with its products.
        let failing = try FleetWire.decoder().decode(
            [FleetDatabase.FailingCheckRow].self,
            from: try await FleetHarness.get(server.url + "/api/v1/checks/failing", headers: bearer(Self.viewerToken)).body)
        let sandbox = try #require(failing.first { $0.checkID == "qemu.sandbox" })
        #expect(sandbox.hosts == 1 && sandbox.products.contains("qemu") && sandbox.severities.contains("high"))
        #expect(failing.allSatisfy { $0.hosts >= 1 })
        let silent = try FleetWire.decoder().decode(
            [FleetDatabase.HostRow].self, from: try await FleetHarness.get(server.url + "/api/v1/silent", headers: bearer(Self.viewerToken)).body)
        #expect(silent.map(\.name) == ["kvm-silent"])
        let history = try FleetWire.decoder().decode(
            [FleetDatabase.AssessmentRow].self,
            from: try await FleetHarness.get(server.url + "/api/v1/hosts/kvm-reporting/assessments", headers: bearer(Self.viewerToken)).body)
        #expect(history.count == 1)

        // Viewer on administration: 403, nothing done.
        let denied = try await FleetHarness.post(
            server.url + "/api/v1/admin/hosts/kvm-silent/revoke", body: Data(), headers: bearer(Self.viewerToken))
        #expect(denied.status == 403 && denied.errorCode == "forbidden")
        #expect(try FleetHarness.sql(databaseURL, "SELECT revoked_at IS NULL FROM hosts WHERE name = 'kvm-silent'") == "t")

        // Admin: enrol token and revoke, each in the audit table under the caller's name.
        let issued = try await FleetHarness.post(
            server.url + "/api/v1/admin/enrol-tokens", body: Data(#"{"host": "new-host"}"#.utf8), headers: bearer(Self.adminToken))
        #expect(issued.status == 201)
        let revoked = try await FleetHarness.post(
            server.url + "/api/v1/admin/hosts/kvm-silent/revoke", body: Data(), headers: bearer(Self.adminToken))
        #expect(revoked.status == 200)
        let actor = "token:" + FleetWire.sha256Hex(Data(Self.adminToken.utf8)).prefix(12)
        #expect(
            try FleetHarness.sql(databaseURL, "SELECT string_agg(action || '/' || target, ',' ORDER BY id) FROM audit_log WHERE actor = '\(actor)'")
                == "enrol.issue/new-host,host.revoke/kvm-silent")
        #expect(try await FleetHarness.get(server.url + "/api/v1/admin/audit", headers: bearer(Self.viewerToken)).status == 403)
        #expect(try await FleetHarness.get(server.url + "/api/v1/admin/audit", headers: bearer(Self.adminToken)).status == 200)
    }

    @Test func bearerJWTsCarryTheRoleAndAreCheckedForSignatureAndExpiry() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        struct Claims: JWTPayload {
            var sub: SubjectClaim
            var exp: ExpirationClaim
            var role: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        func token(role: String, expires: Date, secret: Data = Self.jwtSecret) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return try await keys.sign(Claims(sub: "alice@example.org", exp: .init(value: expires), role: role))
        }
        let viewer = try await token(role: "viewer", expires: Date().addingTimeInterval(600))
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer(viewer)).status == 200)
        #expect(try await FleetHarness.get(server.url + "/api/v1/admin/audit", headers: bearer(viewer)).status == 403)
        let admin = try await token(role: "admin", expires: Date().addingTimeInterval(600))
        #expect(try await FleetHarness.get(server.url + "/api/v1/admin/audit", headers: bearer(admin)).status == 200)
        let expired = try await token(role: "admin", expires: Date().addingTimeInterval(-600))
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer(expired)).status == 401)
        let forged = try await token(
            role: "admin", expires: Date().addingTimeInterval(600), secret: Data("another-secret-of-32-bytes-or-more!!".utf8))
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer(forged)).status == 401)
        let unknownRole = try await token(role: "root", expires: Date().addingTimeInterval(600))
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts", headers: bearer(unknownRole)).status == 401)
    }

    @Test func findingsExportAsCSVWithFormulaCellsDefused() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let reply = try await FleetHarness.get(server.url + "/api/v1/findings.csv?check=qemu.sandbox", headers: bearer(Self.viewerToken))
        #expect(reply.status == 200)
        let csv = String(decoding: reply.body, as: UTF8.self)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.first == "host,assessment,assessed_at,check_id,severity,verdict,subject,product,controls,waived")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("\"kvm-reporting\",") && $0.contains("\"qemu.sandbox\"") })
        #expect(csv.contains("\"qemu/<script>alert('x')</script>&\u{202E}rtl\""))
        #expect(
            Dashboard.csv([
                .init(
                    host: "h", assessmentID: 1, assessedAt: Date(timeIntervalSince1970: 0), checkID: "=HYPERLINK(\"x\")", severity: "+1",
                    verdict: "@a",
                    subject: "-2", product: nil, controls: [])
            ]).contains("\"'=HYPERLINK(\"\"x\"\")\",\"'+1\",\"'@a\",\"'-2\""))
    }

    @Test func concurrentSubmissionsOfOneBundleStoreItOnce() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "racer", server: server, databaseURL: databaseURL)
        let payload = try FleetHarness.bundle(try FleetHarness.liveReport.get(), signedBy: identity, in: dir)
        let client = try FleetClient(server: server.url)
        let enrolled = identity
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    switch await client.submit(payload, identity: enrolled) {
                    case .accepted(let status, _): status
                    case .refused(let status, _, _): status
                    case .unreachable: -1
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        await client.shutdown()
        #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
        #expect(statuses.allSatisfy { [200, 201, 409].contains($0) }, "\(statuses)")
        #expect(
            try FleetHarness.sql(databaseURL, "SELECT count(*) FROM assessments WHERE host_id = (SELECT id FROM hosts WHERE name = 'racer')") == "1")
    }

    @Test func metricsCountSubmissions() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let text = String(decoding: try await FleetHarness.get(server.url + "/metrics").body, as: UTF8.self)
        #expect(text.contains("bulkhead_submissions_total{result=\"stored\"} 1"), "\(text.prefix(800))")
        // One counter family, as the server has always exposed it: a type line and no help line.
        #expect(text.contains("# TYPE bulkhead_submissions_total counter\n") && !text.contains("# HELP bulkhead_submissions_total"))
    }

    @Test(.enabled(if: Tool.runs("chromium") || Tool.runs("chromium-browser"), "needs chromium (.ci/run installs it)"))
    func theDashboardEscapesHostStringsAndShowsViewersNoAdministration() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        // A browser without credentials gets a Basic challenge.
        let challenge = try await FleetHarness.get(server.url + "/")
        #expect(challenge.status == 401)
        func basic(_ token: String) -> [(String, String)] { [("Authorization", "Basic " + Data("any:\(token)".utf8).base64EncodedString())] }
        let viewerPage = try await FleetHarness.get(server.url + "/?check=qemu.sandbox", headers: basic(Self.viewerToken))
        let adminPage = try await FleetHarness.get(server.url + "/", headers: basic(Self.adminToken))
        #expect(viewerPage.status == 200 && adminPage.status == 200)
        let viewerHTML = String(decoding: viewerPage.body, as: UTF8.self)
        #expect(!viewerHTML.contains("<script") && viewerHTML.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\u{FFFD}rtl"))
        #expect(!viewerHTML.contains("id=\"admin\"") && String(decoding: adminPage.body, as: UTF8.self).contains("id=\"admin\""))
        #expect(viewerHTML.contains("<a href=\"/?check=qemu.sandbox&amp;verdict=fail\">qemu.sandbox</a>"))

        // Chromium renders the page (as saved): no script element, the hostile subject is text, the tables are there.
        let chromium = try #require(Tool.find("chromium") ?? Tool.find("chromium-browser"), "chromium is not installed")
        let page = dir.appendingPathComponent("dashboard.html")
        try viewerPage.body.write(to: page)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(dir.appendingPathComponent("chrome").path)",
        ]
        let shot = dir.appendingPathComponent("dashboard.png")
        let (shotStatus, _) = try Self.run(chromium, common + ["--screenshot=\(shot.path)", "--window-size=1280,1400", page.absoluteString])
        #expect(shotStatus == 0 && ((try? Data(contentsOf: shot))?.count ?? 0) > 10_000)
        let (status, dom) = try Self.run(chromium, common + ["--dump-dom", page.absoluteString])
        #expect(status == 0)
        #expect(!dom.contains("<script"))
        #expect(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"))
        #expect(dom.contains("<table id=\"posture\"") && dom.contains("<table id=\"hosts\"") && dom.contains("<table id=\"findings\""))
        #expect(dom.contains("<table id=\"failing-checks\""))
        #expect(dom.contains("kvm-silent") && !dom.contains("id=\"admin\""))
    }

    /// Runs a program to completion with output in a file (Chromium's children may keep a pipe open).
    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-chromium-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: out) }
        try #require(FileManager.default.createFile(atPath: out.path, contents: nil), "could not create \(out.path)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
}
