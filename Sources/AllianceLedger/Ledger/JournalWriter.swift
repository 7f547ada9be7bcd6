import Postgres

/// Appends entries to one alliance's journal, many per transaction.
///
/// The hash chain gives each alliance one total order, so appends to an alliance are
/// serialised behind its chain head. One entry per transaction would make every writer wait
/// for every other writer's commit; instead, requests that arrive while a batch is being
/// written wait together and go as the next batch: one lock, one `ledger_append`, one commit
/// for all of them (group commit). A lone writer pays one transaction per entry; many writers
/// share transactions, so throughput grows with the number of writers. Alliances have writers
/// of their own and never wait for each other.
actor JournalWriter {
    private struct Pending {
        let request: AppendRequest
        let continuation: CheckedContinuation<PostedEntry, any Error>
    }

    private let appender: BatchAppender
    private let maximumBatchSize: Int
    private var queue: [Pending] = []
    private var isDraining = false

    init(alliance: AllianceID, pool: PostgresPool, maximumBatchSize: Int) {
        precondition(maximumBatchSize > 0, "a batch holds at least one entry")
        appender = BatchAppender(alliance: alliance, pool: pool)
        self.maximumBatchSize = maximumBatchSize
    }

    func submit(_ request: AppendRequest) async throws -> PostedEntry {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(request: request, continuation: continuation))
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
            let results = await appender.append(batch.map(\.request))
            precondition(results.count == batch.count, "every request of a batch gets an answer")
            for (pending, result) in zip(batch, results) {
                pending.continuation.resume(with: result)
            }
        }
        isDraining = false
    }
}

/// Hands out one writer per alliance.
actor JournalWriters {
    private let pool: PostgresPool
    private let maximumBatchSize: Int
    private var writers: [AllianceID: JournalWriter] = [:]

    init(pool: PostgresPool, maximumBatchSize: Int) {
        self.pool = pool
        self.maximumBatchSize = maximumBatchSize
    }

    func writer(for alliance: AllianceID) -> JournalWriter {
        if let writer = writers[alliance] { return writer }
        let writer = JournalWriter(alliance: alliance, pool: pool, maximumBatchSize: maximumBatchSize)
        writers[alliance] = writer
        return writer
    }
}

/// Writes one batch in one transaction, and decides what each request's caller hears.
struct BatchAppender: Sendable {
    let alliance: AllianceID
    let pool: PostgresPool

    func append(_ requests: [AppendRequest]) async -> [Result<PostedEntry, any Error>] {
        do {
            return try await attempt(requests)
        } catch let error as LedgerError {
            return requests.map { _ in .failure(error) }
        } catch let error as PostgresError where error.kind != .server {
            // A lost connection may have lost a COMMIT that happened: the outcome is unknown,
            // and writing again could record twice. The callers retry with their keys.
            return requests.map { _ in .failure(error) }
        } catch {
            guard requests.count > 1 else { return [.failure(error)] }
            // The database refused what the planner allowed; alone, each request gets its own
            // answer and the others are unaffected.
            var results: [Result<PostedEntry, any Error>] = []
            for request in requests { results.append(await appendAlone(request)) }
            return results
        }
    }

    /// A constraint violation on a single request usually means another process used the key
    /// or reversed the entry between our read and our write; a second plan sees that.
    private func appendAlone(_ request: AppendRequest) async -> Result<PostedEntry, any Error> {
        do {
            return try await attempt([request])[0]
        } catch let error as PostgresError where error.sqlState?.errorClass == "23" {
            do {
                return try await attempt([request])[0]
            } catch {
                return .failure(error)
            }
        } catch {
            return .failure(error)
        }
    }

    private func attempt(_ requests: [AppendRequest]) async throws -> [Result<PostedEntry, any Error>] {
        let (plan, replays) = try await pool.withTransaction(.readCommitted) { connection in
            try await planAndWrite(requests, on: connection)
        }
        let replayed = Dictionary(uniqueKeysWithValues: replays.map { ($0.sequence, $0) })
        return plan.outcomes.map { outcome in
            switch outcome {
            case .appended(let index): .success(PostedEntry(entry: plan.entries[index], replayed: false))
            case .replayOfAppended(let index):
                .success(PostedEntry(entry: plan.entries[index], replayed: true))
            case .replayOfRecorded(let sequence):
                replayed[sequence].map { .success(PostedEntry(entry: $0, replayed: true)) }
                    ?? .failure(LedgerError.entryNotFound(sequence: sequence))
            case .refused(let error): .failure(error)
            }
        }
    }

    private func planAndWrite(
        _ requests: [AppendRequest], on connection: PostgresConnection
    ) async throws -> (BatchPlanner.Plan, [JournalEntry]) {
        guard let head = try await LedgerStore.lockHead(alliance, on: connection) else {
            throw LedgerError.allianceNotFound(alliance.description)
        }
        var reversed: [Int64] = []
        var codes: Set<AccountCode> = []
        var keys: [String] = []
        for request in requests {
            switch request {
            case .post(let post): codes.formUnion(post.postings.map(\.account))
            case .reverse(let reversal): reversed.append(reversal.sequence)
            }
            if let key = request.idempotencyKey { keys.append(key) }
        }
        let targets = try await LedgerStore.reversalTargets(alliance, sequences: reversed, on: connection)
        for target in targets.values { codes.formUnion(target.postings.map(\.account)) }
        var planner = BatchPlanner(
            alliance: alliance, headSequence: head.sequence, headHash: head.hash,
            recordedAt: head.recordedAt,
            accounts: try await LedgerStore.accountStates(alliance, codes: Array(codes), on: connection),
            recordedKeys: try await LedgerStore.recordedKeys(alliance, keys: keys, on: connection),
            targets: targets)
        let plan = planner.plan(requests)
        if !plan.entries.isEmpty {
            try await LedgerStore.append(
                plan.entries, alliance: alliance, recordedAt: head.recordedAt, on: connection)
        }
        let replaySequences = plan.outcomes.compactMap { outcome -> Int64? in
            if case .replayOfRecorded(let sequence) = outcome { return sequence }
            return nil
        }
        return (plan, try await LedgerStore.entries(alliance, sequences: replaySequences, on: connection))
    }
}
