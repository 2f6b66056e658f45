import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import Foundation
import Testing

/// The server on TLS (a CA and a server certificate made by openssl for 127.0.0.1); the agent trusts it only
/// with `--ca` pinning that CA, and refuses a server whose certificate another CA issued.
@Suite(
    .serialized, .enabled(if: TestPostgres.available && Tool.runs("openssl"), "needs PostgreSQL and openssl (.ci/run installs postgresql)"))
struct TLSTests {
    /// Makes a CA and a server certificate for IP 127.0.0.1 signed by it; returns (ca, cert, key) paths.
    static func makePKI(in dir: URL, name: String) throws -> (ca: String, certificate: String, key: String) {
        let openssl = try #require(Tool.find("openssl"))
        let p = { (file: String) in dir.appendingPathComponent("\(name)-\(file)").path }
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"),
                "-days", "2", "-subj", "/CN=Bulkhead test CA \(name)",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p("server.key"), "-out", p("server.csr"),
                "-subj", "/CN=127.0.0.1",
            ],
            [
                "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p("server.pem"),
                "-days", "2", "-extfile", p("ext.cnf"),
            ],
        ]
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(toFile: p("ext.cnf"), atomically: true, encoding: .utf8)
        for step in steps {
            let (status, _) = try ReadAPITests.run(openssl, step)
            guard status == 0 else { throw TestPostgres.Failure(description: "openssl \(step[0]) failed") }
        }
        return (p("ca.pem"), p("server.pem"), p("server.key"))
    }

    @Test func theAgentEnrolsAndSubmitsOverTLSOnlyWithThePinnedCA() async throws {
        let databaseURL = try TestPostgres.freshDatabase("tls")
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try Self.makePKI(in: dir, name: "site")
        let other = try Self.makePKI(in: dir, name: "other")
        let server = try await FleetHarness.startServer(databaseURL, tls: (pki.certificate, pki.key))
        defer { Task { await server.stop() } }
        #expect(server.url.hasPrefix("https://"))
        let token = try await FleetHarness.withDatabase(databaseURL) { try await $0.issueEnrolToken(host: "tls-host", actor: "test") }

        // Another CA pinned (and, for this test CA, the system roots): the handshake fails, nothing enrolled.
        for ca in [other.ca, nil] {
            let client = try FleetClient(server: server.url, caFile: ca)
            var identity = try FleetHarness.newIdentity(in: dir)
            do {
                _ = try await client.enrol(identity: &identity, host: "tls-host", token: token)
                Issue.record("enrolled over TLS with the wrong trust (\(ca ?? "system roots"))")
            } catch {
                #expect(error.code == .unreachable, "\(error.message)")
            }
            await client.shutdown()
        }
        #expect(try FleetHarness.sql(databaseURL, "SELECT key_id IS NULL FROM hosts WHERE name = 'tls-host'") == "t")

        let client = try FleetClient(server: server.url, caFile: pki.ca)
        var identity = try FleetHarness.newIdentity(in: dir)
        _ = try await client.enrol(identity: &identity, host: "tls-host", token: token)
        let payload = try FleetHarness.bundle(try FleetHarness.liveReport.get(), signedBy: identity, in: dir)
        let outcome = await client.submit(payload, identity: identity)
        guard case .accepted(201, _) = outcome else {
            Issue.record("\(outcome.summary)")
            return
        }
        await client.shutdown()
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM assessments") == "1")
    }
}
