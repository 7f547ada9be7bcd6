import AllianceLedger
import ArgumentParser
import EmbeddedPostgres
import Foundation

struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the database: schema migrations, backups and the embedded cluster.",
        subcommands: [
            DbMigrateCommand.self, DbStatusCommand.self, DbStopCommand.self, DbBackupCommand.self,
            DbRestoreCommand.self,
        ])
}

struct DbMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply every pending schema migration, then print the schema's status.",
        discussion: """
            All pending migrations apply in one transaction under an advisory lock: either all \
            apply or none does. A migration whose file changed after it was applied is refused.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let settings = try global.settings()
        let logger = settings.logger()
        try await DatabaseSession.with(settings, logger: logger) { session in
            let migrator = try SchemaMigrator.allianceLedger()
            let applied = try await migrator.migrate(session.ownerPool)
            let noun = applied.count == 1 ? "migration" : "migrations"
            printError("applied \(applied.count) \(noun) to the \(session.target.summary)")
            let statuses = try await migrator.status(session.ownerPool)
            try MigrationReport(session: session, statuses: statuses).emit(output)
        }
    }
}

struct DbStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the database in use and the state of every schema migration.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let settings = try global.settings()
        let logger = settings.logger()
        try await DatabaseSession.with(settings, logger: logger) { session in
            let statuses = try await SchemaMigrator.allianceLedger().status(session.ownerPool)
            try MigrationReport(session: session, statuses: statuses).emit(output)
        }
    }
}

struct DbStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the embedded PostgreSQL cluster, if it is running.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try global.settings()
        guard case .embedded(let directory) = settings.database else {
            throw CommandFailure(
                .usage,
                "db stop stops only the embedded cluster, but the configured database is a "
                    + "server (DATABASE_URL or --database-url): stop it with its own tools")
        }
        let cluster = EmbeddedPostgres(
            dataDirectory: directory, serverProgramsDirectory: settings.serverPrograms,
            logger: settings.logger())
        let stopped = try await cluster.stop()
        printError(
            stopped
                ? "stopped the PostgreSQL server in \(cluster.dataDirectory)"
                : "the PostgreSQL server in \(cluster.dataDirectory) is not running")
    }
}

/// What `db migrate` and `db status` print.
struct MigrationReport: Encodable {
    struct Row: Encodable {
        let version: Int
        let name: String
        let state: String
        let appliedAt: Date?
        let checksum: String
    }

    let database: DatabaseSession.Target
    let serverVersion: String
    let migrations: [Row]
    let pending: Int

    init(session: DatabaseSession, statuses: [MigrationStatus]) {
        database = session.target
        serverVersion = session.serverVersion
        migrations = statuses.map { status in
            let (state, appliedAt): (String, Date?) =
                switch status.state {
                case .applied(let date): ("applied", date)
                case .pending: ("pending", nil)
                case .changed: ("changed since applied", nil)
                case .unknown: ("unknown to this version", nil)
                }
            return Row(
                version: status.version, name: status.name, state: state, appliedAt: appliedAt,
                checksum: status.checksum)
        }
        pending = statuses.filter { $0.state == .pending }.count
    }

    func emit(_ output: OutputOptions) throws {
        if output.format == .table {
            print("Database: \(database.summary), PostgreSQL \(serverVersion)")
        }
        let table = TextTable(
            columns: [.number("version"), "name", "state", "applied at"],
            rows: migrations.map { row in
                [
                    String(row.version), row.name, row.state,
                    row.appliedAt.map { $0.formatted(.iso8601) } ?? "",
                ]
            })
        try output.emit(table: table, json: self)
    }
}

/// Writes a message for the person at the terminal, on standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
