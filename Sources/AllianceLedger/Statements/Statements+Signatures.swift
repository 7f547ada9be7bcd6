import Crypto
public import Dates
import Foundation
public import Postgres

/// A partner's Ed25519 public key, registered by one of its board members to co-sign
/// statements.
public struct PartnerKey: Hashable, Sendable, Encodable {
    public let id: Int64
    public let partner: String
    /// The 32-byte public key, base64.
    public let publicKey: String
    /// SHA-256 of the raw key, hex: what a verifier pins and prints.
    public let fingerprint: String
    public let registeredBy: String
    public let registeredAt: Timestamp
    @ExplicitNull public private(set) var revokedAt: Timestamp?
}

extension Statements {
    // MARK: Keys

    /// Registers a partner's Ed25519 public key: by a board member of that partner only.
    public func registerKey(
        _ publicKey: String, for partner: String, in alliance: Alliance, by caller: Caller
    )
        async throws -> PartnerKey
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await registerKey(publicKey, for: partner, in: alliance, by: caller, on: connection)
        }
    }

    /// The same, in the caller's transaction.
    public func registerKey(
        _ publicKey: String, for partner: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    )
        async throws -> PartnerKey
    {
        let raw = try Statements.decodeBase64(publicKey, bytes: 32, field: "publicKey")
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw LedgerError.invalidField("publicKey", reason: "is not an Ed25519 public key")
        }
        let member = try Statements.boardMember(caller, of: partner, in: alliance, doing: "register its keys")
        let partnerID = try await AllianceDirectory.partner(partner, in: alliance.id, on: connection).id
        let id: Int64
        do {
            id = try await LedgerError.forbiddingRefusals {
                try await connection.query(
                    """
                    INSERT INTO partner_keys (alliance_id, partner_id, public_key, registered_by)
                    VALUES (\(alliance.id.rawValue), \(partnerID), \(Data(raw)), \(member.id)) RETURNING id
                    """
                ).single().decode("id", as: Int64.self)
            }
        } catch let error as PostgresError where error.violates(constraint: "partner_keys_unique") {
            throw LedgerError.exists("this public key is registered already")
        }
        try await GovernanceLog.append(
            "key.registered", by: .caller(caller), details: ["partner": partner, "key": String(id)],
            in: alliance.id, on: connection)
        return try await Statements.key(id, in: alliance.id, on: connection)
    }

    /// A partner's keys, revoked ones included: public, as anyone verifying a statement needs
    /// them.
    public func keys(of partner: String, in alliance: AllianceID) async throws -> [PartnerKey] {
        try await pool.withConnection { connection in
            let partnerID = try await AllianceDirectory.partner(partner, in: alliance, on: connection).id
            return try await Statements.keys(
                where: "k.partner_id = \(partnerID)", in: alliance, on: connection)
        }
    }

    /// Every key of the alliance's partners.
    public func keys(in alliance: AllianceID) async throws -> [PartnerKey] {
        try await pool.withConnection { connection in
            try await Statements.keys(where: "TRUE", in: alliance, on: connection)
        }
    }

    /// Revokes a key: by a board member of its partner. Signatures made with it before stay.
    public func revokeKey(_ id: Int64, of partner: String, in alliance: Alliance, by caller: Caller)
        async throws
        -> PartnerKey
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await revokeKey(id, of: partner, in: alliance, by: caller, on: connection)
        }
    }

    /// The same, in the caller's transaction.
    public func revokeKey(
        _ id: Int64, of partner: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    )
        async throws
        -> PartnerKey
    {
        let member = try Statements.boardMember(caller, of: partner, in: alliance, doing: "revoke its keys")
        let key = try await Statements.key(id, in: alliance.id, on: connection)
        guard key.partner == partner else { throw LedgerError.keyNotFound(id) }
        guard key.revokedAt == nil else { return key }
        _ = try await LedgerError.forbiddingRefusals {
            try await connection.execute(
                """
                UPDATE partner_keys SET revoked_at = now(), revoked_by = \(member.id)
                WHERE alliance_id = \(alliance.id.rawValue) AND id = \(id)
                """)
        }
        try await GovernanceLog.append(
            "key.revoked", by: .caller(caller), details: ["partner": partner, "key": String(id)],
            in: alliance.id, on: connection)
        return try await Statements.key(id, in: alliance.id, on: connection)
    }

    static func key(_ id: Int64, in alliance: AllianceID, on connection: PostgresConnection) async throws
        -> PartnerKey
    {
        guard let key = try await keys(where: "k.id = \(id)", in: alliance, on: connection).first else {
            throw LedgerError.keyNotFound(id)
        }
        return key
    }

    private static func keys(
        where condition: PostgresQuery, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> [PartnerKey]
    {
        try await connection.query(
            """
            SELECT k.id, p.slug, k.public_key, people.email, k.registered_at, k.revoked_at
            FROM partner_keys AS k
            JOIN partners AS p ON p.alliance_id = k.alliance_id AND p.id = k.partner_id
            JOIN people ON people.alliance_id = k.alliance_id AND people.id = k.registered_by
            WHERE k.alliance_id = \(alliance.rawValue) AND \(condition)
            ORDER BY k.id
            """
        ).map { row in
            let raw: Data = try row.decode("public_key")
            return PartnerKey(
                id: try row.decode("id"), partner: try row.decode("slug"),
                publicKey: raw.base64EncodedString(),
                fingerprint: Digest(Array(SHA256.hash(data: raw))).description,
                registeredBy: try row.decode("email"),
                registeredAt: try row.decode("registered_at"), revokedAt: try row.decode("revoked_at"))
        }
    }

    // MARK: Checkpoints and signatures

    /// What a co-signature covers, exactly these bytes (C2SP tlog-checkpoint's shape): the
    /// origin, the journal tree's size and root, the statement's hash, the governance log's
    /// tree, and for a statement published with files, the hash of its `SHA256SUMS`.
    public func checkpoint(_ number: String, in alliance: AllianceID) async throws -> String {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        return try await pool.withConnection { connection in
            try await Statements.checkpoint(value, in: alliance, on: connection)
        }
    }

    static func checkpoint(_ number: Int, in alliance: AllianceID, on connection: PostgresConnection)
        async throws
        -> String
    {
        guard
            let row = try await connection.query(
                """
                SELECT origin, journal_tree_size, journal_root, hash, governance_tree_size, governance_root,
                       files_hash
                FROM statements WHERE alliance_id = \(alliance.rawValue) AND number = \(Int32(clamping: number))
                """
            ).first
        else { throw LedgerError.statementNotFound(Statement.reference(number)) }
        let journalRoot: Data = try row.decode("journal_root")
        let governanceRoot: Data = try row.decode("governance_root")
        let hash: Digest = try row.decode("hash")
        // A statement published before files existed has no files line: its checkpoint, and
        // every signature over it, stay exactly as they were.
        let files: Digest? = try row.decode("files_hash")
        return """
            \(try row.decode("origin", as: String.self))
            \(try row.decode("journal_tree_size", as: Int64.self))
            \(journalRoot.base64EncodedString())
            statement \(Statement.reference(number)) sha256:\(hash)
            governance \(try row.decode("governance_tree_size", as: Int64.self)) \(governanceRoot.base64EncodedString())

            """ + (files.map(StatementFiles.filesLine) ?? "")
    }

    /// Adds a board member's Ed25519 signature over the statement's checkpoint, made with one
    /// of their own partner's registered, unrevoked keys. Signatures are kept beside the
    /// statement and never change it.
    public func sign(
        _ number: String, key publicKey: String, signature: String, in alliance: Alliance, by caller: Caller
    ) async throws -> StatementListing {
        try await pool.withTransaction(.readCommitted) { connection in
            try await sign(
                number, key: publicKey, signature: signature, in: alliance, by: caller, on: connection)
        }
    }

    /// The same, in the caller's transaction.
    public func sign(
        _ number: String, key publicKey: String, signature: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> StatementListing {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        let rawKey = try Statements.decodeBase64(publicKey, bytes: 32, field: "key")
        let rawSignature = try Statements.decodeBase64(signature, bytes: 64, field: "signature")
        try caller.require([.board], in: alliance.id)
        guard case .person(let member) = caller.identity, let partner = member.partner else {
            throw LedgerError.forbidden("a statement is signed by a board member of a partner")
        }
        let checkpoint = try await Statements.checkpoint(value, in: alliance.id, on: connection)
        let keys = try await Statements.keys(
            where: "k.public_key = \(Data(rawKey)) AND k.revoked_at IS NULL", in: alliance.id,
            on: connection)
        guard let key = keys.first, key.partner == partner else {
            throw LedgerError.forbidden("this key is not a current registered key of \(partner)")
        }
        guard
            try Curve25519.Signing.PublicKey(rawRepresentation: rawKey).isValidSignature(
                rawSignature, for: Data(checkpoint.utf8))
        else {
            throw LedgerError.invalidField(
                "signature", reason: "does not verify over \(number)'s checkpoint with this key")
        }
        do {
            _ = try await LedgerError.forbiddingRefusals {
                try await connection.execute(
                    """
                    INSERT INTO statement_signatures (alliance_id, statement_number, key_id, partner_id, signature, signed_by)
                    SELECT \(alliance.id.rawValue), \(Int32(value)), \(key.id), p.id, \(Data(rawSignature)), \(member.id)
                    FROM partners AS p WHERE p.alliance_id = \(alliance.id.rawValue) AND p.slug = \(partner)
                    """)
            }
        } catch let error as PostgresError where error.violates(constraint: "statement_signatures_pkey") {
            throw LedgerError.exists("\(number) is signed with this key already")
        }
        try await GovernanceLog.append(
            "statement.signed", by: .caller(caller),
            details: ["statement": number, "partner": partner, "key": String(key.id)], in: alliance.id,
            on: connection)
        return try await Statements.listing(value, in: alliance.id, on: connection)
    }

    /// The signatures of a statement: for a verifier, with the keys' public halves.
    public func signatures(_ number: String, in alliance: AllianceID) async throws
        -> [(partner: String, key: PartnerKey, signature: String, at: Timestamp)]
    {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        return try await pool.withConnection { connection in
            var found: [(partner: String, key: PartnerKey, signature: String, at: Timestamp)] = []
            for row in try await connection.query(
                """
                SELECT g.key_id, g.signature, g.signed_at FROM statement_signatures AS g
                WHERE g.alliance_id = \(alliance.rawValue) AND g.statement_number = \(Int32(clamping: value))
                ORDER BY g.signed_at, g.key_id
                """)
            {
                let key = try await Statements.key(try row.decode("key_id"), in: alliance, on: connection)
                found.append(
                    (
                        key.partner, key, try row.decode("signature", as: Data.self).base64EncodedString(),
                        try row.decode("signed_at")
                    ))
            }
            return found
        }
    }

    // MARK: Commentary

    /// A partner's finance lead explains a line's variance for a period, before it is published;
    /// the latest note is the one a statement freezes.
    public func comment(
        _ text: String, on period: String, partner: String, budgetLine: String, in alliance: Alliance,
        by caller: Caller
    ) async throws -> Statement.Commentary {
        try await pool.withTransaction(.readCommitted) { connection in
            try await comment(
                text, on: period, partner: partner, budgetLine: budgetLine, in: alliance, by: caller,
                on: connection)
        }
    }

    /// The same, in the caller's transaction.
    public func comment(
        _ text: String, on period: String, partner: String, budgetLine: String, in alliance: Alliance,
        by caller: Caller, on connection: PostgresConnection
    ) async throws -> Statement.Commentary {
        try Validate.text(text, field: "text", maximumLength: 2000)
        let period = try Statements.period(period, of: alliance)
        try caller.require(.finance, for: partner, in: alliance.id)
        guard case .person(let person) = caller.identity else {
            throw LedgerError.forbidden(
                "commentary is a finance lead's, of their own partner; the operator has none")
        }
        let partnerID = try await AllianceDirectory.partner(partner, in: alliance.id, on: connection).id
        let budgetLineID = try await connection.query(
            "SELECT id FROM budget_lines WHERE alliance_id = \(alliance.id.rawValue) AND code = \(budgetLine)"
        ).first?.decode("id", as: Int64.self)
        guard let budgetLineID else { throw LedgerError.budgetLineNotFound(budgetLine) }
        let at: Timestamp = try await LedgerError.forbiddingRefusals {
            try await connection.query(
                """
                INSERT INTO statement_commentary (alliance_id, period, partner_id, budget_line_id, text, recorded_by)
                VALUES (\(alliance.id.rawValue), \(period.description), \(partnerID), \(budgetLineID), \(text), \(person.id))
                RETURNING recorded_at
                """
            ).single().decode("recorded_at")
        }
        return Statement.Commentary(
            partner: partner, budgetLine: budgetLine, text: text, by: person.email, at: at)
    }

    // MARK: Helpers

    private static func boardMember(
        _ caller: Caller, of partner: String, in alliance: Alliance, doing what: String
    )
        throws(LedgerError) -> Person
    {
        try caller.require(.board, for: partner, in: alliance.id)
        guard case .person(let person) = caller.identity else {
            throw .forbidden("only a board member of \(partner) may \(what); the operator has no partner")
        }
        return person
    }

    static func decodeBase64(_ text: String, bytes: Int, field: String) throws(LedgerError) -> [UInt8] {
        guard let data = Data(base64Encoded: text), data.count == bytes else {
            throw .invalidField(field, reason: "must be \(bytes) bytes in base64")
        }
        return Array(data)
    }
}
