import Postgres

/// `budgetLine.add`: adds a budget line once the alliance is set up, opening every partner's
/// account for it.
struct BudgetLineAddAction: DecisionActionKind {
    static let type = "budgetLine.add"

    let request: BudgetLineRequest

    var action: DecisionAction { .budgetLineAdd(request) }

    private enum Field: String, CodingKey, CaseIterable { case type, code, name }

    init(request: BudgetLineRequest) { self.request = request }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        request = try DecisionAction.naming(container) {
            try BudgetLineRequest(
                code: container.decode(String.self, forKey: .code),
                name: container.decode(String.self, forKey: .name))
        }
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(request.code, forKey: .code)
        try container.encode(request.name, forKey: .name)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        try await checkLineIsNew(in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await checkLineIsNew(in: decision.alliance, on: connection)
        _ = try await AllianceDirectory.insertBudgetLine(
            request, addedBy: decision.id, in: decision.alliance, actor: .decision,
            details: ["decision": decision.reference], on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        try await connection.query(
            """
            SELECT \(AllianceDirectory.budgetLineColumns) FROM budget_lines
            WHERE alliance_id = \(alliance.id.rawValue) AND added_by = \(decision)
            """
        ).first.map { .budgetLineAdded(try AllianceDirectory.budgetLine($0)) }
    }

    func summary(money: (Int64) -> String) -> String { "\(request.code) (\(request.name))" }

    private func checkLineIsNew(in alliance: Alliance, on connection: PostgresConnection) async throws {
        let existing = try await connection.query(
            "SELECT 1 FROM budget_lines WHERE alliance_id = \(alliance.id.rawValue) AND code = \(request.code)"
        )
        guard existing.isEmpty else {
            throw LedgerError.exists("budget line \(request.code) already exists in \(alliance.slug)")
        }
    }
}

extension BudgetLineAddAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .budgetLineAdded(let line) = effect else { return nil }
        return "added the budget line \(line.code) (\(line.name))"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .budgetLineAdded(let line) = effect else { return nil }
        return "added the budget line \(line.code)"
    }
}
