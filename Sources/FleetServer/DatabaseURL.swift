public import BulkheadModel
import Foundation
public import PostgresNIO

/// Where the server's PostgreSQL is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with `?host=/DIR` for
/// a UNIX socket directory (libpq's spelling) and `?sslmode=require` (or `verify-full`) for TLS.
public struct DatabaseURL: Sendable, Equatable {
    public var username: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var socketDirectory: String?
    public var requireTLS: Bool

    public init(_ text: String) throws(FleetServerError) {
        guard let components = URLComponents(string: text), components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw FleetServerError(.usage, "--database must be a URL such as postgres://bulkhead@127.0.0.1:5432/bulkhead")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        username = components.user ?? "postgres"
        password = components.password
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw FleetServerError(.usage, "--database needs a database name, as in postgres://USER@HOST:PORT/DATABASE")
        }
        database = path
        let sslmode = query["sslmode"] ?? "disable"
        requireTLS = ["require", "verify-ca", "verify-full"].contains(sslmode)
    }

    public func clientConfiguration() throws -> PostgresClient.Configuration {
        if let socketDirectory {
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS = requireTLS ? .require(.makeClientConfiguration()) : .disable
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The URL without its password, for logs and messages.
    public var redacted: String {
        let auth = password == nil ? username : "\(username):***"
        let socket = socketDirectory.map { "?host=\($0)" } ?? ""
        return "postgres://\(auth)@\(host):\(port)/\(database)\(socket)"
    }
}

/// A server error with a stable code; `status` is what the HTTP API answers for it.
public struct FleetServerError: CodedError, Sendable {
    public enum Code: String, Sendable, BulkheadErrorCode {
        public static let domain = "fleet-server"
        case usage, database, malformed, unknownHost, revokedKey, badSignature, staleTimestamp, replay, tampered, tooLarge, badToken,
            unauthorized, forbidden, notFound, conflict, rateLimited, overloaded
    }
    public var code: Code
    public var message: String
    public var cause: (any Error)?
    /// Seconds the client should wait before trying again (the `Retry-After` header of 429 and 503).
    public var retryAfter: Int?
    public init(_ code: Code, _ message: String, retryAfter: Int? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.retryAfter = retryAfter ?? (code == .database || code == .overloaded ? 5 : nil)
    }

    public var status: Int {
        switch code {
        case .usage, .malformed: 400
        case .unknownHost, .badSignature, .staleTimestamp, .badToken, .unauthorized: 401
        case .revokedKey, .forbidden: 403
        case .notFound: 404
        case .replay, .conflict: 409
        case .tooLarge: 413
        case .tampered: 422
        case .rateLimited: 429
        case .database, .overloaded: 503
        }
    }
}
