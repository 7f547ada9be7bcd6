public import Postgres

/// An alliance is being set up until its first decision is carried. Until then the operator
/// acts for it: creates its partners, budget lines and people, grants roles and issues tokens.
/// Afterwards the operator only revokes tokens (an incident) and issues the first token of
/// someone appointed by decision; everything else is done by the partners' own people, and
/// alliance-wide structure changes only by carried decisions (SQL/0009, `alliance_in_setup`).
public enum AllianceSetup {
    public static func isOpen(_ alliance: AllianceID, on connection: PostgresConnection) async throws -> Bool
    {
        try await connection.query("SELECT alliance_in_setup(\(alliance.rawValue)) AS open").single()
            .decode("open", as: Bool.self)
    }

    public static func isOpen(_ alliance: AllianceID, pool: PostgresPool) async throws -> Bool {
        try await pool.withConnection { connection in try await isOpen(alliance, on: connection) }
    }

    /// Refuses the operator once the alliance is set up; anyone else passes (their roles are
    /// checked where they act).
    static func requireOperatorWindow(
        _ caller: Caller, in alliance: Alliance, doing what: String, on connection: PostgresConnection
    ) async throws {
        guard caller.identity == .operator else { return }
        guard try await isOpen(alliance.id, on: connection) else { throw closed(alliance, doing: what) }
    }

    static func requireOperatorWindow(
        _ caller: Caller, in alliance: Alliance, doing what: String, pool: PostgresPool
    ) async throws {
        guard caller.identity == .operator else { return }
        guard try await isOpen(alliance.id, pool: pool) else { throw closed(alliance, doing: what) }
    }

    static func closed(_ alliance: Alliance, doing what: String) -> LedgerError {
        .forbidden(
            "the operator may \(what) only while \(alliance.slug) is being set up, until its first decision is carried; now a person of the partner does it with their own token, or a decision of the board"
        )
    }
}

extension LedgerError {
    /// The database's own refusal of a grant, a token or a vote (`insufficient_privilege`), as
    /// the library's: what the library checked may be a couple of seconds stale (the HTTP service
    /// trusts a token it has just read), and the database's answer is then the same refusal.
    static func forbiddingRefusals<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch {
            guard let refusal = error as? PostgresError, refusal.sqlState == .insufficientPrivilege else {
                throw error
            }
            throw LedgerError.forbidden(refusal.message)
        }
    }
}
