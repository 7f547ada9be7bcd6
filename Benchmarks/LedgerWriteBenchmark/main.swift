import AllianceLedger
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness

// Ledger-write benchmark: entries per second and latency percentiles when 1, 4, 16 and 64
// writers record into one alliance and into 8, through the library, next to pgbench running
// the equivalent raw SQL (one entry, two postings, two balance updates per transaction) on
// the same private cluster in the same run. Both sides run with fsync and synchronous_commit
// on, as the embedded default does. Beside the rates, the CPU each side spends per entry (this
// process, or pgbench, plus PostgreSQL's processes): a ratio that holds when other work shares
// the cores, which the rates' ratio does not. See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release ledger-benchmark \
//       [--seconds 5] [--writers 1,4,16,64] [--alliances 1,8] [--lanes N] [--young-journal]
//       [--profile]

struct Options {
    var seconds = 5
    var writers = [1, 4, 16, 64]
    var alliances = [1, 8]
    var warmupSeconds = 1
    /// Journal writer lanes in the library (`Ledger(pool:writers:)`); nil keeps its default.
    var lanes: Int?
    /// Whether the ledger's tables are analysed halfway through each library run's warm-up.
    var analyse = true
    /// Prints, after each library run, PostgreSQL's time in the ledger's functions per entry
    /// (`track_functions = 'pl'`) and the entries per transaction.
    var profile = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            // Flags first: they take no value.
            switch argument {
            case "--profile":
                profile = true
                continue
            case "--young-journal":
                analyse = false
                continue
            default: break
            }
            let value = iterator.next() ?? ""
            switch argument {
            case "--seconds": seconds = Int(value) ?? seconds
            case "--writers": writers = value.split(separator: ",").compactMap { Int($0) }
            case "--alliances": alliances = value.split(separator: ",").compactMap { Int($0) }
            case "--lanes": lanes = Int(value)
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let accountsPerAlliance = RawCeiling.accountsPerAlliance
let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")

let bench = try await MigratedCluster.start(named: "benchmark", databaseName: "bench", logger: logger)
defer { bench.stopImmediately() }
let serverVersion = try await bench.serverVersion()

// MARK: The library

/// The entries recorded in the measured window, and the CPU spent in it by this process and the
/// server.
func runLibrary(writers: Int, alliances: Int, round: Int) async throws -> (Throughput, CPUTime) {
    if options.profile {
        try await bench.ownerPool.withConnection { try await $0.execute("SELECT pg_stat_reset()") }
    }
    let pool = bench.makeServicePool()
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
    // What autovacuum does within a minute of a journal's first writes (its naptime), done
    // here before the measured window: a session's statements keep the plans they were first
    // given until the statistics of their tables change, and a table never analysed is planned
    // as ten pages, on which the primary key and journal_entries_effective_on cost the same
    // for a lookup by sequence. Left to that tie, the lookups scan an alliance's every entry
    // in the wrong index and grow with the journal (Benchmarks/README.md, 2026-12-05).
    let analysis = Task {
        guard options.analyse else { return }
        try await clock.sleep(until: warmupEnd - .milliseconds(options.warmupSeconds * 500))
        try await bench.ownerPool.withConnection { connection in
            try await connection.execute(
                "ANALYZE journal_entries, postings, journal_heads, account_balances, account_month_totals, journal_tree_tiles"
            )
        }
    }
    let window = Task {
        try await clock.sleep(until: warmupEnd)
        let start = CPUTime.now(cluster: bench.server.clusterDirectory)
        try await clock.sleep(until: end)
        return CPUTime.now(cluster: bench.server.clusterDirectory) - start
    }
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
                        measured.append((clock.now - started).microseconds)
                    }
                }
                return measured
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }
    }
    try await analysis.value
    for alliance in ids {
        let report = try await ledger.verify(alliance)
        precondition(report.isIntact, "the benchmark's journal does not verify: \(report)")
    }
    await pool.close()
    if options.profile { try await printProfile(alliances: ids) }
    return (
        Throughput(
            operations: latencies.count, seconds: Double(options.seconds), latencies: latencies.sorted()),
        try await window.value
    )
}

/// PostgreSQL's time in the ledger's functions since the run began, per entry the run appended
/// (warm-up included): the closed pool's sessions have reported all of theirs.
func printProfile(alliances: [AllianceID]) async throws {
    try await Task.sleep(for: .seconds(1))
    try await bench.ownerPool.withConnection { connection in
        let entries = try await connection.query(
            "SELECT count(*) AS n FROM journal_entries WHERE alliance_id = ANY(\(alliances.map(\.rawValue))::bigint[])"
        ).single().decode("n", as: Int64.self)
        let appends = try await connection.query(
            "SELECT coalesce(sum(calls), 0)::bigint AS n FROM pg_stat_user_functions WHERE funcname = 'ledger_append'"
        ).single().decode("n", as: Int64.self)
        print(
            "  profile: \(entries) entries in \(appends) appends (\(format(Double(entries) / Double(max(appends, 1)), 1)) entries per statement)"
        )
        print("  | function | calls per entry | self µs/entry | total µs/entry |")
        for row in try await connection.query(
            """
            SELECT funcname, calls, (total_time * 1000)::bigint AS total_us, (self_time * 1000)::bigint AS self_us
            FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 14
            """)
        {
            let perEntry = { (value: Int64) in Double(value) / Double(max(entries, 1)) }
            print(
                "  | \(try row.decode("funcname", as: String.self)) | \(format(perEntry(try row.decode("calls", as: Int64.self)), 2)) | \(format(perEntry(try row.decode("self_us", as: Int64.self)), 1)) | \(format(perEntry(try row.decode("total_us", as: Int64.self)), 1)) |"
            )
        }
    }
}

/// Milliseconds of CPU per operation.
func milliseconds(_ seconds: Double, per operations: Int) -> Double {
    operations > 0 ? seconds / Double(operations) * 1000 : .nan
}

// MARK: Report

print(
    "Ledger write benchmark: \(options.seconds) s per run after \(options.warmupSeconds) s warm-up (library)")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date())"
)
print("load average before: \(loadAverage())")
if options.profile {
    try await bench.ownerPool.withConnection { connection in
        try await connection.execute("ALTER SYSTEM SET track_functions = 'pl'")
        // The plans, with their actual rows and times, of a sample of the statements (with
        // their nested ones: the triggers'), in the server's log, copied out at the end.
        try await connection.execute("LOAD 'auto_explain'")
        try await connection.execute("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'")
        try await connection.execute("ALTER SYSTEM SET auto_explain.log_min_duration = 0")
        try await connection.execute("ALTER SYSTEM SET auto_explain.sample_rate = 0.02")
        try await connection.execute("ALTER SYSTEM SET auto_explain.log_analyze = on")
        try await connection.execute("ALTER SYSTEM SET auto_explain.log_nested_statements = on")
        try await connection.execute("SELECT pg_reload_conf()")
    }
}
print("")
let header = [
    "alliances", "writers", "pgbench tps", "p50 ms", "p99 ms", "library entries/s", "p50 ms", "p99 ms",
    "ratio", "pgbench CPU ms/txn", "library CPU ms/entry (service + server)", "CPU ratio",
]
print(header.joined(separator: " | "))
/// Issue 20's goals at 16 writers: one alliance at 80% of pgbench, eight at 90%.
let goals = [1: 80.0, 8: 90.0]
var verdicts: [String] = []
var round = 0
for alliances in options.alliances {
    for writers in options.writers {
        round += 1
        let before = CPUTime.now(cluster: bench.server.clusterDirectory)
        let raw = try await RawCeiling.run(
            clients: writers, seconds: options.seconds, alliances: alliances, on: bench)
        let rawCPU = milliseconds(
            (CPUTime.now(cluster: bench.server.clusterDirectory) - before).total, per: raw.operations)
        let (library, cpu) = try await runLibrary(writers: writers, alliances: alliances, round: round)
        let libraryCPU = milliseconds(cpu.total, per: library.operations)
        let ratio = library.perSecond / raw.perSecond * 100
        let cpuRatio = rawCPU / libraryCPU * 100
        let row = [
            String(alliances), String(writers), format(raw.perSecond), format(raw.percentile(0.5), 2),
            format(raw.percentile(0.99), 2), format(library.perSecond), format(library.percentile(0.5), 2),
            format(library.percentile(0.99), 2), format(ratio) + "%", format(rawCPU, 3),
            "\(format(libraryCPU, 3)) (\(format(milliseconds(cpu.process, per: library.operations), 3)) + \(format(milliseconds(cpu.server, per: library.operations), 3)))",
            format(cpuRatio) + "%",
        ]
        print(row.joined(separator: " | "))
        if writers == 16, let goal = goals[alliances] {
            for (name, value) in [("rate", ratio), ("CPU per entry", cpuRatio)] {
                verdicts.append(
                    "\(alliances) alliance(s), 16 writers, \(name): \(format(value))% of pgbench, goal \(format(goal))%: \(value >= goal ? "PASS" : "FAIL")"
                )
            }
        }
    }
}
print("")
for verdict in verdicts { print(verdict) }
print("load average after: \(loadAverage())")
if options.profile {
    let plans = NSTemporaryDirectory() + "ledger-benchmark-plans.log"
    try? FileManager.default.removeItem(atPath: plans)
    try FileManager.default.copyItem(atPath: bench.directory + "/postgresql.log", toPath: plans)
    print("plans of a fiftieth of the statements, those inside functions and triggers too: \(plans)")
}
await bench.ownerPool.close()
