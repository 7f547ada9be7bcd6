import AllianceLedger
import ArgumentParser
import Foundation

struct RiskShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "risk-share",
        abstract: "Read a financial year's gain/pain share: the risk/reward position and its settlement.",
        discussion: """
            A year's terms are set by a carried riskShare.setTerms decision, and its gain or pain \
            is settled to the ledger only by a carried riskShare.settle decision once the year has \
            ended.
            """,
        subcommands: [RiskShareShowCommand.self])
}

struct RiskShareShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a year's gain or pain and each partner's part, as it stands or as settled.",
        discussion: """
            The target cost is the sum of the year's budgets and the actual cost its net spend; \
            the difference (positive, an underspend: a gain; negative, an overspend: a pain) is \
            divided between the partner side and the owner side by the terms, and the partner side \
            among the partners by their shares, each held at its cap. Until settled the figures \
            follow the budgets and spend; once settled they are the settled ones. The table is the \
            position, then each partner's part; csv is the partners alone; json is the statement \
            as the HTTP API answers it.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var year: FinancialYearOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let financialYear = try year.financialYear(of: context.alliance)
            let statement = try await RiskShareBook(pool: context.ledger.pool).statement(
                year: financialYear, in: context.alliance)
            let position = statement.position
            let money = context.money
            let written = context.groupedMoney
            var particulars = Particulars()
            particulars.add("year", "FY\(position.year)")
            particulars.add("terms", statement.termsDecision)
            particulars.add("target", "\(written(position.target)) (the year's budgets)")
            particulars.add("actual", "\(written(position.actual)) (the year's net spend)")
            particulars.add(
                "difference",
                written(position.difference)
                    + (position.difference > 0
                        ? " (an underspend: a gain)"
                        : position.difference < 0 ? " (an overspend: a pain)" : " (on target)"))
            particulars.add("partner side before cap", written(position.partnerSideBeforeCap))
            particulars.add("partner side", written(position.partnerSide))
            particulars.add("owner side", written(position.ownerSide))
            particulars.add("fee", position.fee.map(written) ?? "none")
            if let receive = position.partnersReceive {
                particulars.add("partners receive", written(receive))
            }
            if let pays = position.ownerPays { particulars.add("owner pays", written(pays)) }
            if position.unallocated != 0 {
                particulars.add("unallocated", "\(written(position.unallocated)) (every partner at its cap)")
            }
            particulars.add("settled", statement.settled.map(\.summary) ?? "no")
            let allocations = TextTable(
                columns: ["partner", .number("share"), .number("cap"), .number("amount"), "capped"],
                rows: position.allocations.map {
                    [
                        $0.partner, Money.percent($0.share), $0.cap.map(money) ?? "", money($0.amount),
                        $0.capped ? "yes" : "no",
                    ]
                })
            try output.emit(particulars, tables: [allocations], csv: allocations, json: statement)
        }
    }
}
