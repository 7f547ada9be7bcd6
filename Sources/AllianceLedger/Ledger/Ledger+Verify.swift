import Postgres

/// What `verify` found.
public struct VerificationReport: Hashable, Sendable {
    public struct Mismatch: Hashable, Sendable, Encodable {
        public let sequence: Int64
        public let problem: String
    }

    public struct BalanceDrift: Hashable, Sendable, Encodable {
        public let account: AccountCode
        public let recorded: Int64
        public let recomputed: Int64
    }

    /// Entries read.
    public let entries: Int64
    /// The hash of the last entry, as recorded.
    public let headHash: Digest
    /// The first entry whose sequence, link, hash or postings do not hold; nil when all do.
    public let firstMismatch: Mismatch?
    /// Accounts whose recorded balance differs from the sum of their postings.
    public let balanceDrifts: [BalanceDrift]
    /// Set when the recorded chain head does not match the last entry.
    public let headProblem: String?

    public var isIntact: Bool { firstMismatch == nil && balanceDrifts.isEmpty && headProblem == nil }
}

extension Ledger {
    /// Entries read per query while verifying.
    static let verificationPageSize: Int64 = 2000

    /// Recomputes the whole chain from the stored entries and postings, and every balance from
    /// the postings, on one consistent snapshot.
    ///
    /// Triggers and privileges stop mistakes; they do not stop a superuser who disables them.
    /// This check does: an edited amount, description or date changes the entry's hash; a
    /// removed or inserted entry breaks the sequence or the links; a balance edited to match
    /// is caught by its hash or its sum.
    public func verify(_ alliance: AllianceID) async throws -> VerificationReport {
        try await pool.withTransaction(.repeatableRead) { connection in
            try await connection.execute("SET TRANSACTION READ ONLY")
            let head = try await connection.query(
                "SELECT sequence, hash FROM journal_heads WHERE alliance_id = \(alliance.rawValue)")
            guard let headRow = head.first else { throw LedgerError.allianceNotFound(alliance.description) }
            var walk = ChainWalk(alliance: alliance)
            let last: Int64 = try await connection.query(
                "SELECT coalesce(max(sequence), 0)::bigint AS last FROM journal_entries WHERE alliance_id = \(alliance.rawValue)"
            ).single().decode("last")
            try await LedgerStore.forEachPage(
                from: 1, through: last, pageSize: Ledger.verificationPageSize,
                read: { try await LedgerStore.entries(alliance, in: $0, on: connection) },
                check: { entries in
                    for entry in entries { walk.check(entry) }
                })
            let recorded = try await connection.query(
                """
                SELECT a.code, b.account_id, b.balance FROM account_balances AS b
                JOIN accounts AS a ON a.alliance_id = b.alliance_id AND a.id = b.account_id
                WHERE b.alliance_id = \(alliance.rawValue) ORDER BY a.code
                """)
            var drifts: [VerificationReport.BalanceDrift] = []
            for row in recorded {
                let stored: Int64 = try row.decode("balance")
                let recomputed = walk.balances[try row.decode("account_id"), default: 0]
                if Int128(stored) != recomputed {
                    // A recomputed balance beyond 64 bits is shown at the nearest end: the drift
                    // is reported either way.
                    drifts.append(
                        .init(
                            account: AccountCode(trusted: try row.decode("code")), recorded: stored,
                            recomputed: Int64(clamping: recomputed)))
                }
            }
            let headSequence: Int64 = try headRow.decode("sequence")
            let headHash: Digest = try headRow.decode("hash")
            var headProblem: String?
            if headSequence != walk.lastSequence || headHash != walk.lastHash {
                headProblem =
                    "the chain head records entry \(headSequence) (\(headHash)), but the last entry is \(walk.lastSequence) (\(walk.lastHash))"
            }
            return VerificationReport(
                entries: walk.count, headHash: headHash, firstMismatch: walk.firstMismatch,
                balanceDrifts: drifts, headProblem: headProblem)
        }
    }
}

/// The verifier's running state, entry by entry in sequence order.
struct ChainWalk {
    let alliance: AllianceID
    private(set) var count: Int64 = 0
    private(set) var lastSequence: Int64 = 0
    private(set) var lastHash: Digest
    /// Recomputed balances, in 128 bits so that no sum of 64-bit postings can wrap: a tampered
    /// amount is reported, never hidden by overflow nor crashing the check.
    private(set) var balances: [Int64: Int128] = [:]
    private(set) var firstMismatch: VerificationReport.Mismatch?

    init(alliance: AllianceID) {
        self.alliance = alliance
        lastHash = EntryEncoding.genesisHash(alliance)
    }

    /// A walk that takes up after entry `sequence`, whose hash is `hash` (nil: the genesis).
    init(alliance: AllianceID, after sequence: Int64, hash: Digest?) {
        self.alliance = alliance
        lastSequence = sequence
        lastHash = hash ?? EntryEncoding.genesisHash(alliance)
    }

    mutating func check(_ entry: JournalEntry) {
        count += 1
        if let problem = problem(with: entry) {
            if firstMismatch == nil { firstMismatch = .init(sequence: entry.sequence, problem: problem) }
        }
        for posting in entry.postings {
            balances[posting.accountID, default: 0] += Int128(posting.amount)
        }
        // Follow the recorded hash, so one tampered entry is reported once rather than
        // breaking every link after it.
        lastSequence = entry.sequence
        lastHash = entry.hash
    }

    private func problem(with entry: JournalEntry) -> String? {
        if entry.sequence != lastSequence + 1 {
            return "entry \(entry.sequence) follows entry \(lastSequence): the sequence has a gap"
        }
        if entry.previousHash != lastHash {
            return "entry \(entry.sequence) does not link to the hash of entry \(lastSequence)"
        }
        if EntryEncoding.hash(entry.content) != entry.hash {
            return "entry \(entry.sequence)'s hash does not match its content or postings"
        }
        if entry.postings.count < 2 {
            return "entry \(entry.sequence) has \(entry.postings.count) posting(s)"
        }
        let total = entry.postings.reduce(Int128(0)) { $0 + Int128($1.amount) }
        if total != 0 || entry.postings.contains(where: { $0.amount == 0 }) {
            return "entry \(entry.sequence)'s postings do not balance"
        }
        return nil
    }
}
