import AsyncHTTPClient
import BulkheadTestSupport
import Crypto
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Reporting

/// What the fleet tests share: a real assessment report from the built `bulkhead` run on this machine, a
/// server running in this process on a fresh database, bundles signed with a given key, raw requests.
enum FleetHarness {
    static let logger: Logger = {
        var logger = Logger(label: "fleet-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["FLEET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    /// `bulkhead assess --format json --no-store --no-color` of this machine, run once per test process: a
    /// real report (whatever this host runs), the document the server reads.
    static let liveReport: Result<Data, TestPostgres.Failure> = {
        do {
            let dir = try scratchDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let run = try runBulkhead(["assess", "--format", "json", "--no-store"], in: dir)
            guard run.status == 0 || run.status == 3, !run.stdout.isEmpty else {
                return .failure(TestPostgres.Failure(description: "bulkhead assess failed (\(run.status)): \(run.stderr.prefix(500))"))
            }
            return .success(Data(run.stdout.utf8))
        } catch {
            return .failure(TestPostgres.Failure(description: "\(error)"))
        }
    }()

    /// A new private directory under the temporary directory; the caller removes it (`defer`, or a suite's
    /// `ScratchDirectory(prefix: "bulkhead-fleet")`, which goes when the test ends).
    static func scratchDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-fleet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return dir
    }

    /// A new agent key file (the agent's own format) and its identity, enrolled as `host` when `state` is set.
    static func newIdentity(in dir: URL, host: String? = nil, server: String = "http://127.0.0.1") throws -> AgentIdentity {
        let path = dir.appendingPathComponent("agent-\(UUID().uuidString.prefix(6)).key").path
        var identity = try AgentIdentity.create(at: path)
        if let host {
            identity.state = AgentIdentity.State(host: host, server: server, keyID: identity.keyID, enrolledAt: Date())
        }
        return identity
    }

    /// A bundle of `report` signed by the identity's key, written with Reporting's `EvidenceBundle` (the code
    /// `bulkhead assess --bundle` uses) and read back as the agent reads it.
    static func bundle(_ report: Data, signedBy identity: AgentIdentity, in dir: URL, createdAt: Date = Date()) throws -> BundlePayload {
        let key = try SigningKey.load(path: identity.keyPath)
        let path = dir.appendingPathComponent("bundle-\(UUID().uuidString.prefix(8))").path
        try EvidenceBundle.write(
            documents: ["reports/assessment.json": report, "snapshot/host.tar.gz": Data("not a real snapshot".utf8)], to: path,
            signingKey: key, hostname: "test", bulkheadVersion: "0.1.0", createdAt: createdAt)
        return try BundlePayload.read(directory: path)
    }

    /// A server in this process on `databaseURL`, on a free loopback port; cancelled by `stop`.
    struct Running {
        var url: String
        var task: Task<Void, any Error>
        func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    static func startServer(
        _ databaseURL: String, access: AccessControl? = nil, tls: (certificate: String, key: String)? = nil, limits: ServerLimits = ServerLimits(),
        pruneInterval: Duration = .seconds(60)
    ) async throws -> Running {
        let resolvedAccess: AccessControl
        if let access { resolvedAccess = access } else { resolvedAccess = await AccessControl() }
        let options = try FleetServer.Options(
            database: try DatabaseURL(databaseURL), listen: "127.0.0.1:0", tlsCertificate: tls?.certificate, tlsKey: tls?.key,
            access: resolvedAccess, limits: limits, pruneInterval: pruneInterval)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            defer { continuation.finish() }
            try await FleetServer.run(options, logger: logger, signals: false) { port in continuation.yield(port) }
        }
        for await port in ports { return Running(url: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)", task: task) }
        let failure = await task.result
        throw TestPostgres.Failure(description: "the server did not start: \(failure)")
    }

    /// A client for raw requests (attacks the agent would never send).
    static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    struct Reply {
        var status: Int
        var body: Data
        var retryAfter: String? = nil
        var errorCode: String? { (try? JSONDecoder().decode(ErrorResponse.self, from: body))?.error.code }
    }

    static func post(_ url: String, body: Data, headers: [(String, String)] = [], contentLength: Int? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(120))
        return Reply(
            status: Int(response.status.code), body: Data((try await response.body.collect(upTo: 16 << 20)).readableBytesView),
            retryAfter: response.headers.first(name: "Retry-After"))
    }

    static func get(_ url: String, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await http.execute(request, timeout: .seconds(60))
        return Reply(status: Int(response.status.code), body: Data((try await response.body.collect(upTo: 16 << 20)).readableBytesView))
    }

    /// A signed submission as the agent sends it, with the envelope's parts open to change.
    static func signedSubmission(
        _ payload: BundlePayload, host: String, key: Curve25519.Signing.PrivateKey, now: Date = Date(), nonce: String = FleetWire.makeNonce()
    ) throws -> (body: Data, headers: [(String, String)]) {
        let body = try FleetWire.encoder().encode(payload)
        let headers = try SubmissionEnvelope.sign(body: body, host: host, key: key, now: now, nonce: nonce)
        return (body, headers.fields)
    }

    /// Runs one SQL query through psql and returns its unaligned, tuples-only output, trimmed.
    static func sql(_ databaseURL: String, _ query: String) throws -> String {
        let name = String(databaseURL.split(separator: "/").last ?? "")
        return try TestPostgres.psql(TestPostgres.server(), database: name, query).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Issues a token and enrols `identity` as `host` through the API, as `bulkhead agent enrol` does.
    static func enrol(_ identity: inout AgentIdentity, host: String, server: Running, databaseURL: String) async throws {
        let token = try await withDatabase(databaseURL) { try await $0.issueEnrolToken(host: host, actor: "test") }
        let client = try FleetClient(server: server.url)
        defer { Task { await client.shutdown() } }
        _ = try await client.enrol(identity: &identity, host: host, token: token)
    }

    /// Runs `body` against the database directly (migrations applied).
    static func withDatabase<T: Sendable>(_ databaseURL: String, _ body: @escaping @Sendable (FleetDatabase) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try DatabaseURL(databaseURL).clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask {
                try await Migrations.run(client, logger: logger)
                return try await body(FleetDatabase(client: client, logger: logger))
            }
            var result: T?
            while let next = try await group.next() {
                if let next {
                    result = next
                    group.cancelAll()
                }
            }
            guard let result else { throw TestPostgres.Failure(description: "no result") }
            return result
        }
    }
}
