import Assessment
import AsyncHTTPClient
import BulkheadModel
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import NIOCore
import Testing

@testable import FleetServer

/// Fleet waivers that act (findings shown waived, the posture judged as a `--fail-on` gate judges it) and
/// are revoked (audited, kept in history); per-host drift; the OSCAL estate export streamed page by page.
/// Real stored assessments (this machine's live report with a QEMU mechanism of the test's), real PostgreSQL.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct FleetWaiverDriftTests {
    static let adminToken = "admin-token-\(UUID().uuidString)"
    static let viewerToken = "viewer-token-\(UUID().uuidString)"
    static let hostile = "<script>alert('x')</script>\"'javascript:alert(1)\u{202E}rtl"

    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("waivedrift")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    var viewer: [(String, String)] { [("Authorization", "Bearer \(Self.viewerToken)")] }
    var admin: [(String, String)] { [("Authorization", "Bearer \(Self.adminToken)")] }
    var basicViewer: [(String, String)] { [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())] }
    var basicAdmin: [(String, String)] { [("Authorization", "Basic " + Data("any:\(Self.adminToken)".utf8).base64EncodedString())] }

    /// The live report plus a QEMU mechanism of `version`: ISM-1604 with the given findings (recorded as
    /// `ControlRollup` rolls them up), and ISM-1460 recorded notSatisfied with a failing `qemu.sandbox` filed
    /// under it (a vendor evaluation: a waiver never changes it). Findings are copied from a real one.
    static func report(version: String, checks: [(id: String, outcome: String, severity: String)], status: String) throws -> Data {
        let live = try FleetHarness.liveReport.get()
        var json = try #require(try JSONSerialization.jsonObject(with: live) as? [String: Any])
        var mechanisms = try #require(json["mechanisms"] as? [[String: Any]])
        var qemu = try #require(mechanisms.first)
        qemu["catalogProduct"] = "qemu"
        var mechanism = try #require(qemu["mechanism"] as? [String: Any])
        mechanism["product"] = "qemu"
        mechanism["name"] = "QEMU"
        mechanism["version"] = version
        qemu["mechanism"] = mechanism
        let template = try #require((qemu["controls"] as? [[String: Any]])?.first { ($0["findings"] as? [Any])?.isEmpty == false })
        let findingTemplate = try #require((template["findings"] as? [[String: Any]])?.first)
        func finding(_ id: String, _ outcome: String, _ severity: String, control: String) -> [String: Any] {
            var f = findingTemplate
            f["checkID"] = id
            f["severity"] = severity
            f["outcome"] = [outcome: [String: Any]()]
            f["subject"] = "qemu/\(hostile)"
            f["controls"] = [control]
            return f
        }
        func control(_ id: String, _ status: String, _ findings: [[String: Any]]) -> [String: Any] {
            var c = template
            var verdict = template["verdict"] as? [String: Any] ?? [:]
            verdict["control"] = id
            verdict["status"] = status
            verdict["subject"] = "qemu"
            c["verdict"] = verdict
            c["findings"] = findings
            return c
        }
        qemu["controls"] = [
            control("ISM-1604", status, checks.map { finding($0.id, $0.outcome, $0.severity, control: "ISM-1604") }),
            control("ISM-1460", "notSatisfied", [finding("qemu.sandbox", "fail", "high", control: "ISM-1460")]),
        ]
        mechanisms.append(qemu)
        json["mechanisms"] = mechanisms
        let data = try JSONSerialization.data(withJSONObject: json)
        // The server reads it as an assessment report (the posture and the HTML report decode it).
        let report = try JSONCoding.decoder().decode(AssessmentReport.self, from: data)
        #expect(report.mechanisms.last?.controls.count == 2)
        return data
    }

    static let failingSandbox = try? report(
        version: "8.2", checks: [("qemu.sandbox", "fail", "high"), ("qemu.seccomp", "pass", "low")], status: "notSatisfied")

    func start() async throws -> FleetHarness.Running {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        return try await FleetHarness.startServer(databaseURL, access: access)
    }

    func submit(_ documents: [Data], host: String, server: FleetHarness.Running) async throws {
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: host, server: server, databaseURL: databaseURL)
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        for (index, document) in documents.enumerated() {
            let bundle = try FleetHarness.bundle(document, signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(Double(index) * 5))
            let outcome = await client.submit(bundle, identity: identity)
            guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
        }
    }

    func posture(_ server: FleetHarness.Running, control: String) async throws -> [String: (count: Int, waived: Int)] {
        let rows = try FleetWire.decoder().decode(
            [FleetDatabase.PostureRow].self,
            from: try await FleetHarness.get(server.url + "/api/v1/posture?control=\(control)", headers: viewer).body)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.status, ($0.count, $0.waived)) })
    }

    func findings(_ server: FleetHarness.Running, _ query: String) async throws -> [FleetDatabase.FindingRow] {
        let reply = try await FleetHarness.get(server.url + "/api/v1/findings.json?" + query, headers: viewer)
        #expect(reply.status == 200)
        return try FleetWire.decoder().decode([FleetDatabase.FindingRow].self, from: reply.body)
    }

    @Test func aWaiverInForceShowsFailuresWaivedAndThePostureAsTheGateJudgesItUntilRevoked() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let document = try #require(Self.failingSandbox)
        try await submit([document], host: "kvm-waived", server: server)
        try await submit([document], host: "kvm-other", server: server)
        // The live report's own verdicts count too: the test compares with this baseline.
        let base1604 = try await posture(server, control: "ISM-1604")
        let base1460 = try await posture(server, control: "ISM-1460")
        let notSatisfied = base1604["notSatisfied"]?.count ?? 0
        #expect(notSatisfied >= 2)

        let ask = try JSONSerialization.data(withJSONObject: [
            "check": "qemu.sandbox", "host": "kvm-waived", "reason": "upgrade \(Self.hostile)", "expires": "2099-12-31",
        ])
        let added = try await FleetHarness.post(server.url + "/api/v1/admin/waivers", body: ask, headers: admin)
        #expect(added.status == 201)
        let id = try #require((try JSONSerialization.jsonObject(with: added.body) as? [String: Any])?["id"] as? Int)

        // Findings: kvm-waived's failures of the check carry the waiver (id, expiry), still verdict fail; kvm-other's do not.
        let sandbox = try await findings(server, "check=qemu.sandbox")
        #expect(sandbox.count == 4)
        #expect(sandbox.filter { $0.host == "kvm-waived" }.allSatisfy { $0.verdict == "fail" && $0.waived?.id == Int64(id) })
        #expect(sandbox.filter { $0.host == "kvm-other" }.allSatisfy { $0.waived == nil && $0.expiredWaiver == nil })
        #expect(try await findings(server, "verdict=waived").allSatisfy { $0.host == "kvm-waived" && $0.checkID == "qemu.sandbox" })
        #expect(try await findings(server, "verdict=waived").count == 2)
        #expect(try await findings(server, "check=qemu.seccomp").allSatisfy { $0.waived == nil })
        let csv = String(
            decoding: try await FleetHarness.get(server.url + "/api/v1/findings.csv?check=qemu.sandbox", headers: viewer).body, as: UTF8.self)
        #expect(csv.hasPrefix("host,assessment,assessed_at,check_id,severity,verdict,subject,product,controls,waived\r\n"))
        #expect(csv.contains("\"\(id) until 2099-12-31T23:59:59Z\"\r\n"))

        // Posture: kvm-waived's ISM-1604 rolled up without the waived failure (a pass is left: satisfied, by
        // waiver); kvm-other still notSatisfied; ISM-1460 (a vendor evaluation) unchanged on both.
        let p1604 = try await posture(server, control: "ISM-1604")
        #expect(p1604["notSatisfied"]?.count == notSatisfied - 1 && p1604["notSatisfied"]?.waived == 0)
        #expect(p1604["satisfied"]?.count == (base1604["satisfied"]?.count ?? 0) + 1 && p1604["satisfied"]?.waived == 1)
        let p1460 = try await posture(server, control: "ISM-1460")
        #expect(p1460.mapValues(\.count) == base1460.mapValues(\.count) && p1460.values.allSatisfy { $0.waived == 0 })

        // The host page shows the failure as waived (never as a pass); the host's HTML report counts it waived.
        let page = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-waived", headers: basicViewer).body, as: UTF8.self)
        #expect(page.contains("<td class=\"waived\">waived <span class=\"muted\">(fails; waiver \(id) until 2099-12-31T23:59:59Z)</span></td>"))
        #expect(page.contains("<table id=\"waivers\">") && page.contains("in force") && !page.contains("<script>"))
        #expect(page.contains("upgrade &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&#39;javascript:alert(1)\u{FFFD}rtl"))
        let estate = String(decoding: try await FleetHarness.get(server.url + "/", headers: basicViewer).body, as: UTF8.self)
        #expect(estate.contains("(1 by waiver)") && estate.contains("id=\"posture-waivers\""))
        let assessment = try FleetHarness.sql(
            databaseURL, "SELECT a.id FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'kvm-waived'")
        let report = String(
            decoding: try await FleetHarness.get(server.url + "/assessments/\(assessment)/report.html", headers: basicViewer).body, as: UTF8.self)
        #expect(report.contains("waived") && !report.contains("<script"))

        // Revocation: viewers 403; a reason is needed; unknown 404; then revoked (audited with actor and reason), twice 409.
        let revokeURL = server.url + "/api/v1/admin/waivers/\(id)"
        func delete(_ url: String, body: String, headers: [(String, String)]) async throws -> FleetHarness.Reply {
            var request = HTTPClientRequest(url: url)
            request.method = .DELETE
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await FleetHarness.http.execute(request, timeout: .seconds(60))
            return .init(status: Int(response.status.code), body: Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView))
        }
        #expect(try await delete(revokeURL, body: #"{"reason": "done"}"#, headers: viewer).status == 403)
        #expect(try await delete(revokeURL, body: "", headers: []).status == 401)
        #expect(try await delete(revokeURL, body: #"{"reason": "  "}"#, headers: admin).status == 400)
        #expect(try await delete(revokeURL, body: "not json", headers: admin).status == 400)
        #expect(try await delete(server.url + "/api/v1/admin/waivers/999999", body: #"{"reason": "x"}"#, headers: admin).status == 404)
        #expect(try await delete(server.url + "/api/v1/admin/waivers/x'1", body: #"{"reason": "x"}"#, headers: admin).status == 404)
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM audit_log WHERE action = 'waiver.revoke'") == "0")
        let revoked = try await delete(revokeURL, body: #"{"reason": "QEMU upgraded <b>"}"#, headers: admin)
        #expect(revoked.status == 200, "\(String(decoding: revoked.body, as: UTF8.self))")
        #expect(try await delete(revokeURL, body: #"{"reason": "again"}"#, headers: admin).status == 409)
        let actor = "token:" + FleetWire.sha256Hex(Data(Self.adminToken.utf8)).prefix(12)
        #expect(
            try FleetHarness.sql(
                databaseURL,
                "SELECT actor || '|' || target || '|' || (detail->>'waiver') || '|' || (detail->>'reason') FROM audit_log WHERE action = 'waiver.revoke'"
            )
                == "\(actor)|kvm-waived|\(id)|QEMU upgraded <b>")

        // Revoked: acts no more, kept in history, marked revoked with who and why.
        #expect(try await findings(server, "check=qemu.sandbox").allSatisfy { $0.waived == nil })
        #expect(try await findings(server, "verdict=waived").isEmpty)
        #expect(try await posture(server, control: "ISM-1604")["notSatisfied"]?.count == notSatisfied)
        let listed = try FleetWire.decoder().decode(
            [FleetDatabase.WaiverRow].self, from: try await FleetHarness.get(server.url + "/api/v1/waivers", headers: viewer).body)
        #expect(listed.count == 1 && listed[0].state == .revoked && listed[0].revokedBy == actor && listed[0].revokeReason == "QEMU upgraded <b>")

        // POST …/revoke does the same; an expired waiver acts no more and the host page says it expired.
        let second = try await FleetHarness.post(
            server.url + "/api/v1/admin/waivers",
            body: Data(#"{"check": "qemu.sandbox", "reason": "fleet-wide", "expires": "2099-01-01"}"#.utf8), headers: admin)
        let secondID = try #require((try JSONSerialization.jsonObject(with: second.body) as? [String: Any])?["id"] as? Int)
        #expect(try await findings(server, "verdict=waived").count == 4)
        #expect(
            try await FleetHarness.post(
                server.url + "/api/v1/admin/waivers/\(secondID)/revoke", body: Data(#"{"reason": "r"}"#.utf8), headers: viewer
            ).status == 403)
        #expect(
            try await FleetHarness.post(
                server.url + "/api/v1/admin/waivers/\(secondID)/revoke", body: Data(#"{"reason": "r"}"#.utf8), headers: admin
            ).status == 200)
        #expect(try await findings(server, "verdict=waived").isEmpty)
        _ = try FleetHarness.sql(
            databaseURL,
            "INSERT INTO waivers (check_id, host, reason, expires_at, created_by) VALUES ('qemu.sandbox', 'kvm-other', 'lapsed', now() - interval '1 day', 'test')"
        )
        let lapsed = try await findings(server, "check=qemu.sandbox&host=kvm-other")
        #expect(lapsed.count == 2 && lapsed.allSatisfy { $0.waived == nil && $0.expiredWaiver != nil })
        #expect(try await posture(server, control: "ISM-1604")["notSatisfied"]?.count == notSatisfied)
        let other = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-other", headers: basicViewer).body, as: UTF8.self)
        #expect(other.contains("expired: acts no more") && other.contains("<td class=\"bad\">fail <span class=\"muted\">(waiver "))
        let waiversPage = String(decoding: try await FleetHarness.get(server.url + "/waivers", headers: basicViewer).body, as: UTF8.self)
        #expect(waiversPage.contains("0 in force, 1 expired, 2 revoked") && waiversPage.contains("class=\"waiver-revoked\""))
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM waivers") == "3")
    }

    @Test func hostDriftComparesTheLatestAssessmentWithTheReviewOrThePreviousOne() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let before = try #require(Self.failingSandbox)
        // Later: QEMU upgraded, qemu.sandbox passes, a low failure appears: ISM-1604 partially satisfied.
        let after = try Self.report(
            version: "9.0", checks: [("qemu.sandbox", "pass", "high"), ("qemu.seccomp", "fail", "low")], status: "partiallySatisfied")
        let firstSubmitted = Date()
        try await submit([before, after], host: "kvm-drift", server: server)
        let url = server.url + "/api/v1/hosts/kvm-drift/drift"
        #expect(try await FleetHarness.get(url).status == 401)
        let reply = try await FleetHarness.get(url, headers: viewer)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        let drift = try FleetWire.decoder().decode(FleetDatabase.HostDrift.self, from: reply.body)
        let subject = "qemu/\(Self.hostile)"
        #expect(drift.basis == "previous" && drift.base != nil && drift.base?.id != drift.latest?.id)
        // qemu.sandbox passes under ISM-1604 now but still fails under ISM-1460: not resolved.
        #expect(drift.checks == [.init(change: "new", checkID: "qemu.seccomp", subject: subject)], "\(drift.checks)")
        #expect(drift.verdicts.map { "\($0.control) \($0.from ?? "-")→\($0.to ?? "-")" } == ["ISM-1604 notSatisfied→partiallySatisfied"])
        #expect(drift.mechanisms.map { "\($0.change) \($0.product ?? "") \($0.version ?? "")" } == ["added qemu 9.0", "removed qemu 8.2"])

        // The host page shows it, the subject escaped.
        let page = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-drift", headers: basicViewer).body, as: UTF8.self)
        #expect(page.contains("<h2>Drift since the previous assessment</h2>") && page.contains("<table id=\"host-drift\">"))
        #expect(page.contains("notSatisfied → partiallySatisfied") && page.contains("now failing") && !page.contains("<script>"))

        // ?since= before anything was received: nothing to compare; a bad since 400; an unknown host 404.
        let early = try FleetWire.decoder().decode(
            FleetDatabase.HostDrift.self,
            from: try await FleetHarness.get(url + "?since=\(firstSubmitted.addingTimeInterval(-3600).formatted(.iso8601))", headers: viewer).body)
        #expect(early.basis == "since" && early.base == nil && early.checks.isEmpty)
        #expect(try await FleetHarness.get(url + "?since=yesterday", headers: viewer).status == 400)
        #expect(try await FleetHarness.get(url + "?since=2026-13-45", headers: viewer).status == 400)
        #expect(try await FleetHarness.get(server.url + "/api/v1/hosts/no-such-host/drift", headers: viewer).status == 404)
        #expect(try await FleetHarness.get(server.url + "/hosts/kvm-drift?since=%3Cscript%3E", headers: basicViewer).status == 400)

        // After a review, the default base is the assessment held at the review: no change since.
        #expect(try await FleetHarness.post(server.url + "/api/v1/admin/reviews", body: Data(), headers: admin).status == 201)
        let reviewed = try FleetWire.decoder().decode(FleetDatabase.HostDrift.self, from: try await FleetHarness.get(url, headers: viewer).body)
        #expect(reviewed.basis == "review" && reviewed.since != nil && reviewed.base == reviewed.latest && reviewed.checks.isEmpty)
        #expect(reviewed.verdicts.isEmpty && reviewed.mechanisms.isEmpty)
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func theOSCALEstateIsStreamedPageByPageWithNoCapAndIsSchemaValid() async throws {
        let server = try await start()
        defer { Task { await server.stop() } }
        let document = try #require(Self.failingSandbox)
        let names = ["kvm-e1", "kvm-e2", "kvm-e3", "kvm-e4", "kvm-e5"]
        for name in names { try await submit([document], host: name, server: server) }
        // Pages of two hosts: three pages; each host's result written on its own, no host lost.
        let (data, writes) = try await FleetHarness.withDatabase(databaseURL) { database in
            var out = Data()
            var writes = 0
            try await database.assessmentResults(.init(), pageSize: 2) { piece in
                out.append(piece)
                writes += 1
            }
            return (out, writes)
        }
        #expect(writes == names.count + 2)
        let schema = JSONSchemaValidator.oscalSchema("assessment-results")
        let run = try JSONSchemaValidator.validate(data, schema: schema)
        #expect(run.status == 0, "OSCAL schema errors:\n\(run.output)")
        func hosts(_ data: Data) throws -> [String] {
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let ar = try #require(root["assessment-results"] as? [String: Any])
            let props = ((ar["metadata"] as? [String: Any])?["props"] as? [[String: Any]]) ?? []
            #expect(props.contains { $0["name"] as? String == "hosts" && $0["value"] as? String == String(names.count) })
            #expect(!props.contains { $0["name"] as? String == "truncated-after-hosts" })
            return (ar["results"] as? [[String: Any]] ?? []).flatMap { result in
                ((result["local-definitions"] as? [String: Any])?["components"] as? [[String: Any]] ?? [])
                    .filter { $0["type"] as? String == "this-system" }.compactMap { $0["title"] as? String }
            }
        }
        #expect(try hosts(data) == names.map { "Host \($0)" })
        // Over HTTP (the server's page size): the same hosts, schema-valid, no truncation header.
        let reply = try await FleetHarness.get(server.url + "/api/v1/assessment-results.json", headers: viewer)
        #expect(reply.status == 200)
        #expect(try JSONSchemaValidator.validate(reply.body, schema: schema).status == 0)
        #expect(try hosts(reply.body) == names.map { "Host \($0)" })
        // A filter over pages: the page boundary does not lose or repeat a host.
        let filtered = try await FleetHarness.withDatabase(databaseURL) { database in
            try await database.assessmentResults(.init(checkID: "qemu.sandbox", verdict: "fail"), pageSize: 1)
        }
        #expect(try hosts(filtered) == names.map { "Host \($0)" })
    }
}
