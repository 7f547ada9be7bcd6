/// A transaction's snapshot as `pg_export_snapshot()` names it: another session's transaction
/// that imports it sees exactly the rows the exporting one sees, whatever commits in between.
///
/// For reading one consistent state of the database on several connections at once, so that
/// the server's work spreads over several processes (the journal verifier's readers).
public struct PostgresSnapshot: Sendable, Hashable, CustomStringConvertible {
    /// The identifier the server gave, such as `00000004-0000002A-1`.
    public let id: String

    /// Nil unless `id` is what PostgreSQL's snapshot identifiers are made of: hexadecimal digits
    /// and dashes, at most 64 of them. `SET TRANSACTION SNAPSHOT` takes the identifier as a
    /// literal, not as a parameter, so only text that cannot end the literal is accepted.
    init?(id: String) {
        guard (1...64).contains(id.utf8.count),
            id.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || Self.isHexDigit($0) })
        else { return nil }
        self.id = id
    }

    public var description: String { id }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

extension PostgresConnection {
    /// Exports the snapshot of the transaction under way, which must be REPEATABLE READ or
    /// SERIALIZABLE for the snapshot to be the one its every statement reads. Other sessions can
    /// import it (`importSnapshot`) for as long as this transaction stays open.
    public func exportSnapshot() async throws(PostgresError) -> PostgresSnapshot {
        let id: String = try await query("SELECT pg_export_snapshot() AS id").single().decode("id")
        guard let snapshot = PostgresSnapshot(id: id) else {
            throw PostgresError(.decoding, "the server named its snapshot in an unexpected form")
        }
        return snapshot
    }

    /// Makes the transaction under way read `snapshot`: the rows its exporting transaction sees,
    /// no more, no less. It must come before the transaction's first query, in a REPEATABLE
    /// READ or SERIALIZABLE transaction, while the exporting transaction is still open; the
    /// server refuses it otherwise.
    public func importSnapshot(_ snapshot: PostgresSnapshot) async throws(PostgresError) {
        // The statement takes no parameter; the identifier can only be hex digits and dashes
        // (checked when it was made), so it cannot end the literal it is written in.
        try await runScript(trustedSQL: "SET TRANSACTION SNAPSHOT '\(snapshot.id)'")
    }
}
