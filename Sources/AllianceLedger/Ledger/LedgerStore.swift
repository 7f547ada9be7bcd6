import Dates
import Foundation
public import Postgres

extension Digest: PostgresCodable, PostgresBinaryArrayElement {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        try Data(bytes).postgresBind()
    }

    public static var postgresElementType: UInt32 { PostgresTypeOID.bytea }

    public func appendPostgresArrayElement(to bytes: inout [UInt8]) {
        // 32 bytes: the length, then the hash as it is.
        bytes.append(contentsOf: [0, 0, 0, 32])
        bytes.append(contentsOf: self.bytes)
    }

    public init?(postgresText text: String) {
        guard let data = Data(postgresText: text), data.count == 32 else { return nil }
        self.init([UInt8](data))
    }
}

extension EntryKind: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        try rawValue.postgresBind()
    }

    public init?(postgresText text: String) {
        self.init(rawValue: text)
    }
}

extension AccountType: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        try rawValue.postgresBind()
    }

    public init?(postgresText text: String) {
        self.init(rawValue: text)
    }
}

/// The ledger's statements, one function each; every one runs on a connection the caller
/// provides, usually inside the transaction that holds the alliance's chain head.
enum LedgerStore {
    struct Head {
        let sequence: Int64
        let hash: Digest
        /// When the last entry was recorded; the next may not be recorded earlier.
        let lastRecordedAt: Timestamp
        /// The database's clock when the head was locked.
        let clock: Timestamp
    }

    /// What a batch needs to know, read in one round trip after its heads are locked.
    struct BatchState {
        /// The heads this transaction locked; an alliance missing here was skipped (its head is
        /// held by another transaction) or does not exist.
        var heads: [AllianceID: Head] = [:]
        var accounts: [AllianceID: [AccountCode: AccountState]] = [:]
        var recordedKeys: [AllianceID: [String: RecordedKey]] = [:]
        var targets: [AllianceID: [Int64: ReversalTarget]] = [:]
    }

    /// Locks the heads of `alliances` (skipping those another transaction holds, when asked),
    /// then reads the accounts, idempotency keys and reversal targets the requests name. The
    /// reads run after the locks, in the same round trip, so they see the state the locks guard.
    static func lockAndRead(
        _ requests: [(alliance: AllianceID, request: AppendRequest)], skipLocked: Bool,
        on connection: PostgresConnection
    ) async throws -> BatchState {
        var codes: [(Int64, String)] = []
        var keys: [(Int64, String)] = []
        var reversed: [(Int64, Int64)] = []
        for (alliance, request) in requests {
            switch request {
            case .post(let post): codes += post.postings.map { (alliance.rawValue, $0.account.rawValue) }
            case .reverse(let reversal): reversed.append((alliance.rawValue, reversal.sequence))
            }
            if let key = request.idempotencyKey { keys.append((alliance.rawValue, key)) }
        }
        let alliances = Array(Set(requests.map(\.alliance.rawValue))).sorted()
        // Only the reads this batch needs: each costs the server a plan and an execution.
        var queries: [PostgresQuery] = [
            "SELECT alliance_id, sequence, hash, recorded_at, clock FROM ledger_lock_heads(\(alliances)::bigint[], \(skipLocked))",
            // The accounts named by the posts, and those of the entries to be reversed.
            """
            SELECT a.alliance_id, a.id, a.code, a.type, a.floor, b.balance
            FROM accounts AS a
            JOIN account_balances AS b ON b.alliance_id = a.alliance_id AND b.account_id = a.id
            WHERE (a.alliance_id, a.code) IN (
                    SELECT * FROM unnest(\(codes.map(\.0))::bigint[], \(codes.map(\.1))::text[]))
               OR (a.alliance_id, a.id) IN (
                    SELECT p.alliance_id, p.account_id
                    FROM unnest(\(reversed.map(\.0))::bigint[], \(reversed.map(\.1))::bigint[]) AS t (alliance_id, sequence)
                    JOIN postings AS p ON p.alliance_id = t.alliance_id AND p.entry_sequence = t.sequence)
            """,
        ]
        if !keys.isEmpty {
            queries.append(
                """
                SELECT e.alliance_id, e.sequence, e.idempotency_key, e.request_hash
                FROM unnest(\(keys.map(\.0))::bigint[], \(keys.map(\.1))::text[]) AS r (alliance_id, idempotency_key)
                JOIN journal_entries AS e ON e.alliance_id = r.alliance_id AND e.idempotency_key = r.idempotency_key
                """)
        }
        if !reversed.isEmpty {
            queries.append(
                """
                SELECT e.alliance_id, e.sequence, e.kind, r.sequence AS reversed_by
                FROM unnest(\(reversed.map(\.0))::bigint[], \(reversed.map(\.1))::bigint[]) AS t (alliance_id, sequence)
                JOIN journal_entries AS e ON e.alliance_id = t.alliance_id AND e.sequence = t.sequence
                LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.reverses = e.sequence
                """)
            queries.append(postingsQuery(reversed))
        }
        let results = try await connection.pipeline(queries)
        var state = BatchState()
        for row in results[0] {
            state.heads[AllianceID(try row.decode("alliance_id"))] = Head(
                sequence: try row.decode("sequence"), hash: try row.decode("hash"),
                lastRecordedAt: try row.decode("recorded_at"), clock: try row.decode("clock"))
        }
        for row in results[1] {
            let code = AccountCode(trusted: try row.decode("code"))
            state.accounts[AllianceID(try row.decode("alliance_id")), default: [:]][code] = AccountState(
                id: try row.decode("id"), code: code, type: try row.decode("type"),
                floor: try row.decode("floor"), balance: try row.decode("balance"))
        }
        for row in keys.isEmpty ? PostgresRows.empty : results[2] {
            state.recordedKeys[AllianceID(try row.decode("alliance_id")), default: [:]][
                try row.decode("idempotency_key")] =
                RecordedKey(sequence: try row.decode("sequence"), requestHash: try row.decode("request_hash"))
        }
        guard !reversed.isEmpty else { return state }
        let postings = try self.postings(from: results[results.count - 1])
        for row in results[results.count - 2] {
            let alliance = AllianceID(try row.decode("alliance_id"))
            let sequence: Int64 = try row.decode("sequence")
            state.targets[alliance, default: [:]][sequence] = ReversalTarget(
                sequence: sequence, kind: try row.decode("kind"), reversedBy: try row.decode("reversed_by"),
                postings: postings[alliance]?[sequence] ?? [])
        }
        return state
    }

    /// Locks one alliance's chain head for the rest of the transaction, waiting for it if need be.
    static func lockHead(_ alliance: AllianceID, on connection: PostgresConnection) async throws -> Head {
        let rows = try await connection.query(
            """
            SELECT sequence, hash, recorded_at, clock
            FROM ledger_lock_heads(\([alliance.rawValue])::bigint[], false)
            """)
        guard let row = rows.first else { throw LedgerError.allianceNotFound(alliance.description) }
        return Head(
            sequence: try row.decode("sequence"), hash: try row.decode("hash"),
            lastRecordedAt: try row.decode("recorded_at"), clock: try row.decode("clock"))
    }

    /// Every account of an alliance with its balance; exact while the alliance's head is locked.
    static func accountStates(
        _ alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [AccountCode: AccountState] {
        var accounts: [AccountCode: AccountState] = [:]
        for row in try await connection.query(
            """
            SELECT a.id, a.code, a.type, a.floor, b.balance
            FROM accounts AS a
            JOIN account_balances AS b ON b.alliance_id = a.alliance_id AND b.account_id = a.id
            WHERE a.alliance_id = \(alliance.rawValue)
            """)
        {
            let code = AccountCode(trusted: try row.decode("code"))
            accounts[code] = AccountState(
                id: try row.decode("id"), code: code, type: try row.decode("type"),
                floor: try row.decode("floor"), balance: try row.decode("balance"))
        }
        return accounts
    }

    /// Appends planned entries, of any number of alliances, through `ledger_append`: the only
    /// write path the service role has. The database re-checks the chains, the balance of every
    /// entry and every floor.
    ///
    /// With `unlessHeadsBusy`, the statement first takes those alliances' heads without waiting
    /// and appends (returning one row) only when it got them all; it returns no row, and
    /// appends nothing, when another transaction holds one. Without, it waits for the heads.
    static func appendStatement(_ entries: [JournalEntry], unlessHeadsBusy alliances: [Int64]? = nil) throws
        -> PostgresQuery
    {
        precondition(!entries.isEmpty, "an append needs entries")
        let postings = entries.flatMap { entry in entry.postings.map { (entry, $0) } }
        let metadata = entries.map { metadataJSON($0.metadata) }
        // The uncorrelated subquery runs once, before the append: the one-time filter of the
        // statement.
        let condition: PostgresQuery =
            if let alliances {
                "WHERE (SELECT count(*) FROM ledger_lock_heads(\(alliances.sorted())::bigint[], true)) = \(Int64(Set(alliances).count))"
            } else {
                ""
            }
        return """
            SELECT ledger_append(
                \(entries.map(\.alliance.rawValue))::bigint[], \(entries.map(\.sequence))::bigint[],
                \(entries.map(\.kind.rawValue))::text[], \(entries.map(\.effectiveOn))::date[],
                \(entries.map(\.recordedAt))::timestamptz[], \(entries.map(\.recordedBy))::text[],
                \(entries.map(\.description))::text[],
                \(metadata)::jsonb[], \(entries.map(\.idempotencyKey))::text[],
                \(entries.map(\.requestHash))::bytea[], \(entries.map(\.reverses))::bigint[],
                \(entries.map(\.previousHash))::bytea[], \(entries.map(\.hash))::bytea[],
                \(postings.map(\.0.alliance.rawValue))::bigint[], \(postings.map(\.0.sequence))::bigint[],
                \(postings.map { Int16($0.1.line) })::smallint[], \(postings.map(\.1.accountID))::bigint[],
                \(postings.map(\.1.amount))::bigint[]) \(condition)
            """
    }

    /// Whole entries with their postings, in sequence order.
    static func entries(
        _ alliance: AllianceID, sequences: [Int64], on connection: PostgresConnection
    ) async throws -> [JournalEntry] {
        guard !sequences.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT \(entryColumns) FROM journal_entries
            WHERE alliance_id = \(alliance.rawValue) AND sequence = ANY(\(sequences)::bigint[])
            ORDER BY sequence
            """)
        return try await entries(from: rows, alliance: alliance, on: connection)
    }

    /// Sequences `first` through `last` in order, a page at a time: each page read by `read`
    /// (its entries, and whatever else a verifier checks them against) while `check` checks the
    /// ones before, so that the database (and the decoding) and the checking work at once
    /// rather than in turn. The verifiers' stream.
    ///
    /// With several `readers` (connections on one snapshot), page k is read by reader k mod
    /// `readers`, so that as many server processes work at once; the pages are still checked one
    /// at a time and in order, whichever read ends first. A reader starts its next page when its
    /// last one is taken for checking, so at most `readers` pages are read or held ahead of the
    /// one being checked: memory stays bounded however slow the check.
    ///
    /// The first page holds `firstPageSize` entries and each next one twice as many, up to
    /// `pageSize`: nothing is checked until the first page arrives, and a short first page
    /// arrives sooner, which is most of the difference on a journal of a few pages.
    static func forEachPage<Page: Sendable>(
        from first: Int64, through last: Int64, pageSize: Int64, firstPageSize: Int64? = nil,
        readers: Int = 1,
        isolation: isolated (any Actor)? = #isolation,
        read: @escaping @Sendable (_ reader: Int, _ range: ClosedRange<Int64>) async throws -> Page,
        check body: (Page) async throws -> Void
    ) async throws {
        precondition(pageSize > 0 && readers > 0, "pages need entries and readers")
        guard first <= last else { return }
        try await withThrowingTaskGroup(of: (page: Int, content: Page).self) { group in
            var started = 0
            var lower: Int64? = first
            var size = min(max(firstPageSize ?? pageSize, 1), pageSize)
            /// The next page's sequences, nil once every page has been started.
            func nextRange() -> ClosedRange<Int64>? {
                guard let from = lower else { return nil }
                let range = from...from + min(size - 1, last - from)
                lower = range.upperBound < last ? range.upperBound + 1 : nil
                size = size > pageSize / 2 ? pageSize : size * 2
                return range
            }
            while started < readers, let range = nextRange() {
                let page = started
                group.addTask { (page, try await read(page % readers, range)) }
                started += 1
            }
            // Pages whose read ended before an earlier one's, kept until their turn.
            var early: [Int: Page] = [:]
            var checked = 0
            while checked < started {
                var content = early.removeValue(forKey: checked)
                while content == nil {
                    guard let done = try await group.next() else {
                        preconditionFailure("page \(checked) was never read")
                    }
                    if done.page == checked {
                        content = done.content
                    } else {
                        early[done.page] = done.content
                    }
                }
                if let range = nextRange() {
                    // The reader of the page just taken is free: it reads the page `readers` on.
                    let page = started
                    group.addTask { (page, try await read(page % readers, range)) }
                    started += 1
                }
                guard let content else { preconditionFailure("page \(checked) was taken but not kept") }
                do {
                    try await body(content)
                } catch {
                    // Let the reads under way end rather than cancel them: a cancelled statement
                    // costs its connection (the pool does not lend one a cancel may still reach).
                    while (try? await group.next()) != nil {}
                    throw error
                }
                checked += 1
            }
        }
    }

    static let entryColumns: PostgresQuery = """
        sequence, kind, effective_on, recorded_at, recorded_by, description, metadata::text AS metadata,
        idempotency_key, request_hash, reverses, previous_hash, hash
        """

    static func entries(
        from rows: PostgresRows, alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [JournalEntry] {
        let sequences = try rows.map { try $0.decode("sequence", as: Int64.self) }
        let postings = try await self.postings(alliance, sequences: sequences, on: connection)
        return try entries(from: rows, alliance: alliance, postings: postings)
    }

    /// Entries of `rows` with their postings, by sequence.
    static func entries(
        from rows: PostgresRows, alliance: AllianceID, postings: [Int64: [Posting]]
    ) throws -> [JournalEntry] {
        try rows.map { row in
            let sequence: Int64 = try row.decode("sequence")
            return JournalEntry(
                alliance: alliance, sequence: sequence, kind: try row.decode("kind"),
                effectiveOn: try row.decode("effective_on"), recordedAt: try row.decode("recorded_at"),
                recordedBy: try row.decode("recorded_by"), description: try row.decode("description"),
                metadata: try metadata(fromJSON: try row.decode("metadata")),
                idempotencyKey: try row.decode("idempotency_key"),
                requestHash: try row.decode("request_hash"),
                reverses: try row.decode("reverses"), previousHash: try row.decode("previous_hash"),
                hash: try row.decode("hash"), postings: postings[sequence] ?? [])
        }
    }

    static func postings(
        _ alliance: AllianceID, sequences: [Int64], on connection: PostgresConnection
    ) async throws -> [Int64: [Posting]] {
        guard !sequences.isEmpty else { return [:] }
        // The postings first, by their key, then their accounts: joined with the list of
        // entries, on a journal of ten thousand the planner priced the index probes above
        // reading every posting (10 ms a journal page, not 0.8); asked for them by `= ANY` with
        // the accounts' statistics not yet taken, it walked each account's postings instead
        // (4.5 ms). A materialized CTE is read as written.
        let rows = try await connection.query(
            """
            WITH p AS MATERIALIZED (
                SELECT * FROM postings
                WHERE alliance_id = \(alliance.rawValue) AND entry_sequence = ANY(\(sequences)::bigint[]))
            SELECT \(postingColumns)
            FROM p JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
            ORDER BY p.alliance_id, p.entry_sequence, p.line
            """)
        return try postings(from: rows)[alliance] ?? [:]
    }

    /// What `postings(from:)` reads of a posting (`p`) and its account (`a`).
    static let postingColumns: PostgresQuery =
        "p.alliance_id, p.entry_sequence, p.line, p.account_id, a.code, p.amount"

    /// The postings of the given (alliance, entry) pairs, with their account codes.
    static func postingsQuery(_ entries: [(Int64, Int64)]) -> PostgresQuery {
        """
        SELECT \(postingColumns)
        FROM unnest(\(entries.map(\.0))::bigint[], \(entries.map(\.1))::bigint[]) AS t (alliance_id, sequence)
        JOIN postings AS p ON p.alliance_id = t.alliance_id AND p.entry_sequence = t.sequence
        JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
        ORDER BY p.alliance_id, p.entry_sequence, p.line
        """
    }

    static func postings(from rows: PostgresRows) throws -> [AllianceID: [Int64: [Posting]]] {
        var postings: [AllianceID: [Int64: [Posting]]] = [:]
        for row in rows {
            postings[AllianceID(try row.decode("alliance_id")), default: [:]][
                try row.decode("entry_sequence"), default: []
            ]
            .append(
                Posting(
                    line: Int(try row.decode("line", as: Int16.self)),
                    accountID: try row.decode("account_id"),
                    account: AccountCode(trusted: try row.decode("code")), amount: try row.decode("amount")))
        }
        return postings
    }

    /// A JSON object of the metadata's strings, keys sorted. Written by hand: a JSONEncoder per
    /// entry was a tenth of the client's time in a spend import (Benchmarks/README.md).
    static func metadataJSON(_ metadata: [String: String]) -> String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(key, to: &json)
            json.append(UInt8(ascii: ":"))
            appendJSONString(metadata[key] ?? "", to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    /// RFC 8259: a quote, a backslash and the control characters escaped, all else as is.
    private static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x0A: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case ..<0x20:
                json.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    /// The metadata column (a JSON object of strings) as a dictionary. Read with the project's
    /// own parser: a JSONDecoder per entry was the largest part of the verifier's time.
    static func metadata(fromJSON text: String) throws -> [String: String] {
        guard case .object(let members) = try JSONValue(parsing: Array(text.utf8)) else {
            throw PostgresError(.decoding, "an entry's metadata is not a JSON object")
        }
        var metadata: [String: String] = [:]
        metadata.reserveCapacity(members.count)
        for (key, value) in members {
            guard let text = value.stringValue else {
                throw PostgresError(.decoding, "an entry's metadata \"\(key)\" is not a string")
            }
            metadata[key] = text
        }
        return metadata
    }
}

extension LedgerStore {
    /// Appends one entry to `alliance`'s chain inside the caller's transaction, waiting for the
    /// chain head: for an entry that must commit or roll back with other changes, such as the
    /// payment a carried decision posts. The same planner and checks as every other append.
    static func append(_ request: EntryRequest, to alliance: AllianceID, on connection: PostgresConnection)
        async throws -> JournalEntry
    {
        let state = try await lockAndRead([(alliance, .post(request))], skipLocked: false, on: connection)
        guard let head = state.heads[alliance] else {
            throw LedgerError.allianceNotFound(alliance.description)
        }
        var planner = BatchPlanner(
            alliance: alliance, headSequence: head.sequence, headHash: head.hash,
            lastRecordedAt: head.lastRecordedAt, recordedAt: max(head.clock, head.lastRecordedAt),
            accounts: state.accounts[alliance] ?? [:], recordedKeys: state.recordedKeys[alliance] ?? [:],
            targets: [:])
        let plan = planner.plan([.post(request)])
        switch plan.outcomes.first {
        case .appended(let index):
            try await connection.execute(try appendStatement([plan.entries[index]]))
            return plan.entries[index]
        case .refused(let error):
            throw error
        case .replayOfRecorded, .replayOfAppended, nil:
            preconditionFailure("an entry without an idempotency key is never a replay")
        }
    }
}

extension LedgerStore {
    /// After `appended` entries went in at once (an import), the planner's statistics of the
    /// journal's tables are taken afresh when autovacuum's rule says they are stale (SQL/0020):
    /// statistics of a journal a thousandth of its size planned a publication's reads as loops
    /// over every entry. Outside any transaction, after the entries are committed.
    static func refreshStatistics(appended: Int, on connection: PostgresConnection) async throws {
        try await connection.execute("SELECT ledger_refresh_statistics(\(Int64(appended)))")
    }
}

extension LedgerStore {
    /// Opens an account the alliance's own postings need (its outcome payments, its risk/reward
    /// share) the first time one is posted, inside the caller's transaction.
    static func openAccountIfMissing(
        _ code: AccountCode, type: AccountType, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO accounts (alliance_id, code, type) VALUES (\(alliance.rawValue), \(code.rawValue), \(type))
            ON CONFLICT ON CONSTRAINT accounts_code_key DO NOTHING
            """)
    }
}
