public import Postgres

/// What a carried decision does to the books. A decision without one is a resolution recorded
/// for the minutes.
public enum DecisionAction: Hashable, Sendable {
    /// Sets exactly the listed figures of one financial year; the others stay.
    case budgetSet(year: Int, lines: [BudgetSetting])
    /// Admits a new partner from `joinedOn`, opening its accounts.
    case partnerAdmit(PartnerRequest, joinedOn: CalendarDate)
    /// Records the day a partner leaves; it votes on nothing opened after that day.
    case partnerRemove(partner: String, leftOn: CalendarDate)
    /// Sets how a financial year's gain (underspend) and pain (overspend) are shared.
    case riskShareSetTerms(RiskShareTerms)

    /// The `type` field of the wire format.
    public var type: String {
        switch self {
        case .budgetSet: "budget.set"
        case .partnerAdmit: "partner.admit"
        case .partnerRemove: "partner.remove"
        case .riskShareSetTerms: "riskShare.setTerms"
        }
    }

    /// The types a decision can carry, as the wire format names them.
    public static let types = ["budget.set", "partner.admit", "partner.remove", "riskShare.setTerms"]

    /// Types the decisions schema already names, whose effect (outcome terms, outcome payments
    /// and gain/pain settlement) arrives with outcome measurement: refused with that reason
    /// rather than as unknown.
    public static let comingWithOutcomes = [
        "outcomes.setTerms", "outcomePayments.approve", "riskShare.settle",
    ]
}

extension DecisionAction {
    static func check(year: Int) throws(LedgerError) {
        guard (1900...9999).contains(year) else {
            throw .invalidText(field: "year", reason: "must be a financial year from FY1900 to FY9999")
        }
    }

    /// The checks that need the books: what the action names exists and can still be done.
    /// Made when the decision is proposed, and again by `apply` inside the transaction that
    /// applies it.
    func validate(in alliance: Alliance, on connection: PostgresConnection) async throws {
        switch self {
        case .budgetSet(let year, let lines):
            _ = try await Budgets.resolve(lines, year: year, in: alliance.id, on: connection)
        case .partnerAdmit(let request, let joinedOn):
            try await Self.checkAdmission(request, joinedOn: joinedOn, in: alliance, on: connection)
        case .partnerRemove(let slug, let leftOn):
            _ = try await Self.removablePartner(slug, leftOn: leftOn, in: alliance, on: connection)
        case .riskShareSetTerms(let terms):
            _ = try await RiskShareBook.resolve(terms, in: alliance.id, on: connection)
        }
    }

    /// Does what the action says, on behalf of the carried decision `decision`, after the same
    /// checks as `validate` (budgets and terms make theirs as they resolve what they name).
    func apply(decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws {
        switch self {
        case .budgetSet(let year, let lines):
            try await Budgets.apply(lines, year: year, decision: decision, in: alliance.id, on: connection)
        case .partnerAdmit(let request, let joinedOn):
            try await Self.checkAdmission(request, joinedOn: joinedOn, in: alliance, on: connection)
            _ = try await AllianceDirectory.insertPartner(
                request, joinedOn: joinedOn, admittedBy: decision, in: alliance, on: connection)
        case .partnerRemove(let slug, let leftOn):
            let partner = try await Self.removablePartner(slug, leftOn: leftOn, in: alliance, on: connection)
            try await connection.execute(
                """
                SELECT partners_remove(\(alliance.id.rawValue), \(partner.id), \(leftOn), \(decision))
                """)
        case .riskShareSetTerms(let terms):
            try await RiskShareBook.apply(terms, decision: decision, in: alliance.id, on: connection)
        }
    }

    /// Refuses a partner that exists already, or a joining day outside the contract.
    private static func checkAdmission(
        _ request: PartnerRequest, joinedOn: CalendarDate, in alliance: Alliance,
        on connection: PostgresConnection
    ) async throws {
        let existing = try await connection.query(
            "SELECT 1 FROM partners WHERE alliance_id = \(alliance.id.rawValue) AND slug = \(request.slug)")
        guard existing.isEmpty else {
            throw LedgerError.exists("partner \(request.slug) already exists in \(alliance.slug)")
        }
        guard alliance.contractCovers(joinedOn) else {
            throw LedgerError.invalidText(
                field: "joinedOn", reason: "\(joinedOn) is outside the contract's dates")
        }
    }

    /// The partner, once it is known not to have left already and `leftOn` is not before it
    /// joined.
    private static func removablePartner(
        _ slug: String, leftOn: CalendarDate, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> Partner {
        let partner = try await AllianceDirectory.partner(slug, in: alliance.id, on: connection)
        if let left = partner.leftOn {
            throw LedgerError.exists("partner \(slug) already left on \(left)")
        }
        guard leftOn >= partner.joinedOn else {
            throw LedgerError.invalidText(
                field: "leftOn", reason: "\(leftOn) is before \(slug) joined on \(partner.joinedOn)")
        }
        return partner
    }
}
