public import AllianceLedger
import Dates
public import EmbeddedPostgres
import Foundation
public import Logging
public import Postgres

/// The private durable cluster every part of a benchmark run works on, and the owner's pool
/// that migrates it and reads it back.
public struct BenchmarkCluster: Sendable {
    public let cluster: EmbeddedPostgres
    public let directory: String
    public let connectionString: ConnectionString
    /// The same as text, for programs run beside the benchmark (the CLI's `--database-url`).
    public let connectionText: String
    public let ownerPool: PostgresPool
    public let logger: Logger

    /// Started with fsync and synchronous_commit on, as the embedded default runs, in
    /// `/tmp/alliance-ledger-<name>-<pid>`, migrated.
    public static func start(named name: String, maximumConnections: Int = 200, logger: Logger) async throws
        -> BenchmarkCluster
    {
        let directory = NSTemporaryDirectory() + "alliance-ledger-\(name)-\(getpid())"
        let cluster = EmbeddedPostgres(
            dataDirectory: directory, databaseName: "bench", durable: true,
            maximumConnections: maximumConnections,
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
            cluster: cluster, directory: directory, connectionString: connectionString,
            connectionText: started.connectionString, ownerPool: ownerPool,
            logger: logger)
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

    /// Stops the server and removes its files without waiting on the pool: for leaving a
    /// benchmark that failed.
    public func stopImmediately() {
        cluster.stopImmediately()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Why a benchmark run stopped: a tool failed or a check did not hold.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The load average of the last 1, 5 and 15 minutes: how busy the shared machine was.
public func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?")
        .split(separator: " ").prefix(3).joined(separator: " ")
}

/// A number with `decimals` places, for the result tables.
public func format(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A logger that reports warnings and worse only, so that a benchmark's tables stay readable.
public func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// Ends a benchmark that was given an option it does not take (exit status 2).
public func refuseUnknownOption(_ argument: String) -> Never {
    FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
    exit(2)
}

extension AllianceDirectory {
    /// A benchmark's alliance: a contract from April 2025 to March 2030, the budget `lines`
    /// (each named by its code) and the `partners` (each named by its slug).
    public func createBenchmarkAlliance(
        slug: String, name: String, partners: [String], lines: [String]
    ) async throws -> Alliance {
        let alliance = try await create(
            try AllianceRequest(
                slug: slug, name: name, contractStart: CalendarDate(year: 2025, month: 4, day: 1),
                contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
        for line in lines {
            try await addBudgetLine(try BudgetLineRequest(code: line, name: line), to: alliance)
        }
        for partner in partners {
            try await addPartner(try PartnerRequest(slug: partner, name: partner, kind: .other), to: alliance)
        }
        return alliance
    }
}
