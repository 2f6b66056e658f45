// Fleet ingest and read benchmark (prints figures, asserts nothing).
//   swift run fleet-bench REPORT.json [HOSTS] [SUBMISSIONS] [CONCURRENCY]
// REPORT.json: a real `bulkhead assess --format json` report; each submission is a distinct bundle of it
// (a different creation time) signed by one of HOSTS enrolled agents. PostgreSQL: BULKHEAD_TEST_POSTGRES_URL
// or a throwaway cluster (TestPostgres). Measures verified submissions per second (signature checks and
// storage included), database bytes per stored assessment, and the latency of the estate page and a
// filtered findings query.
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import Logging
import Reporting

let arguments = CommandLine.arguments
guard arguments.count >= 2, let report = FileManager.default.contents(atPath: arguments[1]) else {
    print("usage: fleet-bench REPORT.json [HOSTS] [SUBMISSIONS] [CONCURRENCY]")
    exit(64)
}
let hostCount = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20
let submissionCount = arguments.count > 3 ? Int(arguments[3]) ?? 300 : 300
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 8 : 8

var logger = Logger(label: "fleet-bench")
logger.logLevel = .critical
let databaseURL = try TestPostgres.freshDatabase("bench")
let databaseName = String(databaseURL.split(separator: "/").last ?? "")
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
defer { try? FileManager.default.removeItem(at: scratch) }

let options = try FleetServer.Options(
    database: try DatabaseURL(databaseURL), listen: "127.0.0.1:0", tlsCertificate: nil, tlsKey: nil,
    access: await AccessControl(viewerTokens: ["bench-viewer-token-0000"]))
let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
let serverTask = Task { try await FleetServer.run(options, logger: logger, signals: false) { continuation.yield($0) } }
var port = 0
for await p in ports {
    port = p
    break
}
let url = "http://127.0.0.1:\(port)"
let client = try FleetClient(server: url)

// Enrol the hosts through the API.
var identities: [AgentIdentity] = []
for i in 0..<hostCount {
    let host = String(format: "bench-host-%05d", i)
    var identity = try AgentIdentity.create(at: scratch.appendingPathComponent("\(host).key").path)
    let issued = try await withDatabase { try await $0.issueEnrolToken(host: host, actor: "bench") }
    _ = try await client.enrol(identity: &identity, host: host, token: issued)
    identities.append(identity)
}

func withDatabase<T: Sendable>(_ body: @escaping @Sendable (FleetDatabase) async throws -> T) async throws -> T {
    let pg = PostgresClientBox(try DatabaseURL(databaseURL))
    return try await pg.run(logger: logger, body)
}

// Bundles, prepared before the clock starts.
var payloads: [(Int, BundlePayload)] = []
let base = Date()
for i in 0..<submissionCount {
    let identity = identities[i % hostCount]
    let key = try SigningKey.load(path: identity.keyPath)
    let path = scratch.appendingPathComponent("b\(i)").path
    try EvidenceBundle.write(
        documents: ["reports/assessment.json": report], to: path, signingKey: key, hostname: "bench", bulkheadVersion: "0.1.0",
        createdAt: base.addingTimeInterval(Double(i)))
    payloads.append((i % hostCount, try BundlePayload.read(directory: path)))
}
let sizeBefore =
    Int(
        try TestPostgres.psql(TestPostgres.server(), database: databaseName, "SELECT pg_database_size(current_database())").trimmingCharacters(
            in: .whitespacesAndNewlines)) ?? 0

let clock = ContinuousClock()
let started = clock.now
let failures = await withTaskGroup(of: Int.self) { group in
    var next = 0
    var failed = 0
    for _ in 0..<min(concurrency, payloads.count) {
        let (h, payload) = payloads[next]
        next += 1
        group.addTask { if case .accepted = await client.submit(payload, identity: identities[h]) { 0 } else { 1 } }
    }
    while let result = await group.next() {
        failed += result
        if next < payloads.count {
            let (h, payload) = payloads[next]
            next += 1
            group.addTask { if case .accepted = await client.submit(payload, identity: identities[h]) { 0 } else { 1 } }
        }
    }
    return failed
}
let elapsed = clock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let sizeAfter =
    Int(
        try TestPostgres.psql(TestPostgres.server(), database: databaseName, "SELECT pg_database_size(current_database())").trimmingCharacters(
            in: .whitespacesAndNewlines)) ?? 0
print("report: \(report.count) bytes; bundle body ≈ \(((try? FleetWire.encoder().encode(payloads[0].1))?.count ?? 0)) bytes")
print(
    "ingest: \(submissionCount) verified submissions from \(hostCount) hosts, concurrency \(concurrency): \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", Double(submissionCount) / seconds)) per second; \(failures) failed"
)
print("storage: \((sizeAfter - sizeBefore) / max(1, submissionCount)) bytes of database per stored assessment")

func latency(_ path: String, runs: Int = 50) async throws -> (Double, Double) {
    var samples: [Double] = []
    for _ in 0..<runs {
        let t0 = clock.now
        let r = try await FleetHarnessHTTP.get(url + path, token: "bench-viewer-token-0000")
        precondition(r == 200, "GET \(path) answered \(r)")
        let d = clock.now - t0
        samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
    samples.sort()
    return (samples[samples.count / 2], samples[Int(Double(samples.count) * 0.95) - 1])
}
for path in ["/", "/api/v1/posture", "/api/v1/findings?check=qemu.sandbox&verdict=fail"] {
    let (p50, p95) = try await latency(path)
    print(
        "GET \(path): p50 \(String(format: "%.1f", p50)) ms, p95 \(String(format: "%.1f", p95)) ms (\(hostCount) hosts, \(submissionCount) assessments)"
    )
}
await client.shutdown()
serverTask.cancel()
_ = await serverTask.result
