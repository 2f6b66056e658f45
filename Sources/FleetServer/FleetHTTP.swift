import FleetProtocol
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
public import PostgresNIO
public import Prometheus
import ServiceLifecycle

/// The server's HTTP side: routes, JSON errors, metrics. `FleetServer.run` wires it to PostgreSQL and runs it
/// until SIGTERM or SIGINT (graceful shutdown: in-flight requests finish, then the pool closes).
public struct FleetServer: Sendable {
    public let database: FleetDatabase
    public let registry: PrometheusCollectorRegistry
    public let access: AccessControl
    public let limits: ServerLimits
    let hostLimiter: RateLimiter?
    let addressLimiter: RateLimiter?
    let gate: AdmissionGate

    public init(
        database: FleetDatabase, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), access: AccessControl,
        limits: ServerLimits = ServerLimits()
    ) {
        self.database = database
        self.registry = registry
        self.access = access
        self.limits = limits
        hostLimiter = limits.perHost.map { RateLimiter($0) }
        addressLimiter = limits.perAddress.map { RateLimiter($0) }
        gate = AdmissionGate(running: limits.concurrentSubmissions, queued: limits.queuedSubmissions)
    }

    public struct Options: Sendable {
        public var database: DatabaseURL
        public var host: String
        public var port: Int
        public var tlsCertificate: String?
        public var tlsKey: String?
        public var access: AccessControl
        public var limits: ServerLimits
        /// How often expired submission nonces are deleted.
        public var pruneInterval: Duration
        /// How long the first connection to PostgreSQL may take before `serve` gives up (a loaded database
        /// host is slow; `enrol` and `revoke` give it 4 s).
        public var connectTimeout: Duration = .seconds(30)

        public init(
            database: DatabaseURL, listen: String, tlsCertificate: String?, tlsKey: String?, access: AccessControl,
            limits: ServerLimits = ServerLimits(), pruneInterval: Duration = .seconds(60)
        ) throws(FleetServerError) {
            self.database = database
            self.limits = limits
            self.pruneInterval = pruneInterval
            let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, let port = Int(parts.last ?? ""), (0...65535).contains(port) else {
                throw FleetServerError(.usage, "--listen must be HOST:PORT, as in 127.0.0.1:8443")
            }
            self.host = parts.dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            self.port = port
            guard (tlsCertificate == nil) == (tlsKey == nil) else {
                throw FleetServerError(.usage, "--tls-cert and --tls-key go together")
            }
            self.tlsCertificate = tlsCertificate
            self.tlsKey = tlsKey
            self.access = access
        }
    }

    /// Connects (one probe connection first: a database that is down fails at once), applies the migrations,
    /// then serves until a graceful-shutdown signal (or cancellation). `onRunning` receives the bound port.
    public static func run(
        _ options: Options, logger: Logger, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        signals: Bool = true, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await options.database.probe(timeout: options.connectTimeout, logger: logger)
        let client = PostgresClient(configuration: try options.database.clientConfiguration(), backgroundLogger: logger)
        let database = FleetDatabase(client: client, logger: logger)
        let server = FleetServer(database: database, registry: registry, access: options.access, limits: options.limits)
        let router = server.makeRouter()
        let builder: HTTPServerBuilder
        if let certificate = options.tlsCertificate, let key = options.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            builder = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            builder = .http1()
        }
        let app = Application(
            router: router, server: builder,
            // A backlog for a thousand agents connecting at once (the kernel caps it at net.core.somaxconn).
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "bulkhead-server", backlog: 2048),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            do {
                try await Migrations.run(client, logger: logger)
            } catch {
                group.cancelAll()
                throw FleetServerError(.database, "cannot prepare the database \(options.database.redacted): \(String(reflecting: error))")
            }
            group.addTask {
                let services = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: NoncePruner(database: database, interval: options.pruneInterval)), .init(service: app)],
                        gracefulShutdownSignals: signals ? [.sigterm, .sigint] : [], logger: logger))
                try await services.run()
            }
            // The first to finish (the server, at shutdown) ends the pool too.
            try await group.next()
            group.cancelAll()
        }
    }

    // MARK: routes

    public func makeRouter() -> Router<FleetRequestContext> {
        let router = Router(context: FleetRequestContext.self)
        // HTTP metrics (requests by status, duration, requests in flight) through swift-metrics: Prometheus
        // when the process bootstrapped it, as bulkhead-server does.
        router.add(middleware: MetricsMiddleware())
        if let addressLimiter { router.add(middleware: AddressLimitMiddleware(limiter: addressLimiter)) }
        let hostLimiter = hostLimiter
        let gate = gate
        // bulkhead_submissions_total{result=...}; no help text, so /metrics has no # HELP line for it (as before).
        let submissionsTotal = MetricNameDescriptor(metricName: "bulkhead_submissions", unitName: "total", helpText: "")
        let submissions = registry.makeCounter(descriptor: submissionsTotal, labels: [("result", "stored")])
        let duplicates = registry.makeCounter(descriptor: submissionsTotal, labels: [("result", "duplicate")])
        let rejected = registry.makeCounter(descriptor: submissionsTotal, labels: [("result", "rejected")])
        let registry = registry
        let database = database

        router.get("/healthz") { _, _ in try Self.json(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.post(RouterPath(FleetWire.enrolPath)) { request, _ in
            await Self.handling(database.logger) {
                let body = try await Self.body(request)
                let enrol: EnrolRequest
                do {
                    enrol = try FleetWire.decoder().decode(EnrolRequest.self, from: body)
                } catch {
                    throw FleetServerError(.malformed, "the body is not an enrolment request (JSON with host, token, publicKey, proof)")
                }
                return try Self.json(try await database.enrol(enrol), status: .created)
            }
        }
        router.post(RouterPath(FleetWire.submissionsPath)) { request, _ in
            // A slot before the body is read: what waits holds no body, and past the queue the answer is 503 at once.
            guard await gate.enter() else {
                rejected.increment()
                return Self.errorResponse(
                    FleetServerError(.overloaded, "the server is processing as many submissions as it queues; send again later", retryAfter: 5))
            }
            defer { gate.leave() }
            let response = await Self.handling(database.logger) {
                let headers = try Self.envelope(request)
                let body = try await Self.body(request)
                let result = try await database.ingest(headers: headers, body: body) { host throws(FleetServerError) in
                    if let wait = hostLimiter?.take(host) {
                        throw FleetServerError(
                            .rateLimited, "host \(host) sent more submissions than its rate limit (\(hostLimiter?.rate.description ?? "")) allows",
                            retryAfter: wait)
                    }
                }
                (result.duplicate ? duplicates : submissions).increment()
                return try Self.json(result, status: result.duplicate ? .ok : .created)
            }
            if response.status.code >= 400 { rejected.increment() }
            return response
        }
        ReadAPI(database: database, access: access, limits: limits).register(on: router)
        return router
    }

    static func envelope(_ request: Request) throws -> SubmissionEnvelope.Headers {
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { request.headers[$0] } }
        do {
            return try SubmissionEnvelope.parse(
                host: header(FleetWire.hostHeader), timestamp: header(FleetWire.timestampHeader), nonce: header(FleetWire.nonceHeader),
                signature: header(FleetWire.signatureHeader))
        } catch {
            throw FleetServerError(.malformed, error.message)
        }
    }

    /// The request body, refused with 413 when its declared or actual length is over the cap.
    static func body(_ request: Request) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > FleetWire.maxBodyBytes {
            throw FleetServerError(.tooLarge, "the body is \(length) bytes; the server accepts at most \(FleetWire.maxBodyBytes)")
        }
        do {
            let buffer = try await request.body.collect(upTo: FleetWire.maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw FleetServerError(.tooLarge, "the body is over \(FleetWire.maxBodyBytes) bytes, the most the server accepts")
        }
    }

    /// Runs a handler; every error becomes a JSON error body with its status (database errors are 503 and
    /// logged, never shown).
    static func handling(_ logger: Logger, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as FleetServerError {
            return errorResponse(error)
        } catch let error as PostgresTransactionError where error.closureError is FleetServerError {
            return errorResponse(error.closureError as? FleetServerError ?? FleetServerError(.database, "refused"))
        } catch let error as PSQLError {
            logger.error("database error: \(String(reflecting: error))")
            return errorResponse(FleetServerError(.database, "the database is unavailable or refused the request; try again"))
        } catch {
            logger.error("request failed: \(String(reflecting: error))")
            return errorResponse(FleetServerError(.database, "the server could not complete the request; try again"))
        }
    }

    static func errorResponse(_ error: FleetServerError) -> Response {
        let data = (try? FleetWire.encoder().encode(ErrorResponse(code: error.code.rawValue, message: error.message))) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if error.code == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let wait = error.retryAfter { headers[.retryAfter] = String(wait) }
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try FleetWire.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The request context: Hummingbird's, plus the peer's address (the per-address rate limit's key).
public struct FleetRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (or socket path); "unknown" when the channel has none.
    public let address: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let remote = source.channel.remoteAddress
        address = remote?.ipAddress ?? remote?.pathname ?? "unknown"
    }
}

/// The per-address limit of unauthenticated requests: every enrolment request takes a token; any other
/// request takes one when it is answered 401. An address without a token is answered 429 before any work
/// (health and metrics excepted).
struct AddressLimitMiddleware: RouterMiddleware {
    typealias Context = FleetRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .get, path == "/healthz" || path == "/metrics" { return try await next(request, context) }
        let enrol = request.method == .post && path == FleetWire.enrolPath
        if let wait = enrol ? limiter.take(context.address) : limiter.check(context.address) {
            return FleetServer.errorResponse(
                FleetServerError(
                    .rateLimited, "too many unauthenticated requests from \(context.address) (limit \(limiter.rate.description))", retryAfter: wait))
        }
        let response = try await next(request, context)
        if !enrol, response.status.code == 401 { _ = limiter.take(context.address) }
        return response
    }
}
