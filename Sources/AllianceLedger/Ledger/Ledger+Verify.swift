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

    /// Entries of the first page read while verifying; each next page holds twice as many, up
    /// to `verificationPageSize`, so that the check starts sooner (`LedgerStore.forEachPage`).
    static let verificationFirstPageSize: Int64 = 250

    /// Connections that read pages at once while verifying, the transaction's own included:
    /// two, so that the server's half of the work (reading the rows and printing the metadata)
    /// runs on two cores while this process hashes. The second is taken only when the pool can
    /// spare it (`PostgresPool.withSpareConnection`).
    static let verificationReaders = 2

    /// Recomputes the whole chain from the stored entries and postings, and every balance from
    /// the postings, on one consistent snapshot.
    ///
    /// Triggers and privileges stop mistakes; they do not stop a superuser who disables them.
    /// This check does: an edited amount, description or date changes the entry's hash; a
    /// removed or inserted entry breaks the sequence or the links; a balance edited to match
    /// is caught by its hash or its sum.
    public func verify(_ alliance: AllianceID) async throws -> VerificationReport {
        try await verify(alliance, pageSize: Ledger.verificationPageSize, readers: Ledger.verificationReaders)
    }

    /// `verify` in pages of `pageSize` entries, read by up to `readers` connections on the
    /// transaction's snapshot. `beforeReading` is told how many readers there are once they
    /// share the snapshot, before the first page is read: tests change the journal there.
    func verify(
        _ alliance: AllianceID, pageSize: Int64, readers: Int,
        beforeReading: (_ readers: Int) async throws -> Void = { _ in }
    ) async throws -> VerificationReport {
        try await pool.withTransaction(.repeatableRead) { connection in
            try await connection.execute("SET TRANSACTION READ ONLY")
            let head = try await connection.query(
                "SELECT sequence, hash FROM journal_heads WHERE alliance_id = \(alliance.rawValue)")
            guard let headRow = head.first else { throw LedgerError.allianceNotFound(alliance.description) }
            var walk = ChainWalk(
                alliance: alliance, accounts: try await LedgerStore.accountCodes(alliance, on: connection))
            let last: Int64 = try await connection.query(
                "SELECT coalesce(max(sequence), 0)::bigint AS last FROM journal_entries WHERE alliance_id = \(alliance.rawValue)"
            ).single().decode("last")
            // A second reader pays only when there are pages to share out.
            let wanted = last > pageSize ? readers : 1
            try await LedgerStore.withSnapshotReaders(sharing: connection, pool: pool, upTo: wanted) {
                readers in
                try await beforeReading(readers.count)
                try await LedgerStore.forEachPage(
                    from: 1, through: last, pageSize: pageSize,
                    firstPageSize: min(pageSize, Ledger.verificationFirstPageSize), readers: readers.count,
                    read: { reader, range in
                        try await LedgerStore.storedPage(alliance, in: range, on: readers[reader])
                    },
                    check: { try walk.check($0) })
            }
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
    /// Every account's code by id, as UTF-8 bytes (`LedgerStore.accountCodes`).
    let accounts: [Int64: [UInt8]]
    private(set) var count: Int64 = 0
    private(set) var lastSequence: Int64 = 0
    private(set) var lastHash: Digest
    /// Recomputed balances, in 128 bits so that no sum of 64-bit postings can wrap: a tampered
    /// amount is reported, never hidden by overflow nor crashing the check.
    private(set) var balances: [Int64: Int128] = [:]
    private(set) var firstMismatch: VerificationReport.Mismatch?
    /// Reused for every entry, so that hashing one allocates nothing.
    private var writer = CanonicalWriter(tag: "alliance-ledger entry v1")
    private var metadata = StoredMetadata()

    init(alliance: AllianceID, accounts: [Int64: [UInt8]]) {
        self.alliance = alliance
        self.accounts = accounts
        lastHash = EntryEncoding.genesisHash(alliance)
    }

    /// A walk that takes up after entry `sequence`, whose hash is `hash` (nil: the genesis).
    init(alliance: AllianceID, accounts: [Int64: [UInt8]], after sequence: Int64, hash: Digest?) {
        self.init(alliance: alliance, accounts: accounts)
        lastSequence = sequence
        lastHash = hash ?? EntryEncoding.genesisHash(alliance)
    }

    /// Checks the entries of `page` in order; `each` is given each entry's sequence and its hash
    /// as recorded.
    mutating func check(
        _ page: StoredJournalPage, each: (_ sequence: Int64, _ hash: Digest) throws -> Void = { _, _ in }
    ) throws {
        let entries = page.entries
        let postings = page.postings
        let columns = try StoredJournalPage.EntryColumns(entries)
        let postingColumns = try StoredJournalPage.PostingColumns(postings)
        var posting = 0
        for row in 0..<entries.count {
            let sequence = try entries.integer(row, columns.sequence)
            // Postings of an entry missing from the page are passed over: the gap in the
            // sequence reports it.
            while posting < postings.count, try postings.integer(posting, postingColumns.sequence) < sequence
            {
                posting += 1
            }
            let first = posting
            while posting < postings.count, try postings.integer(posting, postingColumns.sequence) == sequence
            {
                posting += 1
            }
            let stored = StoredEntry(
                rows: entries, row: row, columns: columns, postings: postings, postingRows: first..<posting,
                postingColumns: postingColumns)
            count += 1
            if firstMismatch == nil, let problem = try problem(with: stored, sequence: sequence) {
                firstMismatch = .init(sequence: sequence, problem: problem)
            }
            for index in stored.postingRows {
                balances[try postings.integer(index, postingColumns.accountID), default: 0] +=
                    Int128(try postings.integer(index, postingColumns.amount))
            }
            // Follow the recorded hash, so one tampered entry is reported once rather than
            // breaking every link after it.
            let hash = stored.digest(columns.hash) ?? Self.unreadableHash
            lastSequence = sequence
            lastHash = hash
            try each(sequence, hash)
        }
    }

    /// Followed in place of a stored hash that is not 32 bytes, which is reported itself.
    private static let unreadableHash = Digest([UInt8](repeating: 0, count: 32))

    private mutating func problem(with entry: StoredEntry, sequence: Int64) throws -> String? {
        if sequence != lastSequence + 1 {
            return "entry \(sequence) follows entry \(lastSequence): the sequence has a gap"
        }
        guard entry.holds(lastHash, in: entry.columns.previousHash) else {
            return "entry \(sequence) does not link to the hash of entry \(lastSequence)"
        }
        guard try hashMatches(entry, sequence: sequence) else {
            return "entry \(sequence)'s hash does not match its content or postings"
        }
        if entry.postingRows.count < 2 {
            return "entry \(sequence) has \(entry.postingRows.count) posting(s)"
        }
        var total = Int128(0)
        for index in entry.postingRows {
            let amount = try entry.postings.integer(index, entry.postingColumns.amount)
            if amount == 0 { return "entry \(sequence)'s postings do not balance" }
            total += Int128(amount)
        }
        return total == 0 ? nil : "entry \(sequence)'s postings do not balance"
    }

    /// The entry hash of `EntryEncoding.hash`, written from the stored bytes, compared with the
    /// one recorded. False also when a stored value cannot be what the writer stored: a digest
    /// that is not 32 bytes, metadata that is not an object of strings, a posting's unknown
    /// account.
    private mutating func hashMatches(_ entry: StoredEntry, sequence: Int64) throws -> Bool {
        let rows = entry.rows
        let row = entry.row
        let columns = entry.columns
        writer.restart(tag: "alliance-ledger entry v1")
        writer.u64(UInt64(bitPattern: alliance.rawValue))
        writer.u64(UInt64(bitPattern: sequence))
        guard entry.writeDigest(columns.previousHash, to: &writer) else { return false }
        guard entry.writeText(columns.kind, to: &writer) else { return false }
        writer.i32(Int32(truncatingIfNeeded: try rows.daysSince1970(row, columns.effectiveOn)))
        writer.i64(try rows.microsecondsSince1970(row, columns.recordedAt))
        guard entry.writeText(columns.recordedBy, to: &writer),
            entry.writeText(columns.description, to: &writer)
        else { return false }
        guard rows.withBytes(row, columns.metadata, { $0.map { metadata.read($0) } ?? false }) else {
            return false
        }
        writer.u32(UInt32(metadata.pairs.count))
        metadata.bytes.withUnsafeBytes { bytes in
            for pair in metadata.pairs {
                writer.text(utf8: UnsafeRawBufferPointer(rebasing: bytes[pair.key]))
                writer.text(utf8: UnsafeRawBufferPointer(rebasing: bytes[pair.value]))
            }
        }
        if rows.isNull(row, columns.idempotencyKey) {
            writer.u8(0)
        } else {
            writer.u8(1)
            guard entry.writeText(columns.idempotencyKey, to: &writer) else { return false }
        }
        guard entry.writeDigest(columns.requestHash, to: &writer) else { return false }
        if let reverses = try rows.optionalInteger(row, columns.reverses) {
            writer.u8(1)
            writer.u64(UInt64(bitPattern: reverses))
        } else {
            writer.u8(0)
        }
        writer.u32(UInt32(entry.postingRows.count))
        for index in entry.postingRows {
            let postings = entry.postings
            let account = try postings.integer(index, entry.postingColumns.accountID)
            guard let code = accounts[account] else { return false }
            writer.u16(UInt16(truncatingIfNeeded: try postings.integer(index, entry.postingColumns.line)))
            writer.u64(UInt64(bitPattern: account))
            code.withUnsafeBytes { writer.text(utf8: $0) }
            writer.i64(try postings.integer(index, entry.postingColumns.amount))
        }
        return rows.withBytes(row, columns.hash) { stored in
            guard let stored, stored.count == 32 else { return false }
            return writer.finishMatches(stored)
        }
    }
}

/// One entry of a `StoredJournalPage`, with the rows of its postings.
private struct StoredEntry {
    let rows: PostgresBinaryRows
    let row: Int
    let columns: StoredJournalPage.EntryColumns
    let postings: PostgresBinaryRows
    let postingRows: Range<Int>
    let postingColumns: StoredJournalPage.PostingColumns

    /// The digest in `column`; nil when it is NULL or not 32 bytes.
    func digest(_ column: Int) -> Digest? {
        rows.withBytes(row, column) { bytes in
            guard let bytes, bytes.count == 32 else { return nil }
            return Digest(Array(bytes))
        }
    }

    /// Whether `column` holds `digest`'s bytes, compared in place (NULL or another length: no).
    func holds(_ digest: Digest, in column: Int) -> Bool {
        rows.withBytes(row, column) { $0?.elementsEqual(digest.bytes) ?? false }
    }

    /// Writes the digest in `column` as its 32 bytes; false when it is NULL or another length.
    func writeDigest(_ column: Int, to writer: inout CanonicalWriter) -> Bool {
        rows.withBytes(row, column) { bytes in
            guard let bytes, bytes.count == 32 else { return false }
            writer.raw(bytes)
            return true
        }
    }

    /// Writes the text in `column` as `text`; false when it is NULL.
    func writeText(_ column: Int, to writer: inout CanonicalWriter) -> Bool {
        rows.withBytes(row, column) { bytes in
            guard let bytes else { return false }
            writer.text(utf8: bytes)
            return true
        }
    }
}
