import AllianceLedger
import ArgumentParser
import Foundation
import Postgres

struct SpendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spend", abstract: "Record, import, reverse and list spend.",
        subcommands: [
            SpendRecordCommand.self, SpendImportCommand.self, SpendListCommand.self, SpendShowCommand.self,
            SpendReverseCommand.self,
        ])
}

extension Spend {
    func row(_ context: LedgerContext) -> [String] {
        [
            String(id), incurredOn.description, partner, budgetLine, context.money(amount), description,
            supplier,
            reference, reversedBy.map { "by \($0)" } ?? "",
        ]
    }

    static let columns = [
        "id", "incurred on", "partner", "line", "amount", "description", "supplier", "reference", "reversed",
    ]
}

struct SpendRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record spend: the partner's cost account for the line against its funding account.",
        discussion: """
            A finance person records their own partner's spend with their --token; the operator \
            records only while the alliance is being set up, until its first decision is carried.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "The partner's slug.")
    var partner: String
    @Option(name: .customLong("line"), help: "The budget line's code.")
    var budgetLine: String
    @Option(help: "The amount in the alliance's currency, e.g. 1234.56.")
    var amount: String
    @Option(
        name: .customLong("incurred-on"),
        help: ArgumentHelp("The day it was incurred.", valueName: "YYYY-MM-DD"))
    var incurredOn: String
    @Option(help: "What was bought.")
    var description: String
    @Option(help: "Who was paid.")
    var supplier = ""
    @Option(help: "The partner's own reference, e.g. an invoice number.")
    var reference = ""
    @Option(
        name: .customLong("idempotency-key"),
        help: "Recording again with the same key answers the first record instead of a second.")
    var idempotencyKey: String?

    func run() async throws {
        let day = try calendarDate(incurredOn, option: "--incurred-on")
        try await global.withLedger(alliance) { context in
            guard let minor = Money.parse(amount, currency: context.alliance.currency) else {
                throw CommandFailure(
                    .invalidInput,
                    "--amount must be a positive amount of \(context.alliance.currency) such as 1234.56, not \"\(amount)\""
                )
            }
            let request = try SpendRequest(
                partner: partner, budgetLine: budgetLine, amount: minor, incurredOn: day,
                description: description,
                supplier: supplier, reference: reference)
            let spend = try await SpendBook(ledger: context.ledger).record(
                request, in: context.alliance, by: context.caller, idempotencyKey: idempotencyKey)
            try output.emit(table: TextTable(columns: Spend.columns, rows: [spend.row(context)]), json: spend)
            if spend.replayed { printError("already recorded with this key: entry \(spend.id)") }
        }
    }
}

struct SpendListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List spend, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Only this partner's spend.")
    var partner: String?
    @Option(name: .customLong("line"), help: "Only this budget line's spend.")
    var budgetLine: String?
    @Option(help: ArgumentHelp("Only spend incurred on or after this day.", valueName: "YYYY-MM-DD"))
    var from: String?
    @Option(help: ArgumentHelp("Only spend incurred on or before this day.", valueName: "YYYY-MM-DD"))
    var to: String?
    @Option(help: "Items per page, 1 to \(PageRequest.maximumLimit).")
    var limit = 100
    @Option(help: "The cursor printed with the previous page.")
    var cursor: String?

    func run() async throws {
        let page = try PageRequest(limit: limit, cursor: cursor)
        let first = try calendarDate(from, option: "--from")
        let last = try calendarDate(to, option: "--to")
        try await global.withLedger(alliance) { context in
            let found = try await SpendBook(ledger: context.ledger).list(
                in: context.alliance.id, partner: partner, budgetLine: budgetLine, incurredFrom: first,
                incurredTo: last, page: page)
            try output.emit(
                table: TextTable(columns: Spend.columns, rows: found.items.map { $0.row(context) }),
                json: found)
            if let next = found.nextCursor, output.format != .json {
                printError("more spend: repeat with --cursor \(next)")
            }
        }
    }
}

struct SpendShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one spend.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: "The spend's id (its journal sequence).")
    var id: Int64

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let spend = try await SpendBook(ledger: context.ledger).spend(id, in: context.alliance.id)
            try output.emit(table: TextTable(columns: Spend.columns, rows: [spend.row(context)]), json: spend)
        }
    }
}

struct SpendReverseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse", abstract: "Correct a spend with a reversal entry that gives the reason.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: "The spend's id (its journal sequence).")
    var id: Int64
    @Option(help: "Why the spend is reversed; kept in the journal.")
    var reason: String

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let reversal = try await SpendBook(ledger: context.ledger).reverse(
                id, reason: reason, in: context.alliance, by: context.caller)
            try output.emit(
                table: TextTable(
                    columns: ["sequence", "reverses", "effective on", "description"],
                    rows: [
                        [
                            String(reversal.entry.sequence), String(id),
                            reversal.entry.effectiveOn.description,
                            reversal.entry.description,
                        ]
                    ]),
                json: reversal.entry)
        }
    }
}
