public import Dates
public import Postgres

public enum PartnerKind: String, CaseIterable, Sendable, Codable {
    case commissioner
    case nhsProvider = "nhs-provider"
    case localAuthority = "local-authority"
    case vcse
    case other
}

/// An organisation in the alliance. Only current partners vote.
public struct Partner: Hashable, Sendable, Encodable {
    public let id: Int64
    public let slug: String
    public let name: String
    public let kind: PartnerKind
    public let joinedOn: CalendarDate
    @ExplicitNull public private(set) var leftOn: CalendarDate?
    public let createdAt: Timestamp

    /// Whether the partner is in the alliance on `day`.
    public func isMember(on day: CalendarDate) -> Bool {
        day >= joinedOn && (leftOn.map { day <= $0 } ?? true)
    }

    /// What the partner spends on `budgetLine` (debit-normal).
    public func costAccount(_ budgetLine: String) -> AccountCode {
        Partner.costAccount(of: slug, budgetLine: budgetLine)
    }
    /// What funds the partner's spend: credited as it is spent.
    public var fundingAccount: AccountCode { Partner.fundingAccount(of: slug) }

    static func costAccount(of partner: String, budgetLine: String) -> AccountCode {
        AccountCode(trusted: "partner:\(partner):cost:\(budgetLine)")
    }

    static func fundingAccount(of partner: String) -> AccountCode {
        AccountCode(trusted: "partner:\(partner):funding")
    }
}

public struct PartnerRequest: Hashable, Sendable {
    public let slug: String
    public let name: String
    public let kind: PartnerKind
    /// Nil: the contract's start, or today when the contract has no dates.
    public let joinedOn: CalendarDate?

    public init(slug: String, name: String, kind: PartnerKind, joinedOn: CalendarDate? = nil)
        throws(LedgerError)
    {
        try Validate.slug(slug, field: "slug", maximumLength: 40)
        try Validate.text(name, field: "name", maximumLength: 200)
        self.slug = slug
        self.name = name
        self.kind = kind
        self.joinedOn = joinedOn
    }
}

/// A heading of the budget, such as STAFF or PREMISES.
public struct BudgetLine: Hashable, Sendable, Encodable {
    public let id: Int64
    public let code: String
    public let name: String
    public let createdAt: Timestamp
}

public struct BudgetLineRequest: Hashable, Sendable {
    public let code: String
    public let name: String

    public init(code: String, name: String) throws(LedgerError) {
        let bytes = Array(code.utf8)
        let plain = bytes.allSatisfy { (65...90).contains($0) || (48...57).contains($0) || $0 == 95 }
        guard (1...32).contains(bytes.count), plain, let first = bytes.first, (65...90).contains(first) else {
            throw .invalidField(
                "code",
                reason:
                    "must be 1 to 32 upper-case letters, digits and underscores, starting with a letter, not \"\(code)\""
            )
        }
        try Validate.text(name, field: "name", maximumLength: 200)
        self.code = code
        self.name = name
    }
}

extension AllianceDirectory {
    // MARK: Partners

    /// Adds a partner and opens its accounts: funding, and a cost account for every budget line.
    /// The operator does this while the alliance is set up; afterwards a partner joins only by a
    /// carried `partner.admit` decision.
    @discardableResult
    public func addPartner(_ request: PartnerRequest, to alliance: Alliance, by caller: Caller = .commandLine)
        async throws -> Partner
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await addPartner(request, to: alliance, by: caller, on: connection)
        }
    }

    /// Adds the partner inside the caller's transaction.
    @discardableResult
    public func addPartner(
        _ request: PartnerRequest, to alliance: Alliance, by caller: Caller, on connection: PostgresConnection
    ) async throws -> Partner {
        try await AllianceDirectory.requireOperatorSettingUp(
            caller, alliance, doing: "add partners", on: connection)
        return try await AllianceDirectory.insertPartner(
            request, joinedOn: request.joinedOn ?? alliance.contractStart ?? CalendarDate.today,
            admittedBy: nil, in: alliance, actor: .caller(caller), on: connection)
    }

    /// Alliance-wide structure is the operator's to set up, and the board's to change by
    /// decision afterwards: no person of one partner sets it.
    static func requireOperatorSettingUp(
        _ caller: Caller, _ alliance: Alliance, doing what: String, on connection: PostgresConnection
    ) async throws {
        guard caller.identity == .operator else {
            throw LedgerError.forbidden(
                "only the operator may \(what), while the alliance is set up; afterwards the board decides it"
            )
        }
        try await AllianceSetup.requireOperatorWindow(caller, in: alliance, doing: what, on: connection)
    }

    /// Adds the partner and opens its accounts inside the caller's transaction; `admittedBy`
    /// names the carried `partner.admit` decision, if it came by one.
    static func insertPartner(
        _ request: PartnerRequest, joinedOn: CalendarDate, admittedBy decision: Int64?, in alliance: Alliance,
        actor: GovernanceActor, details: [String: String] = [:], on connection: PostgresConnection
    ) async throws -> Partner {
        do {
            let partner = try AllianceDirectory.partner(
                try await connection.query(
                    """
                    INSERT INTO partners (alliance_id, slug, name, kind, joined_on, admitted_by)
                    VALUES (\(alliance.id.rawValue), \(request.slug), \(request.name),
                            \(request.kind.rawValue), \(joinedOn), \(decision))
                    RETURNING \(AllianceDirectory.partnerColumns)
                    """
                ).single())
            try await connection.execute(
                """
                INSERT INTO accounts (alliance_id, code, type)
                SELECT \(alliance.id.rawValue), \(partner.fundingAccount.rawValue), 'liability'
                UNION ALL
                SELECT alliance_id, 'partner:' || \(partner.slug) || ':cost:' || code, 'expense'
                FROM budget_lines WHERE alliance_id = \(alliance.id.rawValue)
                """)
            try await GovernanceLog.append(
                decision == nil ? "partner.added" : "partner.admitted", by: actor,
                details: details.merging(["partner": partner.slug, "joinedOn": joinedOn.description]) { $1 },
                in: alliance.id, on: connection)
            return partner
        } catch let error as PostgresError where error.violates(constraint: "partners_slug_key") {
            throw LedgerError.exists("partner \(request.slug) already exists in \(alliance.slug)")
        }
    }

    public func partners(in alliance: AllianceID) async throws -> [Partner] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT \(AllianceDirectory.partnerColumns) FROM partners
                WHERE alliance_id = \(alliance.rawValue) ORDER BY slug
                """
            ).map(AllianceDirectory.partner)
        }
    }

    public func partner(_ slug: String, in alliance: AllianceID) async throws -> Partner {
        try await pool.withConnection { connection in
            try await AllianceDirectory.partner(slug, in: alliance, on: connection)
        }
    }

    static func partner(_ slug: String, in alliance: AllianceID, on connection: PostgresConnection)
        async throws
        -> Partner
    {
        let rows = try await connection.query(
            """
            SELECT \(AllianceDirectory.partnerColumns) FROM partners
            WHERE alliance_id = \(alliance.rawValue) AND slug = \(slug)
            """)
        guard let row = rows.first else { throw LedgerError.partnerNotFound(slug) }
        return try AllianceDirectory.partner(row)
    }

    /// The partner, after checking in the same statement that the budget line exists: what
    /// recording spend needs, in one round trip.
    func partner(_ slug: String, withLine budgetLine: String, in alliance: AllianceID) async throws -> Partner
    {
        let row = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT \(AllianceDirectory.partnerColumns),
                       EXISTS (SELECT 1 FROM budget_lines AS l
                               WHERE l.alliance_id = \(alliance.rawValue) AND l.code = \(budgetLine)) AS line_exists
                FROM (SELECT 1) AS one
                LEFT JOIN partners ON alliance_id = \(alliance.rawValue) AND slug = \(slug)
                """
            ).single()
        }
        guard try row.decode("id", as: Int64?.self) != nil else { throw LedgerError.partnerNotFound(slug) }
        guard try row.decode("line_exists", as: Bool.self) else {
            throw LedgerError.budgetLineNotFound(budgetLine)
        }
        return try AllianceDirectory.partner(row)
    }

    static let partnerColumns: PostgresQuery = "id, slug, name, kind, joined_on, left_on, created_at"

    static func partner(_ row: PostgresRow) throws -> Partner {
        Partner(
            id: try row.decode("id"), slug: try row.decode("slug"), name: try row.decode("name"),
            kind: try row.decode("kind", as: PartnerKind.self),
            joinedOn: try row.decode("joined_on"),
            leftOn: try row.decode("left_on"), createdAt: try row.decode("created_at"))
    }

    // MARK: Budget lines

    /// Adds a budget line and opens every partner's cost account for it. The operator does this
    /// while the alliance is set up; afterwards a carried `budgetLine.add` decision does.
    @discardableResult
    public func addBudgetLine(
        _ request: BudgetLineRequest, to alliance: Alliance, by caller: Caller = .commandLine
    ) async throws -> BudgetLine {
        try await pool.withTransaction(.readCommitted) { connection in
            try await addBudgetLine(request, to: alliance, by: caller, on: connection)
        }
    }

    /// Adds the budget line inside the caller's transaction.
    @discardableResult
    public func addBudgetLine(
        _ request: BudgetLineRequest, to alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> BudgetLine {
        try await AllianceDirectory.requireOperatorSettingUp(
            caller, alliance, doing: "add budget lines", on: connection)
        return try await AllianceDirectory.insertBudgetLine(
            request, addedBy: nil, in: alliance, actor: .caller(caller), on: connection)
    }

    /// Adds the budget line and opens its accounts; `decision` names the carried `budgetLine.add`
    /// decision when it came by one.
    static func insertBudgetLine(
        _ request: BudgetLineRequest, addedBy decision: Int64?, in alliance: Alliance, actor: GovernanceActor,
        details: [String: String] = [:], on connection: PostgresConnection
    ) async throws -> BudgetLine {
        do {
            let budgetLine = try AllianceDirectory.budgetLine(
                try await connection.query(
                    """
                    INSERT INTO budget_lines (alliance_id, code, name, added_by)
                    VALUES (\(alliance.id.rawValue), \(request.code), \(request.name), \(decision))
                    RETURNING \(AllianceDirectory.budgetLineColumns)
                    """
                ).single())
            try await connection.execute(
                """
                INSERT INTO accounts (alliance_id, code, type)
                SELECT alliance_id, 'partner:' || slug || ':cost:' || \(budgetLine.code), 'expense'
                FROM partners WHERE alliance_id = \(alliance.id.rawValue)
                """)
            try await GovernanceLog.append(
                "budgetLine.added", by: actor,
                details: details.merging(["budgetLine": budgetLine.code]) { $1 },
                in: alliance.id, on: connection)
            return budgetLine
        } catch let error as PostgresError where error.violates(constraint: "budget_lines_code_key") {
            throw LedgerError.exists("budget line \(request.code) already exists in \(alliance.slug)")
        }
    }

    public func budgetLines(in alliance: AllianceID) async throws -> [BudgetLine] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT \(AllianceDirectory.budgetLineColumns) FROM budget_lines
                WHERE alliance_id = \(alliance.rawValue) ORDER BY code
                """
            ).map(AllianceDirectory.budgetLine)
        }
    }

    public func budgetLine(_ code: String, in alliance: AllianceID) async throws -> BudgetLine {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT \(AllianceDirectory.budgetLineColumns) FROM budget_lines
                WHERE alliance_id = \(alliance.rawValue) AND code = \(code)
                """)
        }
        guard let row = rows.first else { throw LedgerError.budgetLineNotFound(code) }
        return try AllianceDirectory.budgetLine(row)
    }

    static let budgetLineColumns: PostgresQuery = "id, code, name, created_at"

    static func budgetLine(_ row: PostgresRow) throws -> BudgetLine {
        BudgetLine(
            id: try row.decode("id"), code: try row.decode("code"), name: try row.decode("name"),
            createdAt: try row.decode("created_at"))
    }
}
