import AllianceLedger
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness

// Settlement benchmark: how fast a year's gain/pain position and a period's outcome payment are
// computed on demand as the year's spend grows, next to pgbench running the very queries the
// position rests on (the year's budgets and its net spend) on the same private cluster in the
// same run; then how long the final vote takes that carries a settlement or a payment, posting
// its entry in the same transaction. See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release settlement-benchmark \
//       [--entries 100000] [--seconds 5] [--clients 1,4]

struct Options {
    var entries = 100_000
    var seconds = 5
    var clients = [1, 4]

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--entries": entries = Int(value) ?? entries
            case "--seconds": seconds = Int(value) ?? seconds
            case "--clients": clients = value.split(separator: ",").compactMap { Int($0) }
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")
let partners = ["sel-icb", "slam", "lambeth", "certitude", "thamesreach"]
let providers = Array(partners.dropFirst())

let bench = try await MigratedCluster.start(
    named: "settlement-benchmark", databaseName: "bench", maximumConnections: 20, logger: logger)
let csvPath = bench.directory + "-spend.csv"
defer {
    bench.stopImmediately()
    try? FileManager.default.removeItem(atPath: csvPath)
}
let serverVersion = try await bench.serverVersion()
let pool = bench.makeServicePool(maximumConnections: 8)

// MARK: The alliance: a budget, gain/pain and outcome terms, a year of spend and measurements

let directory = AllianceDirectory(pool: pool)
let alliance = try await directory.create(
    try AllianceRequest(
        slug: "settlement", name: "Settlement Benchmark Alliance",
        contractStart: CalendarDate(year: 2025, month: 4, day: 1),
        contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
for line in ["STAFF", "PREMISES"] {
    try await directory.addBudgetLine(try BudgetLineRequest(code: line, name: line), to: alliance)
}
var members: [Caller] = []
for partner in partners {
    try await directory.addPartner(
        try PartnerRequest(slug: partner, name: partner, kind: .other), to: alliance)
    let member = try await directory.addPerson(
        try PersonRequest(
            name: partner, email: "board@\(partner).example", partner: partner, roles: [.board]),
        to: alliance)
    members.append(Caller(identity: .person(member), tokenID: nil))
}
let board = members
let finance = Caller(
    identity: .person(
        try await directory.addPerson(
            try PersonRequest(
                name: "Finance", email: "finance@slam.example", partner: "slam", roles: [.finance]),
            to: alliance)), tokenID: nil)
// Another partner's auditor validates SLaM's figures: only validated figures are paid on.
let auditor = Caller(
    identity: .person(
        try await directory.addPerson(
            try PersonRequest(
                name: "Auditor", email: "auditor@other.example",
                partner: partners.first { $0 != "slam" } ?? "",
                roles: [.auditor]),
            to: alliance)), tokenID: nil)
let decisions = Decisions(pool: pool)

/// Proposes `action` and has every partner approve it; returns the final vote's time.
func carry(_ action: DecisionAction, _ title: String) async throws -> (Decision, Duration) {
    let proposed = try await decisions.propose(
        try DecisionProposal(title: title, action: action), in: alliance, by: board[0])
    for member in board.dropLast() {
        _ = try await decisions.vote(.approve, on: .id(proposed.id), in: alliance, by: member)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let carried = try await decisions.vote(
        .approve, on: .id(proposed.id), in: alliance, by: board[board.count - 1])
    let took = clock.now - start
    guard carried.state == .carried else {
        throw BenchmarkFailure("\(title) was \(carried.state.rawValue): \(carried.failure ?? "")")
    }
    return (carried, took)
}

// The year's spend comes in through the importer, as a finance lead's file would: the amounts
// and days spread over FY2025 and over every partner and line.
try SpendFile.write(rows: options.entries, partners: partners, lines: ["STAFF", "PREMISES"], to: csvPath)
let imported = try await SpendImporter(ledger: Ledger(pool: pool)).importSpend(
    from: FileByteChunks(path: csvPath), into: alliance, by: .commandLine, mode: .allOrNothing)
guard imported.recorded == options.entries else {
    throw BenchmarkFailure("the import refused rows: \(imported)")
}
// As autovacuum would soon after a load this size: without statistics the planner walks the
// year's entries one by one (about six times slower at 20,000 entries).
try await bench.ownerPool.withConnection { connection in try await connection.execute("ANALYZE") }

// The budget is 2% below what the file spends, so the year ends in a pain for the partners.
let spent = (1...options.entries).reduce(Int64(0)) { $0 + SpendFile.pence($1) }
let perFigure = spent * 98 / 100 / Int64(partners.count * 2)
_ = try await carry(
    .budgetSet(
        year: 2025,
        figures: try partners.flatMap { partner in
            try ["STAFF", "PREMISES"].map {
                try BudgetSetting(partner: partner, budgetLine: $0, amount: perFigure)
            }
        }), "FY2025 budget")
let providerShares = try providers.map { try RiskShare(partner: $0, share: 2500, cap: perFigure / 100) }
_ = try await carry(
    .riskShareSetTerms(
        try RiskShareTerms(
            year: 2025, gain: providerShares, pain: providerShares,
            partnerSide: try RiskSharePartnerSide(
                gainBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 2500),
                ],
                painBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 7500),
                ],
                painCap: perFigure))), "FY2025 gain and pain")
let measures = try [("CARE_PLANS", 4000), ("BED_DAYS", 3500), ("SCORES", 2500)].map { code, weight in
    try OutcomeMeasure(
        code: code, name: code, unit: "%", direction: .higher, target: MeasureValue(90), weight: weight,
        rule: .linear(floor: MeasureValue(80), cap: nil), reporter: "slam")
}
_ = try await carry(
    .outcomesSetTerms(
        try OutcomeTerms(
            year: 2025, frequency: .month, pool: 1_200_000_00, measures: measures,
            shares: try providers.map { try OutcomeShare(partner: $0, share: 2500) })), "FY2025 outcomes")
let outcomes = OutcomeBook(pool: pool)
for month in ["2025-04", "2025-05", "2025-06"] {
    for (index, measure) in measures.enumerated() {
        let recorded = try await outcomes.record(
            try MeasurementRequest(
                measure: measure.code, period: month, value: MeasureValue(Double(82 + 3 * index)),
                evidence: "Report"),
            in: alliance, by: finance)
        _ = try await outcomes.validate(recorded.id, in: alliance, by: auditor)
    }
}
let riskShare = RiskShareBook(pool: pool)
let position = try await riskShare.statement(year: 2025, in: alliance).position

// MARK: Reading on demand, against the raw queries

/// The two aggregates the position rests on, as pgbench runs them: no library, no decoding.
/// (pgbench reads `:name` as a variable, so the pattern's colons are spelled `chr(58)`: a
/// constant, folded before planning.)
let rawScript = """
    SELECT coalesce(sum(amount), 0) FROM budgets WHERE alliance_id = \(alliance.id.rawValue) AND financial_year = 2025;
    SELECT coalesce(sum(p.amount), 0) FROM journal_entries AS e
    JOIN postings AS p ON p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
    JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
    WHERE e.alliance_id = \(alliance.id.rawValue) AND e.effective_on BETWEEN '2025-04-01' AND '2026-03-31'
      AND a.code LIKE concat('partner', chr(58), '%', chr(58), 'cost', chr(58), '%');

    """

func measure(clients: Int, _ operation: @escaping @Sendable () async throws -> Void) async throws
    -> Throughput
{
    let clock = ContinuousClock()
    let end = clock.now + .seconds(options.seconds)
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<clients {
            group.addTask {
                var measured: [Double] = []
                while clock.now < end {
                    let started = clock.now
                    try await operation()
                    measured.append((clock.now - started).microseconds)
                }
                return measured
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }
    }
    return Throughput(
        operations: latencies.count, seconds: Double(options.seconds), latencies: latencies.sorted())
}

print("Settlement benchmark: \(options.entries) spend entries in FY2025, \(options.seconds) s per run")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; load \(loadAverage()); \(Date())"
)
print(
    "position: target \(position.target), actual \(position.actual), partner side \(position.partnerSide) (before cap \(position.partnerSideBeforeCap))"
)
print("")
print(
    [
        "clients", "raw queries/s", "p50 ms", "position/s", "p50 ms", "p99 ms", "ratio", "payment/s",
        "p50 ms",
    ].joined(separator: " | "))
for clients in options.clients {
    let raw = try await Pgbench.run(script: rawScript, clients: clients, seconds: options.seconds, on: bench)
    let statements = try await measure(clients: clients) {
        _ = try await riskShare.statement(year: 2025, in: alliance)
    }
    let payments = try await measure(clients: clients) {
        _ = try await outcomes.payment(for: "2025-05", in: alliance)
    }
    print(
        [
            String(clients), format(raw.perSecond), format(raw.percentile(0.5), 2),
            format(statements.perSecond),
            format(statements.percentile(0.5), 2), format(statements.percentile(0.99), 2),
            format(statements.perSecond / raw.perSecond * 100) + "%", format(payments.perSecond),
            format(payments.percentile(0.5), 2),
        ].joined(separator: " | "))
}

// MARK: Carrying: the final vote posts the entry in its own transaction

let (settled, settleTook) = try await carry(.riskShareSettle(year: 2025, partnerSide: nil), "Settle FY2025")
let (paid, payTook) = try await carry(.outcomePaymentsApprove(period: "2025-05", earned: nil), "Pay May")
guard case .riskShareSettlement(let statement, _) = settled.effect, statement.settled != nil,
    case .outcomePayment(let payment, _) = paid.effect, payment.posted != nil
else { throw BenchmarkFailure("a carried settlement or payment posted nothing") }
let verification = try await Ledger(pool: pool).verify(alliance.id)
guard verification.isIntact else { throw BenchmarkFailure("the journal does not verify: \(verification)") }
print("")
print(
    "final vote carrying the settlement (position, entry of \(statement.position.allocations.count + 1) postings): \(format(settleTook.microseconds / 1000, 1)) ms"
)
print(
    "final vote carrying May's outcome payment (\(payment.allocations.count + 1) postings): \(format(payTook.microseconds / 1000, 1)) ms"
)
print("journal verifies: \(verification.entries) entries; load \(loadAverage())")
await pool.close()
await bench.ownerPool.close()
