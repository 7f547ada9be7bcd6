import Dates
import Postgres

/// `budget.set`: sets exactly the listed figures of one financial year; the others stay.
struct BudgetSetAction: DecisionActionKind {
    static let type = "budget.set"

    let year: Int
    /// The budget figures it sets: `lines` in the action's JSON, as published.
    let figures: [BudgetSetting]

    var action: DecisionAction { .budgetSet(year: year, figures: figures) }

    private enum Field: String, CodingKey, CaseIterable {
        case type, year
        case figures = "lines"
    }
    private enum FigureField: String, CodingKey, CaseIterable { case partner, budgetLine, amount }

    init(year: Int, figures: [BudgetSetting]) {
        self.year = year
        self.figures = figures
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        year = try DecisionAction.decodeYear(container, .year)
        var figures: [BudgetSetting] = []
        var list = try container.nestedUnkeyedContainer(forKey: .figures)
        while !list.isAtEnd {
            let figure = try list.superDecoder().strictContainer(FigureField.self)
            figures.append(
                try DecisionAction.naming(figure) {
                    try BudgetSetting(
                        partner: figure.decode(String.self, forKey: .partner),
                        budgetLine: figure.decode(String.self, forKey: .budgetLine),
                        amount: figure.decodeMinorUnits(forKey: .amount))
                })
        }
        guard !figures.isEmpty else {
            throw LedgerError.invalidField(
                container.path(of: .figures), reason: "must list at least one figure")
        }
        self.figures = figures
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        var list = container.nestedUnkeyedContainer(forKey: .figures)
        for figure in figures {
            var item = list.nestedContainer(keyedBy: FigureField.self)
            try item.encode(figure.partner, forKey: .partner)
            try item.encode(figure.budgetLine, forKey: .budgetLine)
            try item.encode(figure.amount, forKey: .amount)
        }
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await Budgets.resolve(figures, year: year, in: proposal.alliance.id, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await Budgets.apply(
            figures, year: year, decision: decision.id, reference: decision.reference,
            in: decision.alliance.id,
            on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        .budgetChanges(
            year: year, try await Budgets.changes(in: alliance.id, decision: decision, on: connection))
    }

    func summary(money: (Int64) -> String) -> String {
        let total = figures.reduce(Int64?.some(0)) { sum, figure in
            sum.flatMap { sum in
                let (added, overflow) = sum.addingReportingOverflow(figure.amount)
                return overflow ? nil : added
            }
        }
        return "\(figures.count) figure\(figures.count == 1 ? "" : "s") for FY\(year)"
            + (total.map { ", total \(money($0))" } ?? "")
    }

    func field(concerning error: LedgerError) -> String? {
        switch error {
        case .partnerNotFound(let slug):
            figures.firstIndex { $0.partner == slug }.map { "lines[\($0)].partner" }
        case .budgetLineNotFound(let code):
            figures.firstIndex { $0.budgetLine == code }.map { "lines[\($0)].budgetLine" }
        default: nil
        }
    }
}

extension BudgetSetAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .budgetChanges(let year, let changes) = effect else { return nil }
        return "set \(changes.count) budget figure\(changes.count == 1 ? "" : "s") for FY\(year)"
            + " (\(changes.count { $0.previous == nil }) new, \(changes.count { $0.previous != nil }) changed)"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .budgetChanges(let year, let changes) = effect else { return nil }
        return
            "set \(changes.count) budget figure\(changes.count == 1 ? "" : "s") of \(DecisionAction.yearName(year))"
    }
}
