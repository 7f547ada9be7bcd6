import AllianceLedger
import AllianceLedgerHTTP
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Hummingbird
import Logging
import Postgres
import ServiceHarness
import ServiceLifecycle
import Synchronization

// Spend-import benchmark: rows per second of `SpendImporter` on a generated CSV file, next to
// a raw `COPY` of the same file into a plain table on the same private cluster in the same
// run, with the peak resident memory of this process. Both run with fsync and
// synchronous_commit on, as the embedded default does. See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release import-benchmark [--rows 1000000] [--verify] [--no-writers]
//       [--library-writers] [--chunk-ms 200] [--profile [--explain-ms 40]] [--wait-events]
//       [--setting name=value]…
//
// While the import runs, 16 callers record spend one at a time in the importing alliance and 4
// in another (unless --no-writers), each an HTTP client of the service running in this process
// (or, with --library-writers, a caller of the library); the slowest write of each is printed
// against its goal.
// With --wait-events, PostgreSQL's wait events are sampled meanwhile, and those seen during the
// other alliance's slowest writes are printed with the checkpoints of the run.
// Each --setting is written into the cluster's configuration before the run (a setting that
// needs a restart is refused), so that a run with other server settings is one command.

struct Options {
    var rows = 1_000_000
    /// Whether spend is recorded one at a time in both alliances while the import runs.
    var writers = true
    /// Whether the writers call the library in this process rather than the HTTP service.
    var libraryWriters = false
    /// How long an import's chunk appends before it commits (`SpendImporter.chunkDuration`).
    var chunkMilliseconds =
        Int(SpendImporter.defaultChunkDuration.components.seconds * 1000)
        + Int(SpendImporter.defaultChunkDuration.components.attoseconds / 1_000_000_000_000_000)
    var verify = false
    /// Whether to print where PostgreSQL's time went in the first import, by function
    /// (`track_functions = 'pl'`, `pg_stat_user_functions`).
    var profile = false
    /// With --profile, how slow a statement is for its plan to be logged: 0, 1, 10, 40 or 100 ms.
    var explainMilliseconds = 40
    /// Whether to sample `pg_stat_activity` every few milliseconds while the import runs and
    /// print what the server waited for during the other alliance's slowest writes.
    var waitEvents = false
    /// Server settings made before the run, beside the embedded default's.
    var settings: [ServerSetting] = []

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = iterator.next().flatMap { Int($0) } ?? rows
            case "--verify": verify = true
            case "--no-writers": writers = false
            case "--library-writers": libraryWriters = true
            case "--profile": profile = true
            case "--explain-ms":
                explainMilliseconds = iterator.next().flatMap { Int($0) } ?? explainMilliseconds
            case "--wait-events": waitEvents = true
            case "--setting":
                guard let text = iterator.next(), let setting = ServerSetting(text) else {
                    FileHandle.standardError.write(Data("--setting takes name=value\n".utf8))
                    exit(2)
                }
                settings.append(setting)
            case "--chunk-ms": chunkMilliseconds = iterator.next().flatMap { Int($0) } ?? chunkMilliseconds
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")

let bench = try await MigratedCluster.start(
    named: "import-benchmark", databaseName: "bench", maximumConnections: 20, logger: logger)
let csvPath = bench.directory + "-spend.csv"
defer {
    bench.stopImmediately()
    try? FileManager.default.removeItem(atPath: csvPath)
}
let ownerPool = bench.ownerPool
let serverVersion = try await bench.serverVersion()
let servicePool = bench.makeServicePool(maximumConnections: 4)

// MARK: The alliance and the file

let partners = ["sel-icb", "slam", "lambeth", "certitude", "thamesreach"]
let lines = ["STAFF", "PREMISES", "COMMISSIONED", "PEER"]
let directoryService = AllianceDirectory(pool: servicePool)
let alliance = try await directoryService.createBenchmarkAlliance(
    slug: "benchmark", name: "Benchmark Alliance", partners: partners, budgetLines: lines)

// A second alliance, whose writers must not notice the first's import.
let neighbour = try await directoryService.createBenchmarkAlliance(
    slug: "neighbour", name: "Neighbour Alliance", partners: partners, budgetLines: lines)

let fileBytes = try SpendFile.write(rows: options.rows, partners: partners, lines: lines, to: csvPath)
let residentBefore = ProcessMemory.snapshot().residentMB

print("Spend import benchmark: \(options.rows) rows, \(format(Double(fileBytes) / 1e6, 1)) MB of CSV")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date())"
)
print("load average before: \(loadAverage()); chunks of at most \(options.chunkMilliseconds) ms")
do {
    try await bench.apply(options.settings)
} catch {
    FileHandle.standardError.write(Data("--setting: \(error)\n".utf8))
    bench.stopImmediately()
    try? FileManager.default.removeItem(atPath: csvPath)
    exit(2)
}
if !options.settings.isEmpty {
    print(
        "server settings besides the embedded default's: \(options.settings.map(\.description).joined(separator: ", "))"
    )
}
print("")

// MARK: Raw COPY, the ceiling

/// The same file through `COPY … FROM STDIN (FORMAT csv, HEADER)` into a plain table with no
/// index, check or trigger: what PostgreSQL does with these bytes on this machine right now.
func rawCopy() async throws -> Duration {
    try await ownerPool.withConnection { connection in
        try await connection.execute(
            """
            CREATE TABLE raw_spend (
                incurred_on date, partner text, budget_line text, amount numeric, description text,
                supplier text, reference text)
            """)
        try await connection.execute("CHECKPOINT")
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try await connection.copyIn(
            table: "raw_spend",
            columns: [
                "incurred_on", "partner", "budget_line", "amount", "description", "supplier", "reference",
            ],
            format: .csv(header: true)
        ) { writer in
            for try await chunk in FileByteChunks(path: csvPath) { try await writer.writeRaw(chunk) }
        }
        let elapsed = clock.now - start
        precondition(loaded == options.rows, "the raw COPY loaded \(loaded) rows, not \(options.rows)")
        try await connection.execute("DROP TABLE raw_spend")
        try await connection.execute("CHECKPOINT")
        return elapsed
    }
}

// MARK: The import

final class PhaseClock: Sendable {
    private let postingStarted = Mutex<ContinuousClock.Instant?>(nil)

    @Sendable func note(_ progress: SpendImportProgress) {
        guard progress.phase == .posting else { return }
        postingStarted.withLock { $0 = $0 ?? ContinuousClock.now }
    }

    var posting: ContinuousClock.Instant? { postingStarted.withLock { $0 } }
}

func runImport(on pool: PostgresPool = servicePool) async throws -> (
    report: SpendImportReport, total: Duration, reading: Duration
) {
    let importer = SpendImporter(
        ledger: Ledger(pool: pool), chunkDuration: .milliseconds(options.chunkMilliseconds))
    let phases = PhaseClock()
    let clock = ContinuousClock()
    let start = clock.now
    let report = try await importer.importSpend(
        from: FileByteChunks(path: csvPath), into: alliance, by: .commandLine, mode: .allOrNothing,
        progress: phases.note)
    let end = clock.now
    return (report, end - start, (phases.posting ?? end) - start)
}

// MARK: What the server waited for (--wait-events)

/// What PostgreSQL's processes were waiting for, from `pg_stat_activity` every few milliseconds:
/// the sessions running a statement and the background processes (checkpointer, WAL writer…)
/// out of their idle loops. Compared with a slow write's interval, it says whether the write
/// waited for a lock, a WAL flush, a checkpoint's sync or the CPU. Each sample also reads the
/// kernel's dirty and under-writeback page cache (`/proc/meminfo`): a WAL flush queues behind
/// the data the kernel is writing out, which the server's wait events do not show.
final class WaitEventSampler: Sendable {
    private struct Sample {
        let at: Date
        let events: Set<String>
        /// The kernel's page cache waiting to be written, and being written, in kB.
        let dirty: Int
        let writeback: Int
    }

    /// `Dirty` and `Writeback` of `/proc/meminfo`, in kB; zero where unknown.
    private static func pageCache() -> (dirty: Int, writeback: Int) {
        let figures = ProcessMemory.kilobytes(of: ["Dirty", "Writeback"], in: "/proc/meminfo")
        return (Int(figures["Dirty"] ?? 0), Int(figures["Writeback"] ?? 0))
    }

    private let samples = Mutex<[Sample]>([])
    private let stopped = Mutex(false)

    func stop() { stopped.withLock { $0 = true } }

    func run(on pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            while !stopped.withLock({ $0 }) {
                let events = try await connection.query(
                    """
                    SELECT CASE WHEN backend_type = 'client backend' THEN '' ELSE backend_type || ' ' END
                           || coalesce(wait_event_type || '/' || wait_event, 'on CPU') AS event
                    FROM pg_stat_activity
                    WHERE pid <> pg_backend_pid() AND (state = 'active' OR backend_type <> 'client backend')
                      AND wait_event_type IS DISTINCT FROM 'Activity'
                    """
                ).map { try $0.decode("event", as: String.self) }
                let cache = Self.pageCache()
                let sample = Sample(
                    at: Date(), events: Set(events), dirty: cache.dirty, writeback: cache.writeback)
                samples.withLock { $0.append(sample) }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// The `count` largest falls of the kernel's dirty page cache within a second, apart from
    /// each other: when it wrote out most at once.
    func largestWriteOuts(_ count: Int) -> [(at: Date, megabytes: Int)] {
        let all = samples.withLock { $0 }
        var falls: [(at: Date, megabytes: Int)] = []
        var later = 0
        for (index, sample) in all.enumerated() {
            later = max(later, index)
            while later + 1 < all.count && all[later + 1].at.timeIntervalSince(sample.at) <= 1 { later += 1 }
            let lowest = all[index...later].map(\.dirty).min() ?? sample.dirty
            falls.append((sample.at, (sample.dirty - lowest) / 1024))
        }
        var chosen: [(at: Date, megabytes: Int)] = []
        for fall in falls.sorted(by: { $0.megabytes > $1.megabytes })
        where chosen.count < count && chosen.allSatisfy({ abs($0.at.timeIntervalSince(fall.at)) > 2 }) {
            chosen.append(fall)
        }
        return chosen.sorted { $0.at < $1.at }
    }

    /// The events seen between `start` and `end`, each with the number of samples that saw it,
    /// most often seen first.
    func seen(from start: Date, to end: Date) -> String {
        let during = samples.withLock { $0.filter { $0.at >= start && $0.at <= end } }
        var counts: [String: Int] = [:]
        for sample in during { for event in sample.events { counts[event, default: 0] += 1 } }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        guard let first = during.first, let last = during.last else { return "no sample" }
        let waits = ranked.prefix(6).map { "\($0.key) \($0.value)/\(during.count)" }.joined(separator: ", ")
        let writeback = during.map(\.writeback).max() ?? 0
        return waits
            + "; kernel's dirty page cache \(first.dirty / 1024) → \(last.dirty / 1024) MB, under writeback up to \(writeback / 1024) MB"
    }
}

/// The server log's checkpoints, one line each: when each started and ended, and its sync
/// phase, whose flushes a commit's WAL flush queues behind.
func checkpoints(inLog path: String) -> [String] {
    guard let log = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    var lines: [String] = []
    var started: Substring?
    for line in log.split(separator: "\n") {
        let time = line.split(separator: " ").dropFirst().first ?? ""
        if line.contains("checkpoint starting:") {
            started = time
        } else if line.contains("checkpoint complete:"), let started {
            let sync = line.firstRange(of: "sync=").map { line[$0.lowerBound...] } ?? ""
            let phase = sync.split(separator: ";").first ?? ""
            lines.append("\(started)–\(time) (\(phase.trimmingCharacters(in: .whitespaces)))")
        }
    }
    return lines
}

// MARK: The ledger's own tables, by COPY: the import's ceiling

/// What the import wrote, written again by `COPY` into tables like the ledger's, with their
/// indexes and the foreign key, and no CHECK or trigger: the entries and postings, the Merkle
/// tree's tiles their entries added hashes to (each entry its leaf and the subtrees it
/// completes; each tile written once, as it ends), and the alliance's month totals (which the
/// import counts into, once each per chunk).
/// The cost of the rows and index entries alone, which the import's chain, checks and
/// balances add to.
func ledgerTablesCopy() async throws -> Duration {
    let tables = ["entries", "postings", "tree_tiles", "month_totals"]
    /// Where the rows of `table` are copied out to and in from.
    func file(_ table: String) -> String { bench.directory + "-\(table).copy" }
    defer { for table in tables { try? FileManager.default.removeItem(atPath: file(table)) } }
    return try await ownerPool.withConnection { connection in
        let id = alliance.id.rawValue
        // COPY takes no parameters; the file names are the benchmark's own, so the statements
        // are built here and run by EXECUTE.
        try await connection.execute(
            """
            CREATE FUNCTION pg_temp.run(statement text) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN EXECUTE statement; END $$
            """)
        let preparing = [
            "CREATE TABLE copy_entries (LIKE journal_entries INCLUDING DEFAULTS INCLUDING INDEXES)",
            """
            ALTER TABLE copy_entries ADD FOREIGN KEY (alliance_id, reverses)
                REFERENCES copy_entries (alliance_id, sequence)
            """,
            "CREATE TABLE copy_postings (LIKE postings INCLUDING DEFAULTS INCLUDING INDEXES)",
            "CREATE TABLE copy_tree_tiles (LIKE journal_tree_tiles INCLUDING DEFAULTS INCLUDING INDEXES)",
            "CREATE TABLE copy_month_totals (LIKE account_month_totals INCLUDING DEFAULTS INCLUDING INDEXES)",
            """
            COPY (SELECT * FROM journal_entries
                  WHERE alliance_id = \(id) AND metadata ->> 'reference' NOT LIKE 'SAME-%' ORDER BY sequence)
                TO '\(file("entries"))' (FORMAT binary)
            """,
            """
            COPY (SELECT p.* FROM postings AS p
                  JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
                  WHERE p.alliance_id = \(id) AND e.metadata ->> 'reference' NOT LIKE 'SAME-%'
                  ORDER BY p.entry_sequence, p.line)
                TO '\(file("postings"))' (FORMAT binary)
            """,
            // A tile of tier t and index k covers leaves (16k << 4t) to ((16k + 16) << 4t) - 1:
            // it is the import's if one of the import's entries is among them.
            """
            COPY (SELECT t.* FROM journal_tree_tiles AS t
                  WHERE t.alliance_id = \(id) AND EXISTS (
                      SELECT 1 FROM journal_entries AS e
                      WHERE e.alliance_id = t.alliance_id
                        AND e.sequence BETWEEN ((16 * t.index) << (4 * t.tier)) + 1
                                           AND (16 * t.index + 16) << (4 * t.tier)
                        AND e.metadata ->> 'reference' NOT LIKE 'SAME-%')
                  ORDER BY t.tier, t.index)
                TO '\(file("tree_tiles"))' (FORMAT binary)
            """,
            """
            COPY (SELECT * FROM account_month_totals WHERE alliance_id = \(id))
                TO '\(file("month_totals"))' (FORMAT binary)
            """,
        ]
        for statement in preparing { try await connection.execute("SELECT pg_temp.run(\(statement))") }
        try await connection.execute("CHECKPOINT")
        let clock = ContinuousClock()
        let start = clock.now
        try await connection.withTransaction { connection in
            for table in tables {
                try await connection.execute(
                    "SELECT pg_temp.run(\("COPY copy_\(table) FROM '\(file(table))' (FORMAT binary)"))"
                )
            }
        }
        let elapsed = clock.now - start
        try await connection.execute(
            "DROP TABLE copy_month_totals, copy_tree_tiles, copy_postings, copy_entries")
        return elapsed
    }
}

let raw = try await rawCopy()
let rawRate = Double(options.rows) / raw.seconds
// Before the writers start, so that their sessions load auto_explain too.
if options.profile {
    try await ownerPool.withConnection { connection in
        try await connection.execute("ALTER SYSTEM SET track_functions = 'pl'")
        // The plans of slow statements, those inside functions and triggers too, go to the
        // server's log, copied out at the end.
        try await connection.execute("LOAD 'auto_explain'")
        try await connection.execute("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'")
        // ALTER SYSTEM takes no parameters, so the threshold is one of a few written out.
        let threshold: PostgresQuery =
            switch options.explainMilliseconds {
            case 0: "ALTER SYSTEM SET auto_explain.log_min_duration = 0"
            case 1: "ALTER SYSTEM SET auto_explain.log_min_duration = 1"
            case 10: "ALTER SYSTEM SET auto_explain.log_min_duration = 10"
            case 40: "ALTER SYSTEM SET auto_explain.log_min_duration = 40"
            default: "ALTER SYSTEM SET auto_explain.log_min_duration = 100"
            }
        try await connection.execute(threshold)
        try await connection.execute("ALTER SYSTEM SET auto_explain.log_nested_statements = on")
        try await connection.execute("SELECT pg_reload_conf()")
        try await connection.execute("SELECT pg_stat_reset()")
    }
}
let sampler = WaitEventSampler()
let sampling = Task {
    guard options.waitEvents else { return }
    try await sampler.run(on: ownerPool)
}
// The writers' ledger: the service's, with the service's default pool of 8 (`--pool-size`).
let writerLedger = Ledger(pool: bench.makeServicePool(maximumConnections: 8))
let (servicePorts, servicePort) = AsyncStream.makeStream(of: Int.self)
let service = HTTPService.application(
    ledger: writerLedger,
    configuration: HTTPServiceConfiguration(
        host: "127.0.0.1", port: 0, publicBaseURL: "http://127.0.0.1", metricsPort: 0),
    logger: logger, onServerRunning: { port in servicePort.yield(port) })
/// Whether the writers record through the service (rather than the library, or not at all).
let writersOverHTTP = options.writers && !options.libraryWriters
// In a service group, so that the run ends it gracefully: its connections closed and the
// tokens' last uses written, where cancelling it logs errors for every open connection.
let serviceGroup = ServiceGroup(
    configuration: ServiceGroupConfiguration(services: [service], gracefulShutdownSignals: [], logger: logger)
)
let serving = Task {
    guard writersOverHTTP else { return }
    // A service that cannot start ends the stream, so the wait for its port below ends too.
    defer { servicePort.finish() }
    try await serviceGroup.run()
}
let httpPort: Int? =
    if writersOverHTTP {
        await servicePorts.first { _ in true }
    } else {
        nil
    }
if writersOverHTTP && httpPort == nil {
    throw BenchmarkFailure("the service did not start")
}
/// How the writers of `alliance` record: through the service unless `--library-writers`.
func route(to alliance: Alliance) async throws -> Writers.Route {
    guard let httpPort else { return .library(SpendBook(ledger: writerLedger)) }
    return .http(
        port: httpPort, path: "/v1/alliances/\(alliance.slug)/spend",
        tokens: Dictionary(
            uniqueKeysWithValues: try await directoryService.addFinanceLeads(
                to: alliance, partners: partners, tokens: TokenStore(pool: servicePool))))
}
let sameAlliance = Writers(clients: 16)
let otherAlliance = Writers(clients: 4)
let sameRoute = options.writers ? try await route(to: alliance) : nil
let otherRoute = options.writers ? try await route(to: neighbour) : nil
let sameWriting = Task {
    guard let sameRoute else { return }
    try await sameAlliance.run(
        into: alliance, route: sameRoute, partners: partners, budgetLines: lines, label: "SAME")
}
let otherWriting = Task {
    guard let otherRoute else { return }
    try await otherAlliance.run(
        into: neighbour, route: otherRoute, partners: partners, budgetLines: lines, label: "OTHER"
    )
}
// The goals are for writes made while the import runs: the writers warm up first (each
// caller's first write opens its connection, and the service's pool its own), and their writes
// count from the import's start.
if options.writers {
    let warmUpEnds = ContinuousClock.now + .seconds(10)
    while !(sameAlliance.warmedUp && otherAlliance.warmedUp)
        && ContinuousClock.now < warmUpEnds
    {
        try await Task.sleep(for: .milliseconds(50))
    }
    sameAlliance.measureFromNow()
    otherAlliance.measureFromNow()
}
// Its own pool, closed after it when profiling: a session's function statistics reach
// `pg_stat_user_functions` for certain when it ends.
let importPool = options.profile ? bench.makeServicePool(maximumConnections: 4) : servicePool
let imported = try await runImport(on: importPool)
if options.profile {
    await importPool.close()
    try await Task.sleep(for: .seconds(2))
    let functions = try await ownerPool.withConnection { connection in
        try await connection.query(
            """
            SELECT funcname, calls, (total_time * 1000)::bigint AS total_us, (self_time * 1000)::bigint AS self_us
            FROM pg_stat_user_functions
            ORDER BY self_time DESC LIMIT 15
            """
        ).map { row in
            (
                try row.decode("funcname", as: String.self), try row.decode("calls", as: Int64.self),
                Double(try row.decode("total_us", as: Int64.self)) / 1000,
                Double(try row.decode("self_us", as: Int64.self)) / 1000
            )
        }
    }
    print("PostgreSQL's time in the first import, by function (all sessions; µs per imported row):")
    print("| function | calls | self ms | total ms | self µs/row |")
    print("|---|---|---|---|---|")
    for (name, calls, total, selfTime) in functions {
        print(
            "| \(name) | \(calls) | \(format(selfTime, 0)) | \(format(total, 0)) | \(format(selfTime * 1000 / Double(options.rows), 1)) |"
        )
    }
    let plans = NSTemporaryDirectory() + "import-benchmark-plans.log"
    try? FileManager.default.removeItem(atPath: plans)
    try FileManager.default.copyItem(atPath: bench.directory + "/postgresql.log", toPath: plans)
    print("the slow statements' plans: \(plans)")
    print("")
}
sameAlliance.stop()
otherAlliance.stop()
try await sameWriting.value
try await otherWriting.value
await serviceGroup.triggerGracefulShutdown()
_ = await serving.result
sampler.stop()
try await sampling.value
// What autovacuum did to the ledger's tables while the import and the writers ran, the dead
// rows left and how many updates were HOT (pruned on their page without autovacuum): the
// import ran 89-142 s by when autovacuum first came (Benchmarks/README.md).
let autovacuumed: [String] =
    options.waitEvents
    ? try await ownerPool.withConnection { connection in
        try await connection.query(
            """
            SELECT relname || ' ' || concat_ws(', ',
                       pg_size_pretty(pg_relation_size(relid)) || ', ' || n_dead_tup || ' dead rows',
                       CASE WHEN n_tup_upd > 0 THEN n_tup_hot_upd || ' of ' || n_tup_upd || ' updates HOT' END,
                       CASE WHEN autovacuum_count > 0 THEN 'vacuumed ' || autovacuum_count || '×, last '
                            || to_char(last_autovacuum AT TIME ZONE 'UTC', 'HH24:MI:SS') END,
                       CASE WHEN autoanalyze_count > 0 THEN 'analysed ' || autoanalyze_count || '×, last '
                            || to_char(last_autoanalyze AT TIME ZONE 'UTC', 'HH24:MI:SS') END) AS line
            FROM pg_stat_user_tables
            WHERE autovacuum_count + autoanalyze_count > 0 OR n_dead_tup > 1000
            ORDER BY relname
            """
        ).map { try $0.decode("line", as: String.self) }
    } : []
let ceiling = try await ledgerTablesCopy()
let ceilingRate = Double(options.rows) / ceiling.seconds
precondition(
    imported.report.recorded == options.rows && imported.report.invalid == 0,
    "the import did not record every row: \(imported.report)")
// The importing alliance's journal holds the writers' entries too.
let importRate = Double(options.rows) / imported.total.seconds
let peakAfterImport = ProcessMemory.snapshot().peakMB
let again = try await runImport()
precondition(again.report.duplicates == options.rows, "importing again was not all duplicates")
let sameSlowestPassed = sameAlliance.slowest <= 1000
let otherSlowestPassed = otherAlliance.slowest <= 100
let ceilingPassed = importRate >= 0.5 * ceilingRate

print("| | seconds | rows/s | of raw COPY |")
print("|---|---|---|---|")
print("| raw COPY (plain table, no index) | \(format(raw.seconds, 2)) | \(format(rawRate)) | 100% |")
print(
    "| import, all-or-nothing | \(format(imported.total.seconds, 2)) | \(format(importRate)) | \(format(importRate / rawRate * 100, 1))% |"
)
print(
    "| of which reading into staging | \(format(imported.reading.seconds, 2)) | \(format(Double(options.rows) / imported.reading.seconds)) | |"
)
print(
    "| of which checking and posting | \(format((imported.total - imported.reading).seconds, 2)) | \(format(Double(options.rows) / (imported.total - imported.reading).seconds)) | |"
)
print(
    "| same file again (all duplicates) | \(format(again.total.seconds, 2)) | \(format(Double(options.rows) / again.total.seconds)) | \(format(Double(options.rows) / again.total.seconds / rawRate * 100, 1))% |"
)
print(
    "| the import's entries, postings, tree tiles and month totals by COPY into the ledger's tables (indexes, foreign key; no check, no trigger) | \(format(ceiling.seconds, 2)) | \(format(ceilingRate)) | |"
)
print("")
print("| goal | measured | |")
print("|---|---|---|")
print(
    "| import ≥ 50% of COPY into the ledger's tables | \(format(importRate / ceilingRate * 100, 1))% | \(ceilingPassed ? "PASS" : "FAIL") |"
)
if options.writers {
    print(
        "| slowest of \(sameAlliance.count) spends by \(sameAlliance.clients) callers in the importing alliance ≤ 1,000 ms | \(format(sameAlliance.slowest, 1)) ms (p99 \(format(sameAlliance.p99, 1)) ms) | \(sameSlowestPassed ? "PASS" : "FAIL") |"
    )
    print(
        "| slowest of \(otherAlliance.count) spends by \(otherAlliance.clients) callers in another alliance ≤ 100 ms | \(format(otherAlliance.slowest, 1)) ms (p99 \(format(otherAlliance.p99, 1)) ms) | \(otherSlowestPassed ? "PASS" : "FAIL") |"
    )
    // A write refused (a 503 from a full queue, say) did not wait: it failed, and fails the run.
    let refused = sameAlliance.refused.count + otherAlliance.refused.count
    print(
        "| writes answered other than 201 Created \(options.libraryWriters ? "(library writers: none can be)" : "over HTTP") | \(refused)\((sameAlliance.refused.first ?? otherAlliance.refused.first).map { ", the first: " + $0 } ?? "") | \(refused == 0 ? "PASS" : "FAIL") |"
    )
} else {
    // Without writers there is no wait to judge: a FAIL beside "nan ms" would read as a stall.
    print("| the writers' slowest waits | not measured (--no-writers) | |")
}
print("")
if options.waitEvents {
    let clock = DateFormatter()
    clock.dateFormat = "HH:mm:ss.SSS"
    clock.timeZone = TimeZone(identifier: "UTC")
    print(
        "The other alliance's five slowest writes, and what PostgreSQL's processes waited for meanwhile (a sample about every 5 ms; samples that saw each wait / samples during the write):"
    )
    print("| started (UTC) | ms | waits seen |")
    print("|---|---|---|")
    for write in otherAlliance.slowestWrites(5) {
        let end = write.started.addingTimeInterval(write.microseconds / 1e6)
        print(
            "| \(clock.string(from: write.started)) | \(format(write.microseconds / 1000, 1)) | \(sampler.seen(from: write.started, to: end)) |"
        )
    }
    print("checkpoints: " + checkpoints(inLog: bench.directory + "/postgresql.log").joined(separator: "; "))
    print(
        "autovacuum and dead rows when the import ended: "
            + (autovacuumed.isEmpty ? "none" : autovacuumed.joined(separator: "; ")))
    print(
        "the kernel's largest write-outs of dirty pages (fall within a second): "
            + sampler.largestWriteOuts(5).map { "\(clock.string(from: $0.at)) \($0.megabytes) MB" }.joined(
                separator: "; "))
    print("")
}
print(
    "peak RSS of this process: \(Int(ProcessMemory.snapshot().peakMB)) MB (after the first import \(Int(peakAfterImport)) MB; \(Int(residentBefore)) MB before it)"
)
if options.verify {
    let clock = ContinuousClock()
    let start = clock.now
    let verification = try await Ledger(pool: servicePool).verify(alliance.id)
    precondition(verification.isIntact, "the imported journal does not verify: \(verification)")
    print("verify: \(verification.entries) entries intact in \(format((clock.now - start).seconds, 1)) s")
}
print("load average after: \(loadAverage())")
await servicePool.close()
await ownerPool.close()
