public import Dates
public import Postgres

/// One figure of a financial year's budget, and the decision that set it.
public struct BudgetFigure: Hashable, Sendable, Encodable {
    public let partner: String
    public let budgetLine: String
    public let amount: Int64
    /// The decision that set the figure, `D-0001`.
    public let decision: String
    public let setAt: Timestamp
}

/// A financial year's budget as a whole: what `budget show` and `GET …/budgets` answer.
public struct BudgetYear: Hashable, Sendable, Encodable {
    /// The financial year's name, `FY2025`.
    public let year: String
    public let figures: [BudgetFigure]

    /// `lines` on the wire, as the figures were first named there.
    private enum CodingKeys: String, CodingKey {
        case year
        case figures = "lines"
    }

    public init(year: Int, figures: [BudgetFigure]) {
        self.year = "FY\(year)"
        self.figures = figures
    }
}

/// One change to one figure.
public struct BudgetChange: Hashable, Sendable, Encodable {
    public let partner: String
    public let budgetLine: String
    /// Nil when the figure was first set.
    @ExplicitNull public private(set) var previous: Int64?
    public let amount: Int64
    /// The decision that made the change, `D-0001`.
    public let decision: String
    public let appliedAt: Timestamp
}

/// A figure to set: what a `budget.set` action lists.
public struct BudgetSetting: Hashable, Sendable {
    public let partner: String
    public let budgetLine: String
    public let amount: Int64

    public init(partner: String, budgetLine: String, amount: Int64) throws(LedgerError) {
        guard amount >= 0 else {
            throw .invalidField("amount", reason: "cannot be negative (\(amount))")
        }
        try Validate.amount(amount, field: "amount")
        self.partner = partner
        self.budgetLine = budgetLine
        self.amount = amount
    }
}

/// The alliance's budgets: an amount per (financial year, partner, budget line). They are read
/// by anyone in the alliance and change only when the board carries a decision.
public struct Budgets: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func figures(year: Int, in alliance: AllianceID) async throws -> [BudgetFigure] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT p.slug AS partner, l.code AS budget_line, b.amount, d.number, b.set_at
                FROM budgets AS b
                JOIN decisions AS d ON d.alliance_id = b.alliance_id AND d.id = b.decision_id
                JOIN partners AS p ON p.alliance_id = b.alliance_id AND p.id = b.partner_id
                JOIN budget_lines AS l ON l.alliance_id = b.alliance_id AND l.id = b.budget_line_id
                WHERE b.alliance_id = \(alliance.rawValue) AND b.financial_year = \(Int32(clamping: year))
                ORDER BY p.slug, l.code
                """
            ).map { row in
                BudgetFigure(
                    partner: try row.decode("partner"), budgetLine: try row.decode("budget_line"),
                    amount: try row.decode("amount"),
                    decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
                    setAt: try row.decode("set_at"))
            }
        }
    }

    /// Every change to the year's figures, oldest first.
    public func history(year: Int, in alliance: AllianceID) async throws -> [BudgetChange] {
        try await pool.withConnection { connection in
            try await Budgets.changes(
                in: alliance, where: "c.financial_year = \(Int32(clamping: year))", on: connection)
        }
    }

    /// The changes one carried decision made.
    static func changes(in alliance: AllianceID, decision: Int64, on connection: PostgresConnection)
        async throws
        -> [BudgetChange]
    {
        try await changes(in: alliance, where: "c.decision_id = \(decision)", on: connection)
    }

    private static func changes(
        in alliance: AllianceID, where condition: PostgresQuery, on connection: PostgresConnection
    ) async throws -> [BudgetChange] {
        try await connection.query(
            """
            SELECT p.slug AS partner, l.code AS budget_line, c.previous, c.amount, d.number, c.applied_at
            FROM budget_changes AS c
            JOIN decisions AS d ON d.alliance_id = c.alliance_id AND d.id = c.decision_id
            JOIN partners AS p ON p.alliance_id = c.alliance_id AND p.id = c.partner_id
            JOIN budget_lines AS l ON l.alliance_id = c.alliance_id AND l.id = c.budget_line_id
            WHERE c.alliance_id = \(alliance.rawValue) AND \(condition)
            ORDER BY c.id
            """
        ).map { row in
            BudgetChange(
                partner: try row.decode("partner"), budgetLine: try row.decode("budget_line"),
                previous: try row.decode("previous"), amount: try row.decode("amount"),
                decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
                appliedAt: try row.decode("applied_at"))
        }
    }

    /// Sets the listed figures of one year, inside the transaction that carries `decision` (a
    /// `budget.set` decision): the only way a budget changes. Figures not listed stay.
    static func apply(
        _ settings: [BudgetSetting], year: Int, decision: Int64, reference: String, in alliance: AllianceID,
        on connection: PostgresConnection
    ) async throws {
        let (partnerIDs, budgetLineIDs) = try await resolve(
            settings, year: year, in: alliance, on: connection)
        try await connection.execute(
            """
            SELECT budgets_apply(\(alliance.rawValue), \(Int32(year)), \(partnerIDs)::bigint[],
                                 \(budgetLineIDs)::bigint[], \(settings.map(\.amount))::bigint[], \(decision))
            """)
        for change in try await changes(in: alliance, decision: decision, on: connection) {
            try await GovernanceLog.append(
                "budget.changed", by: .decision,
                details: [
                    "decision": reference, "year": DecisionAction.yearName(year), "partner": change.partner,
                    "budgetLine": change.budgetLine, "amount": String(change.amount),
                    "previous": change.previous.map(String.init) ?? "",
                ], in: alliance, on: connection)
        }
    }

    /// The ids of the partners and budget lines the figures name, after checking that each exists and
    /// each figure is listed once.
    static func resolve(
        _ settings: [BudgetSetting], year: Int, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> (partners: [Int64], budgetLines: [Int64]) {
        try DecisionAction.check(year: year)
        var seen: Set<[String]> = []
        for setting in settings where !seen.insert([setting.partner, setting.budgetLine]).inserted {
            throw LedgerError.invalidField(
                "lines", reason: "list \(setting.partner) / \(setting.budgetLine) more than once")
        }
        let partners = try keyedIDs(
            try await connection.query(
                """
                SELECT slug AS key, id FROM partners
                WHERE alliance_id = \(alliance.rawValue) AND slug = ANY(\(settings.map(\.partner))::text[])
                """))
        let budgetLines = try keyedIDs(
            try await connection.query(
                """
                SELECT code AS key, id FROM budget_lines
                WHERE alliance_id = \(alliance.rawValue) AND code = ANY(\(settings.map(\.budgetLine))::text[])
                """))
        var partnerIDs: [Int64] = []
        var budgetLineIDs: [Int64] = []
        for setting in settings {
            guard let partner = partners[setting.partner] else {
                throw LedgerError.partnerNotFound(setting.partner)
            }
            guard let budgetLine = budgetLines[setting.budgetLine] else {
                throw LedgerError.budgetLineNotFound(setting.budgetLine)
            }
            partnerIDs.append(partner)
            budgetLineIDs.append(budgetLine)
        }
        return (partnerIDs, budgetLineIDs)
    }

    static func keyedIDs(_ rows: PostgresRows) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for row in rows { ids[try row.decode("key")] = try row.decode("id") }
        return ids
    }
}
