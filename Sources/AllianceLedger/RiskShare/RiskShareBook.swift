import Dates
public import Postgres

/// Risk/reward terms in force for a year, and the carried decision that set them.
public struct RiskShareTermsInForce: Hashable, Sendable {
    public let decision: String
    public let terms: RiskShareTerms
}

/// A year's gain/pain: the position as it stands (or as settled), the terms it follows, and
/// the settlement once a `riskShare.settle` decision has posted it.
public struct RiskShareStatement: Hashable, Sendable {
    public let termsDecision: String
    public let terms: RiskShareTerms
    /// As settled once settled; as the budgets and spend stand otherwise.
    public let position: RiskSharePosition
    public let settled: SettlementPosting?
}

/// The terms of risk/reward sharing, set only by carried decisions, and the gain/pain position
/// of each year, settled to the ledger only by a carried decision.
public struct RiskShareBook: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func statement(year: Int, in alliance: Alliance) async throws -> RiskShareStatement {
        try await pool.withConnection { connection in
            try await RiskShareBook.statement(year: year, in: alliance, on: connection)
        }
    }
}

// MARK: - Reading and checking, inside the caller's transaction

extension RiskShareBook {
    /// Each partner's terms: a partner in only one list has no share of the other side.
    static func resolve(_ terms: RiskShareTerms, in alliance: Alliance, on connection: PostgresConnection)
        async throws -> [(partner: Int64, term: RiskShareTerm)]
    {
        try alliance.checkContractCovers(year: terms.year)
        let alliance = alliance.id
        if let settled = try await settlement(year: terms.year, in: alliance, on: connection) {
            throw LedgerError.exists(
                "\(DecisionAction.yearName(terms.year)) was settled by \(settled.posting.decision): its risk/reward terms can no longer change"
            )
        }
        let partnerTerms = terms.partnerTerms
        let ids = try Budgets.keyedIDs(
            try await connection.query(
                """
                SELECT slug AS key, id FROM partners
                WHERE alliance_id = \(alliance.rawValue) AND slug = ANY(\(partnerTerms.map(\.partner))::text[])
                """))
        return try partnerTerms.map { term in
            guard let id = ids[term.partner] else { throw LedgerError.partnerNotFound(term.partner) }
            return (id, term)
        }
    }

    static func apply(
        _ terms: RiskShareTerms, decision: Int64, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let resolved = try await resolve(terms, in: alliance, on: connection)
        let alliance = alliance.id
        let side = terms.partnerSide
        try await connection.execute(
            """
            SELECT risk_share_set_terms(
                \(alliance.rawValue), \(Int32(terms.year)), \(resolved.map(\.partner))::bigint[],
                \(resolved.map { Int32($0.term.gainShare) })::integer[],
                \(resolved.map { Int32($0.term.painShare) })::integer[],
                \(resolved.map(\.term.gainCap))::bigint[], \(resolved.map(\.term.painCap))::bigint[],
                \(side.gainBands.compactMap { $0.upTo.map(Int32.init) })::integer[],
                \(side.gainBands.map { Int32($0.share) })::integer[],
                \(side.painBands.compactMap { $0.upTo.map(Int32.init) })::integer[],
                \(side.painBands.map { Int32($0.share) })::integer[],
                \(side.gainCap), \(side.painCap), \(side.fee), \(decision))
            """)
    }

    /// Each partner's terms as `decision` set them.
    static func terms(setBy decision: Int64, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [RiskShareTerm]
    {
        try await connection.query(
            """
            SELECT p.slug, t.gain_share, t.pain_share, t.gain_cap, t.pain_cap
            FROM risk_share_terms AS t
            JOIN partners AS p ON p.alliance_id = t.alliance_id AND p.id = t.partner_id
            WHERE t.alliance_id = \(alliance.rawValue) AND t.decision_id = \(decision)
            ORDER BY p.slug
            """
        ).map { row in
            RiskShareTerm(
                partner: try row.decode("slug"), gainShare: Int(try row.decode("gain_share", as: Int32.self)),
                painShare: Int(try row.decode("pain_share", as: Int32.self)),
                gainCap: try row.decode("gain_cap"),
                painCap: try row.decode("pain_cap"))
        }
    }

    /// The whole terms `decision` set, partners in slug order (the order ties are broken in).
    static func fullTerms(setBy decision: Int64, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> RiskShareTermsInForce
    {
        let partners = try await terms(setBy: decision, in: alliance, on: connection)
        let row = try await connection.query(
            """
            SELECT s.financial_year, s.gain_band_limits, s.gain_band_shares, s.pain_band_limits,
                   s.pain_band_shares, s.gain_cap, s.pain_cap, s.fee, d.number
            FROM risk_share_partner_sides AS s
            JOIN decisions AS d ON d.alliance_id = s.alliance_id AND d.id = s.decision_id
            WHERE s.alliance_id = \(alliance.rawValue) AND s.decision_id = \(decision)
            """
        ).single()
        func bands(_ limits: String, _ shares: String) throws -> [RiskShareBand] {
            let limits: [Int32] = try row.decode(limits)
            let shares: [Int32] = try row.decode(shares)
            return try shares.enumerated().map { index, share in
                try RiskShareBand(upTo: index < limits.count ? Int(limits[index]) : nil, share: Int(share))
            }
        }
        let side = try RiskSharePartnerSide(
            gainBands: try bands("gain_band_limits", "gain_band_shares"),
            painBands: try bands("pain_band_limits", "pain_band_shares"),
            gainCap: try row.decode("gain_cap"), painCap: try row.decode("pain_cap"),
            fee: try row.decode("fee"))
        return RiskShareTermsInForce(
            decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
            terms: try RiskShareTerms(
                year: Int(try row.decode("financial_year", as: Int32.self)),
                gain: try partners.map {
                    try RiskShare(partner: $0.partner, share: $0.gainShare, cap: $0.gainCap)
                },
                pain: try partners.map {
                    try RiskShare(partner: $0.partner, share: $0.painShare, cap: $0.painCap)
                },
                partnerSide: side))
    }

    static func termsInForce(year: Int, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> (id: Int64, inForce: RiskShareTermsInForce)
    {
        let decision = try await connection.query(
            "SELECT risk_share_terms_in_force(\(alliance.rawValue), \(Int32(year))) AS id"
        ).single().decode("id", as: Int64?.self)
        guard let decision else {
            throw LedgerError.termsNotFound(
                "\(DecisionAction.yearName(year)) has no risk/reward terms: a riskShare.setTerms decision must carry first"
            )
        }
        return (decision, try await fullTerms(setBy: decision, in: alliance, on: connection))
    }

    /// The year's target (its budgets) and actual cost: net spend on the partners' cost
    /// accounts in the year's months, a reversal counting in the month of the entry it reverses
    /// (SQL/0010's month totals, so the cost does not grow with the journal). The cost accounts
    /// are listed once, as an array, so that no plan scans them again for every total.
    static func outturn(year: Int, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> (target: Int64, actual: Int64)
    {
        let period = try Period.financialYear(year, startMonth: alliance.financialYearStartMonth)
        let results = try await connection.pipeline([
            """
            SELECT coalesce(sum(amount), 0) AS total FROM budgets
            WHERE alliance_id = \(alliance.id.rawValue) AND financial_year = \(Int32(year))
            """,
            """
            SELECT coalesce(sum(t.net), 0) AS total
            FROM account_month_totals AS t
            WHERE t.alliance_id = \(alliance.id.rawValue) AND t.month BETWEEN \(period.first) AND \(period.last)
              AND t.account_id = ANY (ARRAY(
                  SELECT a.id FROM accounts AS a
                  WHERE a.alliance_id = \(alliance.id.rawValue) AND a.code LIKE 'partner:%:cost:%'))
            """,
        ])
        let (target, actual) = (
            try results[0].single().decodeTotal("total"), try results[1].single().decodeTotal("total")
        )
        // The position adds and subtracts these, its fee and its caps: within 2^53 - 1 they
        // cannot overflow, and a statement can publish every figure exactly.
        guard target.magnitude <= Money.maximumTotal.magnitude,
            actual.magnitude <= Money.maximumTotal.magnitude
        else { throw LedgerError.amountOverflow }
        return (target, actual)
    }

    /// The year's settlement, if settled: the figures it settled on and where it is posted.
    static func settlement(year: Int, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> (target: Int64, actual: Int64, termsDecision: Int64, posting: SettlementPosting)?
    {
        try await connection.query(
            """
            SELECT s.target, s.actual, s.terms_decision_id, s.entry_sequence, s.settled_at, d.number
            FROM risk_share_settlements AS s
            JOIN decisions AS d ON d.alliance_id = s.alliance_id AND d.id = s.decision_id
            WHERE s.alliance_id = \(alliance.rawValue) AND s.financial_year = \(Int32(year))
            """
        ).first.map { row in
            (
                try row.decode("target"), try row.decode("actual"), try row.decode("terms_decision_id"),
                SettlementPosting(
                    decision: Decision.reference(Int(try row.decode("number", as: Int32.self))),
                    entry: try row.decode("entry_sequence"), postedAt: try row.decode("settled_at"))
            )
        }
    }

    static func statement(year: Int, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> RiskShareStatement
    {
        try DecisionAction.check(year: year)
        if let settled = try await settlement(year: year, in: alliance.id, on: connection) {
            let inForce = try await fullTerms(setBy: settled.termsDecision, in: alliance.id, on: connection)
            return RiskShareStatement(
                termsDecision: inForce.decision, terms: inForce.terms,
                position: inForce.terms.position(target: settled.target, actual: settled.actual),
                settled: settled.posting)
        }
        let inForce = try await termsInForce(year: year, in: alliance.id, on: connection).inForce
        let outturn = try await outturn(year: year, in: alliance, on: connection)
        return RiskShareStatement(
            termsDecision: inForce.decision, terms: inForce.terms,
            position: inForce.terms.position(target: outturn.target, actual: outturn.actual), settled: nil)
    }

    /// The position a settlement of `year` would post, refused unless the year has ended and is
    /// not yet settled.
    static func settleable(
        year: Int, in alliance: Alliance, today: CalendarDate, on connection: PostgresConnection
    )
        async throws -> (statement: RiskShareStatement, lastDay: CalendarDate)
    {
        let statement = try await statement(year: year, in: alliance, on: connection)
        let last = try Period.financialYear(year, startMonth: alliance.financialYearStartMonth).last
        try statement.checkSettleable(yearEnds: last, today: today)
        return (statement, last)
    }

    /// Posts the year's gain or pain: one `risk-share` entry between the alliance's risk/reward
    /// account and each partner's funding (credited with a gain, debited with a pain).
    static func settle(
        year: Int, expecting partnerSide: Int64?, decision: Int64, reference: String, in alliance: Alliance,
        today: CalendarDate, on connection: PostgresConnection
    ) async throws {
        let (statement, lastDay) = try await settleable(
            year: year, in: alliance, today: today, on: connection)
        let position = statement.position
        try position.checkPartnerSide(asProposed: partnerSide, by: reference)
        let allocated = position.allocated
        var entry: Int64?
        if allocated != 0 {
            try await LedgerStore.openAccountIfMissing(
                RiskSharePosition.account, type: .expense, in: alliance.id, on: connection)
            let name = DecisionAction.yearName(year)
            entry = try await LedgerStore.append(
                try EntryRequest(
                    kind: .riskShare,
                    effectiveOn: lastDay,
                    description:
                        "\(allocated > 0 ? "Gain" : "Pain") share for \(name), settled by \(reference)",
                    metadata: ["decision": reference, "year": name], postings: position.postings,
                    recordedBy: reference),
                to: alliance.id, on: connection
            ).sequence
        }
        try await connection.execute(
            """
            SELECT risk_share_settlement_record(
                \(alliance.id.rawValue), \(decision), \(Int32(year)), \(position.target),
                \(position.actual), \(position.partnerSide), \(allocated), \(entry))
            """)
    }
}
