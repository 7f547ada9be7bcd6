import AllianceLedger
import BenchmarkSupport
import Postgres
import ServiceHarness

/// `SpendBook.record` from `clients` concurrent tasks: what the HTTP service would reach if
/// HTTP, JSON and authentication cost nothing. Each task takes the five finance leads in
/// turn, as the HTTP run's requests do; their callers are authenticated once, before the
/// clock starts, since per-request authentication is part of what the HTTP figure measures.
///
/// With `lookups`, each call first does the two look-ups the service makes before recording
/// (the token's caller, the path's alliance), so that the gap to HTTP splits into what those
/// database round trips cost and what HTTP, JSON and the server's hops cost.
enum LibraryRun {
    struct Result: Sendable {
        let measurement: Throughput
        /// Every call that returned, warm-up and overrun included, for the entry count check.
        let calls: Int
        let intact: Bool
        let spendEntries: Int
    }

    static func run(
        clients: Int, seconds: Int, warmupSeconds: Int, round: Int, lookups: Bool, on bench: MigratedCluster
    ) async throws -> Result {
        let pool = bench.makeServicePool()
        let ledger = Ledger(pool: pool)
        let setUp = try await SpendAlliance.make(
            slug: "library-\(lookups ? "lookups-" : "")\(round)", pool: pool)
        let tokenStore = TokenStore(pool: pool)
        var callers: [(partner: String, token: String, caller: Caller)] = []
        for (partner, token) in setUp.tokens {
            callers.append((partner, token, try await tokenStore.authenticate(token)))
        }
        let leads = callers
        let alliance = setUp.alliance
        let book = SpendBook(ledger: ledger)
        let clock = ContinuousClock()
        let warmupEnd = clock.now + .seconds(warmupSeconds)
        let end = warmupEnd + .seconds(seconds)
        let perTask = try await withThrowingTaskGroup(of: (latencies: [Double], calls: Int).self) { group in
            for task in 0..<clients {
                group.addTask {
                    var generator = SystemRandomNumberGenerator()
                    var measured: [Double] = []
                    var calls = 0
                    while clock.now < end {
                        let lead = leads[(task + calls) % leads.count]
                        let lines = SpendAlliance.budgetLines
                        let line = lines[Int.random(in: 0..<lines.count, using: &generator)].code
                        let request = try SpendRequest(
                            partner: lead.partner, budgetLine: line,
                            amount: Int64.random(in: 1...50_000, using: &generator),
                            incurredOn: SpendAlliance.incurredOn, description: "Agency staff, May",
                            supplier: "Acme Staffing", reference: "library-\(task)-\(calls)")
                        let started = clock.now
                        if lookups {
                            // As the service does: caller and alliance in one statement.
                            let found = try await tokenStore.authenticate(lead.token, alliance: alliance.slug)
                            guard let current = found.alliance else {
                                throw LedgerError.allianceNotFound(alliance.slug)
                            }
                            _ = try await book.record(request, in: current, by: found.caller)
                        } else {
                            _ = try await book.record(request, in: alliance, by: lead.caller)
                        }
                        let finished = clock.now
                        calls += 1
                        if started >= warmupEnd, finished <= end {
                            measured.append((finished - started).microseconds)
                        }
                    }
                    return (measured, calls)
                }
            }
            return try await group.reduce(into: (latencies: [Double](), calls: 0)) {
                $0.latencies += $1.latencies
                $0.calls += $1.calls
            }
        }
        let (intact, entries) = try await setUp.check(ledger: ledger, on: bench)
        await pool.close()
        return Result(
            measurement: Throughput(
                operations: perTask.latencies.count, seconds: Double(seconds),
                latencies: perTask.latencies.sorted()),
            calls: perTask.calls, intact: intact, spendEntries: entries)
    }
}
