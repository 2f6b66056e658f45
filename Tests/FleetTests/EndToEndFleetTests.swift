import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built programs as an operator and a host run them: `bulkhead-server serve/enrol`, `bulkhead agent
/// enrol`, `bulkhead assess --submit` (this machine, live), the server killed and restarted between
/// submissions, `bulkhead agent flush`: nothing lost, nothing stored twice.
@Suite(.serialized, .enabled(if: TestPostgres.available, "needs PostgreSQL (.ci/run installs postgresql)"))
struct EndToEndFleetTests {
    final class ServerProcess {
        let process = Process()
        let port: Int
        init(database: String, port: Int, log: URL, options: [String] = []) throws {
            self.port = port
            process.executableURL = try builtExecutable("bulkhead-server")
            process.arguments = ["serve", "--database", database, "--listen", "127.0.0.1:\(port)"] + options
            process.standardInput = FileHandle.nullDevice
            try #require(FileManager.default.createFile(atPath: log.path, contents: nil), "could not create \(log.path)")
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }
        /// Waits until /healthz answers (the migrations ran and the port is bound).
        func waitUntilServing() async throws {
            for _ in 0..<300 {
                if let reply = try? await FleetHarness.get("http://127.0.0.1:\(port)/healthz"), reply.status == 200 { return }
                if !process.isRunning { throw TestPostgres.Failure(description: "bulkhead-server exited with \(process.terminationStatus)") }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestPostgres.Failure(description: "bulkhead-server did not answer on port \(port)")
        }
        /// SIGKILL: a crash, not a polite stop (Foundation's children also block SIGTERM).
        func kill() {
            if process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        /// The server's peak resident set (VmHWM of /proc/PID/status), in KiB.
        func peakResidentKiB() -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return nil }
            let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            return line.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        }
        func send(_ signal: Int32) { Glibc.kill(process.processIdentifier, signal) }
        deinit { kill() }
    }

    @Test func enrolSubmitCrashRestartFlushLosesNothingAndDuplicatesNothing() async throws {
        let database = try TestPostgres.freshDatabase("e2e")
        let dir = try FleetHarness.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Int.random(in: 20_000...60_000)
        let url = "http://127.0.0.1:\(port)"
        let key = dir.appendingPathComponent("agent/agent.key").path
        let spool = dir.appendingPathComponent("spool").path
        let log = dir.appendingPathComponent("server.log")

        var server = try ServerProcess(database: database, port: port, log: log)
        try await server.waitUntilServing()

        let enrol = try runBulkhead(
            ["enrol", "--database", database, "--host", "this-host"], in: dir, executable: builtExecutable("bulkhead-server").path)
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let token = enrol.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("bhe_"))

        let agent = try runBulkhead(["agent", "enrol", url, token, "--host", "this-host", "--key", key], in: dir)
        #expect(agent.status == 0, "\(agent.stderr)")
        #expect(agent.stdout.contains("Enrolled host this-host"))
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The token was spent.
        let reuse = try runBulkhead(["agent", "enrol", url, token, "--host", "this-host", "--key", key + ".2"], in: dir)
        #expect(reuse.status == 1 && reuse.stderr.contains("badToken"), "\(reuse.stderr)")

        let submitArguments = ["assess", "--no-store", "--format", "json", "--submit", url, "--key", key, "--spool", spool]
        let first = try runBulkhead(submitArguments, in: dir)
        #expect([0, 3].contains(first.status), "\(first.stderr)")
        #expect(first.stderr.contains("stored as assessment"), "\(first.stderr)")

        // The server crashes; the next two assessments wait in the spool.
        server.kill()
        for _ in 0..<2 {
            let spooled = try runBulkhead(submitArguments, in: dir)
            #expect([0, 3].contains(spooled.status), "\(spooled.stderr)")
            #expect(spooled.stderr.contains("kept in the spool"), "\(spooled.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".bundle.json") }.count == 2)
        let flushWhileDown = try runBulkhead(["agent", "flush", url, "--key", key, "--spool", spool], in: dir)
        #expect(flushWhileDown.status == 1 && flushWhileDown.stdout.contains("2 left"), "\(flushWhileDown.stdout) \(flushWhileDown.stderr)")

        server = try ServerProcess(database: database, port: port, log: log)
        try await server.waitUntilServing()
        let flush = try runBulkhead(["agent", "flush", url, "--key", key, "--spool", spool], in: dir)
        #expect(flush.status == 0, "\(flush.stderr)")
        #expect(flush.stdout.contains("Flushed 2 submission(s); 0 not sent; 0 left"), "\(flush.stdout)")
        let count = try FleetHarness.sql(database, "SELECT count(*) || ' ' || count(DISTINCT bundle_sha256) FROM assessments")
        #expect(count == "3 3")
        // A second flush has nothing to send; nothing is stored twice.
        let again = try runBulkhead(["agent", "flush", url, "--key", key, "--spool", spool], in: dir)
        #expect(again.status == 0 && again.stdout.contains("Flushed 0"))
        #expect(try FleetHarness.sql(database, "SELECT count(*) FROM assessments") == "3")

        // Revoked from the CLI: the next submission is refused (exit 1), not spooled.
        let revoke = try runBulkhead(
            ["revoke", "--database", database, "--host", "this-host"], in: dir, executable: builtExecutable("bulkhead-server").path)
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let refused = try runBulkhead(submitArguments, in: dir)
        #expect(refused.status == 1 && refused.stderr.contains("revokedKey"), "\(refused.stderr)")
        server.kill()
    }
}
