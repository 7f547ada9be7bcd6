import AllianceLedger
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import Synchronization

extension HTTPField.Name {
    static let idempotencyKey = known("Idempotency-Key")
    /// On an answer given again for a retried idempotency key.
    static let idempotentReplayed = known("Idempotent-Replayed")

    /// A header name written in this source, so valid by construction.
    private static func known(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header name") }
        return field
    }
}

/// The key a client sent with a creating request, scoped to the caller, so that two callers'
/// keys never collide.
struct IdempotencyKey: Hashable, Sendable {
    let principal: String
    let key: String

    static let maximumLength = 128

    /// The request's key, or nil when it sent none.
    init?(_ request: Request, caller: Caller) throws {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...IdempotencyKey.maximumLength).contains(key.utf8.count),
            key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
        else {
            throw Problem.invalidField(
                "Idempotency-Key",
                "Idempotency-Key must be 1 to \(IdempotencyKey.maximumLength) visible ASCII characters, e.g. a UUID"
            )
        }
        switch caller.identity {
        case .operator: principal = "operator"
        case .person(let person): principal = "person:\(person.id)"
        }
        self.key = key
    }

    /// The key the journal keeps for a spend or reversal made through the API.
    var journalKey: String { "\(principal)/\(key)" }
}

/// Remembers the answers to creating requests that carried an `Idempotency-Key`, so that a
/// retry gets the first answer instead of creating a second thing (SQL/0004).
struct IdempotencyStore: Sendable {
    let pool: PostgresPool

    /// A claim not completed within this long belongs to a request that died mid-way; it
    /// changed nothing (its transaction rolled back), so a retry may take the key over.
    static let abandonedAfterSeconds = 60

    enum Claim: Equatable {
        case claimed
        case replay(status: Int, body: [UInt8]?)
        case inProgress
        case reused
        /// For a request whose fingerprint is known only once its streamed body is read: the
        /// earlier request's fingerprint and answer, for the caller to compare.
        case completed(fingerprint: [UInt8], status: Int, body: [UInt8]?)
    }

    /// Stands in for the fingerprint of a streamed request until its body has been read.
    private static let pendingFingerprint = [UInt8](repeating: 0, count: 32)

    /// Claims `key` for this request; `fingerprint` nil for a streamed body (see `.completed`).
    func claim(_ key: IdempotencyKey, fingerprint: [UInt8]?) async throws -> Claim {
        try await pool.withConnection { connection in
            for _ in 0..<3 {
                let claimed = try await connection.query(
                    """
                    INSERT INTO http_idempotency_keys AS k (principal, key, request_hash)
                    VALUES (\(key.principal), \(key.key), \(Data(fingerprint ?? IdempotencyStore.pendingFingerprint)))
                    ON CONFLICT (principal, key) DO UPDATE
                        SET request_hash = excluded.request_hash, claimed_at = now()
                        WHERE k.completed_at IS NULL
                          AND k.claimed_at < now() - make_interval(secs => \(IdempotencyStore.abandonedAfterSeconds))
                    RETURNING 1
                    """)
                if !claimed.isEmpty { return .claimed }
                let rows = try await connection.query(
                    """
                    SELECT request_hash, status, response_body FROM http_idempotency_keys
                    WHERE principal = \(key.principal) AND key = \(key.key)
                    """)
                // Released between the two statements: claim again.
                guard let row = rows.first else { continue }
                let hash: Data = try row.decode("request_hash")
                let status: Int32? = try row.decode("status")
                let body: Data? = try row.decode("response_body")
                guard let fingerprint else {
                    guard let status else { return .inProgress }
                    return .completed(
                        fingerprint: Array(hash), status: Int(status), body: body.map(Array.init))
                }
                guard Array(hash) == fingerprint else { return .reused }
                guard let status else { return .inProgress }
                return .replay(status: Int(status), body: body.map(Array.init))
            }
            return .inProgress
        }
    }

    /// Keeps the answer; `body` nil for an answer that must never be stored (a new token);
    /// `fingerprint` the streamed request's, now that its body has been read.
    func complete(_ key: IdempotencyKey, status: Int, body: [UInt8]?, fingerprint: [UInt8]? = nil)
        async throws
    {
        try await pool.withConnection { connection in
            try await connection.execute(
                """
                UPDATE http_idempotency_keys
                SET completed_at = now(), status = \(Int32(status)), response_body = \(body.map { Data($0) }),
                    request_hash = coalesce(\(fingerprint.map { Data($0) }), request_hash)
                WHERE principal = \(key.principal) AND key = \(key.key) AND completed_at IS NULL
                """)
        }
    }

    /// Lets the key go after the request failed: it changed nothing, so a retry may run.
    func release(_ key: IdempotencyKey) async throws {
        try await pool.withConnection { connection in
            try await connection.execute(
                """
                DELETE FROM http_idempotency_keys
                WHERE principal = \(key.principal) AND key = \(key.key) AND completed_at IS NULL
                """)
        }
    }

    /// What makes two requests "the same": method, path with query, and body.
    static func fingerprint(of request: Request, body: [UInt8]) -> [UInt8] {
        let fingerprint = RequestFingerprint(request)
        fingerprint.update(body)
        return fingerprint.finalize()
    }
}

/// The fingerprint of a request whose body streams: SHA-256 of the method, the path with its
/// query, and the body bytes as they pass — the same value `IdempotencyStore.fingerprint`
/// gives for a body read whole.
final class RequestFingerprint: Sendable {
    private let hash: Mutex<SHA256>

    init(_ request: Request) {
        var hash = SHA256()
        hash.update(data: Data("\(request.method) \(request.uri.description)\n".utf8))
        self.hash = Mutex(hash)
    }

    func update(_ bytes: [UInt8]) {
        hash.withLock { $0.update(data: bytes) }
    }

    func finalize() -> [UInt8] {
        hash.withLock { Array($0.finalize()) }
    }
}
