import AllianceLedger
import Foundation
public import Postgres

/// A database of one test's own, dropped when the test ends.
public struct TestDatabase: Sendable {
    public let name: String
    public let connectionString: ConnectionString
    /// A small pool on this database; closed when the test ends.
    public let pool: PostgresPool

    /// Runs `body` with a new database: a clone of the migrated schema template, or an empty
    /// database when `migrated` is false.
    public static func with<Value>(
        migrated: Bool = true, _ body: (TestDatabase) async throws -> Value
    ) async throws -> Value {
        let cluster = TestCluster.shared
        let admin = try await cluster.adminPool()
        let name = "test_" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        let template = migrated ? try await cluster.migratedTemplate() : "template0"
        try await createDatabase(name, from: template, admin: admin)
        let connectionString = try await cluster.adminConnectionString().setting("dbname", to: name)
        let database = TestDatabase(
            name: name, connectionString: connectionString,
            pool: PostgresPool(
                PostgresPoolConfiguration(
                    connection: PostgresConnectionConfiguration(
                        connectionString: connectionString, logger: TestCluster.logger),
                    maximumConnections: 4, acquireTimeout: .seconds(30))))
        do {
            let value = try await body(database)
            await database.drop(admin: admin)
            return value
        } catch {
            await database.drop(admin: admin)
            throw error
        }
    }

    /// Opens a connection of its own, outside the pool.
    public func connect(applicationName: String = "alliance-ledger-tests") async throws -> PostgresConnection
    {
        try await PostgresConnection.connect(configuration(applicationName: applicationName))
    }

    public func configuration(
        applicationName: String = "alliance-ledger-tests", role: String? = nil
    ) -> PostgresConnectionConfiguration {
        PostgresConnectionConfiguration(
            connectionString: connectionString, applicationName: applicationName, role: role,
            logger: TestCluster.logger)
    }

    /// A pool whose sessions run as the service's restricted role, as the service's do.
    /// `statementTimeoutMilliseconds` as the service sets it, for tests of that limit.
    public func makeServicePool(maximumConnections: Int = 8, statementTimeoutMilliseconds: Int? = nil)
        -> PostgresPool
    {
        var connection = configuration(role: Ledger.serviceRole)
        connection.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        return PostgresPool(
            PostgresPoolConfiguration(
                connection: connection, maximumConnections: maximumConnections, acquireTimeout: .seconds(30)))
    }

    /// A pool of its own on this database, for tests of the pool itself.
    public func makePool(
        maximumConnections: Int, maximumWaiters: Int = 1000, acquireTimeout: Duration = .seconds(30),
        applicationName: String = "alliance-ledger-tests"
    ) -> PostgresPool {
        PostgresPool(
            PostgresPoolConfiguration(
                connection: configuration(applicationName: applicationName),
                maximumConnections: maximumConnections, maximumWaiters: maximumWaiters,
                acquireTimeout: acquireTimeout))
    }

    /// Cloning fails while another session is connected to the template; on a shared server
    /// another test run may be, briefly, so the clone is retried.
    private static func createDatabase(_ name: String, from template: String, admin: PostgresPool)
        async throws
    {
        for attempt in 1...20 {
            do {
                try await admin.withConnection { connection in
                    try await connection.execute(
                        "CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
                }
                return
            } catch let error as PostgresError where error.sqlState?.rawValue == "55006" && attempt < 20 {
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    private func drop(admin: PostgresPool) async {
        await pool.close()
        _ = try? await admin.withConnection { connection in
            try await connection.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        }
    }
}

extension TestDatabase {
    /// Row counts of every directory, ledger, decision, governance and idempotency table, the
    /// tokens revoked and people removed, the decisions' states, and the sum of debit balances:
    /// what a refused request must leave exactly as it was.
    public func stateSnapshot() async throws -> String {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT (SELECT count(*) FROM alliances)::text || '/' || (SELECT count(*) FROM partners)
                    || '/' || (SELECT count(*) FROM budget_lines)
                    || '/' || (SELECT count(*) FROM people) || '/' || (SELECT count(*) FROM person_roles)
                    || '/' || (SELECT count(*) FROM accounts) || '/' || (SELECT count(*) FROM journal_entries)
                    || '/' || (SELECT count(*) FROM budget_changes) || '/' || (SELECT count(*) FROM api_tokens)
                    || '/' || (SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL)
                    || '/' || (SELECT count(*) FROM role_grants)
                    || '/' || (SELECT count(*) FROM people WHERE removed_at IS NOT NULL)
                    || '/' || (SELECT count(*) FROM governance_log)
                    || '/' || (SELECT count(*) FROM http_idempotency_keys)
                    || '/' || (SELECT count(*) FROM decisions) || '/' || (SELECT count(*) FROM decision_votes)
                    || '/' || coalesce((SELECT string_agg(state, ',' ORDER BY id) FROM decisions), '')
                    || '/' || (SELECT count(*) FROM partners WHERE left_on IS NOT NULL)
                    || '/' || (SELECT count(*) FROM risk_share_terms)
                    || '/' || (SELECT count(*) FROM risk_share_partner_sides)
                    || '/' || (SELECT count(*) FROM risk_share_settlements)
                    || '/' || (SELECT count(*) FROM outcome_terms) || '/' || (SELECT count(*) FROM outcome_measures)
                    || '/' || (SELECT count(*) FROM outcome_shares)
                    || '/' || (SELECT count(*) FROM outcome_measurements)
                    || '/' || (SELECT count(*) FROM outcome_payments)
                    || '/' || coalesce((SELECT sum(balance) FILTER (WHERE balance > 0) FROM account_balances), 0)
                    AS state
                """
            ).single().decode("state")
        }
    }
}
