public import Postgres

/// An alliance contract: the scope of every account, entry and decision.
public struct Alliance: Hashable, Sendable {
    public let id: AllianceID
    public let slug: String
    public let name: String
    /// ISO 4217; every amount of the alliance is an integer count of its minor unit.
    public let currency: String
    /// 4 = April, the UK public-sector year.
    public let financialYearStartMonth: Int
    public let contractStart: CalendarDate?
    public let contractEnd: CalendarDate?
}

/// Finds and creates alliances.
public struct AllianceDirectory: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func create(
        slug: String, name: String, currency: String = "GBP", financialYearStartMonth: Int = 4,
        contractStart: CalendarDate? = nil, contractEnd: CalendarDate? = nil
    ) async throws -> Alliance {
        do {
            let row = try await pool.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO alliances (slug, name, currency, financial_year_start_month,
                                           contract_start, contract_end)
                    VALUES (\(slug), \(name), \(currency), \(Int16(clamping: financialYearStartMonth)),
                            \(contractStart), \(contractEnd))
                    RETURNING \(AllianceDirectory.columns)
                    """
                ).single()
            }
            return try AllianceDirectory.alliance(row)
        } catch let error as PostgresError where error.violates(constraint: "alliances_slug_key") {
            throw LedgerError.invalidText(field: "slug", reason: "\(slug) is taken by another alliance")
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw LedgerError.invalidText(
                field: "alliance", reason: "breaks the rule \(error.constraint ?? "?")")
        }
    }

    public func find(slug: String) async throws -> Alliance {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT \(AllianceDirectory.columns) FROM alliances WHERE slug = \(slug)")
        }
        guard let row = rows.first else { throw LedgerError.allianceNotFound(slug) }
        return try AllianceDirectory.alliance(row)
    }

    static let columns: PostgresQuery =
        "id, slug, name, currency, financial_year_start_month, contract_start, contract_end"

    static func alliance(_ row: PostgresRow) throws -> Alliance {
        Alliance(
            id: AllianceID(try row.decode("id")), slug: try row.decode("slug"), name: try row.decode("name"),
            currency: try row.decode("currency"),
            financialYearStartMonth: Int(try row.decode("financial_year_start_month", as: Int16.self)),
            contractStart: try row.decode("contract_start"), contractEnd: try row.decode("contract_end"))
    }
}
