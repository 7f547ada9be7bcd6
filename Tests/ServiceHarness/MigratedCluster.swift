public import AllianceLedger
public import EmbeddedPostgres
import Foundation
public import Logging
public import Postgres

/// A private durable PostgreSQL cluster, migrated, and the owner's pool that migrates it and
/// reads it back: what a benchmark (Benchmarks/) and the availability check
/// (Tests/Evidence/AvailabilityCheck) each run against, so that both start it the same way.
public struct MigratedCluster: Sendable {
    public let server: EmbeddedPostgres
    public let directory: String
    public let connectionString: ConnectionString
    /// The same as text, for programs run beside it (the CLI's `--database-url`).
    public let connectionText: String
    public let ownerPool: PostgresPool
    public let logger: Logger

    /// Started with fsync and synchronous_commit on, as the embedded default runs, in
    /// `/tmp/alliance-ledger-<name>-<pid>`, with a database named `databaseName`, migrated.
    public static func start(
        named name: String, databaseName: String, maximumConnections: Int = 200, logger: Logger
    ) async throws -> MigratedCluster {
        let directory = NSTemporaryDirectory() + "alliance-ledger-\(name)-\(getpid())"
        let server = EmbeddedPostgres(
            dataDirectory: directory, databaseName: databaseName, durable: true,
            maximumConnections: maximumConnections, logger: logger)
        let started = try await server.start()
        let connectionString = try ConnectionString(started.connectionString)
        let ownerPool = PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: connectionString, logger: logger),
                maximumConnections: 2))
        try await SchemaMigrator.allianceLedger().migrate(ownerPool)
        return MigratedCluster(
            server: server, directory: directory, connectionString: connectionString,
            connectionText: started.connectionString, ownerPool: ownerPool, logger: logger)
    }

    /// A pool on the restricted service role, as the service runs in production.
    public func makeServicePool(maximumConnections: Int = 16) -> PostgresPool {
        PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: connectionString, role: Ledger.serviceRole, logger: logger),
                maximumConnections: maximumConnections))
    }

    public func serverVersion() async throws -> String {
        try await ownerPool.withConnection { connection in
            try await connection.query("SHOW server_version").single().decode(
                "server_version", as: String.self)
        }
    }

    /// Spend entries of `alliance`, counted by the owner, outside the service's view.
    public func spendEntries(in alliance: AllianceID) async throws -> Int {
        let count = try await ownerPool.withConnection { connection in
            try await connection.query(
                """
                SELECT count(*) AS entries FROM journal_entries
                WHERE alliance_id = \(alliance.rawValue) AND kind = 'spend'
                """
            ).single().decode("entries", as: Int64.self)
        }
        return Int(count)
    }

    public func stop() async {
        await ownerPool.close()
        stopImmediately()
    }

    /// Stops the server and removes its files without waiting on the pool: for leaving a run
    /// that failed.
    public func stopImmediately() {
        server.stopImmediately()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
