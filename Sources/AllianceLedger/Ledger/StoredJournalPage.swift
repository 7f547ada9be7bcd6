import Postgres

/// A page of the journal as stored, for the verifier: entries and their postings in the
/// server's binary format, hashed straight from their bytes.
///
/// Verification reads every entry an alliance ever recorded, so it skips what every other
/// read does: no `String` per value, no parsing of text into values only to encode them
/// again for the hash, no join for the postings' account codes (read once per verification).
struct StoredJournalPage: Sendable {
    let entries: PostgresBinaryRows
    let postings: PostgresBinaryRows

    /// Positions of the entry columns `LedgerStore.storedPage` selects.
    struct EntryColumns {
        let sequence: Int, kind: Int, effectiveOn: Int, recordedAt: Int, recordedBy: Int
        let description: Int, metadata: Int, idempotencyKey: Int, requestHash: Int, reverses: Int
        let previousHash: Int, hash: Int

        init(_ rows: PostgresBinaryRows) throws {
            sequence = try rows.column("sequence")
            kind = try rows.column("kind")
            effectiveOn = try rows.column("effective_on")
            recordedAt = try rows.column("recorded_at")
            recordedBy = try rows.column("recorded_by")
            description = try rows.column("description")
            metadata = try rows.column("metadata")
            idempotencyKey = try rows.column("idempotency_key")
            requestHash = try rows.column("request_hash")
            reverses = try rows.column("reverses")
            previousHash = try rows.column("previous_hash")
            hash = try rows.column("hash")
        }
    }

    /// Positions of the posting columns `LedgerStore.storedPage` selects.
    struct PostingColumns {
        let sequence: Int, line: Int, accountID: Int, amount: Int

        init(_ rows: PostgresBinaryRows) throws {
            sequence = try rows.column("entry_sequence")
            line = try rows.column("line")
            accountID = try rows.column("account_id")
            amount = try rows.column("amount")
        }
    }
}

extension LedgerStore {
    /// Entries with sequence in `range` and their postings, in order, as stored: the
    /// verifier's stream, in one round trip.
    static func storedPage(
        _ alliance: AllianceID, in range: ClosedRange<Int64>, on connection: PostgresConnection
    ) async throws -> StoredJournalPage {
        let results = try await connection.binaryPipeline([
            """
            SELECT sequence, kind, effective_on, recorded_at, recorded_by, description,
                   metadata::text AS metadata, idempotency_key, request_hash, reverses, previous_hash, hash
            FROM journal_entries
            WHERE alliance_id = \(alliance.rawValue)
              AND sequence BETWEEN \(range.lowerBound) AND \(range.upperBound)
            ORDER BY sequence
            """,
            """
            SELECT entry_sequence, line, account_id, amount FROM postings
            WHERE alliance_id = \(alliance.rawValue)
              AND entry_sequence BETWEEN \(range.lowerBound) AND \(range.upperBound)
            ORDER BY entry_sequence, line
            """,
        ])
        return StoredJournalPage(entries: results[0], postings: results[1])
    }

    /// Every account's code by id, as UTF-8 bytes: what the postings' part of an entry hash
    /// names.
    static func accountCodes(
        _ alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [Int64: [UInt8]] {
        var codes: [Int64: [UInt8]] = [:]
        for row in try await connection.query(
            "SELECT id, code FROM accounts WHERE alliance_id = \(alliance.rawValue)")
        {
            codes[try row.decode("id")] = Array(try row.decode("code", as: String.self).utf8)
        }
        return codes
    }
}
