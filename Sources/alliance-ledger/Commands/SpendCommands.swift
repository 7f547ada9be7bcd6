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
        name: .customLong("expense-type"),
        help:
            "The expense type's code in the partner's chart of accounts, e.g. a CIPFA or NHS subjective code."
    )
    var expenseType: String?
    @Option(name: .customLong("expense-type-label"), help: "The expense type in words.")
    var expenseTypeLabel = ""
    @Option(
        name: .customLong("supplier-type"),
        help: "company, charity, public-body or individual (published redacted).")
    var supplierType: String?
    @Option(name: .customLong("supplier-id"), help: "The supplier's Companies House or charity number.")
    var supplierID = ""
    @Option(
        name: .customLong("irrecoverable-vat"),
        help: "VAT that cannot be recovered, in the alliance's currency, e.g. 246.91.")
    var irrecoverableVAT: String?
    @Option(
        name: .customLong("idempotency-key"),
        help: "Recording again with the same key answers the first record instead of a second.")
    var idempotencyKey: String?

    func run() async throws {
        let day = try calendarDate(incurredOn, option: "--incurred-on")
        if expenseType == nil, !expenseTypeLabel.isEmpty {
            throw CommandFailure(
                .invalidInput, "--expense-type-label needs --expense-type, the code it labels")
        }
        try await global.withLedger(alliance) { context in
            guard let minor = Money.parse(amount, currency: context.alliance.currency) else {
                throw CommandFailure(
                    .invalidInput,
                    "--amount must be a positive amount of \(context.alliance.currency) such as 1234.56, not \"\(amount)\""
                )
            }
            let vat = try irrecoverableVAT.map { text in
                guard let minor = Money.parse(text, currency: context.alliance.currency), minor >= 0 else {
                    throw CommandFailure(
                        .invalidInput,
                        "--irrecoverable-vat must be zero or a positive amount of \(context.alliance.currency) such as 246.91, not \"\(text)\""
                    )
                }
                return minor
            }
            let request = try SpendRequest(
                partner: partner, budgetLine: budgetLine, amount: minor, incurredOn: day,
                description: description,
                supplier: supplier, reference: reference,
                expenseType: try expenseType.map {
                    try ExpenseType(
                        code: $0, label: expenseTypeLabel, fields: ("--expense-type", "--expense-type-label"))
                },
                supplierType: try supplierType.map {
                    try SupplierType(parsing: $0, field: "--supplier-type")
                },
                supplierID: supplierID, irrecoverableVAT: vat)
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
