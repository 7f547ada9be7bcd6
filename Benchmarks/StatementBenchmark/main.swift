import AllianceLedger
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness

// Statement benchmark: a preview of FY2025 as the journal grows, next to (a) the raw month ×
// account GROUP BY over the postings for the same figures and (b) `ledger balance` and `hledger
// balance` over the same entries written as a ledger journal, all on the same data in the same
// run, with each one's peak memory; then the publication of FY2025 with its files (the first,
// which verifies the whole journal, and restatements), against the preview of the same run.
// See Benchmarks/README.md.
//
//   swift build --package-path Benchmarks -c release --product alliance-ledger
//   swift build --package-path Benchmarks -c release --product statement-benchmark
//   Benchmarks/.build/release/statement-benchmark [--entries 100000,1000000] [--runs 3]
//
// It runs the command-line tool as a peer from beside itself, so both are built into one folder
// (`--product` names one product: the last one given wins).

struct Options {
    var entries = [100_000, 1_000_000]
    var runs = 3

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--entries": entries = value.split(separator: ",").compactMap { Int($0) }.sorted()
            case "--runs": runs = max(1, Int(value) ?? runs)
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")
let partners = ["sel-icb", "slam", "lambeth", "certitude", "thamesreach"]
let lines = (1...20).map { "LINE\($0 < 10 ? "0" : "")\($0)" }

let bench = try await MigratedCluster.start(
    named: "statement-benchmark", databaseName: "bench", maximumConnections: 20, logger: logger)
let csvPath = bench.directory + "-spend.csv"
// Written by the server (COPY … TO a file), so it sits beside the cluster, not inside it.
let journalPath = bench.directory + "-journal.ledger"
let childOutputPath = bench.directory + "-child.out"
defer {
    bench.stopImmediately()
    for path in [csvPath, journalPath, childOutputPath] { try? FileManager.default.removeItem(atPath: path) }
}
let serverVersion = try await bench.serverVersion()
let pool = bench.makeServicePool(maximumConnections: 4)

// MARK: An alliance per size: 5 partners × 20 lines, its spend, then a budget carried by the board

let directory = AllianceDirectory(pool: pool)
let decisions = Decisions(pool: pool)

/// A fresh alliance and a board member of each partner.
func makeAlliance(_ slug: String) async throws -> (Alliance, [Caller]) {
    let alliance = try await directory.createBenchmarkAlliance(
        slug: slug, name: "Statement Benchmark \(slug)", partners: partners, budgetLines: lines)
    var board: [Caller] = []
    for partner in partners {
        let member = try await directory.addPerson(
            try PersonRequest(
                name: partner, email: "board@\(partner).example", partner: partner, roles: [.board]),
            to: alliance)
        board.append(Caller(identity: .person(member), tokenID: nil))
    }
    return (alliance, board)
}

/// The year's budget, every partner and line, carried by every partner's vote. After the
/// import: the operator may import only while an alliance is being set up, until its first
/// decision is carried.
func carryBudget(in alliance: Alliance, board: [Caller]) async throws {
    let proposed = try await decisions.propose(
        try DecisionProposal(
            title: "FY2025 budget",
            action: .budgetSet(
                year: 2025,
                figures: try partners.flatMap { partner in
                    try lines.map {
                        try BudgetSetting(partner: partner, budgetLine: $0, amount: 5_000_000_00)
                    }
                })),
        in: alliance, by: board[0])
    var state = proposed.state
    for member in board {
        state = try await decisions.vote(.approve, on: .id(proposed.id), in: alliance, by: member).state
    }
    guard state == .carried else { throw BenchmarkFailure("the budget was \(state.rawValue)") }
}

// MARK: Measurements

let statements = Statements(pool: pool)
let clock = ContinuousClock()

/// Seconds of `runs` calls of `operation`, after one untimed call that warms caches and plans.
func timed(_ operation: () async throws -> Void) async throws -> [Double] {
    try await operation()
    var seconds: [Double] = []
    for _ in 0..<options.runs {
        let started = clock.now
        try await operation()
        seconds.append((clock.now - started).seconds)
    }
    return seconds
}

/// The raw query for the preview's actuals: every posting of the year, by account and month.
func rawGroupBy(_ alliance: Alliance) -> PostgresQuery {
    """
    SELECT p.account_id, date_trunc('month', e.effective_on) AS month, sum(p.amount)::bigint AS total
    FROM postings AS p
    JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
    WHERE e.alliance_id = \(alliance.id.rawValue)
      AND e.effective_on BETWEEN \(CalendarDate(year: 2025, month: 4, day: 1)) AND \(CalendarDate(year: 2026, month: 3, day: 31))
    GROUP BY 1, 2
    """
}

/// The alliance's journal as a ledger file, one transaction per entry, amounts in pounds,
/// accounts by their codes (whose colons ledger reads as its own hierarchy). Written by the
/// server, as the owner, in one COPY.
func writeLedgerJournal(of alliance: Alliance) async throws {
    try? FileManager.default.removeItem(atPath: journalPath)
    try await bench.ownerPool.withConnection { connection in
        // COPY takes no parameters; the id and the path are the benchmark's own.
        try await connection.runScript(
            trustedSQL: """
                COPY (
                    SELECT text FROM (
                        SELECT sequence, 0 AS line,
                               to_char(effective_on, 'YYYY/MM/DD') || ' ' || description AS text
                        FROM journal_entries WHERE alliance_id = \(alliance.id.rawValue)
                        UNION ALL
                        SELECT p.entry_sequence, p.line,
                               '    ' || a.code || '  ' || round(p.amount::numeric / 100, 2)::text
                        FROM postings AS p
                        JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
                        WHERE p.alliance_id = \(alliance.id.rawValue)
                    ) AS lines ORDER BY sequence, line
                ) TO '\(journalPath)'
                """)
    }
}

struct PeerResult {
    let name: String
    let command: String
    /// Seconds of each run; empty when the peer was skipped.
    let seconds: [Double]
    let peakMB: Double
    let skipped: String?
}

/// Runs a program `options.runs` times (no warm-up: each run reads its input afresh), the
/// program found on PATH unless `executable` is given. A program that is missing or fails is
/// skipped with the reason, so that one peer never costs the others' figures.
func runPeer(_ name: String, executable: String? = nil, _ arguments: [String]) throws -> PeerResult {
    let command = ([name] + arguments).joined(separator: " ")
    guard let executable = executable ?? ChildRun.locate(name),
        FileManager.default.isExecutableFile(atPath: executable)
    else {
        return PeerResult(
            name: name, command: command, seconds: [], peakMB: .nan,
            skipped: "\(name) is not installed or built; skipped")
    }
    var seconds: [Double] = []
    var peak = 0.0
    for _ in 0..<options.runs {
        let run = try ChildRun.run(executable, arguments, outputPath: childOutputPath)
        guard run.status == 0 else {
            let output = (try? String(contentsOfFile: childOutputPath, encoding: .utf8)) ?? ""
            return PeerResult(
                name: name, command: command, seconds: [], peakMB: run.peakMB,
                skipped:
                    "\(name) exited with status \(run.status) (peak \(format(run.peakMB, 1)) MB); skipped: \(output.prefix(500))"
            )
        }
        seconds.append(run.seconds)
        peak = max(peak, run.peakMB)
    }
    return PeerResult(name: name, command: command, seconds: seconds, peakMB: peak, skipped: nil)
}

func all(_ seconds: [Double]) -> String {
    seconds.map { format($0 * 1000, 1) }.joined(separator: ", ")
}

func milliseconds(_ seconds: [Double]) -> String {
    seconds.isEmpty ? "skipped" : format(median(seconds) * 1000, 1)
}

struct SizeResult {
    let entries: Int
    let alliance: Alliance
    let reader: Caller
    let loadSeconds: Double
    let afterImport: [Double]
    let preview: [Double]
    /// The first publication (journal verified from the start, files written), then each
    /// restatement's (journal verified since the last, files written again).
    let publishFirst: Double
    let restate: [Double]
    let filesMB: Double
    let previewCLI: PeerResult
    let groupBy: [Double]
    let peers: [PeerResult]
    let load: String
}

print("Statement benchmark: FY2025 preview, 5 partners × 20 lines, \(options.runs) runs each (medians)")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; load \(loadAverage()); \(Date())"
)

let cliPath = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("alliance-ledger").path
var results: [SizeResult] = []
// A small alliance first, then ANALYZE, as a database in use has statistics: on a fresh
// cluster the planner sees an empty journal, and one all-or-nothing import of 100,000 entries
// then slowed to about 100 entries/s (one run, stopped after six minutes), where it took 37 s
// after a small import and ANALYZE (see Benchmarks/README.md).
let (seed, _) = try await makeAlliance("statements-seed")
try SpendFile.write(rows: 2000, partners: partners, lines: lines, lineStride: 12, to: csvPath)
_ = try await SpendImporter(ledger: Ledger(pool: pool)).importSpend(
    from: FileByteChunks(path: csvPath), into: seed, by: .commandLine, mode: .allOrNothing)
try await bench.ownerPool.withConnection { connection in try await connection.execute("ANALYZE") }
for size in options.entries {
    // The spend comes in through the importer (the ledger's bulk path for spend): every entry
    // chained, checked by the database's triggers, counted in the month totals.
    let (alliance, board) = try await makeAlliance("statements-\(size)")
    try SpendFile.write(rows: size, partners: partners, lines: lines, lineStride: 12, to: csvPath)
    let loadStarted = clock.now
    let imported = try await SpendImporter(ledger: Ledger(pool: pool)).importSpend(
        from: FileByteChunks(path: csvPath), into: alliance, by: .commandLine, mode: .allOrNothing)
    guard imported.recorded == size else {
        throw BenchmarkFailure("the import refused rows: \(imported)")
    }
    // As autovacuum would soon after a load this size.
    try await bench.ownerPool.withConnection { connection in try await connection.execute("ANALYZE") }
    let loadSeconds = (clock.now - loadStarted).seconds
    print(
        "\(alliance.slug): imported \(size) entries in \(format(loadSeconds, 1)) s, \(format(Double(size) / loadSeconds)) entries/s; load \(loadAverage())"
    )
    try await carryBudget(in: alliance, board: board)

    // The preview must show what was spent: every entry, every pence, every partner and line.
    let firstStarted = clock.now
    let statement = try await statements.preview("FY2025", in: alliance, by: board[0])
    let afterImport = [(clock.now - firstStarted).seconds]
    let spent = (1...size).reduce(Int64(0)) { $0 + SpendFile.pence($1) }
    guard statement.budget.total.actual == spent, statement.spend.total.entries == Int64(size),
        statement.budget.rows.count == partners.count * lines.count
    else {
        throw BenchmarkFailure(
            "the preview shows \(statement.budget.total.actual) over \(statement.spend.total.entries) entries and \(statement.budget.rows.count) rows; expected \(spent) over \(size) and \(partners.count * lines.count)"
        )
    }

    // That first preview ran straight after the import, while the tables hold what the load left
    // for vacuum to clear (the versions of the balances and heads it updated batch after batch,
    // hint bits unset) and autovacuum works on the new postings. Reported; then VACUUM does at
    // once what autovacuum does in the next minutes, and the timed runs measure the books as they
    // stand in use.
    let vacuumStarted = clock.now
    try await bench.ownerPool.withConnection { connection in try await connection.execute("VACUUM ANALYZE") }
    print(
        "preview straight after the import: \(milliseconds(afterImport)) ms; VACUUM ANALYZE \(format((clock.now - vacuumStarted).seconds, 1)) s; load \(loadAverage())"
    )
    let preview = try await timed { _ = try await statements.preview("FY2025", in: alliance, by: board[0]) }
    var groupRows = 0
    let groupBy = try await timed {
        groupRows = try await bench.ownerPool.withConnection { connection in
            var rows = 0
            for row in try await connection.query(rawGroupBy(alliance)) {
                _ = try row.decode("total", as: Int64.self)
                rows += 1
            }
            return rows
        }
    }
    // One row per account and month: every partner's cost line, and the other side of the spend.
    guard groupRows > partners.count * lines.count * 12 else {
        throw BenchmarkFailure("the GROUP BY answered \(groupRows) rows")
    }

    // The same preview in a process of its own, so that its peak memory stands beside the peers'.
    let previewCLI = try runPeer(
        "alliance-ledger", executable: cliPath,
        [
            "statement", "preview", "--period", "FY2025", "--alliance", alliance.slug, "--format", "json",
            "--database-url", bench.connectionText,
        ])

    // Publication with its files, in one transaction: the first, then restatements.
    var publication: [Double] = []
    var previous: String?
    for _ in 0...options.runs {
        let request = try PublicationRequest(
            period: "FY2025", supersedes: previous, reason: previous.map { _ in "benchmark restatement" })
        let started = clock.now
        let listing = try await statements.publish(
            request, origin: "bench.example/alliances/\(alliance.slug)", in: alliance, by: board[0])
        publication.append((clock.now - started).seconds)
        previous = listing.number
    }
    let filesMB =
        Double(
            try await bench.ownerPool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT coalesce(sum(length(f.bytes)), 0)::bigint AS bytes FROM statement_files AS f
                    WHERE f.alliance_id = \(alliance.id.rawValue) AND f.statement_number = 1
                    """
                ).single().decode("bytes", as: Int64.self)
            }) / 1e6
    let spendRows = try await statements.file("spend.csv", of: "S-0001", in: alliance.id).map {
        $0.bytes.count { $0 == 0x0A } - 1
    }
    guard spendRows == size else {
        throw BenchmarkFailure("spend.csv has \(spendRows ?? -1) rows, not \(size)")
    }
    print(
        "\(size): publish \(format(publication[0], 1)) s (first), restatements \(all(Array(publication.dropFirst()))) ms, files \(format(filesMB, 1)) MB; load \(loadAverage())"
    )

    try await writeLedgerJournal(of: alliance)
    let journalMB =
        Double((try FileManager.default.attributesOfItem(atPath: journalPath)[.size] as? Int64) ?? 0) / 1e6
    print("ledger journal: \(format(journalMB, 1)) MB; load \(loadAverage())")
    let peers = [
        try runPeer("ledger", ["-f", journalPath, "-b", "2025/04/01", "-e", "2026/04/01", "balance"]),
        try runPeer("hledger", ["-f", journalPath, "-b", "2025-04-01", "-e", "2026-04-01", "balance"]),
    ]
    for peer in peers + [previewCLI] {
        if let skipped = peer.skipped { print(skipped) }
    }
    print(
        "\(size): preview \(milliseconds(preview)) ms, raw GROUP BY \(milliseconds(groupBy)) ms, ledger \(milliseconds(peers[0].seconds)) ms (\(format(peers[0].peakMB, 1)) MB), hledger \(milliseconds(peers[1].seconds)) ms (\(format(peers[1].peakMB, 1)) MB), preview CLI \(milliseconds(previewCLI.seconds)) ms (\(format(previewCLI.peakMB, 1)) MB); load \(loadAverage())"
    )
    results.append(
        SizeResult(
            entries: size, alliance: alliance, reader: board[0], loadSeconds: loadSeconds,
            afterImport: afterImport, preview: preview,
            publishFirst: publication[0], restate: Array(publication.dropFirst()), filesMB: filesMB,
            previewCLI: previewCLI,
            groupBy: groupBy,
            peers: peers, load: loadAverage()))
}

// MARK: The smallest and the largest size, interleaved

// Growth is judged on previews of the smallest and the largest alliance taken in turn, pair by
// pair, after every load: measured one size after the other, minutes apart, they met different
// loads on this shared machine (the same build's 100,000-entry preview took 20.7 ms in one run
// and 47.5 ms in the next).
var interleaved: (smallest: [Double], largest: [Double])? = nil
if let smallest = results.first, let largest = results.last, results.count > 1 {
    var pairs: (smallest: [Double], largest: [Double]) = ([], [])
    for _ in 0..<(options.runs * 5) {
        for (result, isLargest) in [(smallest, false), (largest, true)] {
            let started = clock.now
            _ = try await statements.preview("FY2025", in: result.alliance, by: result.reader)
            let seconds = (clock.now - started).seconds
            if isLargest { pairs.largest.append(seconds) } else { pairs.smallest.append(seconds) }
        }
    }
    interleaved = pairs
}

// MARK: Report

let ownPeak = ProcessMemory.snapshot().peakMB

print("")
print(
    [
        "entries", "preview ms", "preview after import ms", "raw GROUP BY ms", "ledger ms", "hledger ms",
        "preview CLI ms",
        "preview CLI peak MB", "ledger peak MB", "hledger peak MB", "load",
    ].joined(separator: " | "))
for result in results {
    print(
        [
            String(result.entries), milliseconds(result.preview), milliseconds(result.afterImport),
            milliseconds(result.groupBy),
            milliseconds(result.peers[0].seconds), milliseconds(result.peers[1].seconds),
            milliseconds(result.previewCLI.seconds), format(result.previewCLI.peakMB, 1),
            format(result.peers[0].peakMB, 1), format(result.peers[1].peakMB, 1), result.load,
        ].joined(separator: " | "))
}
print("")
print("every run, ms:")
for result in results {
    print(
        "  \(result.entries): preview \(all(result.preview)); GROUP BY \(all(result.groupBy)); ledger \(all(result.peers[0].seconds)); hledger \(all(result.peers[1].seconds)); preview CLI \(all(result.previewCLI.seconds))"
    )
}
print(
    "peak RSS of the benchmark process (cluster set-up, imports, in-process previews): \(format(ownPeak, 1)) MB"
)
print("")

/// A ratio's line: the figure, then PASS or FAIL against `minimum` (none: for reference), or
/// SKIPPED when a peer did not run.
func ratioGoal(_ name: String, _ ratio: Double?, atLeast minimum: Double?) {
    guard let ratio, ratio.isFinite else {
        print("\(name): SKIPPED")
        return
    }
    let verdict = minimum.map { ratio >= $0 ? " PASS" : " FAIL" } ?? ""
    print("\(name): \(format(ratio, 1))×\(verdict)")
}
for result in results {
    let preview = median(result.preview)
    let ledger = result.peers[0].seconds.isEmpty ? nil : median(result.peers[0].seconds)
    let hledger = result.peers[1].seconds.isEmpty ? nil : median(result.peers[1].seconds)
    // The goal is set at the largest size (about 15 s of ledger at 1,000,000 entries here).
    let largest = result.entries == results.last?.entries
    ratioGoal(
        "\(result.entries): ledger ÷ preview (goal ≥ 100×\(largest ? "" : " at the largest size; here for reference"))",
        ledger.map { $0 / preview }, atLeast: largest ? 100 : nil)
    ratioGoal("\(result.entries): hledger ÷ preview (no goal)", hledger.map { $0 / preview }, atLeast: nil)
    ratioGoal(
        "\(result.entries): raw GROUP BY ÷ preview (goal ≥ 5×)", median(result.groupBy) / preview, atLeast: 5)
}
if let smallest = results.first, let largest = results.last, let interleaved {
    let change = median(interleaved.largest) / median(interleaved.smallest) - 1
    print(
        "interleaved previews, ms: \(smallest.entries): \(all(interleaved.smallest)); \(largest.entries): \(all(interleaved.largest))"
    )
    print(
        "preview at \(largest.entries) against \(smallest.entries), interleaved medians \(milliseconds(interleaved.largest)) and \(milliseconds(interleaved.smallest)) ms (goal: within 20%): "
            + "\(change >= 0 ? "+" : "")\(format(change * 100, 1))% \(abs(change) <= 0.2 ? "PASS" : "FAIL")")
}
for result in results {
    let preview = median(result.preview)
    print(
        "\(result.entries): publication with files \(format(result.publishFirst, 1)) s first, \(milliseconds(result.restate)) ms restated (median), \(format(result.filesMB, 1)) MB of files; restatement ÷ preview \(format(median(result.restate) / preview, 1))× (no goal; the request time limit is the question)"
    )
}
print("load \(loadAverage())")
await pool.close()
await bench.ownerPool.close()
