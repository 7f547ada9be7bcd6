import AllianceLedger
import EmbeddedPostgres
import Foundation
import Logging
import Postgres

/// The private durable cluster of a check, migrated, and the owner's pool that reads it back:
/// as the benchmarks start theirs (Benchmarks/BenchmarkSupport), which this check does not
/// depend on so that the root package builds without Benchmarks/.
struct CheckCluster: Sendable {
    let server: EmbeddedPostgres
    let directory: String
    let connectionString: ConnectionString
    let ownerPool: PostgresPool

    /// Started with fsync and synchronous_commit on, as the embedded default runs, in
    /// `/tmp/alliance-ledger-<name>-<pid>`, migrated.
    static func start(named name: String, logger: Logger) async throws -> CheckCluster {
        let directory = NSTemporaryDirectory() + "alliance-ledger-\(name)-\(getpid())"
        let server = EmbeddedPostgres(
            dataDirectory: directory, databaseName: "check", durable: true, maximumConnections: 200,
            logger: logger)
        let started = try await server.start()
        let connectionString = try ConnectionString(started.connectionString)
        let ownerPool = PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: connectionString, logger: logger),
                maximumConnections: 2))
        try await SchemaMigrator.allianceLedger().migrate(ownerPool)
        return CheckCluster(
            server: server, directory: directory, connectionString: connectionString, ownerPool: ownerPool)
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
        server.stopImmediately()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Why a check could not run: a tool failed or the demo was not as expected.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Latencies of answered requests, in microseconds, sorted.
struct Latencies {
    let latencies: [Double]

    init(_ microseconds: [Double]) { latencies = microseconds.sorted() }

    /// Milliseconds.
    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
        return latencies[max(0, index)] / 1000
    }
}

/// The load average of the last 1, 5 and 15 minutes: how busy the shared machine was.
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?")
        .split(separator: " ").prefix(3).joined(separator: " ")
}

/// A number with `decimals` places.
func format(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A logger that reports warnings and worse only, so that the figures stay readable.
func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// Ends the check when given an option it does not take (exit status 2).
func refuseUnknownOption(_ argument: String) -> Never {
    FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
    exit(2)
}
