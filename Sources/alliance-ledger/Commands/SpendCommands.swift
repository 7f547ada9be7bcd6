import AllianceLedger
import ArgumentParser
import Dates
import Foundation

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

    static let columns: [TextTable.Column] = [
        "id", "incurred on", "partner", "budget line", .number("amount"), "description", "supplier",
        "reference",
        "reversed",
    ]

    static func table(_ context: LedgerContext) -> TableLayout<Spend> {
        TableLayout(columns: columns) { $0.row(context) }
    }

    /// Spend as `spend import` reads it, so that a listing's CSV imports into another alliance
    /// (or period) as the same spend: the import's own columns, every optional one included.
    static func importFile(_ context: LedgerContext) -> TableLayout<Spend> {
        let names = SpendCSVParser.columns + SpendCSVParser.optionalColumns
        return TableLayout(columns: names.map { TextTable.Column(stringLiteral: $0) }) { spend in
            let fields = spend.importFields(context)
            return names.map { name in
                guard let field = fields[name] else { preconditionFailure("no value for the column \(name)") }
                return field
            }
        }
    }

    private func importFields(_ context: LedgerContext) -> [String: String] {
        [
            "date": incurredOn.description, "partner": partner, "budget_line": budgetLine,
            "amount": context.money(amount), "description": description, "supplier": supplier,
            "reference": reference, "expense_type": expenseType?.code ?? "",
            "expense_type_label": expenseType?.label ?? "", "supplier_type": supplierType?.rawValue ?? "",
            "supplier_id": supplierID, "irrecoverable_vat": irrecoverableVAT.map(context.money) ?? "",
        ]
    }
}

struct SpendRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record spend: the partner's cost account for the budget line against its funding account.",
        discussion: """
            A finance person records their own partner's spend with their --token; the operator \
            records only while the alliance is being set up, until its first decision is carried.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: .partnerSlug)
    var partner: String
    @Option(name: .budgetLineOrFormerLine, help: .budgetLineCodeOrFormerLine)
    var budgetLine: String
    @Option(help: ArgumentHelp("The amount in the alliance's currency, e.g. 1234.56.", valueName: "amount"))
    var amount: AmountText
    @Option(
        name: .customLong("incurred-on"),
        help: ArgumentHelp("The day it was incurred.", valueName: "YYYY-MM-DD"))
    var incurredOn: CalendarDate
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
        help: "What kind of supplier was paid (an individual is published redacted).")
    var supplierType: SupplierType?
    @Option(name: .customLong("supplier-id"), help: "The supplier's Companies House or charity number.")
    var supplierID = ""
    @Option(
        name: .customLong("irrecoverable-vat"),
        help: ArgumentHelp(
            "VAT that cannot be recovered, in the alliance's currency, e.g. 246.91.", valueName: "amount"))
    var irrecoverableVAT: AmountText?
    @Option(
        name: .customLong("idempotency-key"),
        help: "Recording again with the same key answers the first record instead of a second.")
    var idempotencyKey: String?

    func run() async throws {
        if expenseType == nil, !expenseTypeLabel.isEmpty {
            throw CommandFailure(
                .invalidInput, "--expense-type-label needs --expense-type, the code it labels")
        }
        try await global.withLedger(alliance) { context in
            let currency = context.alliance.currency
            let minor = try amount.minorUnits(of: currency, option: "--amount")
            let vat = try irrecoverableVAT.map {
                try $0.minorUnits(of: currency, option: "--irrecoverable-vat", zeroAllowed: true)
            }
            let request = try SpendRequest(
                partner: partner, budgetLine: budgetLine, amount: minor, incurredOn: incurredOn,
                description: description,
                supplier: supplier, reference: reference,
                expenseType: try expenseType.map {
                    try ExpenseType(
                        code: $0, label: expenseTypeLabel, fields: ("--expense-type", "--expense-type-label"))
                },
                supplierType: supplierType,
                supplierID: supplierID, irrecoverableVAT: vat)
            let spend = try await SpendBook(ledger: context.ledger).record(
                request, in: context.alliance, by: context.caller, idempotencyKey: idempotencyKey)
            try output.emit(
                table: Spend.table(context).table([spend]), csv: Spend.importFile(context).table([spend]),
                json: spend)
            if spend.replayed { printError("already recorded with this key: entry \(spend.id)") }
        }
    }
}

struct SpendListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List spend, newest first, a page at a time.",
        discussion: """
            When more spend remains, the cursor for the next page is printed on standard error (and \
            as nextCursor in JSON); --all lists every page instead. The CSV has the columns \
            `spend import` reads, so a listing imports into another alliance as the same spend; \
            the table and the JSON also show each spend's id and its reversal. A reversed spend is \
            in the CSV like any other, as an import has no column for a reversal.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Only this partner's spend.")
    var partner: String?
    @Option(
        name: .budgetLineOrFormerLine, help: "Only this budget line's spend (--line is its former name).")
    var budgetLine: String?
    @Option(help: ArgumentHelp("Only spend incurred on or after this day.", valueName: "YYYY-MM-DD"))
    var from: CalendarDate?
    @Option(help: ArgumentHelp("Only spend incurred on or before this day.", valueName: "YYYY-MM-DD"))
    var to: CalendarDate?
    @OptionGroup var paging: PageOptions

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let book = SpendBook(ledger: context.ledger)
            try await output.emitListing(
                paging, of: "spend", table: Spend.table(context), csv: Spend.importFile(context)
            ) { page in
                try await book.list(
                    in: context.alliance.id, partner: partner, budgetLine: budgetLine, incurredFrom: from,
                    incurredTo: to, page: page)
            }
        }
    }
}

struct SpendShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one spend.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: .spendID)
    var id: Int64

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let spend = try await SpendBook(ledger: context.ledger).spend(id, in: context.alliance.id)
            try output.emit(
                table: Spend.table(context).table([spend]), csv: Spend.importFile(context).table([spend]),
                json: spend)
        }
    }
}

struct SpendReverseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse", abstract: "Correct a spend with a reversal entry that gives the reason.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: .spendID)
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
