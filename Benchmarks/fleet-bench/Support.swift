import AsyncHTTPClient
import FleetServer
import Foundation
import Logging
import PostgresNIO
import ProcessRunner

#if canImport(Glibc)
    import Glibc
#endif

/// A short-lived connection pool for the benchmark's direct database calls (token issue).
struct PostgresClientBox {
    let url: DatabaseURL
    init(_ url: DatabaseURL) { self.url = url }

    func run<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (FleetDatabase) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask { try await body(FleetDatabase(client: client, logger: logger)) }
            var result: T?
            while let next = try await group.next() {
                if let next {
                    result = next
                    group.cancelAll()
                }
            }
            guard let result else { throw CancellationError() }
            return result
        }
    }
}

enum FleetHarnessHTTP {
    static let http = HTTPClient(eventLoopGroupProvider: .singleton)
    static func get(_ url: String, token: String) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 64 << 20)
        return Int(response.status.code)
    }

    /// POSTs a body with the given headers; the status, or 0 when the server cannot be reached.
    static func post(_ url: String, body: ByteBuffer, headers: [(String, String)]) async -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        do {
            let response = try await http.execute(request, timeout: .seconds(180))
            _ = try await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        } catch {
            return 0
        }
    }
}

/// CPU time (user + system, seconds) from /proc: a process, or a PostgreSQL cluster (the postmaster and its
/// children, the backends), and the load average.
enum CPUTime {
    static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// (ppid, utime + stime in seconds) of a process, from /proc/PID/stat.
    static func stat(_ pid: Int32) -> (parent: Int32, seconds: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state(0) ppid(1) … utime(11) stime(12).
        guard fields.count > 12, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (parent, (user + system) / ticks)
    }

    static func process(_ pid: Int32) -> Double { stat(pid)?.seconds ?? 0 }

    static func postgres(dataDirectory: String) -> Double {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let postmaster = text.split(separator: "\n").first.flatMap({ Int32($0) })
        else { return 0 }
        var total = process(postmaster)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let s = stat(pid), s.parent == postmaster else { continue }
            total += s.seconds
        }
        return total
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// wrk with a script that prints the 50th and 95th percentiles (wrk's --latency prints no 95th), run through
/// ProcessRunner with a time bound (the run's length and a minute): a wrk that does not end is stopped, never waited on.
enum Wrk {
    static func run(_ wrk: String, url: String, token: String, seconds: Int, connections: Int = 4) async -> String {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-wrk-\(getpid()).lua")
        let lua = """
            done = function(summary, latency, requests)
              io.write(string.format("WRK %d requests, %d errors, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\\n", summary.requests,
                summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
                latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
            end
            """
        try? Data(lua.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let request = ProcessRequest(
            [
                wrk, "-t1", "-c\(connections)", "-d\(seconds)s", "--timeout", "30s", "-H", "Authorization: Bearer \(token)", "-s", script.path,
                url,
            ], output: .capture(limit: 1 << 20, stopAtLimit: false), timeout: .seconds(seconds + 60))
        let outcome: ProcessOutcome
        do { outcome = try await ProcessRunner.run(request) } catch { return "wrk did not start: \(error.message)" }
        if outcome.timedOut { return "wrk did not end within \(seconds + 60) s: stopped (\(connections) connections, \(seconds) s)" }
        let text = outcome.stdoutText + outcome.stderrText
        let line = text.split(separator: "\n").first { $0.hasPrefix("WRK ") }.map { String($0.dropFirst(4)) }
        return (line ?? "no result (\(outcome.termination)): " + text.suffix(300)) + " (\(connections) connections, \(seconds) s)"
    }
}

/// bulkhead-server as a child process, through ProcessRunner: started by `start`, stopped (SIGTERM, then SIGKILL
/// after 10 s) by `stop`, which waits for it with that bound.
struct ServerChild {
    let run: Task<ProcessOutcome?, Never>
    let binary: String

    static func start(_ binary: String, arguments: [String], log: String) -> ServerChild {
        let request = ProcessRequest(
            [binary] + arguments,
            environment: .exactly(["LOG_LEVEL": "error", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]),
            output: .file(log, limit: 256 << 20), error: .capture(limit: 64 << 10, stopAtLimit: false), grace: .seconds(10))
        return ServerChild(run: Task { try? await ProcessRunner.run(request) }, binary: binary)
    }

    /// The child's process id: this process's child running `binary` (for its CPU time and `perf record -p`).
    func pid() -> Int32? {
        let target = URL(fileURLWithPath: binary).resolvingSymlinksInPath().path
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), CPUTime.stat(pid)?.parent == getpid(),
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/exe")) == target
            else { continue }
            return pid
        }
        return nil
    }

    var isRunning: Bool { pid() != nil }

    /// Stops the server and returns how it ended.
    func stop() async -> String {
        run.cancel()
        guard let outcome = await run.value else { return "bulkhead-server could not be started" }
        return "bulkhead-server \(outcome.termination)\(outcome.stderr.isEmpty ? "" : ": " + outcome.stderrText.suffix(500))"
    }
}
