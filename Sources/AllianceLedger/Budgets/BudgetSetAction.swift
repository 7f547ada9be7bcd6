import Dates
import Postgres

/// `budget.set`: sets exactly the listed figures of one financial year; the others stay.
struct BudgetSetAction: DecisionActionKind {
    static let type = "budget.set"

    let year: Int
    let lines: [BudgetSetting]

    var action: DecisionAction { .budgetSet(year: year, lines: lines) }

    private enum Field: String, CodingKey, CaseIterable { case type, year, lines }
    private enum LineField: String, CodingKey, CaseIterable { case partner, budgetLine, amount }

    init(year: Int, lines: [BudgetSetting]) {
        self.year = year
        self.lines = lines
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        year = try DecisionAction.decodeYear(container, .year)
        var lines: [BudgetSetting] = []
        var list = try container.nestedUnkeyedContainer(forKey: .lines)
        while !list.isAtEnd {
            let line = try list.superDecoder().strictContainer(LineField.self)
            lines.append(
                try DecisionAction.naming(line) {
                    try BudgetSetting(
                        partner: line.decode(String.self, forKey: .partner),
                        budgetLine: line.decode(String.self, forKey: .budgetLine),
                        amount: line.decodeMinorUnits(forKey: .amount))
                })
        }
        guard !lines.isEmpty else {
            throw LedgerError.invalidField(
                container.path(of: .lines), reason: "must list at least one figure")
        }
        self.lines = lines
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        var list = container.nestedUnkeyedContainer(forKey: .lines)
        for line in lines {
            var item = list.nestedContainer(keyedBy: LineField.self)
            try item.encode(line.partner, forKey: .partner)
            try item.encode(line.budgetLine, forKey: .budgetLine)
            try item.encode(line.amount, forKey: .amount)
        }
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await Budgets.resolve(lines, year: year, in: proposal.alliance.id, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await Budgets.apply(
            lines, year: year, decision: decision.id, reference: decision.reference, in: decision.alliance.id,
            on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        .budgetChanges(
            year: year, try await Budgets.changes(in: alliance.id, decision: decision, on: connection))
    }

    func summary(money: (Int64) -> String) -> String {
        let total = lines.reduce(Int64?.some(0)) { sum, line in
            sum.flatMap { sum in
                let (added, overflow) = sum.addingReportingOverflow(line.amount)
                return overflow ? nil : added
            }
        }
        return "\(lines.count) figure\(lines.count == 1 ? "" : "s") for FY\(year)"
            + (total.map { ", total \(money($0))" } ?? "")
    }

    func field(concerning error: LedgerError) -> String? {
        switch error {
        case .partnerNotFound(let slug):
            lines.firstIndex { $0.partner == slug }.map { "lines[\($0)].partner" }
        case .budgetLineNotFound(let code):
            lines.firstIndex { $0.budgetLine == code }.map { "lines[\($0)].budgetLine" }
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
