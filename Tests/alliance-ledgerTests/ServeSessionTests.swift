import Postgres
import TestSupport
import Testing

@testable import alliance_ledger

/// The database session `serve` opens: its service connections carry the configured
/// `statement_timeout`, so that no one request holds a connection for long; the owner's
/// connections, which run migrations, do not.
@Suite(.timeLimit(.perTest)) struct ServeSessionTests {
    @Test func theServiceConnectionsCarryTheStatementTimeout() async throws {
        try await TestDatabase.with { database in
            let settings = try Settings.resolve(
                flags: [.databaseURL: database.connectionString.rawValue, .statementTimeoutSeconds: "7"],
                environment: [:], configFile: nil, defaultConfigFile: "/nonexistent/alliance-ledger.json")
            let session = try await DatabaseSession.open(
                settings, logger: TestCluster.logger,
                serviceStatementTimeoutSeconds: settings.statementTimeoutSeconds)
            do {
                let service = try await Self.statementTimeout(session.pool)
                let owner = try await Self.statementTimeout(session.ownerPool)
                #expect(service == "7s")
                #expect(owner == "0")
            } catch {
                await session.close()
                throw error
            }
            await session.close()
        }
    }

    private static func statementTimeout(_ pool: PostgresPool) async throws -> String {
        try await pool.withConnection { connection in
            try await connection.query("SHOW statement_timeout").single().decode(
                "statement_timeout", as: String.self)
        }
    }
}
