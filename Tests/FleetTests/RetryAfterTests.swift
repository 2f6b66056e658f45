import AsyncHTTPClient
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import NIOCore
import Testing

/// `Retry-After` (RFC 9110 §10.2.3) as the agent reads it: both forms, all three date formats, the cap.
struct RetryAfterParsingTests {
    // 1994-11-06T08:49:37Z, the RFC's example instant.
    let example = Date(timeIntervalSince1970: 784_111_777)

    @Test func deltaSecondsAreCappedAndNeverNegative() {
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 0 ") == 0)
        #expect(RetryAfter.seconds("86400") == RetryAfter.maximum)
        #expect(RetryAfter.seconds("99999999999999999999999999") == RetryAfter.maximum)
        for bad in ["", "-5", "1.5", "+3", "5s", "0x10", "１２"] { #expect(RetryAfter.seconds(bad) == nil, "\(bad)") }
    }

    @Test func theThreeHTTPDateFormsAreTheSameInstant() {
        for form in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            #expect(RetryAfter.httpDate(form, now: example) == example, "\(form)")
        }
        // Relative to now: 90 s ahead, in the past (0: send now), and far ahead (capped).
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:51:07 GMT", now: example) == 90)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:00:00 GMT", now: example) == 0)
        #expect(RetryAfter.seconds("Mon, 07 Nov 1994 08:49:37 GMT", now: example) == RetryAfter.maximum)
        for bad in [
            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "tomorrow",
        ] {
            #expect(RetryAfter.httpDate(bad, now: example) == nil, "\(bad)")
        }
    }

    @Test func anRFC850YearMoreThanFiftyYearsAheadIsInThePast() throws {
        let now = try #require(RetryAfter.httpDate("Thu, 03 Dec 2026 09:00:00 GMT"))
        // "77" would be 2077, more than 50 years ahead: 1977. "76" is 2076, exactly 50 years ahead.
        let utc = try #require(TimeZone(identifier: "UTC"))
        let seventySeven = try #require(RetryAfter.httpDate("Saturday, 03-Dec-77 09:00:00 GMT", now: now))
        let seventySix = try #require(RetryAfter.httpDate("Thursday, 03-Dec-76 09:00:00 GMT", now: now))
        #expect(Calendar(identifier: .gregorian).dateComponents(in: utc, from: seventySeven).year == 1977)
        #expect(Calendar(identifier: .gregorian).dateComponents(in: utc, from: seventySix).year == 2076)
    }
}

/// The agent against the real server: a 429 with `Retry-After` keeps the bundle in the spool, and nothing
/// is sent before the server's time, then it is.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct AgentRetryAfterTests {
    let databaseURL: String
    let dir: URL
    /// Removes `dir` when the test ends.
    let scratch: ScratchDirectory
    let report: Data

    init() throws {
        databaseURL = try TestPostgres.freshDatabase("retryafter")
        scratch = try ScratchDirectory(prefix: "bulkhead-fleet")
        dir = scratch.url
        report = try FleetHarness.liveReport.get()
    }

    /// The server's count of refused submissions (every request that reached the ingest route and failed).
    func rejected(_ server: FleetHarness.Running) async throws -> Int {
        let text = String(decoding: try await FleetHarness.get(server.url + "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("bulkhead_submissions_total{result=\"rejected\"}") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0
    }

    @Test func anAgentAnswered429KeepsTheBundleAndSendsNothingBeforeRetryAfter() async throws {
        // One submission per 6 s: the second is answered 429 with Retry-After of at most 6 s.
        let server = try await FleetHarness.startServer(databaseURL, limits: ServerLimits(perHost: RateLimiter.Rate(count: 1, seconds: 6)))
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "patient-host", server: server, databaseURL: databaseURL)
        let first = try FleetHarness.bundle(report, signedBy: identity, in: dir)
        let second = try FleetHarness.bundle(report, signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(1))
        let third = try FleetHarness.bundle(report, signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(2))
        let client = try FleetClient(server: server.url)
        let spool = Spool(directory: dir.appendingPathComponent("spool-\(UUID().uuidString.prefix(6))").path)
        let agent = Agent(client: client, identity: identity, spool: spool)

        #expect(try await agent.submit(first).sent == 1)
        let refused = try await agent.submit(second)
        #expect(refused.spooled == 1 && refused.sent == 0, "\(refused.lines)")
        let until = try #require(refused.heldUntil, "no hold recorded: \(refused.lines)")
        // The server's wait (1…6 s) is what the agent holds to.
        #expect(until.timeIntervalSinceNow > 0 && until.timeIntervalSinceNow <= 7, "\(until)")
        #expect(spool.heldUntil() == until)
        #expect(try spool.entries().count == 1)
        #expect(try await rejected(server) == 1)

        // Before the time: a flush sends nothing, a new bundle goes to the spool without asking the server.
        let early = try await agent.flush()
        #expect(early.sent == 0 && early.heldUntil == until, "\(early.lines)")
        #expect(early.lines.contains { $0.contains("Retry-After") })
        let queued = try await agent.submit(third)
        #expect(queued.spooled == 1 && queued.sent == 0, "\(queued.lines)")
        #expect(try spool.entries().count == 2)
        #expect(try await rejected(server) == 1, "the agent sent during the server's Retry-After")
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM assessments") == "1")

        // After it: the spool is sent (the server grants one per 6 s, so one is stored and the next is held
        // again, with the server's new Retry-After).
        try await Task.sleep(for: .seconds(max(0, until.timeIntervalSinceNow) + 0.3))
        let later = try await agent.flush()
        #expect(later.sent == 1, "\(later.lines)")
        #expect(try FleetHarness.sql(databaseURL, "SELECT count(*) FROM assessments") == "2")
        #expect(try spool.entries().count == 1)
        #expect(later.heldUntil != nil, "\(later.lines)")
        await client.shutdown()
        await server.stop()
    }

    @Test func anOverloadedServerAnswers503WithRetryAfter() async throws {
        // 503: the queue holds nothing and the one slot is taken by a submission whose body never ends.
        let server = try await FleetHarness.startServer(databaseURL, limits: ServerLimits(concurrentSubmissions: 1, queuedSubmissions: 0))
        var identity = try FleetHarness.newIdentity(in: dir)
        try await FleetHarness.enrol(&identity, host: "busy-host", server: server, databaseURL: databaseURL)
        let payload = try FleetHarness.bundle(report, signedBy: identity, in: dir)
        let (body, headers) = try FleetHarness.signedSubmission(payload, host: "busy-host", key: identity.key)
        // A submission holding the slot: its body stops half way until the test sends the rest.
        let (halves, feed) = AsyncStream.makeStream(of: ByteBuffer.self)
        feed.yield(ByteBuffer(bytes: body.prefix(body.count / 2)))
        var request = HTTPClientRequest(url: server.url + FleetWire.submissionsPath)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .stream(halves, length: .known(Int64(body.count)))
        let holder = Task { () -> Int in Int(try await FleetHarness.http.execute(request, timeout: .seconds(120)).status.code) }
        // Time for its headers to reach the server and take the slot (the body is not read before).
        try await Task.sleep(for: .milliseconds(500))
        var reply = FleetHarness.Reply(status: 0, body: Data())
        for _ in 0..<20 {
            let other = try FleetHarness.bundle(report, signedBy: identity, in: dir, createdAt: Date().addingTimeInterval(5))
            let (b, h) = try FleetHarness.signedSubmission(other, host: "busy-host", key: identity.key)
            reply = try await FleetHarness.post(server.url + FleetWire.submissionsPath, body: b, headers: h)
            if reply.status == 503 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(reply.status == 503 && reply.errorCode == "overloaded", "\(reply.status)")
        #expect(reply.retryAfter.flatMap { RetryAfter.seconds($0) } == 5, "\(reply.retryAfter ?? "none")")
        feed.yield(ByteBuffer(bytes: body.suffix(from: body.count / 2)))
        feed.finish()
        #expect(try await holder.value == 201)
        await server.stop()
    }
}
