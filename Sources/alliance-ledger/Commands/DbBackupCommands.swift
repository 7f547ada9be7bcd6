import AllianceLedger
import ArgumentParser
import EmbeddedPostgres
import Foundation
import Postgres

struct DbBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write the whole database to a file, in pg_dump's custom format.",
        discussion: """
            pg_dump reads the database in one snapshot, so a backup taken while the service \
            records spend is consistent: every entry and its journal chain, or none of it. It \
            connects as the schema's owner (DATABASE_OWNER_URL, else DATABASE_URL; the embedded \
            cluster's superuser). Restore it with `db restore` into an empty database. For \
            recovery to a point in time between backups, archive the server's WAL (docs/operations.md).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The file to write; it must not exist yet.", valueName: "file"))
    var file: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw CommandFailure(.conflict, "\(file) exists already: a backup never overwrites a file")
        }
        let settings = try global.settings()
        try await DatabaseSession.with(settings, logger: settings.logger()) { session in
            try await session.requireCurrentSchema()
            try PostgresProgram.run(
                "pg_dump", ["--format=custom", "--file=\(file)"], on: session.ownerConnectionString,
                serverPrograms: settings.serverPrograms)
            printError("wrote a backup of the \(session.target.summary) to \(file)")
        }
    }
}

struct DbRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup made by `db backup` into an empty database.",
        discussion: """
            The database must be empty (no tables): a restore never merges into or replaces \
            books. It runs in one transaction as the schema's owner, who then owns everything \
            restored; either all of it is restored or nothing, and then its tables are analyzed \
            for the planner. Afterwards `journal verify` and `audit verify` check every \
            alliance's chains.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The backup file.", valueName: "file"))
    var file: String

    func run() async throws {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw CommandFailure(.notFound, "cannot read the backup file \(file)")
        }
        let settings = try global.settings()
        try await DatabaseSession.with(settings, logger: settings.logger()) { session in
            try await session.ownerPool.withConnection { connection in
                let tables = try await connection.query(
                    "SELECT count(*) AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                ).single().decode("tables", as: Int64.self)
                guard tables == 0 else {
                    throw CommandFailure(
                        .conflict,
                        "the \(session.target.summary) is not empty (\(tables) tables): restore into a new, empty database"
                    )
                }
                // The backup's grants name the service's role, which belongs to the cluster.
                try await Ledger.createServiceRole(on: connection)
            }
            try PostgresProgram.run(
                "pg_restore", ["--no-owner", "--exit-on-error", "--single-transaction", file],
                on: session.ownerConnectionString, serverPrograms: settings.serverPrograms)
            try await session.requireCurrentSchema()
            // A dump holds no planner statistics: without them the first reads of large books
            // are planned as if the tables were empty (SQL/0020), until autovacuum looks.
            try await session.ownerPool.withConnection { connection in
                try await connection.execute("ANALYZE")
            }
            printError("restored \(file) into the \(session.target.summary)")
        }
    }
}

/// One of PostgreSQL's own programs, run against a database: the connection string goes in
/// `--dbname` without its password, which travels in `PGPASSWORD`, out of the process list.
enum PostgresProgram {
    static func run(
        _ name: String, _ arguments: [String], on connection: ConnectionString, serverPrograms: String?
    ) throws {
        let path = try ClientPrograms.locate(name, in: serverPrograms)
        var options = connection.options
        let password = options.removeValue(forKey: "password")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--dbname=\(try ConnectionString(options: options).rawValue)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            throw CommandFailure(
                .failure, "\(name) failed (exit status \(process.terminationStatus)): \(text)")
        }
    }
}
