import Foundation
public import Postgres

extension Digest: PostgresCodable {
    public func postgresBind() throws(PostgresError) -> PostgresBind {
        try Data(bytes).postgresBind()
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
        let recordedAt: Timestamp
    }

    /// Locks the alliance's chain head until the transaction ends; nil for an unknown alliance.
    static func lockHead(_ alliance: AllianceID, on connection: PostgresConnection) async throws -> Head? {
        let rows = try await connection.query(
            "SELECT sequence, hash, recorded_at FROM ledger_lock_head(\(alliance.rawValue))")
        guard let row = rows.first else { return nil }
        return Head(
            sequence: try row.decode("sequence"), hash: try row.decode("hash"),
            recordedAt: try row.decode("recorded_at"))
    }

    static func accountStates(
        _ alliance: AllianceID, codes: [AccountCode], on connection: PostgresConnection
    ) async throws -> [AccountCode: AccountState] {
        guard !codes.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT a.id, a.code, a.type, a.floor, b.balance
            FROM accounts AS a
            JOIN account_balances AS b ON b.alliance_id = a.alliance_id AND b.account_id = a.id
            WHERE a.alliance_id = \(alliance.rawValue) AND a.code = ANY(\(codes.map(\.rawValue))::text[])
            """)
        var states: [AccountCode: AccountState] = [:]
        for row in rows {
            let code = AccountCode(trusted: try row.decode("code"))
            states[code] = AccountState(
                id: try row.decode("id"), code: code, type: try row.decode("type"),
                floor: try row.decode("floor"), balance: try row.decode("balance"))
        }
        return states
    }

    static func recordedKeys(
        _ alliance: AllianceID, keys: [String], on connection: PostgresConnection
    ) async throws -> [String: RecordedKey] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT sequence, idempotency_key, request_hash FROM journal_entries
            WHERE alliance_id = \(alliance.rawValue) AND idempotency_key = ANY(\(keys)::text[])
            """)
        var recorded: [String: RecordedKey] = [:]
        for row in rows {
            recorded[try row.decode("idempotency_key")] = RecordedKey(
                sequence: try row.decode("sequence"), requestHash: try row.decode("request_hash"))
        }
        return recorded
    }

    static func reversalTargets(
        _ alliance: AllianceID, sequences: [Int64], on connection: PostgresConnection
    ) async throws -> [Int64: ReversalTarget] {
        guard !sequences.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT e.sequence, e.kind, r.sequence AS reversed_by
            FROM journal_entries AS e
            LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.reverses = e.sequence
            WHERE e.alliance_id = \(alliance.rawValue) AND e.sequence = ANY(\(sequences)::bigint[])
            """)
        let postings = try await self.postings(alliance, sequences: sequences, on: connection)
        var targets: [Int64: ReversalTarget] = [:]
        for row in rows {
            let sequence: Int64 = try row.decode("sequence")
            targets[sequence] = ReversalTarget(
                sequence: sequence, kind: try row.decode("kind"), reversedBy: try row.decode("reversed_by"),
                postings: postings[sequence] ?? [])
        }
        return targets
    }

    /// Appends planned entries through `ledger_append`, the only write path the service role
    /// has. The database re-checks the chain, the balance of every entry and every floor.
    static func append(
        _ entries: [JournalEntry], alliance: AllianceID, recordedAt: Timestamp,
        on connection: PostgresConnection
    ) async throws {
        precondition(!entries.isEmpty, "an append needs entries")
        precondition(entries.allSatisfy { $0.recordedAt == recordedAt }, "one append, one recording time")
        let postings = entries.flatMap { entry in entry.postings.map { (entry.sequence, $0) } }
        let metadata = try entries.map { try metadataJSON($0.metadata) }
        try await connection.execute(
            """
            SELECT ledger_append(
                \(alliance.rawValue), \(entries.map(\.sequence))::bigint[],
                \(entries.map(\.kind.rawValue))::text[], \(entries.map(\.effectiveOn))::date[],
                \(recordedAt), \(entries.map(\.recordedBy))::text[], \(entries.map(\.description))::text[],
                \(metadata)::jsonb[], \(entries.map(\.idempotencyKey))::text[],
                \(entries.map(\.requestHash))::bytea[], \(entries.map(\.reverses))::bigint[],
                \(entries.map(\.previousHash))::bytea[], \(entries.map(\.hash))::bytea[],
                \(postings.map(\.0))::bigint[], \(postings.map { Int16($0.1.line) })::smallint[],
                \(postings.map(\.1.accountID))::bigint[], \(postings.map(\.1.amount))::bigint[])
            """)
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

    /// Entries with sequence in `range`, in order: the verifier's stream.
    static func entries(
        _ alliance: AllianceID, in range: ClosedRange<Int64>, on connection: PostgresConnection
    ) async throws -> [JournalEntry] {
        let rows = try await connection.query(
            """
            SELECT \(entryColumns) FROM journal_entries
            WHERE alliance_id = \(alliance.rawValue)
              AND sequence BETWEEN \(range.lowerBound) AND \(range.upperBound)
            ORDER BY sequence
            """)
        return try await entries(from: rows, alliance: alliance, on: connection)
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
        return try rows.map { row in
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
        let rows = try await connection.query(
            """
            SELECT p.entry_sequence, p.line, p.account_id, a.code, p.amount
            FROM postings AS p
            JOIN accounts AS a ON a.alliance_id = p.alliance_id AND a.id = p.account_id
            WHERE p.alliance_id = \(alliance.rawValue) AND p.entry_sequence = ANY(\(sequences)::bigint[])
            ORDER BY p.entry_sequence, p.line
            """)
        var postings: [Int64: [Posting]] = [:]
        for row in rows {
            postings[try row.decode("entry_sequence"), default: []].append(
                Posting(
                    line: Int(try row.decode("line", as: Int16.self)),
                    accountID: try row.decode("account_id"),
                    account: AccountCode(trusted: try row.decode("code")), amount: try row.decode("amount")))
        }
        return postings
    }

    static func metadataJSON(_ metadata: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metadata), as: UTF8.self)
    }

    static func metadata(fromJSON text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}
