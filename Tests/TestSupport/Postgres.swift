import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL for tests. With `BULKHEAD_TEST_POSTGRES_URL` (a superuser URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`) it uses that server; otherwise it starts a throwaway
/// cluster once per test process: `initdb` into a temporary directory (as user `postgres` when running as
/// root, since PostgreSQL refuses root), listening on a UNIX socket in that directory and on a free loopback
/// port (postgres runs as a child of the test process), with a watchdog that stops it and removes the directory when the test process is gone.
/// `freshDatabase` gives each suite its own empty database.
///
///     @Suite(.enabled(if: TestPostgres.available, "needs PostgreSQL 15 (.ci/run installs postgresql)"))
///     struct FleetTests { let url = try TestPostgres.freshDatabase("fleet") … }
public enum TestPostgres {
    public static let environmentVariable = "BULKHEAD_TEST_POSTGRES_URL"
    static let binDirectories = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]

    /// For `.enabled(if:)`: a server URL is given, or PostgreSQL's programs are installed, or this is CI.
    public static var available: Bool {
        Tool.inCI || ProcessInfo.processInfo.environment[environmentVariable] != nil || binDirectory != nil
    }

    static var binDirectory: String? {
        binDirectories.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    public struct Server: Sendable {
        /// Superuser URL without a database name, e.g. `postgres://postgres@127.0.0.1:54321`.
        public var base: String
        /// The UNIX socket directory of a throwaway cluster (nil for an external server).
        public var socketDirectory: String?
        public var port: Int
        public var dataDirectory: String?
        public var binDirectory: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private static let started = Mutex<Result<Server, Failure>?>(nil)

    /// The server, started on first use.
    public static func server() throws -> Server {
        try started.withLock { state in
            if let state { return try state.get() }
            let result: Result<Server, Failure>
            do { result = .success(try start()) } catch let error as Failure { result = .failure(error) } catch {
                result = .failure(Failure(description: "\(error)"))
            }
            state = result
            return try result.get()
        }
    }

    /// A new, empty database; returns its URL (`postgres://postgres@127.0.0.1:PORT/NAME`).
    public static func freshDatabase(_ prefix: String) throws -> String {
        let server = try server()
        let name = "\(prefix.lowercased().filter { $0.isLetter || $0.isNumber })_\(UUID().uuidString.prefix(8).lowercased())"
        try psql(server, database: "postgres", "CREATE DATABASE \(name)")
        return "\(server.base)/\(name)"
    }

    /// Runs one SQL command with psql against `database`; returns its unaligned output.
    @discardableResult
    public static func psql(_ server: Server, database: String, _ sql: String) throws -> String {
        guard
            let psql = (binDirectory.map { $0 + "/psql" }).flatMap({ FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil })
                ?? Tool.find("psql")
        else { throw Failure(description: "psql is not installed (postgresql-client)") }
        let (status, out, err) = run(psql, ["\(server.base)/\(database)", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard status == 0 else { throw Failure(description: "psql \(sql.prefix(80)) failed: \(err)") }
        return out
    }

    static func start() throws -> Server {
        if let url = ProcessInfo.processInfo.environment[environmentVariable] {
            guard var components = URLComponents(string: url) else { throw Failure(description: "\(environmentVariable) is not a URL") }
            components.path = ""
            return Server(base: components.string ?? url, socketDirectory: nil, port: components.port ?? 5432)
        }
        guard let bin = binDirectory else {
            throw Failure(description: "PostgreSQL is not installed (apt-get install postgresql; .ci/run does) and \(environmentVariable) is not set")
        }
        let asRoot = getuid() == 0
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if asRoot {
            try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: directory)
        }
        func asPostgres(_ program: String, _ arguments: [String]) -> (Int32, String, String) {
            asRoot ? run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments) : run(program, arguments)
        }
        let data = directory + "/data"
        let (initStatus, _, initError) = asPostgres(bin + "/initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        guard initStatus == 0 else { throw Failure(description: "initdb failed: \(initError)") }
        // The watchdog: when this test process is gone, stop the cluster and remove its directory.
        let pid = getpid()
        let stopper = (asRoot ? "/usr/sbin/runuser -u postgres -- " : "") + "\(bin)/pg_ctl -D \(data) stop -m immediate"
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", "while [ -d /proc/\(pid) ]; do sleep 1; done; \(stopper) >/dev/null 2>&1; rm -rf \(directory)"]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        // postgres runs as a direct child, not daemonised by pg_ctl: Foundation's Process waits for every holder
        // of a descriptor it gives the child, and a daemon would hold it for ever.
        var lastError = ""
        for _ in 0..<8 {
            let port = Int.random(in: 20_000...60_000)
            let server = Process()
            let arguments = [
                bin + "/postgres", "-D", data, "-p", String(port), "-k", directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                "-c", "max_connections=300",
            ]
            server.executableURL = URL(fileURLWithPath: asRoot ? "/usr/sbin/runuser" : arguments[0])
            server.arguments = asRoot ? ["-u", "postgres", "--"] + arguments : Array(arguments.dropFirst())
            server.standardInput = FileHandle.nullDevice
            let logPath = directory + "/log-\(port)"
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw Failure(description: "could not create \(logPath)") }
            server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            server.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            try server.run()
            for _ in 0..<600 where server.isRunning {
                if run(bin + "/pg_isready", ["-q", "-h", directory, "-p", String(port)]).0 == 0 {
                    return Server(
                        base: "postgres://postgres@127.0.0.1:\(port)", socketDirectory: directory, port: port, dataDirectory: data,
                        binDirectory: bin)
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            lastError = String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(500))
        }
        throw Failure(description: "PostgreSQL did not start: \(lastError)")
    }

    static func run(_ executable: String, _ arguments: [String]) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-pg-run-\(UUID().uuidString)")
        let outPath = scratch.path + ".out"
        let errPath = scratch.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil) else {
            return (-1, "", "could not create \(outPath) and \(errPath)")
        }
        do {
            // Files, not pipes: nothing here waits on a pipe a grandchild could keep open.
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            try process.run()
        } catch {
            return (-1, "", "\(error)")
        }
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }
}
