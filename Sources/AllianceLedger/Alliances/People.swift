public import Dates
import Foundation
public import Postgres

/// What a person may do in an alliance.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    /// Adds, changes and removes the people of their own partner, and issues and revokes their
    /// tokens.
    case admin
    /// Records spend for their own partner, and the outcome measurements of measures it reports;
    /// validates or rejects other partners' measurements.
    case finance
    /// Proposes decisions and votes for their own partner.
    case board
    /// Reads everything, including unpublished figures; validates or rejects measurements of
    /// partners other than their own.
    case auditor

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Someone from a partner organisation, with roles in the alliance; or an auditor appointed by
/// decision, who belongs to no partner.
public struct Person: Hashable, Sendable {
    public let id: Int64
    public let alliance: AllianceID
    public let name: String
    public let email: String
    /// The partner's slug; nil for an auditor of no partner.
    public let partner: String?
    /// The roles held now; none once removed.
    public let roles: Set<Role>
    public let createdAt: Timestamp
    /// When the person was removed: their roles ended and their tokens revoked.
    public let removedAt: Timestamp?
}

/// A new person's name and address: the checks the database makes too.
public struct Appointee: Hashable, Sendable {
    public let name: String
    public let email: String

    public init(name: String, email: String) throws(LedgerError) {
        try Validate.text(name, field: "name", maximumLength: 200)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard Validate.length(of: email) <= Validate.maximumEmailLength, parts.count == 2, !parts[0].isEmpty,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.contains(where: { $0.isWhitespace })
        else {
            throw .invalidField("email", reason: "is not an e-mail address: \"\(email)\"")
        }
        self.name = name
        self.email = email
    }
}

public struct PersonRequest: Hashable, Sendable {
    public let name: String
    public let email: String
    public let partner: String
    public let roles: Set<Role>

    public init(name: String, email: String, partner: String, roles: Set<Role>) throws(LedgerError) {
        let appointee = try Appointee(name: name, email: email)
        try Validate.slug(partner, field: "partner", maximumLength: 40)
        guard !roles.isEmpty else {
            throw .invalidField("roles", reason: "must name at least one role")
        }
        self.name = appointee.name
        self.email = appointee.email
        self.partner = partner
        self.roles = roles
    }
}

/// Who grants a role or issues a token, as the database records it: an admin of the person's
/// own partner, the operator while the alliance is set up, or a carried decision.
enum Grantor: Hashable, Sendable {
    case admin(Int64)
    case `operator`(token: Int64?)
    case decision(Int64)

    var kind: String {
        switch self {
        case .admin: "admin"
        case .operator: "operator"
        case .decision: "decision"
        }
    }

    var personID: Int64? { if case .admin(let id) = self { id } else { nil } }
    var tokenID: Int64? { if case .operator(let token) = self { token } else { nil } }
    var decisionID: Int64? { if case .decision(let id) = self { id } else { nil } }

    /// What the caller may do to the people of `partner`: an admin only to their own partner's,
    /// the operator only while the alliance is set up.
    static func managing(
        _ partner: String?, by caller: Caller, in alliance: Alliance, doing what: String,
        on connection: PostgresConnection
    ) async throws -> Grantor {
        switch caller.identity {
        case .operator:
            try await AllianceSetup.requireOperatorWindow(caller, in: alliance, doing: what, on: connection)
            return .operator(token: caller.tokenID)
        case .person(let admin):
            try caller.require([.admin], in: alliance.id)
            guard let partner, admin.partner == partner else {
                throw LedgerError.forbidden(
                    "\(admin.email) is an admin of \(admin.partner ?? "no partner"); the people of \(partner ?? "no partner") are their own partner's business"
                )
            }
            return .admin(admin.id)
        }
    }
}

extension AllianceDirectory {
    /// Adds a person to a partner, with roles: by an admin of that partner, or by the operator
    /// while the alliance is set up.
    @discardableResult
    public func addPerson(_ request: PersonRequest, to alliance: Alliance, by caller: Caller = .commandLine)
        async throws -> Person
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await addPerson(request, to: alliance, by: caller, on: connection)
        }
    }

    /// Adds the person and their roles inside the caller's transaction.
    @discardableResult
    public func addPerson(
        _ request: PersonRequest, to alliance: Alliance, by caller: Caller, on connection: PostgresConnection
    ) async throws -> Person {
        let grantor = try await Grantor.managing(
            request.partner, by: caller, in: alliance, doing: "add people", on: connection)
        let partner = try await AllianceDirectory.partner(request.partner, in: alliance.id, on: connection)
        let id = try await AllianceDirectory.insertPerson(
            try Appointee(name: request.name, email: request.email), partner: partner.id, in: alliance,
            by: .caller(caller), on: connection)
        try await LedgerError.forbiddingRefusals {
            try await AllianceDirectory.grant(
                request.roles, to: id, by: grantor, actor: .caller(caller), in: alliance, on: connection)
        }
        return try await person(id, in: alliance.id, on: connection)
    }

    /// Inserts a person of `partner` (nil: of no partner) and logs it.
    static func insertPerson(
        _ appointee: Appointee, partner: Int64?, in alliance: Alliance, by actor: GovernanceActor,
        details extra: [String: String] = [:], on connection: PostgresConnection
    ) async throws -> Int64 {
        let id: Int64
        do {
            id = try await connection.query(
                """
                INSERT INTO people (alliance_id, name, email, partner_id)
                VALUES (\(alliance.id.rawValue), \(appointee.name), \(appointee.email), \(partner))
                RETURNING id
                """
            ).single().decode("id", as: Int64.self)
        } catch {
            // A typed catch with a pattern here trips the compiler (Swift 6.3): test the error inside.
            guard error.violates(constraint: "people_email_key") else { throw error }
            throw LedgerError.exists("\(appointee.email) is already a person in \(alliance.slug)")
        }
        try await GovernanceLog.append(
            "person.added", by: actor,
            details: extra.merging(["person": String(id), "name": appointee.name]) { $1 },
            in: alliance.id, on: connection)
        return id
    }

    /// Grants `roles` to a person, each logged with its grantor.
    static func grant(
        _ roles: Set<Role>, to person: Int64, by grantor: Grantor, actor: GovernanceActor,
        in alliance: Alliance,
        details extra: [String: String] = [:], on connection: PostgresConnection
    ) async throws {
        for role in roles.sorted() {
            let grant = try await connection.query(
                """
                INSERT INTO role_grants (alliance_id, person_id, role, grantor, grantor_person_id,
                                         grantor_token_id, grantor_decision_id)
                VALUES (\(alliance.id.rawValue), \(person), \(role.rawValue), \(grantor.kind), \(grantor.personID),
                        \(grantor.tokenID), \(grantor.decisionID))
                RETURNING id
                """
            ).single().decode("id", as: Int64.self)
            try await GovernanceLog.append(
                "role.granted", by: actor,
                details: extra.merging([
                    "person": String(person), "role": role.rawValue, "grant": String(grant),
                ]) {
                    $1
                }, in: alliance.id, on: connection)
        }
    }

    /// Sets a person's roles to exactly `roles`: grants what is missing and ends what is not
    /// listed. By an admin of the person's partner, or the operator while the alliance is set up.
    public func setRoles(_ roles: Set<Role>, of id: Int64, in alliance: Alliance, by caller: Caller)
        async throws
        -> Person
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await setRoles(roles, of: id, in: alliance, by: caller, on: connection)
        }
    }

    public func setRoles(
        _ roles: Set<Role>, of id: Int64, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> Person {
        guard !roles.isEmpty else {
            throw LedgerError.invalidField(
                "roles", reason: "must name at least one role; to end them all, remove the person")
        }
        let current = try await AllianceDirectory.lockPerson(id, in: alliance.id, on: connection)
        let grantor = try await Grantor.managing(
            current.partner, by: caller, in: alliance, doing: "change roles", on: connection)
        // Granting comes before ending, and `end` ends admin last: an admin who changes their
        // own roles is still one while the database checks each change.
        try await LedgerError.forbiddingRefusals {
            try await AllianceDirectory.grant(
                roles.subtracting(current.roles), to: id, by: grantor, actor: .caller(caller), in: alliance,
                on: connection)
            try await AllianceDirectory.end(
                current.roles.subtracting(roles), of: current, by: grantor, actor: .caller(caller),
                in: alliance, on: connection)
        }
        return try await person(id, in: alliance.id, on: connection)
    }

    /// Removes a person: ends every role and revokes every token. By an admin of the person's
    /// partner, or the operator while the alliance is set up. The person stays in the records
    /// that name them.
    public func removePerson(_ id: Int64, in alliance: Alliance, by caller: Caller) async throws -> Person {
        try await pool.withTransaction(.readCommitted) { connection in
            try await removePerson(id, in: alliance, by: caller, on: connection)
        }
    }

    public func removePerson(
        _ id: Int64, in alliance: Alliance, by caller: Caller, on connection: PostgresConnection
    ) async throws -> Person {
        let current = try await AllianceDirectory.lockPerson(id, in: alliance.id, on: connection)
        let grantor = try await Grantor.managing(
            current.partner, by: caller, in: alliance, doing: "remove people", on: connection)
        // Tokens first and the admin role last: an admin removing themselves is still one while
        // the database checks each step.
        try await LedgerError.forbiddingRefusals {
            for token in try await connection.query(
                """
                SELECT id FROM api_tokens
                WHERE alliance_id = \(alliance.id.rawValue) AND person_id = \(id) AND revoked_at IS NULL ORDER BY id
                """
            ).map({ try $0.decode("id", as: Int64.self) }) {
                try await TokenStore.markRevoked(
                    token, of: current, by: TokenStore.Revoker(grantor), actor: .caller(caller), in: alliance,
                    on: connection)
            }
            try await AllianceDirectory.end(
                current.roles, of: current, by: grantor, actor: .caller(caller), in: alliance, on: connection)
        }
        try await connection.execute(
            "UPDATE people SET removed_at = now() WHERE alliance_id = \(alliance.id.rawValue) AND id = \(id)")
        try await GovernanceLog.append(
            "person.removed", by: .caller(caller), details: ["person": String(id)], in: alliance.id,
            on: connection)
        return try await person(id, in: alliance.id, on: connection)
    }

    /// The person, locked until the transaction ends so that two changes to them take turns;
    /// refused once removed.
    static func lockPerson(_ id: Int64, in alliance: AllianceID, on connection: PostgresConnection)
        async throws
        -> Person
    {
        let locked = try await connection.query(
            "SELECT removed_at FROM people WHERE alliance_id = \(alliance.rawValue) AND id = \(id) FOR UPDATE"
        )
        guard let row = locked.first else { throw LedgerError.personNotFound(String(id)) }
        if let removed = try row.decode("removed_at", as: Timestamp?.self) {
            throw LedgerError.exists("person \(id) was removed at \(removed)")
        }
        return try await AllianceDirectory.people(in: alliance, id: id, on: connection)[0]
    }

    /// Ends the person's current grants of `roles`, each logged.
    static func end(
        _ roles: Set<Role>, of person: Person, by grantor: Grantor, actor: GovernanceActor,
        in alliance: Alliance,
        on connection: PostgresConnection
    ) async throws {
        // Admin last, so that an admin ending their own roles is one until the end.
        for role in roles.sorted(by: { ($0 == .admin ? 1 : 0, $0) < ($1 == .admin ? 1 : 0, $1) }) {
            try await connection.execute(
                """
                UPDATE role_grants SET ended_at = now(), ender = \(grantor.kind), ender_person_id = \(grantor.personID),
                                       ender_token_id = \(grantor.tokenID)
                WHERE alliance_id = \(alliance.id.rawValue) AND person_id = \(person.id) AND role = \(role.rawValue)
                  AND ended_at IS NULL
                """)
            try await GovernanceLog.append(
                "role.ended", by: actor, details: ["person": String(person.id), "role": role.rawValue],
                in: alliance.id, on: connection)
        }
    }

    public func people(in alliance: AllianceID) async throws -> [Person] {
        try await pool.withConnection { connection in
            try await AllianceDirectory.people(in: alliance, id: nil, on: connection)
        }
    }

    public func person(_ id: Int64, in alliance: AllianceID) async throws -> Person {
        try await pool.withConnection { connection in
            try await person(id, in: alliance, on: connection)
        }
    }

    public func person(_ id: Int64, in alliance: AllianceID, on connection: PostgresConnection) async throws
        -> Person
    {
        guard let person = try await AllianceDirectory.people(in: alliance, id: id, on: connection).first
        else {
            throw LedgerError.personNotFound(String(id))
        }
        return person
    }

    static func people(in alliance: AllianceID, id: Int64?, on connection: PostgresConnection) async throws
        -> [Person]
    {
        try await connection.query(
            """
            SELECT p.id, p.name, p.email, pa.slug AS partner, p.created_at, p.removed_at,
                   \(rolesColumn(person: "p")) AS roles
            FROM people AS p LEFT JOIN partners AS pa ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
            WHERE p.alliance_id = \(alliance.rawValue) AND (\(id)::bigint IS NULL OR p.id = \(id))
            ORDER BY p.id
            """
        ).map { row in try person(row, alliance: alliance) }
    }

    /// The roles of a person as one comma-separated column, for reading with ``person(_:alliance:)``.
    static func rolesColumn(person: PostgresQuery) -> PostgresQuery {
        """
        coalesce((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM person_roles AS r
                  WHERE r.alliance_id = \(person).alliance_id AND r.person_id = \(person).id), '')
        """
    }

    /// A person from the columns id, name, email, partner (slug), roles, created_at and
    /// removed_at.
    static func person(_ row: PostgresRow, alliance: AllianceID) throws -> Person {
        Person(
            id: try row.decode("id"), alliance: alliance, name: try row.decode("name"),
            email: try row.decode("email"), partner: try row.decode("partner"),
            roles: Set(try row.decodeList("roles", as: Role.self)),
            createdAt: try row.decode("created_at"), removedAt: try row.decode("removed_at"))
    }
}
