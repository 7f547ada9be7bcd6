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
    /// Sets a financial year's outcome measures, pool and partners' shares of it.
    case outcomesSetTerms(OutcomeTerms)
    /// Approves and posts a period's outcome payment. `earned` is the total the measurements
    /// earned when it was proposed (filled in then when left out); if they earn anything else
    /// when it carries, the decision fails rather than pay a figure nobody voted on.
    case outcomePaymentsApprove(period: String, earned: Int64?)
    /// Settles a financial year's gain or pain to the ledger. `partnerSide`, like `earned`
    /// above, is the figure voted on.
    case riskShareSettle(year: Int, partnerSide: Int64?)

    /// The `type` field of the wire format.
    public var type: String {
        switch self {
        case .budgetSet: "budget.set"
        case .partnerAdmit: "partner.admit"
        case .partnerRemove: "partner.remove"
        case .riskShareSetTerms: "riskShare.setTerms"
        case .outcomesSetTerms: "outcomes.setTerms"
        case .outcomePaymentsApprove: "outcomePayments.approve"
        case .riskShareSettle: "riskShare.settle"
        }
    }

    /// The types a decision can carry, as the wire format names them.
    public static let types = [
        "budget.set", "partner.admit", "partner.remove", "riskShare.setTerms", "outcomes.setTerms",
        "outcomePayments.approve", "riskShare.settle",
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
    /// applies it. Answers the action as it is to be voted on: an approval or settlement with
    /// its figure filled in, refused if the proposer gave one that differs.
    func validate(in alliance: Alliance, today: CalendarDate, on connection: PostgresConnection) async throws
        -> DecisionAction
    {
        switch self {
        case .budgetSet(let year, let lines):
            _ = try await Budgets.resolve(lines, year: year, in: alliance.id, on: connection)
        case .partnerAdmit(let request, let joinedOn):
            try await Self.checkAdmission(request, joinedOn: joinedOn, in: alliance, on: connection)
        case .partnerRemove(let slug, let leftOn):
            _ = try await Self.removablePartner(slug, leftOn: leftOn, in: alliance, on: connection)
        case .riskShareSetTerms(let terms):
            _ = try await RiskShareBook.resolve(terms, in: alliance, on: connection)
        case .outcomesSetTerms(let terms):
            _ = try await OutcomeBook.checkTerms(terms, in: alliance, on: connection)
        case .outcomePaymentsApprove(let period, let earned):
            let payment = try await LedgerError.reportingMissingTerms(as: "period") {
                try await OutcomeBook.approvable(period, in: alliance, today: today, on: connection).payment
            }
            if let earned, earned != payment.earned {
                throw LedgerError.invalidText(
                    field: "earned",
                    reason: "is \(payment.earned) by the measurements of \(payment.period), not \(earned)")
            }
            return .outcomePaymentsApprove(period: payment.period, earned: payment.earned)
        case .riskShareSettle(let year, let partnerSide):
            let position = try await LedgerError.reportingMissingTerms(as: "year") {
                try await RiskShareBook.settleable(year: year, in: alliance, today: today, on: connection)
            }.statement.position
            if let partnerSide, partnerSide != position.partnerSide {
                throw LedgerError.invalidText(
                    field: "partnerSide",
                    reason:
                        "is \(position.partnerSide) by the budgets, spend and terms of \(Self.yearName(year)), not \(partnerSide)"
                )
            }
            return .riskShareSettle(year: year, partnerSide: position.partnerSide)
        }
        return self
    }

    /// Does what the action says, on behalf of the carried decision `decision`, after the same
    /// checks as `validate` (budgets and terms make theirs as they resolve what they name).
    func apply(
        decision: Int64, reference: String, in alliance: Alliance, today: CalendarDate,
        on connection: PostgresConnection
    ) async throws {
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
            try await RiskShareBook.apply(terms, decision: decision, in: alliance, on: connection)
        case .outcomesSetTerms(let terms):
            try await OutcomeBook.setTerms(terms, decision: decision, in: alliance, on: connection)
        case .outcomePaymentsApprove(let period, let earned):
            try await OutcomeBook.pay(
                period, expecting: earned, decision: decision, reference: reference, in: alliance,
                today: today,
                on: connection)
        case .riskShareSettle(let year, let partnerSide):
            try await RiskShareBook.settle(
                year: year, expecting: partnerSide, decision: decision, reference: reference, in: alliance,
                today: today, on: connection)
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
