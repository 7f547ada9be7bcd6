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
            guard person.alliance == alliance else {
                throw .forbidden("this token belongs to another alliance")
            }
            guard !person.roles.isDisjoint(with: roles) else {
                throw .forbidden(
                    "this needs the role \(roles.map(\.rawValue).sorted().joined(separator: " or "))")
            }
        }
    }

    /// Refuses unless the caller holds `role` in `alliance` for `partner` itself: finance leads
    /// record spend, and board members vote, for their own partner only.
    public func require(_ role: Role, for partner: String, in alliance: AllianceID) throws(LedgerError) {
        try require([role], in: alliance)
        if case .person(let person) = identity, person.partner != partner {
            throw .forbidden("\(person.email) acts for \(person.partner), not \(partner)")
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

    /// A token for the operator, who creates alliances and their first people.
    public func issueOperatorToken() async throws -> String {
        let token = TokenStore.newToken()
        try await pool.withConnection { connection in
            try await connection.execute(
                "INSERT INTO api_tokens (token_hash) VALUES (\(TokenStore.hash(token)))")
        }
        return token
    }

    public func issue(for person: Person) async throws -> String {
        try await pool.withConnection { connection in
            try await issue(for: person, on: connection).token
        }
    }

    /// Issues a token for the person inside the caller's transaction; its id names it later
    /// (to revoke it) without the secret.
    public func issue(for person: Person, on connection: PostgresConnection) async throws
        -> (id: Int64, token: String)
    {
        let token = TokenStore.newToken()
        let id = try await connection.query(
            """
            INSERT INTO api_tokens (alliance_id, person_id, token_hash)
            VALUES (\(person.alliance.rawValue), \(person.id), \(TokenStore.hash(token)))
            RETURNING id
            """
        ).single().decode("id", as: Int64.self)
        return (id, token)
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
                       p.id, p.name, p.email, pa.slug AS partner, p.created_at,
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
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT id, person_id, created_at, last_used_at, revoked_at FROM api_tokens
                WHERE id = \(id) AND alliance_id = \(person.alliance.rawValue) AND person_id = \(person.id)
                """)
        }
        guard let row = rows.first else { throw LedgerError.tokenNotFound(id) }
        return TokenRecord(
            id: try row.decode("id"), person: try row.decode("person_id"),
            createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }

    /// Revokes a token of `alliance`; revoking one already revoked changes nothing.
    public func revoke(_ tokenID: Int64, in alliance: AllianceID) async throws {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
                WHERE id = \(tokenID) AND alliance_id = \(alliance.rawValue)
                RETURNING id
                """)
        }
        guard !rows.isEmpty else { throw LedgerError.tokenNotFound(tokenID) }
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
