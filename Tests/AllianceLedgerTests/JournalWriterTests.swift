import AllianceLedger
import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

/// The journal writer's scheduling, against a head held by another transaction (as an import's
/// chunk or another service instance holds one): other alliances go on, the held alliance's
/// appends wait for it, and a full queue refuses at once.
@Suite(.timeLimit(.perTest)) struct JournalWriterTests {
    static let accounts: [(String, AccountType, Int64?)] = [
        ("partner:slam:funding", .income, nil), ("partner:slam:cost:STAFF", .expense, nil),
    ]

    /// Two alliances on one writer that runs one batch at a time: the strictest case, where
    /// a batch waiting for a held head would stop every other alliance.
    struct TwoAlliances {
        let fixture: LedgerFixture
        let held: AllianceID
        let free: AllianceID
        let ledger: Ledger

        static func with(queueLimit: Int = 10_000, _ body: (TwoAlliances) async throws -> Void) async throws {
            try await LedgerFixture.with(accounts: JournalWriterTests.accounts) { fixture in
                let other = try await AllianceDirectory(pool: fixture.pool).create(
                    slug: "north-london", name: "North London Mental Health Alliance")
                for (code, type, floor) in JournalWriterTests.accounts {
                    try await fixture.ledger.openAccount(
                        try AccountCode(code), type: type, floor: floor, in: other.id)
                }
                let ledger = Ledger(pool: fixture.pool, writers: 1, queueLimit: queueLimit)
                let alliances = TwoAlliances(
                    fixture: fixture, held: fixture.alliance, free: other.id, ledger: ledger)
                // One entry each first, so that the writer knows both and tries its one-statement
                // path, which must not wait for a held head either.
                _ = try await alliances.post(to: alliances.held)
                _ = try await alliances.post(to: alliances.free)
                try await body(alliances)
            }
        }

        func post(to alliance: AllianceID) async throws -> PostedEntry {
            try await ledger.post(
                try fixture.transfer(100, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: alliance)
        }

        /// Runs `body` while another transaction holds `held`'s chain head.
        func whileHeadHeld(_ body: () async throws -> Void) async throws {
            let (locked, locker) = AsyncStream<Void>.makeStream()
            let (holder, releaser) = holdHead(then: { locker.yield() })
            for await _ in locked { break }
            do {
                try await body()
            } catch {
                releaser.finish()
                _ = try? await holder.value
                throw error
            }
            releaser.finish()
            try await holder.value
        }

        /// A transaction that takes `held`'s chain head (waiting for it if need be), calls
        /// `locked`, and holds it until the continuation is finished.
        func holdHead(then locked: @escaping @Sendable () -> Void = {}) -> (
            Task<Void, any Error>, AsyncStream<Void>.Continuation
        ) {
            let (release, releaser) = AsyncStream<Void>.makeStream()
            let holder = Task { [pool = fixture.database.pool, held] in
                try await pool.withTransaction { connection in
                    try await connection.execute(
                        "SELECT 1 FROM journal_heads WHERE alliance_id = \(held.rawValue) FOR UPDATE")
                    locked()
                    for await _ in release { break }
                }
            }
            return (holder, releaser)
        }

        /// Waits until `sessions` sessions of the database wait for a lock: appends, or
        /// transactions, waiting for the held head.
        func untilAnAppendWaitsForTheHead(sessions: Int64 = 1) async throws {
            for _ in 0..<1000 {
                let waiting: Int64 = try await fixture.database.pool.withConnection { connection in
                    try await connection.query(
                        """
                        SELECT count(*) AS waiting FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'
                        """
                    ).single().decode("waiting")
                }
                if waiting >= sessions { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("\(sessions) session(s) did not wait for the held head within 10 seconds")
        }
    }

    @Test func anAllianceWhoseHeadIsHeldElsewhereHoldsUpNoOther() async throws {
        try await TwoAlliances.with { alliances in
            var waiting: [Task<PostedEntry, any Error>] = []
            try await alliances.whileHeadHeld {
                waiting.append(Task { try await alliances.post(to: alliances.held) })
                try await alliances.untilAnAppendWaitsForTheHead()
                // The held alliance's append waits, and the other alliance's appends go on: they
                // return while the head is still held.
                for expected in Int64(2)...6 {
                    #expect(try await alliances.post(to: alliances.free).entry.sequence == expected)
                }
                waiting.append(Task { try await alliances.post(to: alliances.held) })
                #expect(try await alliances.post(to: alliances.free).entry.sequence == 7)
                #expect(try await alliances.fixture.ledger.verify(alliances.held).entries == 1)
            }
            // Released: both held appends go.
            for task in waiting { _ = try await task.value }
            let report = try await alliances.fixture.ledger.verify(alliances.held)
            #expect(report.isIntact && report.entries == 3)
        }
    }

    @Test func theHeldAlliancesAppendsGoInArrivalOrderOnceTheHeadIsFree() async throws {
        try await TwoAlliances.with { alliances in
            var tasks: [Task<PostedEntry, any Error>] = []
            try await alliances.whileHeadHeld {
                tasks.append(Task { try await alliances.post(to: alliances.held) })
                try await alliances.untilAnAppendWaitsForTheHead()
                for _ in 0..<3 { tasks.append(Task { try await alliances.post(to: alliances.held) }) }
                // Give the three time to reach the writer's queue, behind the first.
                try await Task.sleep(for: .milliseconds(100))
            }
            var sequences: [Int64] = []
            for task in tasks { sequences.append(try await task.value.entry.sequence) }
            #expect(sequences.first == 2)
            #expect(Set(sequences) == [2, 3, 4, 5])
            let report = try await alliances.fixture.ledger.verify(alliances.held)
            #expect(report.isIntact && report.entries == 5)
        }
    }

    /// An import appends chunk after chunk, each taking the head again as soon as the last
    /// commits. The appends that arrive while a batch waits for the head go with that batch,
    /// before the next chunk: they do not try the head after it and wait that chunk out too.
    @Test func appendsArrivingWhileABatchWaitsForTheHeadGoBeforeTheNextChunk() async throws {
        try await TwoAlliances.with { alliances in
            let answered = Answered()
            @Sendable func post() -> Task<PostedEntry, any Error> {
                Task {
                    defer { answered.count.withLock { $0 += 1 } }
                    return try await alliances.post(to: alliances.held)
                }
            }
            var tasks: [Task<PostedEntry, any Error>] = []
            let (locked, locker) = AsyncStream<Void>.makeStream()
            let (firstChunk, endFirstChunk) = alliances.holdHead(then: { locker.yield() })
            for await _ in locked { break }
            tasks.append(post())
            try await alliances.untilAnAppendWaitsForTheHead()
            // Two more arrive while the first waits in its batch; then the next chunk queues for
            // the head behind that batch.
            tasks += [post(), post()]
            try await Task.sleep(for: .milliseconds(100))
            let (nextChunk, endNextChunk) = alliances.holdHead()
            try await alliances.untilAnAppendWaitsForTheHead(sessions: 2)
            endFirstChunk.finish()
            try await firstChunk.value
            // All three are answered while the next chunk holds the head.
            for _ in 0..<2000 where answered.count.withLock({ $0 }) < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(answered.count.withLock { $0 } == 3, "appends waited for the next chunk")
            endNextChunk.finish()
            try await nextChunk.value
            var sequences: [Int64] = []
            for task in tasks { sequences.append(try await task.value.entry.sequence) }
            // The first is first; the two that joined are two tasks, started in either order.
            #expect(sequences.first == 2)
            #expect(Set(sequences) == [2, 3, 4])
            let report = try await alliances.fixture.ledger.verify(alliances.held)
            #expect(report.isIntact && report.entries == 4)
        }
    }

    /// Beside a batch in flight, another starts only with its share of the writer's callers;
    /// fewer appends wait for it to end and go in the next. Six callers on a writer of two
    /// batches make a share of three, here at most two. The batch in flight is held up by a
    /// balance another transaction has locked, not by a head, so that it counts as working.
    @Test func aBatchStartsBesideAnotherOnlyWithItsShareOfTheCallers() async throws {
        try await TwoAlliances.with { alliances in
            let fixture = alliances.fixture
            let ledger = Ledger(pool: fixture.pool, writers: 2, minimumConcurrentBatchSize: 2)
            @Sendable func post(to alliance: AllianceID, _ answered: Answered) -> Task<PostedEntry, any Error>
            {
                Task {
                    defer { answered.count.withLock { $0 += 1 } }
                    return try await ledger.post(
                        try fixture.transfer(
                            100, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                        to: alliance)
                }
            }
            // Six callers at once: the first goes alone and the others queue behind it, so that
            // when it ends the writer counts them all (four would do).
            let primed = Answered()
            var tasks: [Task<PostedEntry, any Error>] = []
            for _ in 0..<6 { tasks.append(post(to: alliances.held, primed)) }
            for task in tasks { _ = try await task.value }

            let (locked, locker) = AsyncStream<Void>.makeStream()
            let (release, releaser) = AsyncStream<Void>.makeStream()
            let holder = Task { [pool = fixture.database.pool, free = alliances.free] in
                try await pool.withTransaction { connection in
                    try await connection.execute(
                        "SELECT 1 FROM account_balances WHERE alliance_id = \(free.rawValue) FOR UPDATE")
                    locker.yield()
                    for await _ in release { break }
                }
            }
            for await _ in locked { break }
            let freeAnswered = Answered()
            let inFlight = post(to: alliances.free, freeAnswered)
            try await alliances.untilAnAppendWaitsForTheHead()
            let heldAnswered = Answered()
            var others = [post(to: alliances.held, heldAnswered)]
            try await Task.sleep(for: .milliseconds(300))
            #expect(heldAnswered.count.withLock { $0 } == 0, "one append started a batch of its own")
            others.append(post(to: alliances.held, heldAnswered))
            for _ in 0..<1000 where heldAnswered.count.withLock({ $0 }) < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(heldAnswered.count.withLock { $0 } == 2, "two appends waited for the batch in flight")
            #expect(freeAnswered.count.withLock { $0 } == 0)
            releaser.finish()
            try await holder.value
            #expect(try await inFlight.value.entry.sequence == 2)
            var sequences: Set<Int64> = []
            for task in others { sequences.insert(try await task.value.entry.sequence) }
            #expect(sequences == [8, 9])
            #expect(try await fixture.ledger.verify(alliances.held).isIntact)
        }
    }

    @Test func aFullQueueRefusesAtOnceAndWritesNothing() async throws {
        try await TwoAlliances.with(queueLimit: 2) { alliances in
            let before = try await alliances.fixture.snapshot()
            var tasks: [Task<PostedEntry, any Error>] = []
            var refused: Int?
            try await alliances.whileHeadHeld {
                tasks.append(Task { try await alliances.post(to: alliances.held) })
                try await alliances.untilAnAppendWaitsForTheHead()
                // The first append is in a batch, waiting for the head; the next three queue
                // behind it, and the queue takes two. The third is answered at once, while the
                // head is still held.
                let (answered, answer) = AsyncStream<Int>.makeStream()
                for index in 1...3 {
                    tasks.append(
                        Task {
                            defer { answer.yield(index) }
                            return try await alliances.post(to: alliances.held)
                        })
                }
                for await index in answered {
                    refused = index
                    break
                }
                if let refused {
                    await #expect(throws: LedgerError.writerQueueFull(limit: 2)) {
                        try await tasks[refused].value
                    }
                }
                #expect(try await alliances.fixture.snapshot() == before)
            }
            for (index, task) in tasks.enumerated() where index != refused {
                _ = try await task.value
            }
            let report = try await alliances.fixture.ledger.verify(alliances.held)
            #expect(report.isIntact && report.entries == 4)
        }
    }
}

/// How many appends have been answered.
private final class Answered: Sendable {
    let count = Mutex(0)
}
