import AllianceLedger
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness

// Decision benchmark: votes per second and vote latency when board members of five-partner
// alliances propose budget decisions and vote them through, each client working its own
// alliance (one decision at a time, five votes, the last carrying the budget in the same
// transaction), next to pgbench's raw ledger transaction on the same private cluster in the
// same run. Also races the five final approvals of fresh decisions and checks each budget was
// applied exactly once. See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release decision-benchmark \
//       [--seconds 5] [--clients 1,4,16] [--races 50]

struct Options {
    var seconds = 5
    var clients = [1, 4, 16]
    var races = 50
    var warmupSeconds = 1

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--seconds": seconds = Int(value) ?? seconds
            case "--clients": clients = value.split(separator: ",").compactMap { Int($0) }
            case "--races": races = Int(value) ?? races
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")
let partners = ["commissioner", "trust", "council", "charity-a", "charity-b"]

let bench = try await MigratedCluster.start(
    named: "decision-benchmark", databaseName: "bench", logger: logger)
defer { bench.stopImmediately() }
let serverVersion = try await bench.serverVersion()

/// An alliance with five partners, two budget lines and a board member for each partner.
func boardAlliance(_ slug: String, pool: PostgresPool) async throws -> (Alliance, [Caller]) {
    let directory = AllianceDirectory(pool: pool)
    let alliance = try await directory.create(slug: slug, name: "Benchmark \(slug)")
    for code in ["STAFF", "PREMISES"] {
        try await directory.addBudgetLine(try BudgetLineRequest(code: code, name: code), to: alliance)
    }
    var members: [Caller] = []
    for partner in partners {
        try await directory.addPartner(
            try PartnerRequest(
                slug: partner, name: partner, kind: .other, joinedOn: CalendarDate(daysSince1970: 20_000)),
            to: alliance)
        let person = try await directory.addPerson(
            try PersonRequest(
                name: partner, email: "board@\(partner).example", partner: partner, roles: [.board]),
            to: alliance)
        members.append(Caller(identity: .person(person), tokenID: nil))
    }
    return (alliance, members)
}

func budget(_ amount: Int64) throws -> DecisionAction {
    .budgetSet(
        year: 2025,
        figures: try partners.flatMap { partner in
            try ["STAFF", "PREMISES"].map {
                try BudgetSetting(partner: partner, budgetLine: $0, amount: amount)
            }
        })
}

// MARK: Throughput: each client votes its own alliance's decisions through

func runVotes(clients: Int, round: Int) async throws -> Throughput {
    let pool = bench.makeServicePool(maximumConnections: max(4, clients))
    let decisions = Decisions(pool: pool)
    var alliances: [(Alliance, [Caller])] = []
    for client in 0..<clients {
        alliances.append(try await boardAlliance("votes-\(round)-\(client)", pool: pool))
    }
    let work = alliances
    let clock = ContinuousClock()
    let warmupEnd = clock.now + .seconds(options.warmupSeconds)
    let end = warmupEnd + .seconds(options.seconds)
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for client in 0..<clients {
            group.addTask {
                let (alliance, members) = work[client]
                var measured: [Double] = []
                var amount: Int64 = 1
                while clock.now < end {
                    amount += 1
                    let decision = try await decisions.propose(
                        try DecisionProposal(title: "Budget \(amount)", action: try budget(amount)),
                        in: alliance,
                        by: members[0])
                    for member in members {
                        let started = clock.now
                        _ = try await decisions.vote(.approve, on: .id(decision.id), in: alliance, by: member)
                        if started >= warmupEnd, clock.now <= end {
                            measured.append((clock.now - started).microseconds)
                        }
                    }
                }
                return measured
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }
    }
    await pool.close()
    return Throughput(
        operations: latencies.count, seconds: Double(options.seconds), latencies: latencies.sorted())
}

// MARK: Races: the five final approvals at once, many times

func runRaces() async throws -> (carried: Int, applications: Int, refusedAsClosed: Int) {
    let pool = bench.makeServicePool(maximumConnections: 8)
    let decisions = Decisions(pool: pool)
    let (alliance, members) = try await boardAlliance("races", pool: pool)
    var carried = 0
    var refused = 0
    for race in 1...options.races {
        let decision = try await decisions.propose(
            try DecisionProposal(title: "Race \(race)", action: try budget(Int64(race))), in: alliance,
            by: members[0])
        let states = try await withThrowingTaskGroup(of: String.self) { group in
            for member in members {
                group.addTask {
                    do {
                        return try await decisions.vote(
                            .approve, on: .id(decision.id), in: alliance, by: member
                        )
                        .state.rawValue
                    } catch LedgerError.decisionClosed {
                        return "closed"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        carried += states.filter { $0 == "carried" }.count
        refused += states.filter { $0 == "closed" }.count
    }
    let applications = try await pool.withConnection { connection in
        try await connection.query(
            "SELECT count(DISTINCT decision_id) AS n FROM budget_changes WHERE alliance_id = \(alliance.id.rawValue)"
        ).single().decode("n", as: Int64.self)
    }
    await pool.close()
    return (carried, Int(applications), refused)
}

// MARK: Report

print("Decision benchmark: \(options.seconds) s per run after \(options.warmupSeconds) s warm-up")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; load \(loadAverage()); \(Date())"
)
print("")
print(
    ["clients", "pgbench tps", "p50 ms", "votes/s", "p50 ms", "p99 ms", "decisions/s", "ratio"].joined(
        separator: " | "))
for (round, clients) in options.clients.enumerated() {
    let raw = try await RawCeiling.run(clients: clients, seconds: options.seconds, on: bench)
    let votes = try await runVotes(clients: clients, round: round)
    let row = [
        String(clients), format(raw.perSecond), format(raw.percentile(0.5), 2), format(votes.perSecond),
        format(votes.percentile(0.5), 2), format(votes.percentile(0.99), 2), format(votes.perSecond / 5, 1),
        format(votes.perSecond / raw.perSecond * 100) + "%",
    ]
    print(row.joined(separator: " | "))
}
let races = try await runRaces()
print("")
print(
    "races: \(options.races) decisions, five final approvals at once each: \(races.carried) carried answers, \(races.applications) budgets applied, \(races.refusedAsClosed) votes refused as closed"
)
guard races.carried == options.races, races.applications == options.races else {
    throw BenchmarkFailure("a race applied a budget other than exactly once")
}
print("load \(loadAverage())")
await bench.ownerPool.close()
