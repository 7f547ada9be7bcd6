import AllianceLedger
import EmbeddedPostgres
import Foundation
import Logging
import Postgres

/// The private durable cluster every part of the run works on, and the owner's pool that
/// migrates it and reads it back.
struct BenchmarkCluster: Sendable {
    let cluster: EmbeddedPostgres
    let directory: String
    let connectionString: ConnectionString
    let ownerPool: PostgresPool
    let logger: Logger

    /// Started the way the ledger benchmark starts its own: fsync and synchronous_commit on,
    /// as the embedded default runs.
    static func start(logger: Logger) async throws -> BenchmarkCluster {
        let directory = NSTemporaryDirectory() + "alliance-ledger-http-benchmark-\(getpid())"
        let cluster = EmbeddedPostgres(
            dataDirectory: directory, databaseName: "bench", durable: true, maximumConnections: 200,
            logger: logger)
        let started = try await cluster.start()
        let connectionString = try ConnectionString(started.connectionString)
        let ownerPool = PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: connectionString, logger: logger),
                maximumConnections: 2))
        try await SchemaMigrator.allianceLedger().migrate(ownerPool)
        return BenchmarkCluster(
            cluster: cluster, directory: directory, connectionString: connectionString, ownerPool: ownerPool,
            logger: logger)
    }

    /// A pool on the restricted service role, as the service runs in production, of the
    /// ledger benchmark's size.
    func makeServicePool() -> PostgresPool {
        PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: connectionString, role: Ledger.serviceRole, logger: logger),
                maximumConnections: 16))
    }

    func serverVersion() async throws -> String {
        try await ownerPool.withConnection { connection in
            try await connection.query("SHOW server_version").single().decode(
                "server_version", as: String.self)
        }
    }

    /// Spend entries of `alliance`, counted by the owner, outside the service's view.
    func spendEntries(in alliance: AllianceID) async throws -> Int {
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

    func stop() async {
        await ownerPool.close()
        cluster.stopImmediately()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
