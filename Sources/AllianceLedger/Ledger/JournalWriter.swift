import Postgres

/// Appends entries to the journals of all alliances, many per transaction.
///
/// The hash chain gives each alliance one total order, so appends to an alliance are
/// serialised behind its chain head. One entry per transaction would make every writer wait
/// for every other writer's commit; instead, requests that arrive while a batch is being
/// written wait together and go as the next batch: one round trip to lock the heads and read
/// what the batch needs, one to append and commit (group commit). A lone writer pays one
/// transaction per entry; many writers share transactions, so throughput grows with the number
/// of writers, whether they write to one alliance or to many.
///
/// Alliances do not wait for each other: a head that another transaction holds (another
/// process's batch) is skipped, and that alliance's requests go in a later batch.
actor JournalWriter {
    private struct Pending {
        let alliance: AllianceID
        let request: AppendRequest
        let continuation: CheckedContinuation<PostedEntry, any Error>
        /// How often this request was put back because its alliance's head was busy.
        var deferrals = 0
    }

    private let appender: BatchAppender
    private let maximumBatchSize: Int
    private var queue: [Pending] = []
    private var isDraining = false

    init(pool: PostgresPool, maximumBatchSize: Int) {
        precondition(maximumBatchSize > 0, "a batch holds at least one entry")
        appender = BatchAppender(pool: pool)
        self.maximumBatchSize = maximumBatchSize
    }

    func submit(_ request: AppendRequest, to alliance: AllianceID) async throws -> PostedEntry {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(alliance: alliance, request: request, continuation: continuation))
            if !isDraining {
                isDraining = true
                Task { await drain() }
            }
        }
    }

    /// Writes batches until no request waits. While a batch is written, new requests queue.
    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maximumBatchSize))
            queue.removeFirst(batch.count)
            // A request put back before waits for its head this time, so that no alliance is
            // skipped for ever while others keep the writer busy.
            let wait = batch.contains { $0.deferrals > 0 }
            let outcomes = await appender.append(
                batch.map { ($0.alliance, $0.request) }, waitForBusyHeads: wait)
            precondition(outcomes.count == batch.count, "every request of a batch gets an answer")
            var deferred: [Pending] = []
            for (pending, outcome) in zip(batch, outcomes) {
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
        }
        isDraining = false
    }
}

/// Writes one batch in one transaction, and decides what each request's caller hears.
struct BatchAppender: Sendable {
    enum Outcome {
        case done(Result<PostedEntry, any Error>)
        /// The alliance's head was busy in another transaction: try again in a later batch.
        case deferred
    }

    let pool: PostgresPool

    func append(
        _ requests: [(alliance: AllianceID, request: AppendRequest)], waitForBusyHeads: Bool
    ) async -> [Outcome] {
        do {
            return try await attempt(requests, waitForBusyHeads: waitForBusyHeads)
        } catch let error as PostgresError where error.kind != .server {
            // A lost connection may have lost a COMMIT that happened: the outcome is unknown,
            // and writing again could record twice. The callers retry with their keys.
            return requests.map { _ in .done(.failure(error)) }
        } catch {
            guard requests.count > 1 else { return [.done(.failure(error))] }
            // The database refused what the planner allowed; alone, each request gets its own
            // answer and the others are unaffected.
            var outcomes: [Outcome] = []
            for request in requests { outcomes.append(await appendAlone(request)) }
            return outcomes
        }
    }

    /// A constraint violation on a single request usually means another process used the key
    /// or reversed the entry between our read and our write; a second plan sees that.
    private func appendAlone(_ request: (alliance: AllianceID, request: AppendRequest)) async -> Outcome {
        for attempt in 1...2 {
            do {
                return try await self.attempt([request], waitForBusyHeads: true)[0]
            } catch let error as PostgresError where error.sqlState?.errorClass == "23" && attempt == 1 {
                continue
            } catch {
                return .done(.failure(error))
            }
        }
        preconditionFailure("the loop returns on its last attempt")
    }

    private func attempt(
        _ requests: [(alliance: AllianceID, request: AppendRequest)], waitForBusyHeads: Bool
    ) async throws -> [Outcome] {
        try await pool.withTransaction(.readCommitted) { connection in
            let state = try await LedgerStore.lockAndRead(
                requests, skipLocked: !waitForBusyHeads, on: connection)
            var plans: [AllianceID: BatchPlanner.Plan] = [:]
            var entries: [JournalEntry] = []
            for alliance in Set(requests.map(\.alliance)).sorted() {
                guard let head = state.heads[alliance] else { continue }
                var planner = BatchPlanner(
                    alliance: alliance, headSequence: head.sequence, headHash: head.hash,
                    recordedAt: head.recordedAt, accounts: state.accounts[alliance] ?? [:],
                    recordedKeys: state.recordedKeys[alliance] ?? [:], targets: state.targets[alliance] ?? [:]
                )
                let plan = planner.plan(requests.filter { $0.alliance == alliance }.map(\.request))
                plans[alliance] = plan
                entries += plan.entries
            }
            if let recordedAt = entries.first?.recordedAt {
                try await connection.execute(try LedgerStore.appendStatement(entries, recordedAt: recordedAt))
            }
            var replayed: [AllianceID: [Int64: JournalEntry]] = [:]
            for (alliance, plan) in plans {
                let sequences = plan.outcomes.compactMap { outcome -> Int64? in
                    if case .replayOfRecorded(let sequence) = outcome { return sequence }
                    return nil
                }
                for entry in try await LedgerStore.entries(alliance, sequences: sequences, on: connection) {
                    replayed[alliance, default: [:]][entry.sequence] = entry
                }
            }
            return outcomes(for: requests, plans: plans, replayed: replayed, waited: waitForBusyHeads)
        }
    }

    /// Puts each alliance's outcomes back in the order the requests arrived.
    private func outcomes(
        for requests: [(alliance: AllianceID, request: AppendRequest)],
        plans: [AllianceID: BatchPlanner.Plan],
        replayed: [AllianceID: [Int64: JournalEntry]], waited: Bool
    ) -> [Outcome] {
        var next: [AllianceID: Int] = [:]
        return requests.map { request in
            guard let plan = plans[request.alliance] else {
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
    }
}
