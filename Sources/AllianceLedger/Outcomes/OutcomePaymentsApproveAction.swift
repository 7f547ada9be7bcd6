import Postgres

/// `outcomePayments.approve`: approves and posts a period's outcome payment. `earned` is the
/// total the measurements earned when it was proposed (filled in then when left out); if they
/// earn anything else when it carries, the decision fails rather than pay a figure nobody voted
/// on.
struct OutcomePaymentsApproveAction: DecisionActionKind {
    static let type = "outcomePayments.approve"

    let period: String
    let earned: Int64?

    var action: DecisionAction { .outcomePaymentsApprove(period: period, earned: earned) }

    private enum Field: String, CodingKey, CaseIterable { case type, period, earned }

    init(period: String, earned: Int64?) {
        self.period = period
        self.earned = earned
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        let period = try container.decode(String.self, forKey: .period)
        guard (try? Period(parsing: period)) != nil else {
            throw LedgerError.invalidField(
                container.path(of: .period),
                reason:
                    "must name a financial year, quarter or month, such as FY2025, FY2025-Q3 or 2025-10, not \"\(period)\""
            )
        }
        self.period = period
        earned = try container.decodeMinorUnitsIfPresent(forKey: .earned)
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(period, forKey: .period)
        try container.encode(earned, forKey: .earned)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        let payment = try await LedgerError.reportingMissingTerms(as: "period") {
            try await OutcomeBook.approvable(
                period, in: proposal.alliance, today: proposal.today, on: connection
            ).payment
        }
        if let earned, earned != payment.earned {
            throw LedgerError.invalidField(
                "earned",
                reason: "is \(payment.earned) by the measurements of \(payment.period), not \(earned)")
        }
        return Self(period: payment.period, earned: payment.earned)
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await OutcomeBook.pay(
            period, expecting: earned, decision: decision.id, reference: decision.reference,
            in: decision.alliance, today: decision.today, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        // Once paid, neither the period's measurements nor its terms can change: reading the
        // payment again gives the figures posted.
        let payment = try await OutcomeBook.payment(for: period, in: alliance, on: connection)
        return .outcomePayment(
            payment, entry: try await Decisions.entry(payment.posted?.entry, in: alliance.id, on: connection))
    }

    func summary(money: (Int64) -> String) -> String {
        "pay \(period)'s outcomes" + (earned.map { ", \(money($0)) earned" } ?? "")
    }
}

extension OutcomePaymentsApproveAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .outcomePayment(let payment, let entry) = effect else { return nil }
        guard payment.earned != 0 else {
            return "approved \(payment.period): nothing earned, the pool of \(money(payment.pool)) unearned"
        }
        return "paid \(money(payment.earned)) of \(money(payment.pool)) for \(payment.period) "
            + "(\(money(payment.unearned)) unearned): "
            + payment.allocations.filter { $0.amount != 0 }.map { "\($0.partner) \(money($0.amount))" }
            .joined(separator: ", ") + (entry.map { " (entry \($0.sequence))" } ?? "")
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .outcomePayment(let payment, _) = effect else { return nil }
        return "paid \(money(payment.earned)) of \(money(payment.pool)) for \(payment.period)"
    }
}
