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
//       [--seconds 5] [--writers 1,4,16,64] [--alliances 1,8] [--lanes N]

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
    for alliance in ids {
        let report = try await ledger.verify(alliance)
        precondition(report.isIntact, "the benchmark's journal does not verify: \(report)")
    }
    await pool.close()
    return (
        Throughput(
            operations: latencies.count, seconds: Double(options.seconds), latencies: latencies.sorted()),
        try await window.value
    )
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
await bench.ownerPool.close()
