import Postgres

/// `riskShare.settle`: settles a financial year's gain or pain to the ledger. `partnerSide` is
/// the figure voted on (filled in at proposal when left out): if the books give another when
/// it carries, the decision fails rather than post a figure nobody voted on.
struct RiskShareSettleAction: DecisionActionKind {
    static let type = "riskShare.settle"

    let year: Int
    let partnerSide: Int64?

    var action: DecisionAction { .riskShareSettle(year: year, partnerSide: partnerSide) }

    private enum Field: String, CodingKey, CaseIterable { case type, year, partnerSide }

    init(year: Int, partnerSide: Int64?) {
        self.year = year
        self.partnerSide = partnerSide
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        year = try DecisionAction.decodeYear(container, .year)
        partnerSide = try container.decodeMinorUnitsIfPresent(forKey: .partnerSide)
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        try container.encode(partnerSide, forKey: .partnerSide)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        let position = try await LedgerError.reportingMissingTerms(as: "year") {
            try await RiskShareBook.settleable(
                year: year, in: proposal.alliance, today: proposal.today, on: connection)
        }.statement.position
        if let partnerSide, partnerSide != position.partnerSide {
            throw LedgerError.invalidField(
                "partnerSide",
                reason:
                    "is \(position.partnerSide) by the budgets, spend and terms of \(DecisionAction.yearName(year)), not \(partnerSide)"
            )
        }
        return Self(year: year, partnerSide: position.partnerSide)
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await RiskShareBook.settle(
            year: year, expecting: partnerSide, decision: decision.id, reference: decision.reference,
            in: decision.alliance, today: decision.today, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        let statement = try await RiskShareBook.statement(year: year, in: alliance, on: connection)
        return .riskShareSettlement(
            statement,
            entry: try await Decisions.entry(statement.settled?.entry, in: alliance.id, on: connection))
    }

    func summary(money: (Int64) -> String) -> String {
        let side = partnerSide.map { side in
            side > 0
                ? ", the partners gain \(money(side))"
                : side < 0
                    ? ", the partners bear \(Self.unsigned(side, money))" : ", nothing to the partners"
        }
        return "FY\(year)" + (side ?? "")
    }
}

extension RiskShareSettleAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .riskShareSettlement(let statement, let posted) = effect else { return nil }
        let position = statement.position
        let year = "FY\(position.year)"
        let entry = posted.map { " (entry \($0.sequence))" } ?? ""
        guard position.difference != 0 else { return "settled \(year) on target: nothing to share" + entry }
        func unsigned(_ amount: Int64) -> String { RiskShareSettleAction.unsigned(amount, money) }
        return
            (position.difference > 0
            ? "settled \(year)'s underspend of \(unsigned(position.difference)): the partners gain \(unsigned(position.partnerSide)), "
                + "the owner side keeps \(unsigned(position.ownerSide))"
            : "settled \(year)'s overspend of \(unsigned(position.difference)): the partners bear \(unsigned(position.partnerSide)), "
                + "the owner side bears \(unsigned(position.ownerSide))") + entry
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .riskShareSettlement(let statement, _) = effect else { return nil }
        return
            "settled \(DecisionAction.yearName(statement.position.year)): the partner side \(money(statement.position.partnerSide))"
    }

    /// An amount without its sign, where the words say which way it goes.
    private static func unsigned(_ amount: Int64, _ money: (Int64) -> String) -> String {
        String(money(amount).trimmingPrefix("-"))
    }
}
