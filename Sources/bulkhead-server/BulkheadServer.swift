import ArgumentParser
import FleetServer
import Foundation
import Logging
import Metrics
import PostgresNIO
import Prometheus

@main
struct BulkheadServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead-server",
        abstract: "The Bulkhead fleet server: enrolment, verified ingest of signed assessments, read API and dashboard.",
        discussion: """
            Stateless: several instances may share one PostgreSQL. The schema is migrated at start (versioned, \
            idempotent). docs/fleet.md documents the protocol, the endpoints and the errors.
            """,
        subcommands: [Serve.self, Enrol.self, Revoke.self])
}

struct DatabaseOption: ParsableArguments {
    /// Where the URL may come from instead of the command line, which every local user can read in
    /// /proc/PID/cmdline: a password belongs in the environment (systemd's EnvironmentFile, mode 0600).
    static let environmentVariable = "BULKHEAD_DATABASE_URL"

    @Option(
        help: ArgumentHelp(
            "PostgreSQL URL: postgres://USER[:PASSWORD]@HOST:PORT/DATABASE[?host=/SOCKETDIR][&sslmode=require]. Default: $BULKHEAD_DATABASE_URL (keeps a password out of the process list).",
            valueName: "URL"))
    var database: String?

    func url() throws -> DatabaseURL {
        guard let text = database ?? ProcessInfo.processInfo.environment[Self.environmentVariable], !text.isEmpty else {
            throw ValidationError("give --database URL or set \(Self.environmentVariable)")
        }
        do { return try DatabaseURL(text) } catch { throw ValidationError(error.message) }
    }

    /// Runs a command's work on the database (`withDatabase`) with the audit log's actor for the user who ran it
    /// (`cli:` and $SUDO_USER, else $USER); a failure is reported as `fail` reports it.
    func runAsUser<T: Sendable>(_ body: @escaping @Sendable (FleetDatabase, String) async throws -> T) async throws -> T {
        let target = try url()
        let environment = ProcessInfo.processInfo.environment
        let actor = "cli:" + (environment["SUDO_USER"] ?? environment["USER"] ?? "unknown")
        do {
            return try await withDatabase(target) { try await body($0, actor) }
        } catch {
            throw fail(error, database: target)
        }
    }
}

/// A runtime failure: one line on standard error, exit status 1 (usage mistakes keep ArgumentParser's 64).
func fail(_ error: any Error, database: DatabaseURL? = nil) -> ExitCode {
    let text: String
    if let error = error as? FleetServerError {
        text = error.description
    } else {
        let target = database.map { " \($0.redacted)" } ?? ""
        text = "cannot use the database\(target): \(String(describing: error)) (is PostgreSQL running and the URL right?)"
    }
    let line = text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : String($0) }.joined()
    FileHandle.standardError.write(Data("bulkhead-server: error: \(line)\n".utf8))
    return ExitCode(1)
}

func makeLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
    return logger
}

/// Runs `body` with a connected client (migrations applied), then shuts the pool down.
func withDatabase<T: Sendable>(_ url: DatabaseURL, _ body: @escaping @Sendable (FleetDatabase) async throws -> T) async throws -> T {
    var quiet = makeLogger("bulkhead-server")
    quiet.logLevel = .warning
    let logger = quiet
    // One connection first, within 4 s: a database that is down is one clear line now, not after the pool's
    // minute of retries.
    try await url.probe(logger: logger)
    let client = PostgresClient(configuration: try url.clientConfiguration(), backgroundLogger: logger)
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
        guard let result else { throw FleetServerError(.database, "the database connection ended early") }
        return result
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the ingest API, the read API, the dashboard and /metrics.")

    @OptionGroup var db: DatabaseOption
    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "HOST:PORT")) var listen = "127.0.0.1:8443"
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain for TLS.", valueName: "FILE")) var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key for TLS.", valueName: "FILE")) var tlsKey: String?
    @Option(help: ArgumentHelp("File of administrator bearer tokens, one a line.", valueName: "FILE")) var adminTokens: String?
    @Option(help: ArgumentHelp("File of read-only bearer tokens, one a line.", valueName: "FILE")) var viewerTokens: String?
    @Option(help: ArgumentHelp("File holding the HS256 secret of bearer JWTs (claims sub, exp, role).", valueName: "FILE")) var jwtSecret: String?
    @Option(
        help: ArgumentHelp(
            "Submissions one enrolled host may send: COUNT/SECONDS (a token bucket of COUNT refilled over SECONDS), or off. Over it: 429 with Retry-After.",
            valueName: "RATE"))
    var hostRateLimit = ServerLimits.defaultPerHost.description
    @Option(
        help: ArgumentHelp(
            "Unauthenticated requests one source address may make (every enrolment, every 401): COUNT/SECONDS, or off.", valueName: "RATE"))
    var addressRateLimit = ServerLimits.defaultPerAddress.description
    @Option(help: ArgumentHelp("Submissions verified and stored at once; more wait in the queue.", valueName: "N"))
    var maxConcurrentSubmissions = ServerLimits().concurrentSubmissions
    @Option(help: ArgumentHelp("Submissions waiting for a slot; past it: 503 with Retry-After.", valueName: "N"))
    var maxQueuedSubmissions = ServerLimits().queuedSubmissions
    @Option(
        help: ArgumentHelp(
            "Findings one dashboard table shows (the estate's filter, a host's page); past it the table says so and links the CSV/JSON exports, which have no cap. 1–\(ServerLimits.maxDashboardFindings).",
            valueName: "N"))
    var dashboardFindings = ServerLimits().dashboardFindings
    @Option(
        help: ArgumentHelp(
            "Hosts read at a time by the streamed findings API and its CSV/JSON exports (each page one query, sent as soon as read). 1–\(ServerLimits.maxFindingsHostsPerPage).",
            valueName: "N"))
    var exportHostsPerPage = ServerLimits().findingsHostsPerPage
    @Option(
        help: ArgumentHelp(
            "Hosts one page of the dashboard's hosts table (and of its list of hosts that stopped reporting) shows; the next page is a link. 1–\(ServerLimits.maxDashboardHosts).",
            valueName: "N"))
    var dashboardHosts = ServerLimits().dashboardHosts
    @Option(
        help: ArgumentHelp(
            "Findings one page of the estate's findings table shows (whole hosts, by name; with the count of all that match and a link to the next page). 1–\(ServerLimits.maxDashboardFindings).",
            valueName: "N"))
    var dashboardFindingsPage = ServerLimits().dashboardFindingsPage
    @Option(
        help: ArgumentHelp(
            "The count above the estate's findings table stops at N and says \"more than N\" (counting every match of a broad filter on a large estate would be paid again after each ingest). 1–\(ServerLimits.maxDashboardFindingsCount).",
            valueName: "N"))
    var dashboardFindingsCount = ServerLimits().dashboardFindingsCount

    /// The options bounded 1…most, with the setting of `ServerLimits` each one gives: checked by `validate`, set
    /// by `limits`.
    var bounded: [(flag: String, value: Int, most: Int, setting: WritableKeyPath<ServerLimits, Int>)] {
        [
            ("dashboard-hosts", dashboardHosts, ServerLimits.maxDashboardHosts, \.dashboardHosts),
            ("dashboard-findings", dashboardFindings, ServerLimits.maxDashboardFindings, \.dashboardFindings),
            ("dashboard-findings-page", dashboardFindingsPage, ServerLimits.maxDashboardFindings, \.dashboardFindingsPage),
            ("dashboard-findings-count", dashboardFindingsCount, ServerLimits.maxDashboardFindingsCount, \.dashboardFindingsCount),
            ("export-hosts-per-page", exportHostsPerPage, ServerLimits.maxFindingsHostsPerPage, \.findingsHostsPerPage),
        ]
    }

    func validate() throws {
        for (flag, value, most, _) in bounded where !(1...most).contains(value) {
            throw ValidationError("--\(flag) must be 1–\(most)")
        }
    }

    func limits() throws -> ServerLimits {
        do {
            var limits = ServerLimits(
                perHost: try RateLimiter.Rate.parse(hostRateLimit), perAddress: try RateLimiter.Rate.parse(addressRateLimit),
                concurrentSubmissions: maxConcurrentSubmissions, queuedSubmissions: maxQueuedSubmissions)
            for option in bounded { limits[keyPath: option.setting] = option.value }
            return limits
        } catch { throw ValidationError(error.message) }
    }

    func run() async throws {
        let logger = makeLogger("bulkhead-server")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let limits = try limits()
        do {
            let access = try await AccessControl.load(adminTokenFile: adminTokens, viewerTokenFile: viewerTokens, jwtSecretFile: jwtSecret)
            let options = try FleetServer.Options(
                database: try db.url(), listen: listen, tlsCertificate: tlsCert, tlsKey: tlsKey, access: access, limits: limits)
            try await FleetServer.run(options, logger: logger, registry: registry) { port in
                logger.info("bulkhead-server listening on \(options.host):\(port)\(options.tlsCertificate == nil ? " (plain HTTP)" : " (TLS)")")
                logger.info(
                    "limits: dashboard findings \(limits.dashboardFindings), export hosts per page \(limits.findingsHostsPerPage), dashboard hosts \(limits.dashboardHosts), dashboard findings page \(limits.dashboardFindingsPage), submissions \(limits.concurrentSubmissions) at once + \(limits.queuedSubmissions) queued"
                )
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error, database: try? db.url())
        }
    }
}

struct Enrol: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a one-time enrolment token for a host (valid 24 hours; only its hash is stored).",
        discussion: "On the host: bulkhead agent enrol URL TOKEN. Enrolling an enrolled host again replaces its key when the token is used.")

    @OptionGroup var db: DatabaseOption
    @Option(help: ArgumentHelp("The host's name (letters, digits, '.', '-', '_').", valueName: "NAME")) var host: String

    func run() async throws {
        let host = host
        print(try await db.runAsUser { try await $0.issueEnrolToken(host: host, actor: $1) })
    }
}

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a host's key: its submissions are refused until it enrols again.")

    @OptionGroup var db: DatabaseOption
    @Option(help: ArgumentHelp("The host's name.", valueName: "NAME")) var host: String

    func run() async throws {
        let host = host
        try await db.runAsUser { try await $0.revoke(host: host, actor: $1) }
        print("Revoked the key of host \(host)")
    }
}
