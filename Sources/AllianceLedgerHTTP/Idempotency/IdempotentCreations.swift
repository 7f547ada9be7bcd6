import AllianceLedger
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Runs creating requests once per `Idempotency-Key`: the key, the request's fingerprint and
/// the answer are written in the same transaction as the change itself (SQL/0007), so that an
/// answer is stored exactly when the change commits. A crash at any moment leaves either both
/// or neither, and a retry with the same key gets the first answer, or runs for the first time.
///
/// The journal's own keys (spend and reversals keep theirs inside the entry) and an import's
/// rule that a partner records a reference once are separate and permanent; these answers are
/// kept for a retention and then pruned (`prune`).
struct IdempotentCreations: Sendable {
    let pool: PostgresPool

    /// What a creating operation answers.
    struct Created: Sendable {
        var status: HTTPResponse.Status
        var body: [UInt8]
        /// Where the created thing can be read, for a 201's `Location`.
        var location: String?
        /// False for an answer that must never be stored, such as a new token: a retry of it is
        /// told the answer was shown once.
        var kept = true
        var headers: HTTPFields = [:]
    }

    /// An answer stored by an earlier request with the key.
    struct Stored: Sendable {
        let fingerprint: [UInt8]
        let status: Int
        let body: [UInt8]?
        let location: String?
    }

    enum Outcome: Sendable {
        case created(Created)
        case stored(Stored)
    }

    /// Runs `operation` in a transaction that also stores its answer under `key`, unless an
    /// answer is stored already: then that is the outcome, and the caller compares
    /// fingerprints. Without a key the operation just runs, in a transaction of its own.
    ///
    /// `fingerprint` is the whole request's, body included, so a body is read whole (or
    /// spooled) before its transaction begins. The operation is started over on a
    /// serialization failure, key and all, so it must be able to run again.
    func run(
        _ key: IdempotencyKey?, fingerprint: [UInt8], level: IsolationLevel = .readCommitted,
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> Created
    ) async throws -> Outcome {
        try await pool.withTransaction(level) { connection in
            guard let key else { return .created(try await operation(connection)) }
            // A second request with the key while the first runs is told so at once, rather
            // than waiting on the first's row lock with a connection of the pool held.
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.lock(key))) AS locked"
            ).single().decode("locked", as: Bool.self)
            guard locked else { throw Problem.requestInProgress }
            if let stored = try await Self.stored(key, on: connection) { return .stored(stored) }
            let created = try await operation(connection)
            try await Self.store(created, key: key, fingerprint: fingerprint, on: connection)
            return .created(created)
        }
    }

    /// Runs, once per key, an operation that commits in transactions of its own (an import,
    /// a chunk at a time). The key is held by a session lock while it runs, so a second request
    /// with it is told it is in progress; the operation calls `store` in its last transaction,
    /// so that the answer commits exactly with the change's end. A retry after a crash runs it
    /// again, and it must then carry on where it stopped (an import resumes).
    func runInSteps(
        _ key: IdempotencyKey?, fingerprint: [UInt8],
        _ operation:
            @escaping @Sendable (
                PostgresConnection,
                _ store: @escaping @Sendable (PostgresConnection, Created) async throws -> Void
            ) async throws -> Created
    ) async throws -> Outcome {
        try await pool.withConnection { connection in
            guard let key else { return .created(try await operation(connection) { _, _ in }) }
            let lock = Self.lock(key)
            let locked = try await connection.query("SELECT pg_try_advisory_lock(\(lock)) AS locked").single()
                .decode("locked", as: Bool.self)
            guard locked else { throw Problem.requestInProgress }
            do {
                let outcome: Outcome
                if let stored = try await Self.stored(key, on: connection) {
                    outcome = .stored(stored)
                } else {
                    outcome = .created(
                        try await operation(connection) { connection, created in
                            try await Self.store(created, key: key, fingerprint: fingerprint, on: connection)
                        })
                }
                try await connection.execute("SELECT pg_advisory_unlock(\(lock))")
                return outcome
            } catch {
                // A lost connection takes its session's lock with it.
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(lock))")
                throw error
            }
        }
    }

    /// The advisory lock of a key, the same whether a transaction holds it (`run`) or a
    /// session (`runInSteps`), so that each sees the other's request in progress.
    private static func lock(_ key: IdempotencyKey) -> PostgresQuery {
        "hashtextextended('http idempotency key ' || \(key.principal) || ' ' || \(key.key), 0)"
    }

    private static func stored(_ key: IdempotencyKey, on connection: PostgresConnection) async throws
        -> Stored?
    {
        guard
            let row = try await connection.query(
                """
                SELECT request_hash, status, response_body, location FROM http_idempotency_keys
                WHERE principal = \(key.principal) AND key = \(key.key)
                """
            ).first
        else { return nil }
        return Stored(
            fingerprint: Array(try row.decode("request_hash", as: Data.self)),
            status: Int(try row.decode("status", as: Int32.self)),
            body: try row.decode("response_body", as: Data?.self).map(Array.init),
            location: try row.decode("location"))
    }

    private static func store(
        _ created: Created, key: IdempotencyKey, fingerprint: [UInt8], on connection: PostgresConnection
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO http_idempotency_keys (principal, key, request_hash, completed_at, status,
                                               response_body, location)
            VALUES (\(key.principal), \(key.key), \(Data(fingerprint)), now(), \(Int32(created.status.code)),
                    \(created.kept ? Data(created.body) : nil), \(created.location))
            """)
    }

    /// The HTTP answer to an outcome: the new answer, or the stored one replayed when the
    /// request is the same as the one that stored it.
    static func response(_ outcome: Outcome, key: IdempotencyKey?, fingerprint: [UInt8]) throws -> Response {
        switch outcome {
        case .created(let created):
            var headers = created.headers
            if let location = created.location { headers[.location] = location }
            return JSONAnswerEncoder.response(created.body, status: created.status, headers: headers)
        case .stored(let stored):
            let key = key?.key ?? ""
            guard stored.fingerprint == fingerprint else {
                throw Problem.idempotencyKeyReused(
                    "Idempotency-Key \"\(key)\" was used for a different request; use a new key for a new request"
                )
            }
            guard let body = stored.body else {
                throw Problem.conflict(
                    "token-shown-once", "The token was shown once and is not kept",
                    "a token was issued for Idempotency-Key \"\(key)\" and shown once; if it was lost, revoke it and issue another"
                )
            }
            var headers: HTTPFields = [.idempotentReplayed: "true"]
            if let location = stored.location { headers[.location] = location }
            return JSONAnswerEncoder.response(
                body, status: HTTPResponse.Status(code: stored.status), headers: headers)
        }
    }

    /// A creating request with a JSON body, run once per key: decodes the body strictly, runs
    /// `operation` with it inside the transaction that stores the answer, and answers `status`
    /// with `Location` pointing at `location` of what it made.
    func create<Body: Decodable & Sendable, Value: Encodable & Sendable>(
        _ request: Request, context: some LedgerContext, caller: Caller, body: Body.Type,
        status: HTTPResponse.Status = .created, kept: Bool = true, headers: HTTPFields = [:],
        level: IsolationLevel = .readCommitted, location: @escaping @Sendable (Value) -> String?,
        _ operation: @escaping @Sendable (Body, PostgresConnection) async throws -> Value
    ) async throws -> Response {
        var request = request
        // The body is read once, whole: for the fingerprint, and then by the decoder.
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        let decoded = try await request.decode(as: Body.self, context: context)
        let key = try IdempotencyKey(request, caller: caller)
        let fingerprint = RequestFingerprint(request, body: bytes)
        let encoder = context.responseEncoder
        let outcome = try await run(key, fingerprint: fingerprint.finalize(), level: level) { connection in
            let value = try await operation(decoded, connection)
            return Created(
                status: status, body: try encoder.data(value), location: location(value), kept: kept,
                headers: headers)
        }
        return try IdempotentCreations.response(outcome, key: key, fingerprint: fingerprint.finalize())
    }

    /// Answers older than `retentionSeconds` are removed, up to `limit` at a time, through the
    /// database's own function (which keeps every answer at least an hour). How many it removed.
    func prune(retentionSeconds: Int, limit: Int = 10_000) async throws -> Int {
        try await pool.withConnection { connection in
            Int(
                try await connection.query(
                    "SELECT http_idempotency_prune(\(Int32(clamping: retentionSeconds)), \(Int32(clamping: limit))) AS removed"
                ).single().decode("removed", as: Int32.self))
        }
    }
}
