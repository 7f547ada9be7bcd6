import Foundation
public import Postgres

/// What a person may do in an alliance.
public enum Role: String, CaseIterable, Sendable, Codable, Comparable {
    /// Sets up the alliance, its partners, lines, people and tokens.
    case admin
    /// Records spend for their own partner, and outcome measurements.
    case finance
    /// Proposes decisions and votes for their own partner.
    case board
    /// Reads everything, including unpublished figures.
    case auditor

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Someone from a partner organisation, with roles in the alliance.
public struct Person: Hashable, Sendable {
    public let id: Int64
    public let alliance: AllianceID
    public let name: String
    public let email: String
    /// The partner's slug.
    public let partner: String
    public let roles: Set<Role>
    public let createdAt: Timestamp
}

public struct PersonRequest: Hashable, Sendable {
    public let name: String
    public let email: String
    public let partner: String
    public let roles: Set<Role>

    public init(name: String, email: String, partner: String, roles: Set<Role>) throws(LedgerError) {
        try EntryRequest.checkText(name, field: "name", maximumLength: 200)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard Validate.length(of: email) <= Validate.maximumEmailLength, parts.count == 2, !parts[0].isEmpty,
            parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.contains(where: { $0.isWhitespace })
        else {
            throw .invalidText(field: "email", reason: "is not an e-mail address: \"\(email)\"")
        }
        try Validate.slug(partner, field: "partner", maximumLength: 40)
        guard !roles.isEmpty else {
            throw .invalidText(field: "roles", reason: "must name at least one role")
        }
        self.name = name
        self.email = email
        self.partner = partner
        self.roles = roles
    }
}

extension AllianceDirectory {
    @discardableResult
    public func addPerson(_ request: PersonRequest, to alliance: Alliance) async throws -> Person {
        try await pool.withTransaction(.readCommitted) { connection in
            try await addPerson(request, to: alliance, on: connection)
        }
    }

    /// Adds the person and their roles inside the caller's transaction.
    @discardableResult
    public func addPerson(_ request: PersonRequest, to alliance: Alliance, on connection: PostgresConnection)
        async throws -> Person
    {
        do {
            let rows = try await connection.query(
                """
                INSERT INTO people (alliance_id, name, email, partner_id)
                SELECT \(alliance.id.rawValue), \(request.name), \(request.email), id
                FROM partners WHERE alliance_id = \(alliance.id.rawValue) AND slug = \(request.partner)
                RETURNING id
                """)
            guard let row = rows.first else { throw LedgerError.partnerNotFound(request.partner) }
            let id: Int64 = try row.decode("id")
            try await connection.execute(
                """
                INSERT INTO person_roles (alliance_id, person_id, role)
                SELECT \(alliance.id.rawValue), \(id), unnest(\(request.roles.map(\.rawValue).sorted())::text[])
                """)
            return try await AllianceDirectory.people(in: alliance.id, id: id, on: connection)[0]
        } catch let error as PostgresError where error.violates(constraint: "people_email_key") {
            throw LedgerError.exists("\(request.email) is already a person in \(alliance.slug)")
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
            SELECT p.id, p.name, p.email, pa.slug AS partner, p.created_at,
                   \(rolesColumn(person: "p")) AS roles
            FROM people AS p JOIN partners AS pa ON pa.alliance_id = p.alliance_id AND pa.id = p.partner_id
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

    /// A person from the columns id, name, email, partner (slug), roles and created_at.
    static func person(_ row: PostgresRow, alliance: AllianceID) throws -> Person {
        Person(
            id: try row.decode("id"), alliance: alliance, name: try row.decode("name"),
            email: try row.decode("email"), partner: try row.decode("partner"),
            roles: Set(
                try row.decode("roles", as: String.self).split(separator: ",").compactMap {
                    Role(rawValue: String($0))
                }),
            createdAt: try row.decode("created_at"))
    }
}
