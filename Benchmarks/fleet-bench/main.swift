// Fleet ingest and read benchmark (prints figures, asserts nothing).
//   fleet-bench REPORT.json [HOSTS] [SUBMISSIONS] [CONCURRENCY]
// REPORT.json: a real `bulkhead assess --format json` report; each submission is a distinct bundle of it
// (a different creation time) signed by one of HOSTS enrolled agents. The bodies are encoded before the clock
// starts (the agent's work, not the server's); each is signed (envelope: timestamp, nonce) as it is sent.
// Measures verified submissions per second (signature checks and storage included), the CPU time per
// submission of the server and of PostgreSQL, database bytes per stored assessment, and the latency of the
// estate page and a filtered findings query.
//
// Environment:
//   BULKHEAD_TEST_POSTGRES_URL  a superuser URL of the PostgreSQL to use (else a throwaway cluster, which runs
//                               with fsync=off); the benchmark prints the server's fsync and synchronous_commit.
//   FLEET_BENCH_PGDATA          that server's data directory: PostgreSQL's CPU time is read from /proc.
//   FLEET_BENCH_SERVER=PATH     run PATH (bulkhead-server) as a child process instead of in this process: its
//                               CPU time is the server's alone, and `perf record -p PID` can watch it.
//   FLEET_BENCH_PAUSE=SECONDS   wait this long after printing the server's pid, before the clock starts.
//   FLEET_BENCH_SCALE=1000,3000,10000
//                               after the ingest, grow the estate to each host count with FLEET_BENCH_RUNS (10)
//                               assessments per host, cloned in SQL from the ingested ones and varied per host
//                               (products, versions, failing checks, 0–200 guests), and measure the reads at each.
//   FLEET_BENCH_WRK=PATH        also measure each read with wrk (PATH) for FLEET_BENCH_WRK_SECONDS (10), 4 connections.
//   FLEET_BENCH_PATHS=P1,P2     the read paths measured (default: /, the dashboard's filter, posture, two findings queries).
//   FLEET_BENCH_KEEP=1          keep the database (its name is printed).
import AsyncHTTPClient
import BulkheadTestSupport
import FleetAgent
import FleetProtocol
import FleetServer
import Foundation
import Logging
import PostgresNIO
import Reporting

let arguments = CommandLine.arguments
guard arguments.count >= 2, let report = FileManager.default.contents(atPath: arguments[1]) else {
    print("usage: fleet-bench REPORT.json [HOSTS] [SUBMISSIONS] [CONCURRENCY]")
    exit(64)
}
let hostCount = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20
let submissionCount = arguments.count > 3 ? Int(arguments[3]) ?? 300 : 300
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 8 : 8
let environment = ProcessInfo.processInfo.environment
let scaleSteps = (environment["FLEET_BENCH_SCALE"] ?? "").split(separator: ",").compactMap { Int($0) }
let runsPerHost = Int(environment["FLEET_BENCH_RUNS"] ?? "") ?? 10
let viewerToken = "bench-viewer-token-0000"

var logger = Logger(label: "fleet-bench")
logger.logLevel = .critical
let databaseURL = try TestPostgres.freshDatabase("bench")
let databaseName = String(databaseURL.split(separator: "/").last ?? "")
let pgServer = try TestPostgres.server()
func sql(_ text: String) throws -> String {
    try TestPostgres.psql(pgServer, database: databaseName, text).trimmingCharacters(in: .whitespacesAndNewlines)
}
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(UUID().uuidString.prefix(8))")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
defer { try? FileManager.default.removeItem(at: scratch) }
print("database: \(databaseName); fsync=\(try sql("SHOW fsync")), synchronous_commit=\(try sql("SHOW synchronous_commit"))")
let pgData = environment["FLEET_BENCH_PGDATA"] ?? pgServer.dataDirectory

// The server: in this process, or bulkhead-server as a child.
var serverChild: ServerChild?
var serverTask: Task<Void, any Error>?
var port = 0
if let binary = environment["FLEET_BENCH_SERVER"] {
    let tokens = scratch.appendingPathComponent("viewer-tokens")
    try Data((viewerToken + "\n").utf8).write(to: tokens)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokens.path)
    port = Int.random(in: 20_000...60_000)
    let child = ServerChild.start(
        binary,
        arguments: [
            "serve", "--database", databaseURL, "--listen", "127.0.0.1:\(port)", "--viewer-tokens", tokens.path, "--host-rate-limit", "off",
            "--address-rate-limit", "off",
        ], log: scratch.appendingPathComponent("server.log").path)
    serverChild = child
    var up = false
    for _ in 0..<600 where !up {
        up = (try? await FleetHarnessHTTP.get("http://127.0.0.1:\(port)/healthz", token: "")) == 200
        if !up { try await Task.sleep(for: .milliseconds(100)) }
    }
    guard up, child.pid() != nil else {
        print("bulkhead-server did not start: \(await child.stop())")
        exit(1)
    }
} else {
    let options = try FleetServer.Options(
        database: try DatabaseURL(databaseURL), listen: "127.0.0.1:0", tlsCertificate: nil, tlsKey: nil,
        access: await AccessControl(viewerTokens: [viewerToken]))
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    serverTask = Task { try await FleetServer.run(options, logger: logger, signals: false) { continuation.yield($0) } }
    for await p in ports {
        port = p
        break
    }
}
let serverPID = serverChild?.pid() ?? getpid()
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

// Bundles and their encoded bodies, prepared before the clock starts.
struct Prepared: Sendable {
    var host: String
    var identity: AgentIdentity
    var body: Data
    var buffer: ByteBuffer
}
var prepared: [Prepared] = []
let base = Date()
for i in 0..<submissionCount {
    let identity = identities[i % hostCount]
    let key = try SigningKey.load(path: identity.keyPath)
    let path = scratch.appendingPathComponent("b\(i)").path
    try EvidenceBundle.write(
        documents: ["reports/assessment.json": report], to: path, signingKey: key, hostname: "bench", bulkheadVersion: "0.1.0",
        createdAt: base.addingTimeInterval(Double(i)))
    let body = try FleetWire.encoder().encode(try BundlePayload.read(directory: path))
    try FileManager.default.removeItem(atPath: path)
    prepared.append(Prepared(host: identity.state?.host ?? "", identity: identity, body: body, buffer: ByteBuffer(bytes: body)))
}
let pgssAvailable = (try? sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()")) != nil
let sizeBefore = Int(try sql("SELECT pg_database_size(current_database())")) ?? 0

print("server pid \(serverPID)\(serverChild == nil ? " (this process: the figures below include the client)" : " (bulkhead-server)")")
fflush(nil)  // at once, also when stdout is a file: `perf record -p PID` needs it before the clock starts
if let pause = Double(environment["FLEET_BENCH_PAUSE"] ?? "") { try await Task.sleep(for: .seconds(pause)) }

let serverCPU0 = CPUTime.process(serverPID)
let pgCPU0 = pgData.map { CPUTime.postgres(dataDirectory: $0) } ?? 0
let clock = ContinuousClock()
let started = clock.now
@Sendable func send(_ item: Prepared, to url: String) async -> Int {
    guard let headers = try? SubmissionEnvelope.sign(body: item.body, host: item.host, key: item.identity.key) else { return 1 }
    let status = await FleetHarnessHTTP.post(url + FleetWire.submissionsPath, body: item.buffer, headers: headers.fields)
    if status != 201 { print("submission answered \(status)") }
    return status == 201 ? 0 : 1
}
let failures = await withTaskGroup(of: Int.self) { group in
    var next = 0
    var failed = 0
    for _ in 0..<min(concurrency, prepared.count) {
        let item = prepared[next]
        next += 1
        group.addTask { await send(item, to: url) }
    }
    while let result = await group.next() {
        failed += result
        if next < prepared.count {
            let item = prepared[next]
            next += 1
            group.addTask { await send(item, to: url) }
        }
    }
    return failed
}
let elapsed = clock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let serverCPU = CPUTime.process(serverPID) - serverCPU0
let pgCPU = (pgData.map { CPUTime.postgres(dataDirectory: $0) } ?? 0) - pgCPU0
let sizeAfter = Int(try sql("SELECT pg_database_size(current_database())")) ?? 0
print("report: \(report.count) bytes; bundle body \(prepared.first?.body.count ?? 0) bytes")
print(
    "ingest: \(submissionCount) verified submissions from \(hostCount) hosts, concurrency \(concurrency): \(String(format: "%.2f", seconds)) s = \(String(format: "%.1f", Double(submissionCount) / seconds)) per second; \(failures) failed"
)
print(
    "CPU per submission: server \(String(format: "%.2f", serverCPU * 1000 / Double(submissionCount))) ms, PostgreSQL \(pgData == nil ? "not measured" : String(format: "%.2f ms", pgCPU * 1000 / Double(submissionCount))) (load \(CPUTime.loadAverage()))"
)
print("storage: \((sizeAfter - sizeBefore) / max(1, submissionCount)) bytes of database per stored assessment")
if pgssAvailable {
    print("pg_stat_statements, by total time:")
    print(
        try sql(
            """
            SELECT format('%8s ms %6s calls %7s ms/call  %s', round(total_exec_time::numeric, 0), calls, round((total_exec_time / calls)::numeric, 3),
                left(regexp_replace(query, '\\s+', ' ', 'g'), 110))
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 10
            """))
}

// The dashboard's estate page, its findings filter (a table capped at --dashboard-findings), the posture, and the
// findings API, which streams every finding the filter selects (grows with the estate). FLEET_BENCH_PATHS: others.
let readPaths =
    environment["FLEET_BENCH_PATHS"].map { $0.split(separator: ",").map(String.init) } ?? [
        "/", "/?check=qemu.sandbox&verdict=fail", "/api/v1/posture", "/api/v1/findings?check=qemu.sandbox&verdict=fail",
        "/api/v1/findings?check=qemu.sandbox&product=qemu",
    ]
func latency(_ path: String, runs: Int = 40) async throws -> (Double, Double) {
    var samples: [Double] = []
    for _ in 0..<runs {
        let t0 = clock.now
        let r = try await FleetHarnessHTTP.get(url + path, token: viewerToken)
        precondition(r == 200, "GET \(path) answered \(r)")
        let d = clock.now - t0
        samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
    }
    samples.sort()
    return (samples[samples.count / 2], samples[Int((Double(samples.count) * 0.95).rounded(.up)) - 1])
}
func measureReads(hosts: Int, assessments: Int) async throws {
    for path in readPaths {
        let (p50, p95) = try await latency(path)
        print(
            "GET \(path): p50 \(String(format: "%.1f", p50)) ms, p95 \(String(format: "%.1f", p95)) ms, one at a time (\(hosts) hosts, \(assessments) assessments; load \(CPUTime.loadAverage()))"
        )
        if let wrk = environment["FLEET_BENCH_WRK"] {
            let seconds = Int(environment["FLEET_BENCH_WRK_SECONDS"] ?? "") ?? 10
            print("  wrk: " + (await Wrk.run(wrk, url: url + path, token: viewerToken, seconds: seconds)))
        }
    }
}
try await measureReads(hosts: hostCount, assessments: submissionCount)

// The estate at scale: SQL clones of the ingested assessments, varied per host.
var hostsNow = hostCount
for target in scaleSteps where target > hostsNow {
    let t0 = clock.now
    let size0 = Int(try sql("SELECT pg_database_size(current_database())")) ?? 0
    var from = hostsNow
    while from < target {
        let to = min(target, from + 500)
        _ = try sql(EstateClone.statements(from: from, to: to, runs: runsPerHost))
        from = to
    }
    _ = try sql("ANALYZE")
    let d = clock.now - t0
    let size1 = Int(try sql("SELECT pg_database_size(current_database())")) ?? 0
    let added = (target - hostsNow) * runsPerHost
    print(
        "estate grown to \(target) hosts × \(runsPerHost) runs in \(d.components.seconds) s: \((size1 - size0) / max(1, added)) bytes of database per cloned host run; database \(size1 >> 20) MiB; "
            + "\(try sql("SELECT count(*) FROM assessments")) assessments, \(try sql("SELECT count(*) FROM control_verdicts")) verdict rows, \(try sql("SELECT count(*) FROM findings")) finding rows"
    )
    hostsNow = target
    try await measureReads(hosts: target, assessments: Int(try sql("SELECT count(*) FROM assessments")) ?? 0)
}

await client.shutdown()
serverTask?.cancel()
_ = await serverTask?.result
if let serverChild { print(await serverChild.stop()) }
if environment["FLEET_BENCH_KEEP"] == nil { _ = try? TestPostgres.psql(pgServer, database: "postgres", "DROP DATABASE \(databaseName) WITH (FORCE)") }
