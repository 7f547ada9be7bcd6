import AllianceLedger
import EmbeddedPostgres
import Foundation
import Logging
import Postgres

// Ledger-write benchmark: entries per second and latency percentiles when 1, 4, 16 and 64
// writers record into one alliance and into 8, through the library, next to pgbench running
// the equivalent raw SQL (one entry, two postings, two balance updates per transaction) on
// the same private cluster in the same run. Both sides run with fsync and synchronous_commit
// on, as the embedded default does. See Benchmarks/README.md.
//
//   swift run -c release ledger-benchmark [--seconds 5] [--writers 1,4,16,64] [--alliances 1,8]
//     [--lanes N]

struct Options {
    var seconds = 5
    var writers = [1, 4, 16, 64]
    var alliances = [1, 8]
    var warmupSeconds = 1
    /// Journal writer lanes in the library (`Ledger(pool:writers:)`); nil keeps its default.
    var lanes: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--seconds": seconds = Int(value) ?? seconds
            case "--writers": writers = value.split(separator: ",").compactMap { Int($0) }
            case "--alliances": alliances = value.split(separator: ",").compactMap { Int($0) }
            case "--lanes": lanes = Int(value)
            default:
                FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

struct Measurement {
    let operations: Int
    let seconds: Double
    /// Sorted latencies in microseconds.
    let latencies: [Double]

    var perSecond: Double { Double(operations) / seconds }

    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
        return latencies[max(0, index)] / 1000
    }
}

let accountsPerAlliance = 20
let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger: Logger = {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    return logger
}()

let directory = NSTemporaryDirectory() + "alliance-ledger-benchmark-\(getpid())"
let cluster = EmbeddedPostgres(
    dataDirectory: directory, databaseName: "bench", durable: true, maximumConnections: 200, logger: logger)
let started = try await cluster.start()
defer {
    cluster.stopImmediately()
    try? FileManager.default.removeItem(atPath: directory)
}
let connectionString = try ConnectionString(started.connectionString)
let ownerPool = PostgresPool(
    PostgresPoolConfiguration(
        connection: PostgresConnectionConfiguration(connectionString: connectionString, logger: logger),
        maximumConnections: 2))
try await SchemaMigrator.allianceLedger().migrate(ownerPool)
let serverVersion = try await ownerPool.withConnection { connection in
    try await connection.query("SHOW server_version").single().decode("server_version", as: String.self)
}

// MARK: pgbench, the raw ceiling

let pgbenchScript = """
    \\set a random(1, \(accountsPerAlliance))
    \\set b random(1, \(accountsPerAlliance - 1))
    \\set b CASE WHEN :b >= :a THEN :b + 1 ELSE :b END
    \\set alliance (:client_id % :alliances) + 1
    \\set lo least(:a, :b)
    \\set hi greatest(:a, :b)
    \\set amount random(1, 50000)
    \\set negative -:amount
    \\set dlo CASE WHEN :lo = :a THEN :amount ELSE :negative END
    BEGIN;
    INSERT INTO bench_entries (alliance_id, description) VALUES (:alliance, 'transfer') RETURNING id \\gset
    INSERT INTO bench_postings (entry_id, line, account_id, amount) VALUES (:id, 1, :alliance * 100 + :a, :amount), (:id, 2, :alliance * 100 + :b, :negative);
    UPDATE bench_balances SET balance = balance + :dlo WHERE account_id = :alliance * 100 + :lo;
    UPDATE bench_balances SET balance = balance - :dlo WHERE account_id = :alliance * 100 + :hi;
    END;

    """

func preparePgbench(alliances: Int) async throws {
    try await ownerPool.withConnection { connection in
        try await connection.runScript(
            trustedSQL: """
                DROP TABLE IF EXISTS bench_entries, bench_postings, bench_balances;
                CREATE TABLE bench_entries (id bigserial PRIMARY KEY, alliance_id int NOT NULL,
                    description text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE bench_postings (entry_id bigint NOT NULL, line smallint NOT NULL,
                    account_id int NOT NULL, amount bigint NOT NULL, PRIMARY KEY (entry_id, line));
                CREATE TABLE bench_balances (account_id int PRIMARY KEY, balance bigint NOT NULL);
                """)
        try await connection.execute(
            """
            INSERT INTO bench_balances
            SELECT alliance * 100 + account, 0
            FROM generate_series(1, \(alliances)) AS alliance, generate_series(1, \(accountsPerAlliance)) AS account
            """)
        try await connection.execute("CHECKPOINT")
    }
}

func runPgbench(writers: Int, alliances: Int, seconds: Int) async throws -> Measurement {
    try await preparePgbench(alliances: alliances)
    let work = directory + "-pgbench"
    try? FileManager.default.removeItem(atPath: work)
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    try pgbenchScript.write(toFile: work + "/ledger.sql", atomically: true, encoding: .utf8)
    if geteuid() == 0, let postgres = getpwnam("postgres") {
        _ = chown(work, postgres.pointee.pw_uid, postgres.pointee.pw_gid)
    }
    let options = connectionString.options
    let (status, text) = try await cluster.runProgram(
        "pgbench",
        [
            "--no-vacuum", "-M", "prepared", "-c", String(writers), "-j", String(min(writers, 2)),
            "-T", String(seconds), "-D", "alliances=\(alliances)", "-f", work + "/ledger.sql",
            "-l", "--log-prefix", work + "/log", "-h", options["host"] ?? "", "-p", options["port"] ?? "5432",
            "-U", options["user"] ?? "postgres", options["dbname"] ?? "bench",
        ], in: work)
    guard status == 0 else { fatalError("pgbench failed:\n\(text)") }
    // Each log line: client_id transaction_no time_us script_no time_epoch time_us_fraction
    var latencies: [Double] = []
    for file in try FileManager.default.contentsOfDirectory(atPath: work) where file.hasPrefix("log") {
        for line in try String(contentsOfFile: work + "/" + file, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 3, let micros = Double(fields[2]) { latencies.append(micros) }
        }
    }
    let tps =
        text.split(separator: "\n").first { $0.hasPrefix("tps") }
        .flatMap { Double($0.split(separator: " ")[2]) } ?? 0
    return Measurement(
        operations: Int(tps * Double(seconds)), seconds: Double(seconds), latencies: latencies.sorted())
}

// MARK: The library

func runLibrary(writers: Int, alliances: Int, round: Int) async throws -> Measurement {
    let pool = PostgresPool(
        PostgresPoolConfiguration(
            connection: PostgresConnectionConfiguration(
                connectionString: connectionString, role: Ledger.serviceRole, logger: logger),
            maximumConnections: 16))
    let ledger = options.lanes.map { Ledger(pool: pool, writers: $0) } ?? Ledger(pool: pool)
    var ids: [AllianceID] = []
    for index in 1...alliances {
        let alliance = try await AllianceDirectory(pool: pool).create(
            slug: "bench-\(round)-\(index)", name: "Benchmark \(index)")
        for account in 1...accountsPerAlliance {
            try await ledger.openAccount(
                try AccountCode("account:\(account)"), type: .expense, in: alliance.id)
        }
        ids.append(alliance.id)
    }
    let alliancesIDs = ids
    let codes = try (1...accountsPerAlliance).map { try AccountCode("account:\($0)") }
    let day = CalendarDate(daysSince1970: 20_222)  // 2025-05-14
    let clock = ContinuousClock()
    let warmupEnd = clock.now + .seconds(options.warmupSeconds)
    let end = warmupEnd + .seconds(options.seconds)
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for writer in 0..<writers {
            group.addTask {
                var generator = SystemRandomNumberGenerator()
                var measured: [Double] = []
                let alliance = alliancesIDs[writer % alliancesIDs.count]
                while clock.now < end {
                    let a = Int.random(in: 0..<codes.count, using: &generator)
                    var b = Int.random(in: 0..<(codes.count - 1), using: &generator)
                    if b >= a { b += 1 }
                    let amount = Int64.random(in: 1...50_000, using: &generator)
                    let request = try EntryRequest(
                        kind: .spend, effectiveOn: day, description: "transfer",
                        postings: [.init(codes[a], amount), .init(codes[b], -amount)], recordedBy: "benchmark"
                    )
                    let started = clock.now
                    _ = try await ledger.post(request, to: alliance)
                    if started >= warmupEnd, clock.now <= end {
                        let elapsed = clock.now - started
                        measured.append(
                            Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds)
                                / 1e12)
                    }
                }
                return measured
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }
    }
    for alliance in ids {
        let report = try await ledger.verify(alliance)
        precondition(report.isIntact, "the benchmark's journal does not verify: \(report)")
    }
    await pool.close()
    return Measurement(
        operations: latencies.count, seconds: Double(options.seconds), latencies: latencies.sorted())
}

// MARK: Report

func format(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}

print(
    "Ledger write benchmark: \(options.seconds) s per run after \(options.warmupSeconds) s warm-up (library)")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date())"
)
print("")
let header = [
    "alliances", "writers", "pgbench tps", "p50 ms", "p99 ms", "library entries/s", "p50 ms", "p99 ms",
    "ratio",
]
print(header.joined(separator: " | "))
var round = 0
for alliances in options.alliances {
    for writers in options.writers {
        round += 1
        let raw = try await runPgbench(writers: writers, alliances: alliances, seconds: options.seconds)
        let library = try await runLibrary(writers: writers, alliances: alliances, round: round)
        let row = [
            String(alliances), String(writers), format(raw.perSecond), format(raw.percentile(0.5), 2),
            format(raw.percentile(0.99), 2), format(library.perSecond), format(library.percentile(0.5), 2),
            format(library.percentile(0.99), 2), format(library.perSecond / raw.perSecond * 100) + "%",
        ]
        print(row.joined(separator: " | "))
    }
}
await ownerPool.close()
