import Dates
import Postgres

/// A write waiting for its batch.
enum AppendRequest: Hashable, Sendable {
    case post(EntryRequest)
    case reverse(ReversalRequest)

    var idempotencyKey: String? {
        switch self {
        case .post(let request): request.idempotencyKey
        case .reverse(let request): request.idempotencyKey
        }
    }

    func requestHash(alliance: AllianceID) -> Digest {
        switch self {
        case .post(let request): EntryEncoding.requestHash(request, alliance: alliance)
        case .reverse(let request): EntryEncoding.requestHash(request, alliance: alliance)
        }
    }
}

/// An account as the planner sees it: its balance as of the locked head, then as moved by the
/// entries planned so far.
struct AccountState: Hashable, Sendable {
    let id: Int64
    let code: AccountCode
    let type: AccountType
    let floor: Int64?
    var balance: Int64
}

/// What the planner needs of an entry that may be reversed.
struct ReversalTarget: Hashable, Sendable {
    let sequence: Int64
    let kind: EntryKind
    let reversedBy: Int64?
    let postings: [Posting]
}

/// An idempotency key already in the journal.
struct RecordedKey: Hashable, Sendable {
    let sequence: Int64
    let requestHash: Digest
}

/// Decides, for a batch of requests in arrival order, which are appended (and with which
/// sequence and hash), which repeat an earlier request, and which are refused — with no I/O.
///
/// It runs inside the transaction that holds the alliance's chain head, on the balances read
/// under that lock, so its decisions are the ones the database will see. The database checks
/// the same invariants again when the rows arrive.
struct BatchPlanner {
    enum Outcome: Equatable, Sendable {
        /// Appended as `entries[index]` of the plan.
        case appended(Int)
        /// Repeats the request that produced this recorded entry.
        case replayOfRecorded(sequence: Int64)
        /// Repeats an earlier request of the same batch, appended as `entries[index]`.
        case replayOfAppended(Int)
        case refused(LedgerError)
    }

    struct Plan: Sendable {
        var outcomes: [Outcome] = []
        var entries: [JournalEntry] = []
    }

    let alliance: AllianceID
    /// When this batch's entries are recorded.
    let recordedAt: Timestamp
    /// The head the plan starts from.
    let startSequence: Int64
    let startHash: Digest
    private(set) var headSequence: Int64
    private(set) var headHash: Digest
    /// When the last entry of the chain, planned or recorded, was recorded.
    private(set) var lastRecordedAt: Timestamp
    private(set) var accounts: [AccountCode: AccountState]
    private let recordedKeys: [String: RecordedKey]
    private let targets: [Int64: ReversalTarget]

    /// Keys appended or replayed in this batch, with the outcome a repeat should get.
    private var batchKeys: [String: (hash: Digest, outcome: Outcome)] = [:]
    /// Entries reversed in this batch (original sequence → reversing sequence).
    private var batchReversals: [Int64: Int64] = [:]

    init(
        alliance: AllianceID, headSequence: Int64, headHash: Digest, lastRecordedAt: Timestamp,
        recordedAt: Timestamp, accounts: [AccountCode: AccountState], recordedKeys: [String: RecordedKey],
        targets: [Int64: ReversalTarget]
    ) {
        precondition(headSequence >= 0, "a chain head cannot be negative")
        precondition(recordedAt >= lastRecordedAt, "recording times never go backwards along a chain")
        self.alliance = alliance
        self.headSequence = headSequence
        self.headHash = headHash
        startSequence = headSequence
        startHash = headHash
        self.lastRecordedAt = lastRecordedAt
        self.recordedAt = recordedAt
        self.accounts = accounts
        self.recordedKeys = recordedKeys
        self.targets = targets
    }

    mutating func plan(_ requests: [AppendRequest]) -> Plan {
        var plan = Plan()
        for request in requests {
            plan.outcomes.append(decide(request, &plan))
        }
        precondition(plan.outcomes.count == requests.count, "every request gets an outcome")
        return plan
    }

    private mutating func decide(_ request: AppendRequest, _ plan: inout Plan) -> Outcome {
        let requestHash = request.requestHash(alliance: alliance)
        if let key = request.idempotencyKey {
            if let earlier = batchKeys[key] {
                return earlier.hash == requestHash
                    ? replay(of: earlier.outcome) : conflict(key, earlier.outcome, plan)
            }
            if let recorded = recordedKeys[key] {
                guard recorded.requestHash == requestHash else {
                    return .refused(.idempotencyConflict(key: key, sequence: recorded.sequence))
                }
                batchKeys[key] = (requestHash, .replayOfRecorded(sequence: recorded.sequence))
                return .replayOfRecorded(sequence: recorded.sequence)
            }
        }
        let outcome: Outcome
        do throws(LedgerError) {
            let entry = try draft(request, requestHash: requestHash, plan: plan)
            plan.entries.append(entry)
            headSequence = entry.sequence
            headHash = entry.hash
            lastRecordedAt = recordedAt
            if let reversed = entry.reverses { batchReversals[reversed] = entry.sequence }
            outcome = .appended(plan.entries.count - 1)
        } catch {
            return .refused(error)
        }
        if let key = request.idempotencyKey { batchKeys[key] = (requestHash, outcome) }
        return outcome
    }

    private func replay(of outcome: Outcome) -> Outcome {
        switch outcome {
        case .appended(let index): .replayOfAppended(index)
        default: outcome
        }
    }

    private func conflict(_ key: String, _ earlier: Outcome, _ plan: Plan) -> Outcome {
        let sequence: Int64 =
            switch earlier {
            case .appended(let index), .replayOfAppended(let index): plan.entries[index].sequence
            case .replayOfRecorded(let sequence): sequence
            case .refused: preconditionFailure("refused requests do not claim their key")
            }
        return .refused(.idempotencyConflict(key: key, sequence: sequence))
    }

    /// The entry the request would append, with the balances it leaves; throws the refusal.
    private mutating func draft(
        _ request: AppendRequest, requestHash: Digest, plan: Plan
    ) throws(LedgerError) -> JournalEntry {
        let postings: [Posting]
        let content: (kind: EntryKind, effectiveOn: CalendarDate, description: String, by: String)
        var metadata: [String: String] = [:]
        var reverses: Int64?
        switch request {
        case .post(let post):
            postings = try resolve(post.postings)
            content = (post.kind, post.effectiveOn, post.description, post.recordedBy)
            metadata = post.metadata
        case .reverse(let reversal):
            postings = try negation(of: reversal.sequence, plan: plan)
            content = (.reversal, reversal.effectiveOn, reversal.reason, reversal.recordedBy)
            reverses = reversal.sequence
        }
        accounts = try balances(after: postings)
        let entry = EntryContent(
            alliance: alliance, sequence: headSequence + 1, kind: content.kind,
            effectiveOn: content.effectiveOn, recordedAt: recordedAt, recordedBy: content.by,
            description: content.description, metadata: metadata,
            idempotencyKey: request.idempotencyKey, requestHash: requestHash, reverses: reverses,
            previousHash: headHash, postings: postings
        ).sealed()
        precondition(entry.postings.reduce(0) { $0 + $1.amount } == 0, "a planned entry is unbalanced")
        return entry
    }

    private func resolve(_ requested: [EntryRequest.Posting]) throws(LedgerError) -> [Posting] {
        var postings: [Posting] = []
        for (index, posting) in requested.enumerated() {
            guard let account = accounts[posting.account] else { throw .accountNotFound(posting.account) }
            postings.append(
                Posting(line: index + 1, accountID: account.id, account: account.code, amount: posting.amount)
            )
        }
        return postings
    }

    private func negation(of sequence: Int64, plan: Plan) throws(LedgerError) -> [Posting] {
        let target: ReversalTarget
        if let recorded = targets[sequence] {
            target = recorded
        } else if let appended = plan.entries.first(where: { $0.sequence == sequence }) {
            target = ReversalTarget(
                sequence: sequence, kind: appended.kind, reversedBy: nil, postings: appended.postings)
        } else {
            throw .entryNotFound(sequence: sequence)
        }
        guard target.kind != .reversal else { throw .cannotReverseReversal(sequence: sequence) }
        if let by = target.reversedBy ?? batchReversals[sequence] {
            throw .alreadyReversed(sequence: sequence, by: by)
        }
        var postings: [Posting] = []
        for posting in target.postings {
            let (negated, overflow) = Int64(0).subtractingReportingOverflow(posting.amount)
            guard !overflow else { throw .amountOverflow }
            postings.append(
                Posting(
                    line: posting.line, accountID: posting.accountID, account: posting.account,
                    amount: negated))
        }
        return postings
    }

    /// The accounts with `postings` applied, or the first floor they would cross.
    private func balances(after postings: [Posting]) throws(LedgerError) -> [AccountCode: AccountState] {
        var updated = accounts
        for posting in postings {
            guard var account = updated[posting.account] else {
                preconditionFailure("a resolved posting names an unknown account")
            }
            let (balance, overflow) = account.balance.addingReportingOverflow(posting.amount)
            guard !overflow else { throw .amountOverflow }
            account.balance = balance
            updated[posting.account] = account
        }
        for posting in postings {
            guard let account = updated[posting.account], let floor = account.floor else { continue }
            let (normal, overflow) = account.balance.multipliedReportingOverflow(by: account.type.normalSide)
            guard !overflow else { throw .amountOverflow }
            if normal < floor { throw .floorCrossed(account: account.code, balance: normal, floor: floor) }
        }
        return updated
    }
}
