import AllianceLedger
import ArgumentParser
import Dates
import Foundation

/// `--alliance`, and `--token` for who acts in it, on every command that works inside one
/// alliance.
struct AllianceOption: ParsableArguments {
    @Option(name: .customLong("alliance"), help: ArgumentHelp("The alliance's slug.", valueName: "slug"))
    var slug: String
    @OptionGroup var token: TokenOption
}

/// The ledger of one alliance, and who acts in it, for the length of a command.
struct LedgerContext {
    let ledger: Ledger
    let alliance: Alliance
    /// The holder of the token given, or the operator when none was.
    let caller: Caller
    /// Where the token came from (`--token` or `ALLIANCE_LEDGER_TOKEN`), for messages; nil when
    /// the command acts as the operator without one.
    let tokenSource: String?

    /// An amount as a table's value or CSV's field: `1234567.89`.
    func money(_ amount: Int64) -> String { Money.format(amount, currency: alliance.currency) }

    /// An amount for people to read beside a label: `1,234,567.89`.
    func groupedMoney(_ amount: Int64) -> String { TextTable.grouped(money(amount)) }
}

extension GlobalOptions {
    /// A session on a database with the current schema, for the length of a command.
    func withSession<Value>(_ body: (DatabaseSession) async throws -> Value) async throws -> Value {
        let settings = try settings()
        return try await DatabaseSession.with(settings, logger: settings.logger()) { session in
            try await session.requireCurrentSchema()
            return try await body(session)
        }
    }

    /// The alliance's ledger for the length of a command, acting as the holder of the token
    /// given (checked as the HTTP service checks it) or, without one, as the operator.
    func withLedger<Value>(
        _ alliance: AllianceOption, _ body: (LedgerContext) async throws -> Value
    ) async throws -> Value {
        try await withLedger(alliance: alliance.slug, token: alliance.token, body)
    }

    func withLedger<Value>(
        alliance slug: String, token: TokenOption, _ body: (LedgerContext) async throws -> Value
    ) async throws -> Value {
        try await withSession { session in
            let credential = token.credential
            let (alliance, caller) = try await session.authenticate(credential, in: slug)
            return try await body(
                LedgerContext(
                    ledger: Ledger(pool: session.pool), alliance: alliance, caller: caller,
                    tokenSource: credential?.source))
        }
    }
}

struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Read and verify an alliance's journal.",
        subcommands: [JournalListCommand.self, JournalShowCommand.self, JournalVerifyCommand.self])
}

struct JournalListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List journal entries, newest first, a page at a time.",
        discussion:
            "When more entries remain, the cursor for the next page is printed on standard error (and as nextCursor in JSON); --all lists every page instead."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: ArgumentHelp("Only entries of this kind; repeat for several.", valueName: "kind"))
    var kind: [EntryKind] = []

    @Option(help: ArgumentHelp("Only entries with a posting to this account.", valueName: "code"))
    var account: String?

    @Option(help: ArgumentHelp("Only entries effective on or after this day.", valueName: "YYYY-MM-DD"))
    var from: CalendarDate?

    @Option(help: ArgumentHelp("Only entries effective on or before this day.", valueName: "YYYY-MM-DD"))
    var to: CalendarDate?

    @Option(
        name: .customLong("recorded-by"),
        help: ArgumentHelp("Only entries recorded by this person.", valueName: "person"))
    var recordedBy: String?

    @OptionGroup var paging: PageOptions

    func run() async throws {
        let filter = JournalFilter(
            kinds: Set(kind), account: try account.map { try AccountCode($0) },
            effectiveFrom: from,
            effectiveTo: to,
            recordedBy: recordedBy)
        try await global.withLedger(alliance) { context in
            let layout = TableLayout<JournalEntry>(
                columns: [
                    "sequence", "effective on", "kind", "description", .number("amount"), "recorded by",
                    "reverses",
                ]
            ) { entry in
                [
                    String(entry.sequence), entry.effectiveOn.description, entry.kind.rawValue,
                    entry.description,
                    context.money(entry.postings.filter { $0.amount > 0 }.reduce(0) { $0 + $1.amount }),
                    entry.recordedBy, entry.reverses.map(String.init) ?? "",
                ]
            }
            try await output.emitListing(paging, of: "entries", table: layout) { page in
                try await context.ledger.entries(in: context.alliance.id, matching: filter, page: page)
            }
        }
    }
}

struct JournalShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one journal entry with its postings and hashes.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: "The entry's sequence number.")
    var sequence: Int64

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let entry = try await context.ledger.entry(sequence, in: context.alliance.id)
            if output.format == .table {
                print("Entry \(entry.sequence) (\(entry.kind.rawValue)), effective \(entry.effectiveOn)")
                print("Recorded \(entry.recordedAt) by \(entry.recordedBy)")
                print("Description: \(entry.description)")
                if let reverses = entry.reverses { print("Reverses entry \(reverses)") }
                for key in entry.metadata.keys.sorted() { print("\(key): \(entry.metadata[key] ?? "")") }
                print("Hash: \(entry.hash)")
                print("Previous hash: \(entry.previousHash)")
                print("")
            }
            let table = TextTable(
                columns: ["line", "account", .number("debit"), .number("credit")],
                rows: entry.postings.map { posting in
                    [
                        String(posting.line), posting.account.rawValue,
                        posting.amount > 0 ? context.money(posting.amount) : "",
                        posting.amount < 0 ? context.money(-posting.amount) : "",
                    ]
                })
            try output.emit(table: table, json: entry)
        }
    }
}

struct JournalVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the hash chain and every balance; exit 1 if anything does not match.",
        discussion:
            "Reads the whole journal on one snapshot. Reports the first entry whose sequence, link, hash or postings do not hold, every balance that differs from its postings, and a chain head that does not match the last entry."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let report = try await global.withLedger(alliance) { context in
            try await context.ledger.verify(context.alliance.id)
        }
        var rows = [
            ["entries", String(report.entries)], ["head hash", report.headHash.description],
            ["first mismatch", report.firstMismatch.map { "entry \($0.sequence): \($0.problem)" } ?? "none"],
            ["chain head", report.headProblem ?? "matches the last entry"],
        ]
        for drift in report.balanceDrifts {
            rows.append([
                "balance drift",
                "\(drift.account): recorded \(drift.recorded), postings sum to \(drift.recomputed)",
            ])
        }
        try output.emit(table: TextTable(columns: ["check", "result"], rows: rows), json: report)
        guard report.isIntact else {
            throw CommandFailure(.failure, "the journal of \(alliance.slug) does not verify (see above)")
        }
    }
}

/// `--as-of`: the books at the end of a day rather than now.
struct AsOfOption: ParsableArguments {
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "At the end of this day, from the entries effective by then.", valueName: "YYYY-MM-DD"))
    var day: CalendarDate?
}

struct BalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Show account balances (debits positive), now or at the end of a day.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: ArgumentHelp("Only this account.", valueName: "code"))
    var account: String?

    @OptionGroup var asOf: AsOfOption

    func run() async throws {
        let code = try account.map { try AccountCode($0) }
        try await global.withLedger(alliance) { context in
            var balances = try await context.ledger.balances(in: context.alliance.id, asOf: asOf.day)
            if let code {
                balances = balances.filter { $0.account.code == code }
                guard !balances.isEmpty else { throw LedgerError.accountNotFound(code) }
            }
            let table = TextTable(
                columns: ["account", "type", .number("balance"), .number("floor")],
                rows: balances.map { balance in
                    [
                        balance.account.code.rawValue, balance.account.type.rawValue,
                        context.money(balance.balance),
                        balance.account.floor.map(context.money) ?? "",
                    ]
                })
            try output.emit(table: table, json: BalanceSheet(asOf: asOf.day, accounts: balances))
        }
    }
}

struct TrialBalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial-balance",
        abstract: "Show every account on its debit or credit side, with totals that must agree.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @OptionGroup var asOf: AsOfOption

    func run() async throws {
        let trial = try await global.withLedger(alliance) { context in
            let trial = try await context.ledger.trialBalance(in: context.alliance.id, asOf: asOf.day)
            let rows = trial.rows.map { row in
                [
                    row.account.rawValue, row.type.rawValue,
                    row.debit == 0 ? "" : context.money(row.debit),
                    row.credit == 0 ? "" : context.money(row.credit),
                ]
            }
            let totals = ["total", "", context.money(trial.totalDebits), context.money(trial.totalCredits)]
            try output.emit(
                table: TextTable(
                    columns: ["account", "type", .number("debit"), .number("credit")], rows: rows + [totals]),
                json: trial)
            return trial
        }
        guard trial.isBalanced else {
            throw CommandFailure(
                .failure, "the trial balance does not balance: run `alliance-ledger journal verify`")
        }
    }
}
