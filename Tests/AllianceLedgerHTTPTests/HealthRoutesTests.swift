import AllianceLedgerHTTP
import Foundation
import Hummingbird
import Logging
import Postgres
import TestSupport
import Testing

/// The service in process on a free port: health always, readiness only with a database, and
/// errors as RFC 9457 problem documents.
@Suite struct HealthRoutesTests {
    /// Runs the application on a free port while `body` probes it.
    private func withService(
        pool: PostgresPool, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = HTTPService.application(
            pool: pool,
            configuration: HTTPServiceConfiguration(
                host: "127.0.0.1", port: 0, publicBaseURL: "http://127.0.0.1"),
            logger: TestCluster.logger,
            onServerRunning: { port in portContinuation.yield(port) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var ports = portStream.makeAsyncIterator()
            let port = try #require(await ports.next())
            try await body(port)
            group.cancelAll()
        }
    }

    @Test func healthAndReadinessWithADatabase() async throws {
        try await TestDatabase.with { database in
            try await withService(pool: database.pool) { port in
                let health = try await HTTPProbe.request(port: port, path: "/healthz")
                #expect(health.status == 200)
                #expect(health.headers["content-type"]?.hasPrefix("application/json") == true)
                #expect(health.body == #"{"status":"ok"}"#)
                let ready = try await HTTPProbe.request(port: port, path: "/readyz")
                #expect(ready.status == 200)
                #expect(ready.body == #"{"status":"ready"}"#)
            }
        }
    }

    @Test func readinessFailsAsAProblemDocumentWithoutADatabase() async throws {
        let pool = try TestCluster.unreachablePool(maximumConnections: 1)
        try await withService(pool: pool) { port in
            #expect(try await HTTPProbe.request(port: port, path: "/healthz").status == 200)
            let ready = try await HTTPProbe.request(port: port, path: "/readyz")
            #expect(ready.status == 503)
            #expect(ready.headers["content-type"] == "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(ready.body.utf8)) as? [String: Any]
            #expect(problem?["type"] as? String == "/problems/database-unavailable")
            #expect(problem?["status"] as? Int == 503)
            #expect(problem?["title"] as? String == "The database is unavailable")
        }
        await pool.close()
    }

    @Test func unknownRoutesAreNotFound() async throws {
        try await TestDatabase.with { database in
            try await withService(pool: database.pool) { port in
                let missing = try await HTTPProbe.request(port: port, path: "/nope")
                #expect(missing.status == 404)
            }
        }
    }
}
