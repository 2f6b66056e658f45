import BulkheadTestSupport
import Crypto
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import Testing

/// The ingest API against a real PostgreSQL and a server in this process, with bundles written by
/// Reporting's EvidenceBundle from a real `bulkhead assess` report of this machine.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct IngestTests {
    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory
    let report: Data

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("ingest")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
        report = try FleetHarness.liveReport.get()
    }

    var submissions: String { "" }

    func count(_ table: String) throws -> Int { Int(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM \(table)")) ?? -1 }

    @Test func enrolSubmitAndTheSameBundleTwiceIsStoredOnce() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "kvm-01", server: server, databaseURL: databaseURL)
        #expect(identity.state?.host == "kvm-01")
        #expect(try FleetHarness.sql(databaseURL, "SELECT key_id FROM hosts WHERE name = 'kvm-01'") == identity.keyID)

        let payload = try FleetHarness.bundle(report, signedBy: identity, in: dir)
        let client = try FleetClient(server: server.url)
        let first = await client.submit(payload, identity: identity)
        guard case .accepted(201, let body) = first else { Issue.record("first submission: \(first.summary)"); return }
        let stored = try FleetWire.decoder().decode(SubmissionResponse.self, from: body)
        #expect(!stored.duplicate && stored.bundleSHA256 == payload.bundleSHA256)

        // The same bundle again (a new nonce and timestamp, as a flush after a lost answer sends it).
        let second = await client.submit(payload, identity: identity)
        guard case .accepted(200, let body2) = second else { Issue.record("second submission: \(second.summary)"); return }
        let again = try FleetWire.decoder().decode(SubmissionResponse.self, from: body2)
        #expect(again.duplicate && again.id == stored.id)
        #expect(try count("assessments") == 1)

        // What was stored is what the report says: one verdict row per control verdict, one row per finding.
        let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        var verdicts = 0
        var findings = 0
        var failing: Set<String> = []
        for entry in (json["mechanisms"] as? [[String: Any]] ?? []) + [["controls": json["hostControls"] ?? []]] {
            for control in entry["controls"] as? [[String: Any]] ?? [] {
                verdicts += 1
                for finding in control["findings"] as? [[String: Any]] ?? [] {
                    findings += 1
                    if (finding["outcome"] as? [String: Any])?["fail"] != nil, let id = finding["checkID"] as? String { failing.insert(id) }
                }
            }
        }
        #expect(try count("control_verdicts") == verdicts)
        #expect(try count("findings") == findings)
        let storedFailing = try FleetHarness.sql(
            databaseURL, "SELECT string_agg(DISTINCT check_id, ',' ORDER BY check_id) FROM findings WHERE verdict = 'fail'")
        #expect(storedFailing == failing.sorted().joined(separator: ","))
        #expect(
            try FleetHarness.sql(databaseURL, "SELECT convert_from(document, 'UTF8')::jsonb->>'schemaVersion' FROM assessments")
                == String(describing: json["schemaVersion"] ?? ""))
        await client.shutdown()
        await server.stop()
    }

    @Test func refusesWhatIsNotAnEnrolledHostsFreshIntactSubmission() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        let url = server.url + FleetWire.submissionsPath
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "xen-02", server: server, databaseURL: databaseURL)
        let payload = try FleetHarness.bundle(report, signedBy: identity, in: dir)

        // Unknown host.
        var request = try FleetHarness.signedSubmission(payload, host: "nobody", key: identity.key)
        var reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 401 && reply.errorCode == "unknownHost")

        // A valid signature from a key that is not the enrolled one.
        let stranger = try FleetHarness.newIdentity(in: dir, host: "xen-02")
        let strangersBundle = try FleetHarness.bundle(report, signedBy: stranger, in: dir)
        request = try FleetHarness.signedSubmission(strangersBundle, host: "xen-02", key: stranger.key)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 401 && reply.errorCode == "badSignature")

        // The envelope signed by the enrolled key, the bundle by another: tampered.
        request = try FleetHarness.signedSubmission(strangersBundle, host: "xen-02", key: identity.key)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 422 && reply.errorCode == "tampered")

        // One changed byte in the report.
        var tampered = payload
        var reportBytes = try #require(tampered.files["reports/assessment.json"])
        reportBytes[reportBytes.count / 2] ^= 0x01
        tampered.files["reports/assessment.json"] = reportBytes
        request = try FleetHarness.signedSubmission(tampered, host: "xen-02", key: identity.key)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 422 && reply.errorCode == "tampered")
        #expect(String(decoding: reply.body, as: UTF8.self).contains("reports/assessment.json"))

        // A body changed after signing (the envelope covers the body's hash).
        request = try FleetHarness.signedSubmission(payload, host: "xen-02", key: identity.key)
        var changedBody = request.body
        changedBody.append(0x20)
        reply = try await FleetHarness.post(url, body: changedBody, headers: request.headers)
        #expect(reply.status == 401 && reply.errorCode == "badSignature")

        // Outside the ±5 min window, either way.
        for skew in [-400.0, 400.0] {
            request = try FleetHarness.signedSubmission(payload, host: "xen-02", key: identity.key, now: Date().addingTimeInterval(skew))
            reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
            #expect(reply.status == 401 && reply.errorCode == "staleTimestamp", "skew \(skew)")
        }

        // Malformed: not JSON, JSON of another shape, missing headers.
        for body in [Data("{not json".utf8), Data(#"{"manifest": 1}"#.utf8), Data()] {
            request = try FleetHarness.signedSubmission(payload, host: "xen-02", key: identity.key)
            let headers = try SubmissionEnvelope.sign(body: body, host: "xen-02", key: identity.key)
            reply = try await FleetHarness.post(url, body: body, headers: headers.fields)
            #expect(reply.status == 400 && reply.errorCode == "malformed", "\(String(decoding: body, as: UTF8.self))")
        }
        reply = try await FleetHarness.post(url, body: request.body, headers: [])
        #expect(reply.status == 400 && reply.errorCode == "malformed")

        // A replay: the same request (nonce) twice; the first is stored, the second refused.
        request = try FleetHarness.signedSubmission(payload, host: "xen-02", key: identity.key)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 201)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 409 && reply.errorCode == "replay")

        // Over the body cap: refused before it is read.
        let huge = Data(count: FleetWire.maxBodyBytes + 1)
        reply = try await FleetHarness.post(url, body: huge, headers: request.headers)
        #expect(reply.status == 413)

        // Nothing of the refused requests was written: one assessment (the one accepted), one nonce per accepted
        // or replayed-then-refused request that passed the signature (just the accepted one).
        #expect(try count("assessments WHERE host_id = (SELECT id FROM hosts WHERE name = 'xen-02')") == 1)
        #expect(try count("submission_nonces WHERE host_id = (SELECT id FROM hosts WHERE name = 'xen-02')") == 1)

        // Revoked: refused with 403 from then on.
        _ = try await FleetHarness.withDatabase(databaseURL) { try await $0.revoke(host: "xen-02", actor: "test") }
        request = try FleetHarness.signedSubmission(payload, host: "xen-02", key: identity.key)
        reply = try await FleetHarness.post(url, body: request.body, headers: request.headers)
        #expect(reply.status == 403 && reply.errorCode == "revokedKey")
        #expect(try FleetHarness.sql(databaseURL, "SELECT action FROM audit_log WHERE target = 'xen-02' ORDER BY id DESC LIMIT 1") == "host.revoke")
        await server.stop()
    }

    @Test func enrolmentTokensAreOneTimeBoundToTheHostAndExpire() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        let token = try await FleetHarness.withDatabase(databaseURL) { try await $0.issueEnrolToken(host: "pve-03", actor: "test") }
        #expect(token.hasPrefix("bhe_") && token.count > 60)
        // Only the hash is stored.
        #expect(try count("enrol_tokens WHERE token_sha256 = '\(FleetWire.sha256Hex(Data(token.utf8)))'") == 1)
        #expect(try count("enrol_tokens WHERE token_sha256 = '\(token)'") == 0)

        let client = try FleetClient(server: server.url)
        var wrongHost = try FleetHarness.newIdentity(in: dir)
        await expectBadToken { _ = try await client.enrol(identity: &wrongHost, host: "pve-99", token: token) }
        var identity = try FleetHarness.newIdentity(in: dir)
        _ = try await client.enrol(identity: &identity, host: "pve-03", token: token)
        var again = try FleetHarness.newIdentity(in: dir)
        await expectBadToken { _ = try await client.enrol(identity: &again, host: "pve-03", token: token) }
        #expect(try FleetHarness.sql(databaseURL, "SELECT key_id FROM hosts WHERE name = 'pve-03'") == identity.keyID)

        // Expired: issued 25 hours ago.
        let old = try await FleetHarness.withDatabase(databaseURL) {
            try await $0.issueEnrolToken(host: "pve-04", actor: "test", now: Date().addingTimeInterval(-25 * 3600))
        }
        var late = try FleetHarness.newIdentity(in: dir)
        await expectBadToken { _ = try await client.enrol(identity: &late, host: "pve-04", token: old) }

        // A proof signed by another key than the one registered.
        let other = Curve25519.Signing.PrivateKey()
        let fresh = try await FleetHarness.withDatabase(databaseURL) { try await $0.issueEnrolToken(host: "pve-05", actor: "test") }
        let forged = EnrolRequest(
            host: "pve-05", token: fresh, publicKey: other.publicKey.rawRepresentation,
            proof: try Curve25519.Signing.PrivateKey().signature(
                for: Data(FleetWire.enrolString(host: "pve-05", token: fresh, publicKey: other.publicKey.rawRepresentation).utf8)))
        let reply = try await FleetHarness.post(server.url + FleetWire.enrolPath, body: try FleetWire.encoder().encode(forged))
        #expect(reply.status == 401 && reply.errorCode == "badSignature")
        #expect(try FleetHarness.sql(databaseURL, "SELECT key_id IS NULL FROM hosts WHERE name = 'pve-05'") == "t")
        await client.shutdown()
        await server.stop()
    }

    @Test func sqlMetaCharactersInEveryReportFieldAreStoredAsText() async throws {
        let server = try await FleetHarness.startServer(databaseURL)
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "hostile-06", server: server, databaseURL: databaseURL)
        let hostile = "x'); DROP TABLE hosts; -- \\\" $$ <script>"
        var json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        json["host"] = ["hostname": hostile, "source": hostile, "collectedAt": "2026-12-01T00:00:00Z"]
        var mechanisms = json["mechanisms"] as? [[String: Any]] ?? []
        mechanisms.append([
            "catalogProduct": hostile, "mechanism": ["name": hostile, "product": hostile, "version": hostile],
            "controls": [
                [
                    "verdict": ["control": hostile, "status": hostile, "subject": hostile],
                    "findings": [["checkID": hostile, "severity": hostile, "outcome": ["fail": [:]], "subject": hostile, "controls": [hostile]]],
                ]
            ],
        ])
        json["mechanisms"] = mechanisms
        let document = try JSONSerialization.data(withJSONObject: json)
        let payload = try FleetHarness.bundle(document, signedBy: identity, in: dir)
        let client = try FleetClient(server: server.url)
        let outcome = await client.submit(payload, identity: identity)
        guard case .accepted(201, _) = outcome else { Issue.record("\(outcome.summary)"); return }
        #expect(try count("hosts") >= 1)
        #expect(try FleetHarness.sql(databaseURL, "SELECT check_id FROM findings WHERE severity = \(quoted(hostile))") == hostile)
        #expect(try FleetHarness.sql(databaseURL, "SELECT product_version FROM control_verdicts WHERE control = \(quoted(hostile))") == hostile)
        #expect(
            try FleetHarness.sql(
                databaseURL,
                "SELECT convert_from(document, 'UTF8')::jsonb->'host'->>'hostname' FROM assessments WHERE host_id = (SELECT id FROM hosts WHERE name = 'hostile-06')"
            )
                == hostile)
        await client.shutdown()
        await server.stop()
    }

    func expectBadToken(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("the enrolment was accepted", sourceLocation: sourceLocation)
        } catch let error as FleetAgentError {
            #expect(error.code == .rejected && error.message.contains("HTTP 401: badToken"), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record(error, sourceLocation: sourceLocation)
        }
    }

    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
