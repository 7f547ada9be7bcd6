import Crypto
import Foundation
public import Postgres

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

/// A token as its holder's admins see it: when it was made, last used and revoked, and never
/// the secret, which is kept only as a hash.
public struct TokenRecord: Hashable, Sendable {
    public let id: Int64
    /// The person it belongs to.
    public let person: Int64
    public let createdAt: Timestamp
    /// To within a minute: it is written at most once a minute, so that reads stay reads.
    public let lastUsedAt: Timestamp?
    public let revokedAt: Timestamp?
}

/// API tokens: random, shown once, kept only as SHA-256 hashes, revocable.
public struct TokenStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// A token for the operator, who creates alliances and sets them up, issued on the server.
    public func issueOperatorToken() async throws -> String {
        let token = TokenStore.newToken()
        try await pool.withConnection { connection in
            try await connection.execute(
                "INSERT INTO api_tokens (token_hash, issuer) VALUES (\(TokenStore.hash(token)), 'operator')")
        }
        return token
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
        for person: Person, in alliance: Alliance, by caller: Caller, on connection: PostgresConnection
    ) async throws -> (id: Int64, token: String) {
        let issuer = try await TokenStore.issuer(for: person, by: caller, in: alliance, on: connection)
        let token = TokenStore.newToken()
        let id = try await LedgerError.forbiddingRefusals {
            try await connection.query(
                """
                INSERT INTO api_tokens (alliance_id, person_id, token_hash, issuer, issuer_person_id, issuer_token_id)
                VALUES (\(person.alliance.rawValue), \(person.id), \(TokenStore.hash(token)), \(issuer.kind),
                        \(issuer.personID), \(issuer.tokenID))
                RETURNING id
                """
            ).single().decode("id", as: Int64.self)
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

    /// The caller a token identifies; unauthenticated when it is unknown or revoked. Notes when
    /// it was last used, at most once a minute per token so that reads stay reads.
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
                WITH used AS (
                    UPDATE api_tokens SET last_used_at = now()
                    WHERE token_hash = \(hash) AND revoked_at IS NULL
                      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                ),
                token AS (
                    SELECT id, alliance_id, person_id FROM api_tokens
                    WHERE token_hash = \(hash) AND revoked_at IS NULL
                )
                SELECT token.id AS token_id, token.alliance_id AS token_alliance_id,
                       token.person_id AS token_person_id,
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
        let alliance: Alliance? =
            try row.decode("alliance_slug", as: String?.self) == nil
            ? nil : try AllianceDirectory.alliance(row, prefix: "alliance_")
        guard let allianceID: Int64 = try row.decode("token_alliance_id") else {
            return (Caller(identity: .operator, tokenID: tokenID), alliance)
        }
        guard try row.decode("id", as: Int64?.self) != nil else {
            throw LedgerError.unauthenticated("the token's person no longer exists")
        }
        let person = try AllianceDirectory.person(row, alliance: AllianceID(allianceID))
        return (Caller(identity: .person(person), tokenID: tokenID), alliance)
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
            SELECT id, person_id, created_at, last_used_at, revoked_at FROM api_tokens
            WHERE id = \(id) AND alliance_id = \(person.alliance.rawValue) AND person_id = \(person.id)
            """)
        guard let row = rows.first else { throw LedgerError.tokenNotFound(id) }
        return TokenRecord(
            id: try row.decode("id"), person: try row.decode("person_id"),
            createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
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
