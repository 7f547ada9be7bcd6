import Postgres

extension LedgerStore {
    /// `connection`, in a REPEATABLE READ transaction, and up to `count - 1` more connections
    /// the pool can spare, each in a read-only transaction that imports `connection`'s
    /// snapshot: readers that all see exactly the rows `connection` sees, whatever commits
    /// meanwhile, so that a long read (the journal verifiers') runs on several server processes
    /// at once. Without a connection to spare, `body` gets `connection` alone; nothing ever waits
    /// for one. The extra readers' transactions end, and their connections go back to the pool,
    /// when `body` returns.
    static func withSnapshotReaders<Value>(
        sharing connection: PostgresConnection, pool: PostgresPool, upTo count: Int,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([PostgresConnection]) async throws -> Value
    ) async throws -> Value {
        try await adding(to: [connection], upTo: count, snapshot: nil, pool: pool, body)
    }

    /// One more reader, if the pool can spare it, then the next: each is lent inside the
    /// previous one's lease, so that all are given back whatever `body` does.
    private static func adding<Value>(
        to readers: [PostgresConnection], upTo count: Int, snapshot: PostgresSnapshot?, pool: PostgresPool,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([PostgresConnection]) async throws -> Value
    ) async throws -> Value {
        guard readers.count < count else { return try await body(readers) }
        return try await pool.withSpareConnection { spare in
            guard let spare else { return try await body(readers) }
            // Exported once, by the first reader's transaction, which stays open until every
            // reader is done: a snapshot can be imported only while its exporter is open.
            let shared: PostgresSnapshot
            if let snapshot {
                shared = snapshot
            } else {
                shared = try await readers[0].exportSnapshot()
            }
            return try await spare.withTransaction(.repeatableRead) { reader in
                try await reader.importSnapshot(shared)
                try await reader.execute("SET TRANSACTION READ ONLY")
                return try await adding(
                    to: readers + [reader], upTo: count, snapshot: shared, pool: pool, body)
            }
        }
    }
}
