import AllianceLedger
import ArgumentParser
import Dates
import Foundation

struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Read a financial year's budget and its history.",
        discussion: "Budgets change only when the alliance board carries a decision that sets them.",
        subcommands: [BudgetShowCommand.self, BudgetHistoryCommand.self])
}

/// `--year FY2025`, read by the one period parser with the alliance's financial year.
struct FinancialYearOption: ParsableArguments {
    @Option(help: ArgumentHelp("The financial year, e.g. FY2025.", valueName: "FYyyyy"))
    var year: FinancialYearName

    func financialYear(of alliance: Alliance) throws -> Int { try year.financialYear(of: alliance) }
}

struct BudgetShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show each figure of a year's budget and the decision that set it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var year: FinancialYearOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let financialYear = try year.financialYear(of: context.alliance)
            let figures = try await Budgets(pool: context.ledger.pool).figures(
                year: financialYear, in: context.alliance.id)
            try output.emit(
                table: TextTable(
                    columns: ["partner", "budget line", .number("amount"), "decision"],
                    rows: figures.map {
                        [
                            $0.partner, $0.budgetLine, context.money($0.amount),
                            $0.decision,
                        ]
                    }),
                json: BudgetYear(year: financialYear, figures: figures))
        }
    }
}

struct BudgetHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List every change to a year's budget, oldest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var year: FinancialYearOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let financialYear = try year.financialYear(of: context.alliance)
            let changes = try await Budgets(pool: context.ledger.pool).history(
                year: financialYear, in: context.alliance.id)
            try output.emit(
                table: TextTable(
                    columns: [
                        "partner", "budget line", .number("previous"), .number("amount"), "decision",
                        "applied at",
                    ],
                    rows: changes.map {
                        [
                            $0.partner, $0.budgetLine, $0.previous.map(context.money) ?? "",
                            context.money($0.amount),
                            $0.decision, $0.appliedAt.description,
                        ]
                    }),
                json: ListPage(items: changes, nextCursor: nil))
        }
    }
}
