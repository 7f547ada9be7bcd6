import Postgres

/// One partner's share of a year's gain or pain, in basis points, and an optional cap in minor
/// units on what it gains or bears.
public struct RiskShare: Hashable, Sendable {
    public let partner: String
    public let share: Int
    public let cap: Int64?

    public init(partner: String, share: Int, cap: Int64? = nil) throws(LedgerError) {
        guard (0...10_000).contains(share) else {
            throw .invalidText(field: "share", reason: "must be from 0 to 10000 basis points, not \(share)")
        }
        if let cap, cap < 0 { throw .invalidText(field: "cap", reason: "cannot be negative (\(cap))") }
        self.partner = partner
        self.share = share
        self.cap = cap
    }
}

/// How a financial year's gain and pain are shared among partners: each side's shares sum to
/// 10000 basis points.
public struct RiskShareTerms: Hashable, Sendable {
    public let year: Int
    public let gain: [RiskShare]
    public let pain: [RiskShare]

    public init(year: Int, gain: [RiskShare], pain: [RiskShare]) throws(LedgerError) {
        try DecisionAction.check(year: year)
        for (side, shares) in [("gain", gain), ("pain", pain)] {
            var seen: Set<String> = []
            for share in shares where !seen.insert(share.partner).inserted {
                throw .invalidText(field: side, reason: "lists \(share.partner) more than once")
            }
            let total = shares.reduce(0) { $0 + $1.share }
            guard total == 10_000 else {
                throw .invalidText(field: side, reason: "shares must sum to 10000 basis points, not \(total)")
            }
        }
        self.year = year
        self.gain = gain
        self.pain = pain
    }
}

/// One partner's terms in force after a `riskShare.setTerms` decision: its shares of the gain
/// and of the pain, and its caps.
public struct RiskShareTerm: Hashable, Sendable {
    public let partner: String
    public let gainShare: Int
    public let painShare: Int
    public let gainCap: Int64?
    public let painCap: Int64?
}

/// The terms of risk/reward sharing, set only by carried decisions.
enum RiskShareBook {
    /// Each partner's terms: a partner in only one list has no share of the other side.
    static func resolve(_ terms: RiskShareTerms, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [(partner: Int64, term: RiskShareTerm)]
    {
        let slugs = Array(Set(terms.gain.map(\.partner) + terms.pain.map(\.partner))).sorted()
        let ids = try Budgets.keyedIDs(
            try await connection.query(
                """
                SELECT slug AS key, id FROM partners
                WHERE alliance_id = \(alliance.rawValue) AND slug = ANY(\(slugs)::text[])
                """))
        let gain = Dictionary(uniqueKeysWithValues: terms.gain.map { ($0.partner, $0) })
        let pain = Dictionary(uniqueKeysWithValues: terms.pain.map { ($0.partner, $0) })
        return try slugs.map { slug in
            guard let id = ids[slug] else { throw LedgerError.partnerNotFound(slug) }
            return (
                id,
                RiskShareTerm(
                    partner: slug, gainShare: gain[slug]?.share ?? 0, painShare: pain[slug]?.share ?? 0,
                    gainCap: gain[slug]?.cap, painCap: pain[slug]?.cap)
            )
        }
    }

    static func apply(
        _ terms: RiskShareTerms, decision: Int64, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws {
        let resolved = try await resolve(terms, in: alliance, on: connection)
        try await connection.execute(
            """
            SELECT risk_share_set_terms(
                \(alliance.rawValue), \(Int32(terms.year)), \(resolved.map(\.partner))::bigint[],
                \(resolved.map { Int32($0.term.gainShare) })::integer[],
                \(resolved.map { Int32($0.term.painShare) })::integer[],
                \(resolved.map(\.term.gainCap))::bigint[], \(resolved.map(\.term.painCap))::bigint[], \(decision))
            """)
    }

    /// The terms `decision` set.
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
}
