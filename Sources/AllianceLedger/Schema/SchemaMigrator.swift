public import Postgres

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where one migration stands in a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case applied(at: Date)
        case pending
        /// Applied, but the file has changed since: the migrator refuses to go on.
        case changed(recordedChecksum: String)
        /// Applied by a newer program: this program does not have the file.
        case unknown
    }

    public let version: Int
    public let name: String
    public let checksum: String
    public let state: State
}

/// Applies the numbered SQL files of the schema, in order, exactly once each.
///
/// All pending files apply in one transaction, under a transaction-scoped advisory lock, so
/// two migrators never interleave and a failure leaves the database as it was. Each applied
/// file is recorded in `schema_migrations` with its SHA-256; a recorded file whose content has
/// since changed stops the migrator, because the database no longer matches the files that
/// describe it.
public struct SchemaMigrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock key: the ASCII bytes of "Alliance".
    static let lockKey: Int64 = 0x416C_6C69_616E_6365

    public init(migrations: [Migration]) throws(SchemaMigrationError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (index, migration) in sorted.enumerated() {
            let expected = index + 1
            if migration.version < expected { throw .duplicateVersion(migration.version) }
            if migration.version > expected { throw .missingVersion(expected) }
        }
        self.migrations = sorted
    }

    /// The migrator for Alliance Ledger's own schema.
    public static func allianceLedger() throws(SchemaMigrationError) -> SchemaMigrator {
        try SchemaMigrator(migrations: SchemaMigrations.all())
    }

    /// Every migration known here or recorded in the database, with its state.
    public func status(_ pool: PostgresPool) async throws -> [MigrationStatus] {
        try await pool.withConnection { connection in
            let exists = try await connection.query(
                "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"
            ).single().decode("present", as: Bool.self)
            let applied = exists ? try await appliedMigrations(connection) : []
            return reconcile(applied)
        }
    }

    /// Applies every pending migration and returns those it applied.
    @discardableResult
    public func migrate(_ pool: PostgresPool) async throws -> [Migration] {
        try await pool.withTransaction(.readCommitted) { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(SchemaMigrator.lockKey))")
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by text NOT NULL DEFAULT current_user
                )
                """)
            let statuses = reconcile(try await appliedMigrations(connection))
            try refuseDrift(statuses)
            let pending = statuses.filter { $0.state == .pending }.map { migrations[$0.version - 1] }
            for migration in pending {
                if let finding = TransactionControlScanner.firstTransactionControl(in: migration.sql) {
                    throw SchemaMigrationError.transactionControl(
                        name: migration.name, keyword: finding.keyword, line: finding.line)
                }
            }
            for migration in pending {
                try await apply(migration, on: connection)
            }
            return pending
        }
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        do {
            try await connection.runScript(trustedSQL: migration.sql)
        } catch {
            throw SchemaMigrationError.migrationFailed(
                name: migration.name,
                line: error.position.map { lineNumber(ofCharacter: $0, in: migration.sql) },
                reason: error.message)
        }
        guard await connection.transactionStatus == .inTransaction else {
            throw SchemaMigrationError.transactionEnded(name: migration.name)
        }
        try await connection.execute(
            """
            INSERT INTO schema_migrations (version, name, checksum)
            VALUES (\(migration.version), \(migration.name), \(migration.checksum))
            """)
    }

    private func refuseDrift(_ statuses: [MigrationStatus]) throws(SchemaMigrationError) {
        for status in statuses {
            switch status.state {
            case .changed(let recorded):
                throw .checksumMismatch(
                    name: status.name, recorded: recorded, current: status.checksum)
            case .unknown:
                throw .unknownAppliedMigration(version: status.version, name: status.name)
            case .applied, .pending:
                continue
            }
        }
    }

    private struct AppliedMigration {
        let version: Int
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func appliedMigrations(
        _ connection: PostgresConnection
    ) async throws -> [AppliedMigration] {
        let rows = try await connection.query(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
        return try rows.map { row throws(PostgresError) in
            AppliedMigration(
                version: try row.decode("version"), name: try row.decode("name"),
                checksum: try row.decode("checksum"), appliedAt: try row.decode("applied_at"))
        }
    }

    private func reconcile(_ applied: [AppliedMigration]) -> [MigrationStatus] {
        let appliedByVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        var statuses = migrations.map { migration in
            let state: MigrationStatus.State =
                switch appliedByVersion[migration.version] {
                case .none: .pending
                case .some(let record) where record.checksum == migration.checksum:
                    .applied(at: record.appliedAt)
                case .some(let record): .changed(recordedChecksum: record.checksum)
                }
            return MigrationStatus(
                version: migration.version, name: migration.name, checksum: migration.checksum,
                state: state)
        }
        for record in applied where record.version > migrations.count {
            statuses.append(
                MigrationStatus(
                    version: record.version, name: record.name, checksum: record.checksum,
                    state: .unknown))
        }
        return statuses
    }
}

/// The 1-based line holding the `position`-th character (PostgreSQL counts code points).
func lineNumber(ofCharacter position: Int, in text: String) -> Int {
    text.unicodeScalars.prefix(max(0, position - 1)).reduce(1) { line, scalar in
        scalar == "\n" ? line + 1 : line
    }
}
