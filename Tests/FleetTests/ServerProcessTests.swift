import AsyncHTTPClient
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `bulkhead-server` as a process: a database that is down, a 1 GiB body, SIGTERM mid-submission.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct ServerProcessTests {
    typealias ServerProcess = EndToEndFleetTests.ServerProcess

    /// A body of `chunks` MiB produced as it is sent (the test holds one MiB, whatever the total).
    struct Chunks: AsyncSequence, Sendable {
        let chunks: Int
        let chunk = ByteBuffer(repeating: UInt8(ascii: "{"), count: 1 << 20)
        struct AsyncIterator: AsyncIteratorProtocol {
            var left: Int
            let chunk: ByteBuffer
            mutating func next() async -> ByteBuffer? {
                guard left > 0 else { return nil }
                left -= 1
                return chunk
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(left: chunks, chunk: chunk) }
    }

    /// A port nothing listens on: bound, then closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestPostgres.Failure(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func enrolWithPostgreSQLDownFailsAtOnceInOneLine() throws {
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Self.closedPort()
        let clock = ContinuousClock()
        let started = clock.now
        let run = try runBulkhead(
            ["enrol", "--database", "postgres://bulkhead:secret@127.0.0.1:\(port)/bulkhead", "--host", "kvm-01"], in: dir,
            executable: builtExecutable("bulkhead-server").path)
        let elapsed = clock.now - started
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(
            run.stderr.hasPrefix(
                "bulkhead-server: error: cannot connect to PostgreSQL at postgres://bulkhead:***@127.0.0.1:\(port)/bulkhead"))
        #expect(run.stderr.contains("[fleet-server.database]"), "\(run.stderr)")
        #expect(run.stderr.contains("refused"), "\(run.stderr)")
        #expect(!run.stderr.contains("secret"))
        #expect(run.stdout.isEmpty)
        // Not the pool's minute of retries (67 s before the probe); the probe's own bound is 4 s.
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }

    func startedServer(_ database: String, _ dir: URL) async throws -> (ServerProcess, String) {
        let port = try Self.closedPort()
        let server = try ServerProcess(database: database, port: port, log: dir.appendingPathComponent("server.log"))
        try await server.waitUntilServing()
        return (server, "http://127.0.0.1:\(port)")
    }

    /// Envelope headers that parse (the body is read only then): the body cap is what refuses.
    static let plausibleHeaders: [(String, String)] = [
        (FleetWire.hostHeader, "kvm-01"), (FleetWire.timestampHeader, String(Int(Date().timeIntervalSince1970))),
        (FleetWire.nonceHeader, "abcdefghijklmnopqrstuvwxyz"), (FleetWire.signatureHeader, Data(count: 64).base64EncodedString()),
    ]

    @Test func aGibibyteBodyIsRefused413WithoutTheServerHoldingIt() async throws {
        let database = try TestPostgres.freshDatabase("bigbody")
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, url) = try await startedServer(database, dir)
        let before = server.peakResidentKiB() ?? 0
        for length in [HTTPClientRequest.Body.Length.unknown, .known(Int64(1 << 30))] {
            var request = HTTPClientRequest(url: url + FleetWire.submissionsPath)
            request.method = .POST
            for (name, value) in Self.plausibleHeaders { request.headers.add(name: name, value: value) }
            request.body = .stream(Chunks(chunks: 1024), length: length)
            let response = try await FleetHarness.http.execute(request, timeout: .seconds(300))
            let body = try await response.body.collect(upTo: 1 << 20)
            #expect(response.status.code == 413, "\(length): \(String(buffer: body))")
            #expect(String(buffer: body).contains("tooLarge"))
        }
        let peak = try #require(server.peakResidentKiB())
        #expect(peak < 200 * 1024, "peak RSS \(peak) KiB (\(before) KiB before the bodies)")
        #expect(try await FleetHarness.get(url + "/healthz").status == 200)
        #expect(try FleetHarness.sql(database, "SELECT count(*) FROM submission_nonces") == "0")
        server.kill()
    }

    @Test func sigtermMidSubmissionFinishesItAndExitsZero() async throws {
        let database = try TestPostgres.freshDatabase("sigterm")
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (server, url) = try await startedServer(database, dir)
        let token = try await FleetHarness.withDatabase(database) { try await $0.issueEnrolToken(host: "stopping-host", actor: "test") }
        var identity = try FleetHarness.newIdentity(in: dir)
        let client = try FleetClient(server: url)
        _ = try await client.enrol(identity: &identity, host: "stopping-host", token: token)
        await client.shutdown()
        let payload = try FleetHarness.bundle(try FleetHarness.liveReport.get(), signedBy: identity, in: dir)
        let (body, headers) = try FleetHarness.signedSubmission(payload, host: "stopping-host", key: identity.key)

        // The body goes in two halves; SIGTERM arrives between them.
        let (halves, feed) = AsyncStream.makeStream(of: ByteBuffer.self)
        feed.yield(ByteBuffer(bytes: body.prefix(body.count / 2)))
        var request = HTTPClientRequest(url: url + FleetWire.submissionsPath)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .stream(halves, length: .known(Int64(body.count)))
        let answer = Task { () -> (Int, String) in
            let response = try await FleetHarness.http.execute(request, timeout: .seconds(120))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        // The request is in flight once the server counts it (its HTTP metrics); then the signal.
        var inFlight = false
        for _ in 0..<600 where !inFlight {
            let metrics = String(decoding: try await FleetHarness.get(url + "/metrics").body, as: UTF8.self)
            inFlight = metrics.contains("http_server_active_requests{http_request_method=\"POST\"} 1")
            if !inFlight { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(inFlight, "the submission never reached the server")
        server.send(SIGTERM)
        // Shutdown has begun when the server stops accepting connections.
        var refused = false
        for _ in 0..<300 where !refused {
            if (try? await FleetHarness.get(url + "/healthz")) == nil { refused = true } else { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refused, "the server still accepts connections after SIGTERM")
        feed.yield(ByteBuffer(bytes: body.suffix(from: body.count / 2)))
        feed.finish()
        let (status, text) = try await answer.value
        #expect(status == 201, "\(text)")
        #expect(try FleetHarness.sql(database, "SELECT count(*) FROM assessments") == "1")
        // Then it exits by itself, 0.
        for _ in 0..<600 where server.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.process.isRunning, "still running 30 s after SIGTERM")
        if !server.process.isRunning {
            #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0, "\(server.process.terminationStatus)")
        }
    }

    /// `--dashboard-findings` and `--export-hosts-per-page` reach the server's limits: its log names them, a host page
    /// of more findings stops at the cap and says so, the findings API still streams every one; out of range is a
    /// usage error before anything connects.
    @Test func dashboardAndExportLimitsFromTheCommandLine() async throws {
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let help = try runBulkhead(["serve", "--help"], in: dir, executable: builtExecutable("bulkhead-server").path)
        #expect(help.stdout.contains("--dashboard-findings <N>") && help.stdout.contains("--export-hosts-per-page <N>"), "\(help.stdout)")
        for bad in [["--dashboard-findings", "0"], ["--export-hosts-per-page", "10001"], ["--dashboard-findings", "many"]] {
            let run = try runBulkhead(
                ["serve", "--database", "postgres://nobody@127.0.0.1:1/none"] + bad, in: dir, executable: builtExecutable("bulkhead-server").path)
            #expect(run.status == 64 && run.stderr.contains(bad[0]), "\(bad): \(run.status) \(run.stderr)")
        }

        let database = try TestPostgres.freshDatabase("cli_limits")
        let viewer = "viewer-\(UUID().uuidString)"
        let tokens = dir.appendingPathComponent("viewers")
        try Data((viewer + "\n").utf8).write(to: tokens)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokens.path)
        let port = try Self.closedPort()
        let log = dir.appendingPathComponent("server.log")
        let server = try ServerProcess(
            database: database, port: port, log: log,
            options: ["--dashboard-findings", "3", "--export-hosts-per-page", "1", "--viewer-tokens", tokens.path])
        defer { server.kill() }
        try await server.waitUntilServing()
        let url = "http://127.0.0.1:\(port)"
        let running = FleetHarness.Running(url: url, task: Task {})
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "cli-host", server: running, databaseURL: database)
        let client = try FleetClient(server: url)
        defer { Task { await client.shutdown() } }
        let outcome = await client.submit(try FleetHarness.bundle(try FleetHarness.liveReport.get(), signedBy: identity, in: dir), identity: identity)
        guard case .accepted(201, _) = outcome else { throw TestPostgres.Failure(description: outcome.summary) }

        let stored = Int(try FleetHarness.sql(database, "SELECT count(*) FROM findings")) ?? 0
        #expect(stored > 3)
        let basic = [("Authorization", "Basic " + Data("any:\(viewer)".utf8).base64EncodedString())]
        let page = String(decoding: try await FleetHarness.get(url + "/hosts/cli-host", headers: basic).body, as: UTF8.self)
        #expect(page.contains("id=\"findings-truncated\""))
        let all = try await FleetHarness.get(url + "/api/v1/findings", headers: [("Authorization", "Bearer \(viewer)")])
        let rows = try FleetWire.decoder().decode([FleetDatabase.FindingRow].self, from: all.body)
        #expect(rows.count == stored)
        let logged = try String(contentsOf: log, encoding: .utf8)
        #expect(logged.contains("limits: dashboard findings 3, export hosts per page 1"), "\(logged)")
    }
}
