import Dates
import Postgres
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Appends entries to the journals of all alliances, many per transaction.
///
/// The hash chain gives each alliance one total order, so appends to an alliance are
/// serialised behind its chain head, and what limits throughput is how long the head stays
/// locked. Two things keep that short:
///
/// - Group commit: requests that arrive while batches are being written wait together and go
///   as the next batch, for one alliance or many.
/// - One statement: the writer remembers each alliance's head and balances as its own last
///   batch left them. Since every change to an alliance's balances moves its head, an unmoved
///   head means the memory is exact; the writer plans the next batch on it and sends a single
///   `ledger_append`, in which the database locks the heads, checks that each batch still
///   continues its chain, appends and commits. The head is held only while the server runs
///   that statement. When another process has moved a head, the chain check refuses the
///   statement, and the writer takes the careful path: lock the heads, read the current state,
///   plan, append, commit.
///
/// Alliances never wait for each other:
///
/// - A few batches are in flight at once (`concurrentBatches`), and an alliance is in at most
///   one of them: a batch planned on another still in flight could reach the head first and be
///   refused (tried, and measured slower). Each batch takes, in arrival order, the requests of
///   alliances no batch in flight holds, so a slow alliance holds up only its own requests.
/// - A batch starts beside others in flight only with its share of the writer's callers (their
///   number over `concurrentBatches`), up to `minimumConcurrentBatchSize`; fewer requests wait
///   for a batch in flight to end and go together in the next. Otherwise the first request
///   answered by a batch, sent again at once by its caller, took the free batch alone, and the
///   others waited for the next (measured: sixteen callers on eight alliances appended 3.6
///   entries a statement from 3.3 alliances at 0.54 ms of CPU per entry, and 0.30–0.34 ms with
///   the share). A fixed minimum of eight did as well for sixteen callers, but left four or
///   eight in one batch at a time, at two thirds of the rate: the share keeps a few callers'
///   batches side by side.
/// - A head another transaction holds (an import's chunk, another service instance) is never
///   waited for by a batch with other alliances in it: both paths skip it, and its requests go
///   back to the front of the queue. The next time they wait for the head, in a batch of their
///   own that does not count against `concurrentBatches`, so that they are not passed over for
///   ever and nobody else waits with them. Once it has the head, that batch also takes the
///   requests of its alliance that arrived while it waited: otherwise they would try the head
///   only after it was released, find the import's next chunk holding it, and wait that chunk
///   out too (measured: writes waited up to 2.4 s behind 200 ms chunks).
///
/// The queue is bounded: past `queueLimit` waiting requests a new one is refused at once with
/// ``LedgerError/writerQueueFull(limit:)`` rather than waiting longer than its caller would.
actor JournalWriter {
    private struct Pending {
        let alliance: AllianceID
        let request: AppendRequest
        let continuation: ExactlyOnceContinuation<PostedEntry, any Error>
        /// How often this request was put back because its alliance's head was busy.
        var deferrals = 0
    }

    private let appender: BatchAppender
    private let maximumBatchSize: Int
    private let concurrentBatches: Int
    private let minimumConcurrentBatchSize: Int
    private let queueLimit: Int
    /// Requests not yet in a batch, in arrival order (a put-back request first).
    private var queue: [Pending] = []
    /// Batches in flight that count against `concurrentBatches` (not those waiting for a head).
    private var working = 0
    /// The requests in the batches that count against `concurrentBatches`.
    private var requestsInFlight = 0
    /// How many callers the writer had when a counted batch last ended: those queued, those in
    /// counted batches, and those the batch answered, who are sending their next requests now
    /// (a caller that sends one at a time is counted once). Not those waiting for a head another
    /// transaction holds (an import's): they come back at its pace, not the writer's.
    private var callers = 0
    /// The alliances of the batches in flight.
    private var inFlight: Set<AllianceID> = []
    /// Each alliance as this writer's last batch left it.
    private var known: [AllianceID: KnownAlliance] = [:]
    /// The requests that joined each batch waiting for a head once it had it, by batch number.
    private var joined: [Int: [Pending]] = [:]
    private var batchesStarted = 0

    init(
        pool: PostgresPool, concurrentBatches: Int, minimumConcurrentBatchSize: Int, maximumBatchSize: Int,
        queueLimit: Int
    ) {
        precondition(concurrentBatches > 0, "a writer has at least one batch in flight")
        precondition(maximumBatchSize > 0, "a batch holds at least one entry")
        precondition(
            (1...maximumBatchSize).contains(minimumConcurrentBatchSize),
            "a batch beside others holds at least one entry and at most a batch")
        precondition(queueLimit > 0, "a writer queues at least one request")
        appender = BatchAppender(pool: pool)
        self.concurrentBatches = concurrentBatches
        self.minimumConcurrentBatchSize = minimumConcurrentBatchSize
        self.maximumBatchSize = maximumBatchSize
        self.queueLimit = queueLimit
    }

    func submit(_ request: AppendRequest, to alliance: AllianceID) async throws -> PostedEntry {
        try await withExactlyOnceThrowingContinuation("a journal append waiting for its batch") {
            continuation in
            guard queue.count < queueLimit else {
                continuation.resume(throwing: LedgerError.writerQueueFull(limit: queueLimit))
                return
            }
            queue.append(Pending(alliance: alliance, request: request, continuation: continuation))
            dispatch()
        }
    }

    /// Starts every batch that can start now.
    private func dispatch() {
        while let (batch, waits) = nextBatch() {
            if !waits {
                working += 1
                requestsInFlight += batch.count
            }
            let alliances = Set(batch.map(\.alliance))
            inFlight.formUnion(alliances)
            let requests = batch.map { ($0.alliance, $0.request) }
            let remembered = known.filter { alliances.contains($0.key) }
            let number = batchesStarted
            batchesStarted += 1
            let joining: BatchAppender.Joining? =
                if waits, let alliance = alliances.first {
                    { await self.join(number, alliance) }
                } else {
                    nil
                }
            Task { [appender] in
                let written = await appender.write(
                    requests, known: remembered, waitForBusyHeads: waits, joining: joining)
                finish(number, batch, written, counted: !waits)
            }
        }
    }

    /// The requests of `alliance` that arrived while batch `number` waited for its head, taken
    /// into that batch now that it holds the head.
    private func join(_ number: Int, _ alliance: AllianceID) -> [BatchAppender.Request] {
        let late = take { $0.alliance == alliance }
        joined[number, default: []] += late
        return late.map { ($0.alliance, $0.request) }
    }

    /// The next batch, and whether it waits for busy heads; nil when none can start.
    private func nextBatch() -> (batch: [Pending], waits: Bool)? {
        // A request put back before waits for its head this time, with its alliance alone.
        if let first = queue.first(where: { $0.deferrals > 0 && !inFlight.contains($0.alliance) }) {
            return (take { $0.alliance == first.alliance }, true)
        }
        guard working < concurrentBatches else { return nil }
        // The requests that could go now, and their alliances in arrival order.
        var ready = 0
        var waiting: [AllianceID] = []
        var seen: Set<AllianceID> = []
        for pending in queue where !inFlight.contains(pending.alliance) {
            ready += 1
            if seen.insert(pending.alliance).inserted { waiting.append(pending.alliance) }
        }
        // Beside a batch in flight, only with this batch's share of the callers.
        if working > 0 && ready < max(1, min(minimumConcurrentBatchSize, callers / concurrentBatches)) {
            return nil
        }
        // With batches free to start, this one takes only its share of the alliances that
        // wait, so that the others go in the next batch at once rather than after this one:
        // taking them all would leave one batch in flight (measured: 8 alliances fell from
        // 63–72% of pgbench to 44%).
        let free = concurrentBatches - working
        let share = Set(waiting.prefix((waiting.count + free - 1) / free))
        let batch = take { share.contains($0.alliance) }
        return batch.isEmpty ? nil : (batch, false)
    }

    /// Removes from the queue, in order, up to a batch of the requests `accepted` takes.
    private func take(_ accepted: (Pending) -> Bool) -> [Pending] {
        var batch: [Pending] = []
        var rest: [Pending] = []
        rest.reserveCapacity(queue.count)
        for pending in queue {
            if batch.count < maximumBatchSize && accepted(pending) {
                batch.append(pending)
            } else {
                rest.append(pending)
            }
        }
        queue = rest
        return batch
    }

    private func finish(_ number: Int, _ batch: [Pending], _ written: BatchAppender.Written, counted: Bool) {
        let batch = batch + (joined.removeValue(forKey: number) ?? [])
        if counted {
            working -= 1
            requestsInFlight -= batch.count
            callers = queue.count(where: { $0.deferrals == 0 }) + requestsInFlight + batch.count
        }
        inFlight.subtract(batch.map(\.alliance))
        for alliance in written.forgotten { known[alliance] = nil }
        for (alliance, learned) in written.learned { known[alliance] = learned.remembering(known[alliance]) }
        // A request without an outcome would never be answered, and its caller would wait for
        // ever: checked here, where every batch is answered.
        precondition(written.outcomes.count == batch.count, "every request of a batch gets an answer")
        var deferred: [Pending] = []
        for (pending, outcome) in zip(batch, written.outcomes) {
            switch outcome {
            case .done(let result):
                pending.continuation.resume(with: result)
            case .deferred:
                var again = pending
                again.deferrals += 1
                deferred.append(again)
            }
        }
        queue.insert(contentsOf: deferred, at: 0)
        dispatch()
    }
}

/// An alliance as a writer's last batch left it: exact for as long as its head has not moved.
struct KnownAlliance: Sendable {
    let headSequence: Int64
    let headHash: Digest
    let lastRecordedAt: Timestamp
    /// The accounts the writer has seen, with their balances.
    let accounts: [AccountCode: AccountState]
    /// The head the batch that produced this started from.
    let baseSequence: Int64
    let baseHash: Digest

    /// What the writer knows after a batch: the batch's accounts, and the ones known before
    /// when the batch started from the head the writer knew (nothing else moved them).
    func remembering(_ earlier: KnownAlliance?) -> KnownAlliance {
        guard let earlier, earlier.headSequence == baseSequence, earlier.headHash == baseHash else {
            return self
        }
        return KnownAlliance(
            headSequence: headSequence, headHash: headHash, lastRecordedAt: lastRecordedAt,
            accounts: earlier.accounts.merging(accounts) { _, new in new }, baseSequence: baseSequence,
            baseHash: baseHash)
    }
}

/// Writes one batch, and decides what each request's caller hears.
struct BatchAppender: Sendable {
    enum Outcome {
        case done(Result<PostedEntry, any Error>)
        /// The alliance's head was busy in another transaction: try again in a later batch.
        case deferred
    }

    struct Written {
        var outcomes: [Outcome]
        /// What the writer may remember of the alliances this batch wrote to.
        var learned: [AllianceID: KnownAlliance] = [:]
        /// Alliances whose remembered state turned out stale.
        var forgotten: Set<AllianceID> = []

        init(outcomes: [Outcome], learned: [AllianceID: KnownAlliance] = [:], forgotten: Set<AllianceID> = [])
        {
            self.outcomes = outcomes
            self.learned = learned
            self.forgotten = forgotten
        }

        /// A lost connection may have lost a COMMIT that happened: the outcome is unknown, and
        /// writing again could record twice. The callers hear the error and retry with their
        /// keys; the writer forgets what it knew of the alliances.
        init(outcomeUnknown error: any Error, of requests: [Request]) {
            self.init(
                outcomes: requests.map { _ in .done(.failure(error)) },
                forgotten: Set(requests.map(\.alliance)))
        }
    }

    typealias Request = (alliance: AllianceID, request: AppendRequest)
    /// Gives a batch that waited for its heads, once it holds them, the requests that arrived
    /// meanwhile; their outcomes follow the batch's own, in the order given.
    typealias Joining = @Sendable () async -> [Request]

    let pool: PostgresPool

    /// Writes a batch: in one statement when the writer knows every alliance's state and no
    /// other transaction holds a head, else carefully.
    func write(
        _ requests: [Request], known: [AllianceID: KnownAlliance], waitForBusyHeads: Bool,
        joining: Joining? = nil
    ) async -> Written {
        var stale: Set<AllianceID> = []
        if !waitForBusyHeads, let plans = fastPlans(requests, known: known) {
            if let written = await appendInOneStatement(requests, plans: plans) { return written }
            stale = Set(plans.keys)
        }
        var written = await carefully(requests, waitForBusyHeads: waitForBusyHeads, joining: joining)
        // Forgotten before learned (`JournalWriter.finish`): what the careful path read stands.
        written.forgotten.formUnion(stale)
        return written
    }

    // MARK: The one-statement path

    typealias AlliancePlan = (planner: BatchPlanner, plan: BatchPlanner.Plan)

    /// Sends a batch planned on remembered state as one statement. Nil when the database
    /// refused it (usually another process moved a head) or another transaction holds one of
    /// the heads: the careful path then reads the truth, and skips a busy head.
    func appendInOneStatement(_ requests: [Request], plans: [AllianceID: AlliancePlan]) async -> Written? {
        do {
            let appended = try await pool.withConnection { connection in
                try await connection.query(
                    try LedgerStore.appendStatement(
                        plans.flatMap { $0.value.plan.entries }, unlessHeadsBusy: plans.keys.map(\.rawValue)))
            }
            guard appended.count == 1 else { return nil }
            return written(requests, plans: plans)
        } catch let error as PostgresError where error.kind == .server {
            return nil
        } catch {
            return Written(outcomeUnknown: error, of: requests)
        }
    }

    /// Plans on remembered state, when every request can be: posts only (a reversal needs the
    /// reversed entry), to alliances and accounts the writer knows. Nil otherwise, or when the
    /// plan appends nothing: a refusal stands only once an append has proved the state exact.
    func fastPlans(_ requests: [Request], known: [AllianceID: KnownAlliance]) -> [AllianceID: AlliancePlan]? {
        var plans: [AllianceID: AlliancePlan] = [:]
        let now = Timestamp(Date())
        for alliance in Set(requests.map(\.alliance)) {
            guard let state = known[alliance] else { return nil }
            var posts: [AppendRequest] = []
            for request in requests where request.alliance == alliance {
                guard case .post(let post) = request.request,
                    post.postings.allSatisfy({ state.accounts[$0.account] != nil })
                else { return nil }
                posts.append(request.request)
            }
            var planner = BatchPlanner(
                alliance: alliance, headSequence: state.headSequence, headHash: state.headHash,
                lastRecordedAt: state.lastRecordedAt, recordedAt: max(now, state.lastRecordedAt),
                accounts: state.accounts, recordedKeys: [:], targets: [:])
            let plan = planner.plan(posts)
            guard !plan.entries.isEmpty else { return nil }
            plans[alliance] = (planner, plan)
        }
        return plans
    }

    // MARK: The careful path

    func carefully(_ requests: [Request], waitForBusyHeads: Bool, joining: Joining? = nil) async -> Written {
        let late = LateRequests()
        do {
            return try await attempt(
                requests, waitForBusyHeads: waitForBusyHeads, joining: joining, late: late)
        } catch let error as PostgresError where error.kind != .server {
            return Written(outcomeUnknown: error, of: requests + late.all)
        } catch {
            let requests = requests + late.all
            var written = Written(outcomes: [], forgotten: Set(requests.map(\.alliance)))
            guard requests.count > 1 else {
                written.outcomes = [.done(.failure(error))]
                return written
            }
            // The database refused what the planner allowed; alone, each request gets its own
            // answer and the others are unaffected.
            for request in requests { written.outcomes.append(await appendAlone(request)) }
            return written
        }
    }

    /// A constraint violation on a single request usually means another process used the key
    /// or reversed the entry between our read and our write; a second plan sees that.
    private func appendAlone(_ request: Request) async -> Outcome {
        for attempt in 1...2 {
            do {
                return try await self.attempt([request], waitForBusyHeads: true).outcomes[0]
            } catch let error as PostgresError where error.sqlState?.errorClass == "23" && attempt == 1 {
                continue
            } catch {
                return .done(.failure(error))
            }
        }
        preconditionFailure("the loop returns on its last attempt")
    }

    /// The requests a batch took in once it held its heads, kept across retries of its
    /// transaction: each is answered once, whatever happens.
    final class LateRequests: Sendable {
        private let requests = Mutex<[Request]>([])
        var all: [Request] { requests.withLock { $0 } }
        func add(_ late: [Request]) { requests.withLock { $0 += late } }
    }

    private func attempt(
        _ requests: [Request], waitForBusyHeads: Bool, joining: Joining? = nil, late: LateRequests? = nil
    ) async throws -> Written {
        try await pool.withTransaction(.readCommitted) { connection in
            var requests = requests
            // A batch that waits for a head is of one alliance (`JournalWriter.nextBatch`).
            if let joining, let late, let alliance = requests.first?.alliance {
                _ = try await LedgerStore.lockHead(alliance, on: connection)
                late.add(await joining())
                requests += late.all
            }
            let state = try await LedgerStore.lockAndRead(
                requests, skipLocked: !waitForBusyHeads, on: connection)
            var plans: [AllianceID: AlliancePlan] = [:]
            for alliance in Set(requests.map(\.alliance)) {
                guard let head = state.heads[alliance] else { continue }
                var planner = BatchPlanner(
                    alliance: alliance, headSequence: head.sequence, headHash: head.hash,
                    lastRecordedAt: head.lastRecordedAt, recordedAt: max(head.clock, head.lastRecordedAt),
                    accounts: state.accounts[alliance] ?? [:],
                    recordedKeys: state.recordedKeys[alliance] ?? [:],
                    targets: state.targets[alliance] ?? [:])
                let plan = planner.plan(requests.filter { $0.alliance == alliance }.map(\.request))
                plans[alliance] = (planner, plan)
            }
            let entries = plans.values.flatMap(\.plan.entries)
            if !entries.isEmpty {
                try await connection.execute(try LedgerStore.appendStatement(entries))
            }
            var replayed: [AllianceID: [Int64: JournalEntry]] = [:]
            for (alliance, planned) in plans {
                let sequences = planned.plan.outcomes.compactMap { outcome -> Int64? in
                    if case .replayOfRecorded(let sequence) = outcome { return sequence }
                    return nil
                }
                for entry in try await LedgerStore.entries(alliance, sequences: sequences, on: connection) {
                    replayed[alliance, default: [:]][entry.sequence] = entry
                }
            }
            return written(requests, plans: plans, replayed: replayed, waited: waitForBusyHeads)
        }
    }

    // MARK: Answers

    /// Puts each alliance's outcomes back in the order the requests arrived, and what the
    /// writer may remember of each alliance written.
    private func written(
        _ requests: [Request], plans: [AllianceID: AlliancePlan],
        replayed: [AllianceID: [Int64: JournalEntry]] = [:], waited: Bool = true
    ) -> Written {
        var next: [AllianceID: Int] = [:]
        let outcomes = requests.map { request -> Outcome in
            guard let plan = plans[request.alliance]?.plan else {
                // Waiting for the head and still not getting it means there is no such alliance.
                return waited
                    ? .done(.failure(LedgerError.allianceNotFound(request.alliance.description))) : .deferred
            }
            let index = next[request.alliance, default: 0]
            next[request.alliance] = index + 1
            switch plan.outcomes[index] {
            case .appended(let entry):
                return .done(.success(PostedEntry(entry: plan.entries[entry], replayed: false)))
            case .replayOfAppended(let entry):
                return .done(.success(PostedEntry(entry: plan.entries[entry], replayed: true)))
            case .replayOfRecorded(let sequence):
                guard let entry = replayed[request.alliance]?[sequence] else {
                    return .done(.failure(LedgerError.entryNotFound(sequence: sequence)))
                }
                return .done(.success(PostedEntry(entry: entry, replayed: true)))
            case .refused(let error):
                return .done(.failure(error))
            }
        }
        return Written(outcomes: outcomes, learned: learned(from: plans))
    }

    /// Each alliance as its plan leaves it.
    func learned(from plans: [AllianceID: AlliancePlan]) -> [AllianceID: KnownAlliance] {
        plans.mapValues { planned in
            KnownAlliance(
                headSequence: planned.planner.headSequence, headHash: planned.planner.headHash,
                lastRecordedAt: planned.planner.lastRecordedAt, accounts: planned.planner.accounts,
                baseSequence: planned.planner.startSequence, baseHash: planned.planner.startHash)
        }
    }
}
