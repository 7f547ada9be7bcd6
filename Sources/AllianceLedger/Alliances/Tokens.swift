import Crypto
public import Dates
import Foundation
public import Postgres
import Synchronization

/// Who is asking: the operator (who runs the service and creates alliances) or a person of
/// one alliance, as their API token says.
public struct Caller: Hashable, Sendable {
    public enum Identity: Hashable, Sendable {
        case `operator`
        case person(Person)
    }

    public let identity: Identity
    /// The token that identified the caller; nil on the command line, which acts as operator.
    public let tokenID: Int64?

    public init(identity: Identity, tokenID: Int64?) {
        self.identity = identity
        self.tokenID = tokenID
    }

    /// The command line works directly on the database, as the operator.
    public static let commandLine = Caller(identity: .operator, tokenID: nil)

    /// What the journal records as `recordedBy`.
    public var name: String {
        switch identity {
        case .operator: "operator"
        case .person(let person): person.email
        }
    }

    /// Refuses unless the caller holds one of `roles` in `alliance`; the operator may do anything.
    public func require(_ roles: Set<Role>, in alliance: AllianceID) throws(LedgerError) {
        switch identity {
        case .operator: return
        case .person(let person):
            try requireMembership(of: alliance)
            guard !person.roles.isDisjoint(with: roles) else {
                throw .forbidden(
                    "this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or "))")
            }
        }
    }

    /// Refuses a person of another alliance: a person's token works in its own alliance only;
    /// the operator's in all.
    public func requireMembership(of alliance: AllianceID) throws(LedgerError) {
        if case .person(let person) = identity, person.alliance != alliance {
            throw .forbidden("this token belongs to another alliance")
        }
    }

    public func requireMembership(of alliance: Alliance) throws(LedgerError) {
        try requireMembership(of: alliance.id)
    }

    /// Refuses unless the caller holds `role` in `alliance` for `partner` itself: finance leads
    /// record spend, and board members vote, for their own partner only.
    public func require(_ role: Role, for partner: String, in alliance: AllianceID) throws(LedgerError) {
        try require([role], in: alliance)
        if case .person(let person) = identity, person.partner != partner {
            throw .forbidden("\(person.email) acts for \(person.partner ?? "no partner"), not \(partner)")
        }
    }
}

/// A token as its holder's admins (or, for an operator token, the operator) see it: when it was
/// made, when it expires, last used and revoked, and never the secret, which is kept only as a
/// hash.
public struct TokenRecord: Hashable, Sendable, Encodable {
    public let id: Int64
    /// The person it belongs to; nil for an operator token.
    @ExplicitNull public private(set) var person: Int64?
    public let createdAt: Timestamp
    /// When it stops working; nil when it works until revoked.
    @ExplicitNull public private(set) var expiresAt: Timestamp?
    /// Up to a minute late: uses are noted in memory and written in batches (``TokenUsage``),
    /// so that reads stay reads.
    @ExplicitNull public private(set) var lastUsedAt: Timestamp?
    @ExplicitNull public private(set) var revokedAt: Timestamp?
}

/// The tokens used since the last write, each with the database's time of its latest use,
/// written in one statement at most once per `interval` instead of once per request: a busy
/// service's reads would otherwise each update a row. A crash loses at most one interval of
/// "last used", which is a hint for people cleaning up old tokens, not a record.
public final class TokenUsage: Sendable {
    public let interval: Duration
    private let state: Mutex<(pending: [Int64: Timestamp], due: ContinuousClock.Instant)>

    public init(interval: Duration = .seconds(60)) {
        self.interval = interval
        state = Mutex(([:], .now + interval))
    }

    /// Notes a use; answers the batch to write when it is due (the caller writes it).
    func note(_ tokenID: Int64, at time: Timestamp) -> [Int64: Timestamp]? {
        state.withLock { state in
            if state.pending[tokenID].map({ $0 < time }) ?? true { state.pending[tokenID] = time }
            guard ContinuousClock.now >= state.due else { return nil }
            return Self.take(&state, interval: interval)
        }
    }

    /// Everything noted and not yet written.
    func takeAll() -> [Int64: Timestamp] {
        state.withLock { Self.take(&$0, interval: interval) }
    }

    private static func take(
        _ state: inout (pending: [Int64: Timestamp], due: ContinuousClock.Instant), interval: Duration
    ) -> [Int64: Timestamp] {
        let batch = state.pending
        state.pending = [:]
        state.due = .now + interval
        return batch
    }
}

/// API tokens: random, shown once, kept only as SHA-256 hashes, revocable.
public struct TokenStore: Sendable {
    public let pool: PostgresPool
    /// Uses noted and not yet written; shared by copies of this store.
    public let usage: TokenUsage

    public init(pool: PostgresPool, usage: TokenUsage = TokenUsage()) {
        self.pool = pool
        self.usage = usage
    }

    /// A token for the operator, who creates alliances and sets them up, issued on the server.
    public func issueOperatorToken() async throws -> String {
        try await issueOperator().token
    }

    /// An operator token and its id, which names it later (to list or revoke it) without the
    /// secret; it stops working at `expiresAt` when one is given.
    public func issueOperator(expiresAt: Timestamp? = nil) async throws -> (id: Int64, token: String) {
        let token = TokenStore.newToken()
        let id = try await pool.withConnection { connection in
            try await TokenStore.refusingPastExpiry(expiresAt) {
                try await connection.query(
                    """
                    INSERT INTO api_tokens (token_hash, issuer, expires_at)
                    VALUES (\(TokenStore.hash(token)), 'operator', \(expiresAt))
                    RETURNING id
                    """
                ).single().decode("id", as: Int64.self)
            }
        }
        return (id, token)
    }

    /// An expiry that is not after the token's creation is bad input, named as such: checked
    /// here, and by the database against its own clock.
    static func refusingPastExpiry<Value>(
        _ expiresAt: Timestamp?, _ body: () async throws -> Value
    ) async throws -> Value {
        let pastExpiry = LedgerError.invalidField("expiresAt", reason: "must be in the future")
        if let expiresAt, expiresAt <= Timestamp(Date()) { throw pastExpiry }
        do {
            return try await body()
        } catch {
            guard let refusal = error as? PostgresError,
                refusal.constraint == "api_tokens_expires_after_creation"
            else { throw error }
            throw pastExpiry
        }
    }

    /// Issues a token for the person: by an admin of their partner; by the operator while the
    /// alliance is set up, or as the first token of someone appointed by decision.
    public func issue(for person: Person, by caller: Caller = .commandLine) async throws -> String {
        try await pool.withTransaction(.readCommitted) { connection in
            let alliance = try await AllianceDirectory.alliance(person.alliance, on: connection)
            return try await issue(for: person, in: alliance, by: caller, on: connection).token
        }
    }

    /// Issues the token inside the caller's transaction; its id names it later (to revoke it)
    /// without the secret.
    public func issue(
        for person: Person, in alliance: Alliance, by caller: Caller, expiresAt: Timestamp? = nil,
        on connection: PostgresConnection
    ) async throws -> (id: Int64, token: String) {
        let issuer = try await TokenStore.issuer(for: person, by: caller, in: alliance, on: connection)
        let token = TokenStore.newToken()
        let id = try await LedgerError.forbiddingRefusals {
            try await TokenStore.refusingPastExpiry(expiresAt) {
                try await connection.query(
                    """
                    INSERT INTO api_tokens (alliance_id, person_id, token_hash, issuer, issuer_person_id,
                                            issuer_token_id, expires_at)
                    VALUES (\(person.alliance.rawValue), \(person.id), \(TokenStore.hash(token)), \(issuer.kind),
                            \(issuer.personID), \(issuer.tokenID), \(expiresAt))
                    RETURNING id
                    """
                ).single().decode("id", as: Int64.self)
            }
        }
        try await GovernanceLog.append(
            "token.issued", by: .caller(caller), details: ["person": String(person.id), "token": String(id)],
            in: alliance.id, on: connection)
        return (id, token)
    }

    /// Who may issue a token for `person`: an admin of their partner; the operator while the
    /// alliance is set up, or for someone appointed by a carried decision who has no token yet.
    private static func issuer(
        for person: Person, by caller: Caller, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Grantor {
        if person.removedAt != nil { throw LedgerError.exists("person \(person.id) was removed") }
        guard caller.identity == .operator else {
            return try await Grantor.managing(
                person.partner, by: caller, in: alliance, doing: "issue tokens", on: connection)
        }
        if try await AllianceSetup.isOpen(alliance.id, on: connection) {
            return .operator(token: caller.tokenID)
        }
        let firstOfAppointee = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM role_grants WHERE alliance_id = \(alliance.id.rawValue)
                           AND person_id = \(person.id) AND grantor = 'decision' AND ended_at IS NULL)
               AND NOT EXISTS (SELECT 1 FROM api_tokens WHERE alliance_id = \(alliance.id.rawValue)
                               AND person_id = \(person.id)) AS allowed
            """
        ).single().decode("allowed", as: Bool.self)
        guard firstOfAppointee else {
            throw AllianceSetup.closed(
                alliance, doing: "issue tokens (beyond the first of someone appointed by decision)")
        }
        return .operator(token: caller.tokenID)
    }

    /// The caller a token identifies in the alliance named `slug`, and that alliance: refused
    /// when the alliance does not exist (for holders of a valid token only) and when a person's
    /// token belongs to another alliance. What the HTTP service and the command line both ask.
    public func authenticate(_ token: String, in slug: String) async throws -> (
        caller: Caller, alliance: Alliance
    ) {
        let found = try await authenticate(token, alliance: slug)
        guard let alliance = found.alliance else { throw LedgerError.allianceNotFound(slug) }
        try found.caller.requireMembership(of: alliance)
        return (found.caller, alliance)
    }

    /// The caller a token identifies; unauthenticated when it is unknown, revoked or expired.
    /// Notes its use in ``usage``, written in batches so that reads stay reads.
    public func authenticate(_ token: String) async throws -> Caller {
        try await authenticate(token, alliance: nil).caller
    }

    /// The caller, and the alliance named `slug` (nil when there is none), read in one
    /// statement: the HTTP service needs both on every request, and one round trip instead of
    /// three is most of what the service costs beyond the library itself.
    public func authenticate(_ token: String, alliance slug: String?) async throws
        -> (caller: Caller, alliance: Alliance?)
    {
        guard token.hasPrefix(TokenStore.prefix), token.count < 200 else {
            throw LedgerError.unauthenticated("the token is not one this service issued")
        }
        let hash = TokenStore.hash(token)
        let row = try await pool.withConnection { connection in
            try await connection.query(
                """
                WITH token AS (
                    SELECT id, alliance_id, person_id, expires_at <= now() AS expired FROM api_tokens
                    WHERE token_hash = \(hash) AND revoked_at IS NULL
                )
                SELECT token.id AS token_id, token.alliance_id AS token_alliance_id,
                       token.person_id AS token_person_id, token.expired AS token_expired,
                       now() AS token_used_at,
                       p.id, p.name, p.email, pa.slug AS partner, p.created_at, p.removed_at,
                       \(AllianceDirectory.rolesColumn(person: "p")) AS roles,
                       a.id AS alliance_id, a.slug AS alliance_slug, a.name AS alliance_name,
                       a.currency AS alliance_currency,
                       a.financial_year_start_month AS alliance_financial_year_start_month,
                       a.contract_start AS alliance_contract_start, a.contract_end AS alliance_contract_end,
                       a.abstention AS alliance_abstention, a.created_at AS alliance_created_at
                FROM (SELECT 1) AS one
                LEFT JOIN token ON true
                LEFT JOIN people AS p ON p.alliance_id = token.alliance_id AND p.id = token.person_id
                LEFT JOIN partners AS pa ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
                LEFT JOIN alliances AS a ON a.slug = \(slug)
                """
            ).single()
        }
        guard let tokenID: Int64 = try row.decode("token_id") else {
            throw LedgerError.unauthenticated("the token is unknown or revoked")
        }
        guard try row.decode("token_expired", as: Bool?.self) != true else {
            throw LedgerError.unauthenticated("the token has expired")
        }
        let alliance: Alliance? =
            try row.decode("alliance_slug", as: String?.self) == nil
            ? nil : try AllianceDirectory.alliance(row, prefix: "alliance_")
        let caller: Caller
        if let allianceID: Int64 = try row.decode("token_alliance_id") {
            guard try row.decode("id", as: Int64?.self) != nil else {
                throw LedgerError.unauthenticated("the token's person no longer exists")
            }
            let person = try AllianceDirectory.person(row, alliance: AllianceID(allianceID))
            caller = Caller(identity: .person(person), tokenID: tokenID)
        } else {
            caller = Caller(identity: .operator, tokenID: tokenID)
        }
        if let batch = usage.note(tokenID, at: try row.decode("token_used_at")) {
            try await writeUsage(batch)
        }
        return (caller, alliance)
    }

    /// Writes every use noted and not yet written, in one statement: at the end of a command,
    /// or as a service stops.
    public func flushUsage() async throws {
        try await writeUsage(usage.takeAll())
    }

    private func writeUsage(_ batch: [Int64: Timestamp]) async throws {
        guard !batch.isEmpty else { return }
        let entries = Array(batch)
        let ids = entries.map(\.key)
        let times = entries.map(\.value)
        try await pool.withConnection { connection in
            try await connection.execute(
                """
                UPDATE api_tokens AS t SET last_used_at = u.used_at
                FROM unnest(\(ids)::bigint[], \(times)::timestamptz[]) AS u (id, used_at)
                WHERE t.id = u.id AND t.revoked_at IS NULL
                  AND (t.last_used_at IS NULL OR t.last_used_at < u.used_at)
                """)
        }
    }

    /// One of the person's tokens.
    public func token(_ id: Int64, of person: Person) async throws -> TokenRecord {
        try await pool.withConnection { connection in
            try await TokenStore.record(id, of: person, on: connection)
        }
    }

    static func record(_ id: Int64, of person: Person, on connection: PostgresConnection) async throws
        -> TokenRecord
    {
        let rows = try await connection.query(
            """
            SELECT \(TokenStore.recordColumns) FROM api_tokens
            WHERE id = \(id) AND alliance_id = \(person.alliance.rawValue) AND person_id = \(person.id)
            """)
        guard let row = rows.first else { throw LedgerError.tokenNotFound(id) }
        return try TokenStore.record(row)
    }

    static let recordColumns: PostgresQuery =
        "id, person_id, created_at, expires_at, last_used_at, revoked_at"

    static func record(_ row: PostgresRow) throws -> TokenRecord {
        TokenRecord(
            id: try row.decode("id"), person: try row.decode("person_id"),
            createdAt: try row.decode("created_at"), expiresAt: try row.decode("expires_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }

    /// The operator's tokens, oldest first: only the operator sees them.
    public func operatorTokens(by caller: Caller) async throws -> [TokenRecord] {
        guard caller.identity == .operator else {
            throw LedgerError.forbidden("only the operator sees the operator's tokens")
        }
        return try await pool.withConnection { connection in
            try await connection.query(
                "SELECT \(TokenStore.recordColumns) FROM api_tokens WHERE alliance_id IS NULL ORDER BY id"
            ).map(TokenStore.record)
        }
    }

    /// The tokens of an alliance's people that the caller may see, oldest first: the operator
    /// all, an admin those of their partner's people, anyone else their own.
    public func tokens(in alliance: Alliance, by caller: Caller) async throws -> [TokenRecord] {
        try caller.requireMembership(of: alliance)
        let person: Person? = if case .person(let person) = caller.identity { person } else { nil }
        let adminOf = person.flatMap { $0.roles.contains(.admin) ? $0.partner : nil }
        return try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT \(TokenStore.recordColumns) FROM api_tokens AS t
                WHERE t.alliance_id = \(alliance.id.rawValue)
                  AND (\(person == nil) OR t.person_id = \(person?.id)
                       OR EXISTS (SELECT 1 FROM people AS p JOIN partners AS pa
                                    ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
                                  WHERE p.alliance_id = t.alliance_id AND p.id = t.person_id
                                    AND pa.slug = \(adminOf)))
                ORDER BY t.id
                """
            ).map(TokenStore.record)
        }
    }

    /// Revokes any token by its id alone: an operator token by the operator; a person's token
    /// as ``revoke(_:in:by:)`` says, in its own alliance. Revoking one already revoked changes
    /// nothing. Answers the token as it now stands.
    public func revoke(_ tokenID: Int64, by caller: Caller) async throws -> TokenRecord {
        try await pool.withTransaction(.readCommitted) { connection in
            try await revoke(tokenID, by: caller, on: connection)
        }
    }

    public func revoke(_ tokenID: Int64, by caller: Caller, on connection: PostgresConnection) async throws
        -> TokenRecord
    {
        let rows = try await connection.query(
            "SELECT alliance_id FROM api_tokens WHERE id = \(tokenID) FOR UPDATE")
        guard let row = rows.first else { throw LedgerError.tokenNotFound(tokenID) }
        if let allianceID: Int64 = try row.decode("alliance_id") {
            let alliance = try await AllianceDirectory.alliance(AllianceID(allianceID), on: connection)
            // A person's token of another alliance is as unknown to them as a missing one.
            guard (try? caller.requireMembership(of: alliance)) != nil else {
                throw LedgerError.tokenNotFound(tokenID)
            }
            return try await revoke(tokenID, in: alliance, by: caller, on: connection)
        }
        guard caller.identity == .operator else { throw LedgerError.tokenNotFound(tokenID) }
        _ = try await LedgerError.forbiddingRefusals {
            try await connection.execute(
                """
                UPDATE api_tokens SET revoked_at = now(), revoker = 'operator',
                                      revoker_token_id = \(caller.tokenID)
                WHERE id = \(tokenID) AND alliance_id IS NULL AND revoked_at IS NULL
                """)
        }
        return try TokenStore.record(
            try await connection.query(
                "SELECT \(TokenStore.recordColumns) FROM api_tokens WHERE id = \(tokenID)"
            ).single())
    }

    /// Revokes a token of `alliance`: the operator any (an incident), a person their own, an
    /// admin those of their partner's people. Revoking one already revoked changes nothing.
    public func revoke(_ tokenID: Int64, in alliance: Alliance, by caller: Caller) async throws -> TokenRecord
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await revoke(tokenID, in: alliance, by: caller, on: connection)
        }
    }

    public func revoke(
        _ tokenID: Int64, in alliance: Alliance, by caller: Caller, on connection: PostgresConnection
    ) async throws -> TokenRecord {
        let rows = try await connection.query(
            """
            SELECT person_id FROM api_tokens WHERE id = \(tokenID) AND alliance_id = \(alliance.id.rawValue) FOR UPDATE
            """)
        guard let personID = try rows.first?.decode("person_id", as: Int64?.self) else {
            throw LedgerError.tokenNotFound(tokenID)
        }
        let person = try await AllianceDirectory.people(in: alliance.id, id: personID, on: connection)[0]
        let revoker: Revoker =
            switch caller.identity {
            case .operator: .operator(token: caller.tokenID)
            case .person(let own) where own.id == personID: .person(own.id)
            case .person:
                Revoker(
                    try await Grantor.managing(
                        person.partner, by: caller, in: alliance, doing: "revoke tokens", on: connection))
            }
        try await LedgerError.forbiddingRefusals {
            try await TokenStore.markRevoked(
                tokenID, of: person, by: revoker, actor: .caller(caller), in: alliance, on: connection)
        }
        return try await TokenStore.record(tokenID, of: person, on: connection)
    }

    /// Who revokes a token, as the database records it.
    enum Revoker {
        case admin(Int64)
        case person(Int64)
        case `operator`(token: Int64?)

        init(_ grantor: Grantor) {
            switch grantor {
            case .admin(let id): self = .admin(id)
            case .operator(let token): self = .operator(token: token)
            case .decision: self = .operator(token: nil)
            }
        }

        var kind: String {
            switch self {
            case .admin: "admin"
            case .person: "self"
            case .operator: "operator"
            }
        }

        var personID: Int64? { if case .admin(let id) = self { id } else { nil } }
        var tokenID: Int64? { if case .operator(let token) = self { token } else { nil } }
    }

    /// Marks the token revoked, unless it is already, and logs it.
    static func markRevoked(
        _ tokenID: Int64, of person: Person, by revoker: Revoker, actor: GovernanceActor,
        in alliance: Alliance,
        on connection: PostgresConnection
    ) async throws {
        let revoked = try await connection.query(
            """
            UPDATE api_tokens SET revoked_at = now(), revoker = \(revoker.kind),
                                  revoker_person_id = \(revoker.personID), revoker_token_id = \(revoker.tokenID)
            WHERE id = \(tokenID) AND alliance_id = \(alliance.id.rawValue) AND revoked_at IS NULL
            RETURNING id
            """)
        guard !revoked.isEmpty else { return }
        try await GovernanceLog.append(
            "token.revoked", by: actor, details: ["person": String(person.id), "token": String(tokenID)],
            in: alliance.id, on: connection)
    }

    static let prefix = "alt_"

    /// 32 random bytes from the system's generator, base64url.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}
