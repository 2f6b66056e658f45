import AsyncHTTPClient
import FleetServer
import Foundation
import Logging
import PostgresNIO

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
}
