import Assessment
import BulkheadModel
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import Reporting
import Testing

@testable import FleetServer

/// The estate exports: findings as JSON, and one OSCAL assessment-results document for the whole estate or a
/// filter, written by Reporting's OSCAL writer and validated against NIST's OSCAL 1.1.2 JSON schema (as
/// ReportingTests validate a host's own document), from a real server and PostgreSQL.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct EstateExportTests {
    static let viewerToken = "viewer-token-\(UUID().uuidString)"
    static let adminToken = "admin-token-\(UUID().uuidString)"
    static let hostile = "<script>alert('x')</script>&\u{202E}rtl\nsecond"
    static let qemuVersion = "8.2.2+fleet-test"

    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("estate")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
    }

    func viewer() -> [(String, String)] { [("Authorization", "Bearer \(Self.viewerToken)")] }

    /// Two hosts that sent this machine's live report (the same report: distinct UUIDs are the writer's job),
    /// one with a QEMU mechanism failing `qemu.sandbox` on a hostile subject; a third host never reported.
    func populated() async throws -> FleetHarness.Running {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        let server = try await FleetHarness.startServer(databaseURL, access: access)
        let live = try FleetHarness.liveReport.get()
        var report = try JSONCoding.decoder().decode(AssessmentReport.self, from: live)
        // A copy of the report's first mechanism as QEMU failing qemu.sandbox (ISM-1604) on a hostile subject.
        var json = try #require(try JSONSerialization.jsonObject(with: live) as? [String: Any])
        var mechanisms = try #require(json["mechanisms"] as? [[String: Any]])
        var qemu = try #require(mechanisms.first)
        qemu["catalogProduct"] = "qemu"
        var mechanism = try #require(qemu["mechanism"] as? [String: Any])
        mechanism["product"] = "qemu"
        mechanism["name"] = "QEMU \(Self.hostile)"
        mechanism["version"] = Self.qemuVersion
        qemu["mechanism"] = mechanism
        let finding: [String: Any] = [
            "checkID": "qemu.sandbox", "severity": "high", "outcome": ["fail": [:]], "subject": "qemu/\(Self.hostile)",
            "controls": ["ISM-1604"], "evidence": [] as [Any], "title": "QEMU runs with -sandbox",
        ]
        var control = try #require((qemu["controls"] as? [[String: Any]])?.first { ($0["findings"] as? [Any])?.isEmpty == false })
        var verdict = try #require(control["verdict"] as? [String: Any])
        verdict["control"] = "ISM-1604"
        verdict["status"] = "notSatisfied"
        control["verdict"] = verdict
        var template = try #require((control["findings"] as? [[String: Any]])?.first)
        for (key, value) in finding { template[key] = value }
        control["findings"] = [template]
        qemu["controls"] = [control]
        mechanisms.append(qemu)
        json["mechanisms"] = mechanisms
        // kvm-b's system profile classifies the host.
        json["profile"] = ["path": "/etc/bulkhead/bulkhead.toml", "host": ["classification": "PROTECTED"], "guests": [String: Any]()]
        let withQEMU = try JSONSerialization.data(withJSONObject: json)
        report = try JSONCoding.decoder().decode(AssessmentReport.self, from: withQEMU)
        #expect(report.mechanisms.count == mechanisms.count, "the test's QEMU mechanism is a readable report")
        #expect(report.profile?.host.classification == "PROTECTED")

        let client = try FleetClient(server: server.url)
        for (host, document) in [("kvm-a", live), ("kvm-b", withQEMU)] {
            var identity = try FleetHarness.newIdentity(in: dir)
            try await FleetHarness.enrol(&identity, host: host, server: server, databaseURL: databaseURL)
            let outcome = await client.submit(try FleetHarness.bundle(document, signedBy: identity, in: dir), identity: identity)
            guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }
        }
        var silent = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&silent, host: "kvm-silent", server: server, databaseURL: databaseURL)
        await client.shutdown()
        return server
    }

    func results(_ data: Data) throws -> (document: [String: Any], result: [String: Any]) {
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ar = try #require(root["assessment-results"] as? [String: Any])
        // One result per host (the export is streamed host by host): merged here into one.
        let all = try #require(ar["results"] as? [[String: Any]])
        #expect(!all.isEmpty)
        var merged: [String: Any] = [:]
        let components = all.flatMap { ((($0["local-definitions"] as? [String: Any])?["components"]) as? [[String: Any]]) ?? [] }
        if !components.isEmpty { merged["local-definitions"] = ["components": components] }
        for key in ["observations", "findings"] {
            let items = all.flatMap { ($0[key] as? [[String: Any]]) ?? [] }
            if !items.isEmpty { merged[key] = items }
        }
        return (ar, merged)
    }

    /// Every "uuid" value in the document.
    func uuids(_ value: Any) -> [String] {
        if let object = value as? [String: Any] {
            return ((object["uuid"] as? String).map { [$0] } ?? []) + object.values.flatMap { uuids($0) }
        }
        if let array = value as? [Any] { return array.flatMap { uuids($0) } }
        return []
    }

    @Test(.enabled(if: Tool.runsPython(importing: "jsonschema", "regex"), "needs python3 with jsonschema and regex (.ci/run installs them)"))
    func theWholeEstateAndAFilterAreOneSchemaValidOSCALDocument() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let url = server.url + "/api/v1/assessment-results.json"
        #expect(try await FleetHarness.get(url).status == 401)

        // The whole estate: the two hosts that reported, each a this-system component with its fleet name.
        let estate = try await FleetHarness.get(url, headers: viewer())
        #expect(estate.status == 200, "\(String(decoding: estate.body.prefix(500), as: UTF8.self))")
        let schema = JSONSchemaValidator.oscalSchema("assessment-results")
        let run = try JSONSchemaValidator.validate(estate.body, schema: schema)
        #expect(run.status == 0, "OSCAL schema errors:\n\(run.output)")
        let (document, result) = try results(estate.body)
        let components = try #require((result["local-definitions"] as? [String: Any])?["components"] as? [[String: Any]])
        let hostTitles = components.filter { $0["type"] as? String == "this-system" }.compactMap { $0["title"] as? String }
        #expect(hostTitles == ["Host kvm-a", "Host kvm-b"])
        let all = uuids(document)
        #expect(Set(all).count == all.count, "UUIDs repeat although both hosts sent the same report")

        // Each finding: its host, the ISM control it maps to, the ISM release; its observations exist.
        let findings = try #require(result["findings"] as? [[String: Any]])
        let observations = try #require(result["observations"] as? [[String: Any]])
        let observationIDs = Set(observations.compactMap { $0["uuid"] as? String })
        func props(_ object: [String: Any]) -> [String: String] {
            Dictionary(
                (object["props"] as? [[String: Any]] ?? []).compactMap { p in (p["name"] as? String).map { ($0, p["value"] as? String ?? "") } },
                uniquingKeysWith: { a, _ in a })
        }
        let live = try JSONCoding.decoder().decode(AssessmentReport.self, from: try FleetHarness.liveReport.get())
        for finding in findings {
            let target = try #require(finding["target"] as? [String: Any])
            #expect((target["target-id"] as? String)?.hasPrefix("ism-") == true)
            #expect(["kvm-a", "kvm-b"].contains(props(finding)["fleet-host"] ?? ""))
            if let release = live.ism?.release { #expect(props(finding)["ism-release"] == release) }
            let related = (finding["related-observations"] as? [[String: String]] ?? []).compactMap { $0["observation-uuid"] }
            #expect(!related.isEmpty && related.allSatisfy(observationIDs.contains))
        }
        // The same writer as a host's own OSCAL: per host, as many findings as `--format oscal` gives, plus host controls.
        let own = try #require(try JSONSerialization.jsonObject(with: try OSCALRenderer.render(live)) as? [String: Any])
        let ownFindings = (((own["assessment-results"] as? [String: Any])?["results"] as? [[String: Any]])?.first?["findings"] as? [Any])?.count
        #expect(findings.filter { props($0)["fleet-host"] == "kvm-a" }.count == ownFindings)
        #expect(ownFindings == live.mechanisms.reduce(0) { $0 + $1.controls.count } + (live.hostControls?.count ?? 0))

        // A filter: one check; only kvm-b, only ISM-1604, one check observation, the hostile subject as text.
        let filtered = try await FleetHarness.get(url + "?check=qemu.sandbox&verdict=fail", headers: viewer())
        #expect(filtered.status == 200)
        let filteredRun = try JSONSchemaValidator.validate(filtered.body, schema: schema)
        #expect(filteredRun.status == 0, "OSCAL schema errors:\n\(filteredRun.output)")
        let (_, one) = try results(filtered.body)
        let oneFindings = try #require(one["findings"] as? [[String: Any]])
        #expect(oneFindings.count == 1)
        #expect(oneFindings.allSatisfy { props($0)["fleet-host"] == "kvm-b" })
        #expect(((oneFindings.first?["target"] as? [String: Any])?["target-id"] as? String) == "ism-1604")
        let checks = (one["observations"] as? [[String: Any]] ?? []).filter { props($0)["check-id"] != nil }
        #expect(checks.count == 1 && props(checks[0])["check-id"] == "qemu.sandbox")
        #expect((checks.first?["description"] as? String)?.contains("<script>alert('x')</script>") == true)

        // A filter nothing matches: still a valid document, with no host.
        let none = try await FleetHarness.get(url + "?check=no.such-check", headers: viewer())
        #expect(none.status == 200)
        #expect(try JSONSchemaValidator.validate(none.body, schema: schema).status == 0)
        #expect(try results(none.body).result["findings"] == nil)
    }

    /// compliance-trestle (the OSCAL SDK assessors use) loads the estate document.
    @Test(.enabled(if: Tool.runsPython(importing: "trestle.oscal.assessment_results"), "needs python3 with compliance-trestle (.ci/run installs it)"))
    func theEstateLoadsInComplianceTrestle() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let estate = try await FleetHarness.get(server.url + "/api/v1/assessment-results.json", headers: viewer())
        let file = dir.appendingPathComponent("estate.json")
        try estate.body.write(to: file)
        let python = try #require(Tool.python(importing: "trestle.oscal.assessment_results"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            "-c",
            "import sys, pathlib\nfrom trestle.oscal.assessment_results import AssessmentResults\nar = AssessmentResults.oscal_read(pathlib.Path(sys.argv[1]))\nprint(len(ar.results[0].findings))",
            file.path,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: (try? out.fileHandleForReading.readToEnd()) ?? Data(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text.suffix(2000))")
        #expect(Int(text.split(separator: "\n").last ?? "").map { $0 > 0 } == true, "\(text.suffix(500))")
    }

    @Test func findingsExportAsJSONAndTheDashboardLinksEveryExportForTheFilter() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let json = try await FleetHarness.get(server.url + "/api/v1/findings.json?check=qemu.sandbox", headers: viewer())
        #expect(json.status == 200)
        let rows = try FleetWire.decoder().decode([FleetDatabase.FindingRow].self, from: json.body)
        #expect(rows.map(\.host) == ["kvm-b"] && rows.first?.subject == "qemu/\(Self.hostile)")
        // The read-only role sees the export links, with the current filter, escaped.
        let basic = [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())]
        let page = String(
            decoding: try await FleetHarness.get(server.url + "/?check=qemu.sandbox&severity=%3Cb%3E", headers: basic).body, as: UTF8.self)
        for (id, path) in [("export-csv", "findings.csv"), ("export-json", "findings.json"), ("export-oscal", "assessment-results.json")] {
            #expect(page.contains("id=\"\(id)\" href=\"/api/v1/\(path)?severity=%3Cb%3E&amp;check=qemu.sandbox\""), "\(id)")
        }
        #expect(!page.contains("<b>"))
        let whole = String(decoding: try await FleetHarness.get(server.url + "/", headers: basic).body, as: UTF8.self)
        #expect(whole.contains("Export the whole estate") && whole.contains("href=\"/api/v1/assessment-results.json?\""))
    }

    @Test func everyPageLinksEachHostsHTMLReportRenderedFromItsStoredAssessment() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let basic = [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())]
        let id = try FleetHarness.sql(
            databaseURL, "SELECT a.id FROM assessments a JOIN hosts h ON h.id = a.host_id WHERE h.name = 'kvm-b' ORDER BY a.id DESC LIMIT 1")
        let link = "href=\"/assessments/\(id)/report.html\""
        let estate = String(decoding: try await FleetHarness.get(server.url + "/", headers: basic).body, as: UTF8.self)
        let filtered = String(decoding: try await FleetHarness.get(server.url + "/?check=qemu.sandbox", headers: basic).body, as: UTF8.self)
        let host = String(decoding: try await FleetHarness.get(server.url + "/hosts/kvm-b", headers: basic).body, as: UTF8.self)
        #expect(estate.contains(link) && filtered.contains(link) && host.contains(link))
        // The host that never reported has no report link.
        #expect(estate.contains("<td>—</td></tr>"))

        #expect(try await FleetHarness.get(server.url + "/assessments/\(id)/report.html").status == 401)
        let report = try await FleetHarness.get(server.url + "/assessments/\(id)/report.html", headers: basic)
        let html = String(decoding: report.body, as: UTF8.self)
        #expect(report.status == 200)
        // Reporting's HTML report of the stored assessment: the hostile mechanism name escaped, no script.
        #expect(html.contains("<title>Bulkhead assessment") && html.contains("qemu.sandbox"))
        #expect(!html.contains("<script") && html.contains("&lt;script&gt;"))
        #expect(try await FleetHarness.get(server.url + "/assessments/999999/report.html", headers: basic).status == 404)
    }

    @Test func versionAndClassificationFilterTheFindingsTheOSCALExportAndTheDashboard() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        func rows(_ query: String) async throws -> [FleetDatabase.FindingRow] {
            let reply = try await FleetHarness.get(server.url + "/api/v1/findings.json?" + query, headers: viewer())
            #expect(reply.status == 200)
            return try FleetWire.decoder().decode([FleetDatabase.FindingRow].self, from: reply.body)
        }
        // "8.2.2+fleet-test" as a query value ("+" would be a space).
        let version = "8.2.2%2Bfleet-test"
        let byVersion = try await rows("version=\(version)")
        #expect(!byVersion.isEmpty && byVersion.allSatisfy { $0.host == "kvm-b" && $0.product == "qemu" }, "\(byVersion.map(\.checkID))")
        #expect(byVersion.contains { $0.checkID == "qemu.sandbox" })
        let protected = try await rows("classification=PROTECTED")
        #expect(!protected.isEmpty && protected.allSatisfy { $0.host == "kvm-b" })
        #expect(try await rows("classification=SECRET").isEmpty)
        #expect(try await rows("classification=PROTECTED&check=qemu.sandbox").count == 1)

        // The OSCAL export of a version: kvm-b's QEMU only.
        let oscal = try await FleetHarness.get(server.url + "/api/v1/assessment-results.json?version=\(version)", headers: viewer())
        let (_, result) = try results(oscal.body)
        let components = try #require((result["local-definitions"] as? [String: Any])?["components"] as? [[String: Any]])
        #expect(components.filter { $0["type"] as? String == "this-system" }.compactMap { $0["title"] as? String } == ["Host kvm-b"])
        #expect(components.filter { $0["type"] as? String == "software" }.count == 1)
        if Tool.python(importing: "jsonschema", "regex") != nil {
            let run = try JSONSchemaValidator.validate(oscal.body, schema: JSONSchemaValidator.oscalSchema("assessment-results"))
            #expect(run.status == 0, "\(run.output)")
        }
        let classified = try await FleetHarness.get(server.url + "/api/v1/assessment-results.json?classification=PROTECTED", headers: viewer())
        let hosts = try #require((try results(classified.body).result["local-definitions"] as? [String: Any])?["components"] as? [[String: Any]])
        #expect(hosts.filter { $0["type"] as? String == "this-system" }.compactMap { $0["title"] as? String } == ["Host kvm-b"])

        // The dashboard's form has both fields, kept in the export links.
        let basic = [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())]
        let page = String(
            decoding: try await FleetHarness.get(server.url + "/?classification=PROTECTED&version=\(version)", headers: basic).body, as: UTF8.self)
        #expect(page.contains("name=\"version\" value=\"\(Self.qemuVersion)\"") && page.contains("name=\"classification\" value=\"PROTECTED\""))
        #expect(page.contains("href=\"/api/v1/assessment-results.json?version=\(version)&amp;classification=PROTECTED\""))
        #expect(page.contains("qemu.sandbox"))
    }

    @Test func administratorsWaiveChecksFleetWideWithAnExpiryAndTheDashboardListsThem() async throws {
        let server = try await populated()
        defer { Task { await server.stop() } }
        let url = server.url + "/api/v1/admin/waivers"
        let admin = [("Authorization", "Bearer \(Self.adminToken)")]
        func waive(_ body: String, as headers: [(String, String)]) async throws -> FleetHarness.Reply {
            try await FleetHarness.post(url, body: Data(body.utf8), headers: headers)
        }
        #expect(try await waive(#"{"check": "qemu.sandbox", "reason": "r", "expires": "2099-12-31"}"#, as: viewer()).status == 403)
        let everyHost = try await waive(
            #"{"check": "qemu.sandbox", "reason": "<img src=x> until the QEMU upgrade", "expires": "2099-12-31"}"#, as: admin)
        #expect(everyHost.status == 201, "\(String(decoding: everyHost.body, as: UTF8.self))")
        let oneHost = try await waive(
            #"{"check": "logging.audit-coverage", "host": "kvm-b", "reason": "central logging in Q3", "expires": "2098-06-30T00:00:00Z"}"#, as: admin)
        #expect(oneHost.status == 201)
        // Refused: an expiry in the past or not a date, no reason, an unknown host; nothing stored, nothing audited.
        #expect(try await waive(#"{"check": "x", "reason": "r", "expires": "2001-01-01"}"#, as: admin).status == 400)
        #expect(try await waive(#"{"check": "x", "reason": "r", "expires": "soon"}"#, as: admin).status == 400)
        #expect(try await waive(#"{"check": "x", "reason": " ", "expires": "2099-01-01"}"#, as: admin).status == 400)
        #expect(try await waive(#"{"check": "x", "host": "no-such-host", "reason": "r", "expires": "2099-01-01"}"#, as: admin).status == 404)
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM audit_log WHERE action = 'waiver.add'") == "2")
        // One that has expired (the API refuses a past expiry, so it is written directly).
        _ = try FleetHarness.sql(
            databaseURL,
            "INSERT INTO waivers (check_id, host, reason, expires_at, created_by) VALUES ('host.smt', NULL, 'old', now() - interval '1 day', 'test')")

        let list = try await FleetHarness.get(server.url + "/api/v1/waivers", headers: viewer())
        let waivers = try FleetWire.decoder().decode([FleetDatabase.WaiverRow].self, from: list.body)
        #expect(waivers.map(\.checkID) == ["host.smt", "logging.audit-coverage", "qemu.sandbox"])
        #expect(waivers.map(\.expired) == [true, false, false])
        #expect(waivers[2].host == nil && waivers[2].failingHosts == 1 && waivers[1].host == "kvm-b")
        // The dashboard, read-only: each waiver, its expiry, the hosts it covers, the reason escaped.
        let basic = [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())]
        let page = String(decoding: try await FleetHarness.get(server.url + "/", headers: basic).body, as: UTF8.self)
        #expect(page.contains("<h2>Waivers (3)</h2><table id=\"waivers\">"))
        #expect(page.contains("every host") && page.contains("<span class=\"bad\">expired</span>"))
        #expect(page.contains("&lt;img src=x&gt; until the QEMU upgrade") && !page.contains("<img src=x>"))
        #expect(!page.contains("id=\"admin\""))
    }

    @Test func driftSinceTheLastReviewListsChecksNowFailingAndResolved() async throws {
        let access = await AccessControl(adminTokens: [Self.adminToken], viewerTokens: [Self.viewerToken])
        let server = try await FleetHarness.startServer(databaseURL, access: access)
        defer { Task { await server.stop() } }
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "drifting", server: server, databaseURL: databaseURL)
        let basic = [("Authorization", "Basic " + Data("any:\(Self.viewerToken)".utf8).base64EncodedString())]
        #expect(String(decoding: try await FleetHarness.get(server.url + "/", headers: basic).body, as: UTF8.self).contains("No review marked yet"))
        // The live report plus one failing check of our own: `drift.before` at the review, `drift.after` later.
        func report(failing check: String) throws -> Data {
            guard var json = try JSONSerialization.jsonObject(with: FleetHarness.liveReport.get()) as? [String: Any] else {
                throw TestPostgres.Failure(description: "the live report is not a JSON object")
            }
            var mechanisms = json["mechanisms"] as? [[String: Any]] ?? []
            mechanisms.append([
                "catalogProduct": "qemu", "mechanism": ["name": "QEMU", "product": "qemu", "version": "8.2"],
                "controls": [
                    [
                        "verdict": ["control": "ISM-1604", "status": "notSatisfied", "subject": "qemu"],
                        "findings": [
                            [
                                "checkID": check, "severity": "high", "outcome": ["fail": [:]], "subject": "qemu/<b>guest</b>",
                                "controls": ["ISM-1604"],
                            ]
                        ],
                    ]
                ],
            ])
            json["mechanisms"] = mechanisms
            return try JSONSerialization.data(withJSONObject: json)
        }
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        let first = await client.submit(try FleetHarness.bundle(try report(failing: "drift.before"), signedBy: identity, in: dir), identity: identity)
        guard case .accepted(201, _) = first else { throw TestPostgres.Failure(description: first.summary) }

        let url = server.url + "/api/v1/admin/reviews"
        #expect(try await FleetHarness.post(url, body: Data(), headers: viewer()).status == 403)
        let marked = try await FleetHarness.post(
            url, body: Data(#"{"note": "Q4 review"}"#.utf8), headers: [("Authorization", "Bearer \(Self.adminToken)")])
        #expect(marked.status == 201)
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM audit_log WHERE action = 'review.mark'") == "1")
        // Right after the review: no drift.
        struct Drift: Decodable {
            var since: Date?
            var changes: [FleetDatabase.DriftRow]
        }
        let none = try FleetWire.decoder().decode(Drift.self, from: try await FleetHarness.get(server.url + "/api/v1/drift", headers: viewer()).body)
        #expect(none.since != nil && none.changes.isEmpty)

        let second = await client.submit(
            try FleetHarness.bundle(try report(failing: "drift.after"), signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(5)),
            identity: identity)
        guard case .accepted(201, _) = second else { throw TestPostgres.Failure(description: second.summary) }
        let drift = try FleetWire.decoder().decode(Drift.self, from: try await FleetHarness.get(server.url + "/api/v1/drift", headers: viewer()).body)
        #expect(
            drift.changes == [
                .init(host: "drifting", change: "new", checkID: "drift.after", subject: "qemu/<b>guest</b>"),
                .init(host: "drifting", change: "resolved", checkID: "drift.before", subject: "qemu/<b>guest</b>"),
            ], "\(drift.changes)")
        let page = String(decoding: try await FleetHarness.get(server.url + "/", headers: basic).body, as: UTF8.self)
        #expect(page.contains("Drift since the last review") && page.contains("<table id=\"drift\">"))
        #expect(page.contains("now failing") && page.contains("resolved") && page.contains("qemu/&lt;b&gt;guest&lt;/b&gt;"))
    }
}
