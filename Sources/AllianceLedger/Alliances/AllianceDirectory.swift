public import Dates
import Foundation
public import Postgres

/// Whether an abstention blocks a decision (unanimity: every partner approves) or stands aside.
public enum Abstention: String, CaseIterable, Sendable, Codable {
    case blocks
    case standsAside = "stands-aside"

    /// The decision rule in words.
    public var rule: String {
        switch self {
        case .blocks: "unanimity: every partner approves (an abstention blocks)"
        case .standsAside:
            "no objection: every partner votes, none objects, one approves (an abstention stands aside)"
        }
    }
}

/// An alliance contract: the scope of every partner, account, entry and decision.
public struct Alliance: Hashable, Sendable, Encodable {
    public let id: AllianceID
    public let slug: String
    public let name: String
    /// ISO 4217; every amount of the alliance is an integer count of its minor unit.
    public let currency: String
    /// 4 = April, the UK public-sector year.
    public let financialYearStartMonth: Int
    @ExplicitNull public private(set) var contractStart: CalendarDate?
    @ExplicitNull public private(set) var contractEnd: CalendarDate?
    public let abstention: Abstention
    public let createdAt: Timestamp

    /// Whether `day` falls within the contract's dates, where they are set.
    public func contractCovers(_ day: CalendarDate) -> Bool {
        (contractStart.map { day >= $0 } ?? true) && (contractEnd.map { day <= $0 } ?? true)
    }

    /// Refuses a financial year that lies wholly outside the contract's dates: there are no
    /// terms to set, payments to make or gains to share in it.
    func checkContractCovers(year: Int) throws(LedgerError) {
        let period: Period
        do {
            period = try Period.financialYear(year, startMonth: financialYearStartMonth)
        } catch {
            throw .invalidField("year", reason: error.description)
        }
        if let start = contractStart, period.last < start {
            throw .invalidField("year", reason: "\(period) ends before the contract starts on \(start)")
        }
        if let end = contractEnd, period.first > end {
            throw .invalidField("year", reason: "\(period) starts after the contract ends on \(end)")
        }
    }
}

/// What a new alliance is given; the checks the database makes too, made first here so that
/// the error names the field.
public struct AllianceRequest: Hashable, Sendable {
    public let slug: String
    public let name: String
    public let currency: String
    public let financialYearStartMonth: Int
    public let contractStart: CalendarDate?
    public let contractEnd: CalendarDate?
    public let abstention: Abstention

    public init(
        slug: String, name: String, currency: String = "GBP", financialYearStartMonth: Int = 4,
        contractStart: CalendarDate? = nil, contractEnd: CalendarDate? = nil, abstention: Abstention = .blocks
    ) throws(LedgerError) {
        try Validate.slug(slug, field: "slug", maximumLength: 64)
        try Validate.text(name, field: "name", maximumLength: 200)
        guard currency.count == 3, currency.utf8.allSatisfy({ (65...90).contains($0) }) else {
            throw .invalidField(
                "currency", reason: "must be an ISO 4217 code such as GBP, not \"\(currency)\"")
        }
        guard (1...12).contains(financialYearStartMonth) else {
            throw .invalidField(
                "financialYearStartMonth",
                reason: "must be a month from 1 to 12, not \(financialYearStartMonth)")
        }
        if let contractStart, let contractEnd, contractEnd <= contractStart {
            throw .invalidField("contractEnd", reason: "must be after contractStart")
        }
        self.slug = slug
        self.name = name
        self.currency = currency
        self.financialYearStartMonth = financialYearStartMonth
        self.contractStart = contractStart
        self.contractEnd = contractEnd
        self.abstention = abstention
    }
}

/// Alliances, and who takes part in each: partners, budget lines and people.
public struct AllianceDirectory: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func create(
        slug: String, name: String, currency: String = "GBP", financialYearStartMonth: Int = 4,
        contractStart: CalendarDate? = nil, contractEnd: CalendarDate? = nil
    ) async throws -> Alliance {
        try await create(
            AllianceRequest(
                slug: slug, name: name, currency: currency, financialYearStartMonth: financialYearStartMonth,
                contractStart: contractStart, contractEnd: contractEnd))
    }

    public func create(_ request: AllianceRequest, by caller: Caller = .commandLine) async throws -> Alliance
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await create(request, by: caller, on: connection)
        }
    }

    /// Creates the alliance inside the caller's transaction, so that it commits with whatever
    /// else the transaction holds (the HTTP service's stored answer, say) or not at all. Only
    /// the operator creates alliances; the alliance's governance log starts with it.
    public func create(_ request: AllianceRequest, by caller: Caller, on connection: PostgresConnection)
        async throws -> Alliance
    {
        guard caller.identity == .operator else {
            throw LedgerError.forbidden("only the operator creates alliances")
        }
        let alliance: Alliance
        do {
            alliance = try AllianceDirectory.alliance(
                try await connection.query(
                    """
                    INSERT INTO alliances (slug, name, currency, financial_year_start_month,
                                           contract_start, contract_end, abstention)
                    VALUES (\(request.slug), \(request.name), \(request.currency),
                            \(Int16(request.financialYearStartMonth)), \(request.contractStart),
                            \(request.contractEnd), \(request.abstention.rawValue))
                    RETURNING \(AllianceDirectory.columns)
                    """
                ).single())
        } catch let error as PostgresError where error.violates(constraint: "alliances_slug_key") {
            throw LedgerError.exists("alliance \(request.slug) already exists")
        }
        try await GovernanceLog.append(
            "alliance.created", by: .caller(caller),
            details: ["alliance": alliance.slug, "abstention": alliance.abstention.rawValue], in: alliance.id,
            on: connection)
        return alliance
    }

    static func alliance(_ id: AllianceID, on connection: PostgresConnection) async throws -> Alliance {
        let rows = try await connection.query(
            "SELECT \(AllianceDirectory.columns) FROM alliances WHERE id = \(id.rawValue)")
        guard let row = rows.first else { throw LedgerError.allianceNotFound(id.description) }
        return try AllianceDirectory.alliance(row)
    }

    public func find(slug: String) async throws -> Alliance {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT \(AllianceDirectory.columns) FROM alliances WHERE slug = \(slug)")
        }
        guard let row = rows.first else { throw LedgerError.allianceNotFound(slug) }
        return try AllianceDirectory.alliance(row)
    }

    public func alliances() async throws -> [Alliance] {
        try await pool.withConnection { connection in
            try await connection.query("SELECT \(AllianceDirectory.columns) FROM alliances ORDER BY slug")
                .map(AllianceDirectory.alliance)
        }
    }

    static let columns: PostgresQuery =
        "id, slug, name, currency, financial_year_start_month, contract_start, contract_end, abstention, created_at"

    static func alliance(_ row: PostgresRow) throws -> Alliance {
        try alliance(row, prefix: "")
    }

    /// An alliance from columns named `<prefix>id`, `<prefix>slug`, …: for statements that
    /// read an alliance beside other things.
    static func alliance(_ row: PostgresRow, prefix: String) throws -> Alliance {
        Alliance(
            id: AllianceID(try row.decode("\(prefix)id")), slug: try row.decode("\(prefix)slug"),
            name: try row.decode("\(prefix)name"), currency: try row.decode("\(prefix)currency"),
            financialYearStartMonth: Int(
                try row.decode("\(prefix)financial_year_start_month", as: Int16.self)),
            contractStart: try row.decode("\(prefix)contract_start"),
            contractEnd: try row.decode("\(prefix)contract_end"),
            abstention: try row.decode("\(prefix)abstention", as: Abstention.self),
            createdAt: try row.decode("\(prefix)created_at"))
    }
}

extension CalendarDate {
    /// Today in UTC: the default day for things that start now.
    static var today: CalendarDate { Timestamp(Date()).calendarDate }
}
