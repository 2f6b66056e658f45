import Foundation
public import Logging
import NIOCore
import NIOSSL
import PostgresNIO
public import ServiceLifecycle

/// The nonce pruner, a service in the server's lifecycle group: every `interval` it deletes the nonces older
/// than the replay window allows (`FleetDatabase.nonceRetention`), so `submission_nonces` stays as large
/// as a few minutes of submissions. Several instances pruning together is harmless (each DELETE is idempotent).
public struct NoncePruner: Service {
    public let database: FleetDatabase
    public let interval: Duration

    public init(database: FleetDatabase, interval: Duration = .seconds(60)) {
        self.database = database
        self.interval = interval
    }

    public func run() async throws {
        let database = database
        let interval = interval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let deleted = try await database.pruneNonces()
                    if deleted > 0 { database.logger.debug("pruned \(deleted) expired submission nonces") }
                } catch {
                    if Task.isCancelled { return }
                    database.logger.warning("nonce pruning failed (will retry): \(String(describing: error))")
                }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}

extension DatabaseURL {
    /// One connection's configuration (the pool's settings for a single connection), for `probe`.
    func connectionConfiguration(timeout: Duration) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS = requireTLS ? .require(try NIOSSLContextBox.context()) : .disable
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
        return configuration
    }

    /// Opens and closes one connection within `timeout`: a database that is down, unreachable or refuses the
    /// credentials is one clear error at once, not the pool's minute of retries.
    public func probe(timeout: Duration = .seconds(4), logger: Logger) async throws(FleetServerError) {
        let configuration: PostgresConnection.Configuration
        do { configuration = try connectionConfiguration(timeout: timeout) } catch {
            throw FleetServerError(.database, "cannot prepare a connection to \(redacted): \(error)")
        }
        let target = redacted
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                    try? await connection.close()
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw FleetServerError(.database, "PostgreSQL at \(target) did not answer within \(timeout.components.seconds) s")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as FleetServerError {
            throw error
        } catch {
            throw FleetServerError(.database, "cannot connect to PostgreSQL at \(target): \(Self.reason(error))")
        }
    }

    /// What went wrong, in words: the server's message, or the socket error, not PSQLError's redacted form.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return String(describing: underlying) }
            return "\(error.code)"
        }
        return String(describing: error)
    }
}

/// TLS for the probe: the same default client configuration as the pool's.
enum NIOSSLContextBox {
    static func context() throws -> NIOSSLContext { try NIOSSLContext(configuration: .makeClientConfiguration()) }
}
