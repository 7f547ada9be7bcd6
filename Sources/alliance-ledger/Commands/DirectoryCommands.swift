import AllianceLedger
import ArgumentParser
import Dates
import Foundation
import Postgres

// The directory: alliances, partners, budget lines, people, tokens. These work directly on the
// database, as the operator, who sets an alliance up; once its first decision is carried, a
// partner's admin manages that partner's people with their own --token.

struct AllianceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alliance", abstract: "Create and read alliances.",
        subcommands: [AllianceCreateCommand.self, AllianceListCommand.self, AllianceShowCommand.self])
}

extension Alliance {
    var row: [String] {
        [
            slug, name, currency, String(financialYearStartMonth), contractStart?.description ?? "",
            contractEnd?.description ?? "", abstention.rawValue,
        ]
    }

    static let columns: [TextTable.Column] = [
        "slug", "name", "currency", "year starts (month)", "contract start", "contract end", "abstention",
    ]
}

struct AllianceCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an alliance.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Lower-case letters, digits and hyphens; part of every URL of the alliance.")
    var slug: String
    @Option(help: "The alliance's name.")
    var name: String
    @Option(help: "ISO 4217 currency code.")
    var currency = "GBP"
    @Option(
        name: .customLong("financial-year-start-month"),
        help: "1 to 12; 4 is April, the UK public-sector year.")
    var financialYearStartMonth = 4
    @Option(
        name: .customLong("contract-start"),
        help: ArgumentHelp("First day of the contract.", valueName: "YYYY-MM-DD"))
    var contractStart: CalendarDate?
    @Option(
        name: .customLong("contract-end"),
        help: ArgumentHelp("Last day of the contract.", valueName: "YYYY-MM-DD"))
    var contractEnd: CalendarDate?
    @Option(help: "Whether an abstention blocks a decision or stands aside.")
    var abstention = Abstention.blocks

    func run() async throws {
        let request = try AllianceRequest(
            slug: slug, name: name, currency: currency, financialYearStartMonth: financialYearStartMonth,
            contractStart: contractStart,
            contractEnd: contractEnd,
            abstention: abstention)
        let alliance = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).create(request)
        }
        try output.emit(table: TextTable(columns: Alliance.columns, rows: [alliance.row]), json: alliance)
    }
}

struct AllianceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List every alliance.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let alliances = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).alliances()
        }
        try output.emit(
            table: TextTable(columns: Alliance.columns, rows: alliances.map(\.row)), json: alliances)
    }
}

struct AllianceShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one alliance.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let found = try await global.withLedger(alliance) { context in context.alliance }
        try output.emit(table: TextTable(columns: Alliance.columns, rows: [found.row]), json: found)
    }
}

struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner", abstract: "Add and list an alliance's partners.",
        subcommands: [PartnerAddCommand.self, PartnerListCommand.self])
}

extension Partner {
    var row: [String] { [slug, name, kind.rawValue, joinedOn.description, leftOn?.description ?? ""] }
    static let columns: [TextTable.Column] = ["slug", "name", "kind", "joined on", "left on"]
}

struct PartnerAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a partner and open its accounts.",
        discussion: """
            The operator adds partners while the alliance is being set up; once its first \
            decision is carried, a partner joins only by a carried partner.admit decision.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Lower-case letters, digits and hyphens; part of the partner's account codes.")
    var slug: String
    @Option(help: "The partner's name.")
    var name: String
    @Option(help: "What kind of organisation the partner is.")
    var kind: PartnerKind
    @Option(
        name: .customLong("joined-on"),
        help: ArgumentHelp("Default: the contract's start.", valueName: "YYYY-MM-DD"))
    var joinedOn: CalendarDate?

    func run() async throws {
        let request = try PartnerRequest(
            slug: slug, name: name, kind: kind,
            joinedOn: joinedOn)
        let partner = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).addPartner(
                request, to: context.alliance, by: context.caller)
        }
        try output.emit(table: TextTable(columns: Partner.columns, rows: [partner.row]), json: partner)
    }
}

struct PartnerListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the partners.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let partners = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).partners(in: context.alliance.id)
        }
        try output.emit(table: TextTable(columns: Partner.columns, rows: partners.map(\.row)), json: partners)
    }
}

struct BudgetLineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget-line", abstract: "Add and list an alliance's budget lines.",
        subcommands: [BudgetLineAddCommand.self, BudgetLineListCommand.self])
}

/// `line`, the name of `budget-line` before issue 17, so that scripts written for it keep
/// working; left out of help and completion, where `budget-line` is the one name. (An alias of
/// `budget-line` would be listed beside it.)
struct FormerLineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line", abstract: BudgetLineCommand.configuration.abstract, shouldDisplay: false,
        subcommands: [BudgetLineAddCommand.self, BudgetLineListCommand.self])
}

struct BudgetLineAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a budget line and open every partner's cost account for it.",
        discussion: """
            The operator adds budget lines while the alliance is being set up; once its first \
            decision is carried, a budget line is added only by a carried budgetLine.add decision.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Upper-case letters, digits and underscores, e.g. STAFF.")
    var code: String
    @Option(help: "The budget line's name.")
    var name: String

    func run() async throws {
        let request = try BudgetLineRequest(code: code, name: name)
        let budgetLine = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).addBudgetLine(
                request, to: context.alliance, by: context.caller)
        }
        try output.emit(
            table: TextTable(columns: ["code", "name"], rows: [[budgetLine.code, budgetLine.name]]),
            json: budgetLine)
    }
}

struct BudgetLineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the budget lines.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let budgetLines = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).budgetLines(in: context.alliance.id)
        }
        try output.emit(
            table: TextTable(columns: ["code", "name"], rows: budgetLines.map { [$0.code, $0.name] }),
            json: budgetLines)
    }
}

struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "Add, list and remove the people of an alliance, and set their roles.",
        discussion: """
            A partner's people are that partner's business: its admins add them, set their roles \
            and remove them, with their own --token. The operator does it for every partner only \
            while the alliance is being set up, until its first decision is carried.
            """,
        subcommands: [
            PersonAddCommand.self, PersonListCommand.self, PersonRolesCommand.self, PersonRemoveCommand.self,
        ])
}

extension Person {
    var row: [String] {
        [
            String(id), name, email, partner ?? "", roles.sorted().map(\.rawValue).joined(separator: " "),
            removedAt?.description ?? "",
        ]
    }
    static let columns: [TextTable.Column] = ["id", "name", "email", "partner", "roles", "removed at"]
}

/// `--role`, repeatable: the roles a person is to hold.
struct RolesOption: ParsableArguments {
    @Option(name: .customLong("role"), help: "A role to hold; repeat for several.")
    var roles: [Role]
}

/// `<person-id>`, as `person list` shows it.
struct PersonArgument: ParsableArguments {
    @Argument(help: .personID(valueName: "person-id"))
    var id: Int64
}

extension OutputOptions {
    func emit(_ person: Person) throws {
        try emit(table: TextTable(columns: Person.columns, rows: [person.row]), json: person)
    }
}

struct PersonAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a person with roles.",
        discussion: """
            An admin adds people to their own partner, with --token; the operator adds them to any \
            partner while the alliance is being set up (each partner's first admin, say).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "The person's name.")
    var name: String
    @Option(help: "The person's e-mail address, unique in the alliance.")
    var email: String
    @Option(help: "The slug of the partner the person works for.")
    var partner: String
    @OptionGroup var roles: RolesOption

    func run() async throws {
        let request = try PersonRequest(name: name, email: email, partner: partner, roles: Set(roles.roles))
        let person = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).addPerson(
                request, to: context.alliance, by: context.caller)
        }
        try output.emit(person)
    }
}

struct PersonListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the people, removed ones too.",
        discussion: "E-mail addresses are personal data: with --token, only admins and auditors list people.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let people = try await global.withLedger(alliance) { context in
            try context.caller.require([.admin, .auditor], in: context.alliance.id)
            return try await AllianceDirectory(pool: context.ledger.pool).people(in: context.alliance.id)
        }
        try output.emit(table: TextTable(columns: Person.columns, rows: people.map(\.row)), json: people)
    }
}

struct PersonRolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Set a person's roles to exactly those given.",
        discussion: """
            Grants the roles the person lacks and ends those not given; every grant and ending is \
            kept in the governance log. By an admin of the person's partner, with --token; by the \
            operator while the alliance is being set up. To end every role, remove the person.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var person: PersonArgument
    @OptionGroup var roles: RolesOption

    func run() async throws {
        let wanted = Set(roles.roles)
        let changed = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).setRoles(
                wanted, of: person.id, in: context.alliance, by: context.caller)
        }
        try output.emit(changed)
    }
}

struct PersonRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a person: end every role and revoke every token.",
        discussion: """
            The person stays in the records that name them (their votes, their spend) and in \
            `person list`, marked removed. By an admin of the person's partner, with --token; by the \
            operator while the alliance is being set up.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var person: PersonArgument

    func run() async throws {
        let removed = try await global.withLedger(alliance) { context in
            try await AllianceDirectory(pool: context.ledger.pool).removePerson(
                person.id, in: context.alliance, by: context.caller)
        }
        try output.emit(removed)
        printError("removed \(removed.email) (person \(removed.id)): every role ended, every token revoked")
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue, list and revoke API tokens.",
        subcommands: [TokenIssueCommand.self, TokenListCommand.self, TokenRevokeCommand.self])
}

/// `--expires`: when a new token stops working.
struct ExpiryOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "When the token stops working, an ISO 8601 instant such as 2027-01-01T00:00:00Z; without it, it works until revoked.",
            valueName: "instant"))
    var expires: Timestamp?
}

struct TokenIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token, printed once: for a person, or with --operator for the operator.",
        discussion: """
            Only the token's SHA-256 is stored; a lost token cannot be shown again, only revoked. \
            A partner's admin issues tokens for that partner's people, with their own --token. The \
            operator issues them for anyone while the alliance is being set up, and afterwards \
            only the first token of someone appointed by a carried decision. The token's id, which \
            names it to `token list` and `token revoke`, is printed on standard error (and, with \
            --format json, as "id").
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Issue an operator token, which creates alliances and their first people.")
    var `operator` = false
    @Option(help: ArgumentHelp("The alliance of the person.", valueName: "slug"))
    var alliance: String?
    @Option(help: .personID(valueName: "id"))
    var person: Int64?
    @OptionGroup var expiry: ExpiryOption
    @OptionGroup var token: TokenOption

    func validate() throws {
        guard `operator` != (alliance != nil || person != nil) else {
            throw ValidationError("give either --operator, or --alliance and --person")
        }
        guard `operator` || (alliance != nil && person != nil) else {
            throw ValidationError("a person's token needs both --alliance and --person")
        }
    }

    func run() async throws {
        let expiresAt = expiry.expires
        let issued: (id: Int64, token: String)
        if let alliance, let person {
            issued = try await issue(forPerson: person, in: alliance, expiresAt: expiresAt)
        } else {
            issued = try await global.withSession { session in
                // The command line is the operator; a person's token makes it that person, who
                // issues no operator tokens.
                guard try await session.authenticate(token.credential).identity == .operator else {
                    throw LedgerError.forbidden("only the operator issues operator tokens")
                }
                return try await TokenStore(pool: session.pool).issueOperator(expiresAt: expiresAt)
            }
            printError("issued operator token \(issued.id)")
        }
        try output.emit(
            table: TextTable(columns: ["token"], rows: [[issued.token]]),
            json: IssuedTokenOutput(id: issued.id, token: issued.token))
        printError("keep this token safe: it is not stored and cannot be shown again")
    }

    private func issue(forPerson id: Int64, in slug: String, expiresAt: Timestamp?) async throws -> (
        id: Int64, token: String
    ) {
        let (holder, issued) = try await global.withLedger(alliance: slug, token: token) { context in
            let holder = try await AllianceDirectory(pool: context.ledger.pool).person(
                id, in: context.alliance.id)
            // The token's id comes only from issuing inside a transaction of our own.
            let issued = try await context.ledger.pool.withTransaction { connection in
                try await TokenStore(pool: context.ledger.pool).issue(
                    for: holder, in: context.alliance, by: context.caller, expiresAt: expiresAt,
                    on: connection)
            }
            return (holder, issued)
        }
        printError("issued token \(issued.id) for \(holder.email) (person \(holder.id))")
        return issued
    }
}

/// `token issue --format json`: the token and the id that names it later.
struct IssuedTokenOutput: Encodable {
    let id: Int64
    let token: String
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List tokens by id, never their secrets.",
        discussion: """
            Without --alliance, the operator's tokens (for the operator only). With --alliance, the \
            tokens of its people: the operator sees all of them; with --token, an admin those of \
            their partner's people, anyone else their own. "last used" is noted up to a minute late.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("List the tokens of this alliance's people.", valueName: "slug"))
    var alliance: String?
    @OptionGroup var token: TokenOption

    static let columns: [TextTable.Column] = ["id", "owner", "created", "expires", "last used", "revoked"]

    func run() async throws {
        let (tokens, owners): ([TokenRecord], [Int64: String]) =
            if let alliance {
                try await global.withLedger(alliance: alliance, token: token) { context in
                    let tokens = try await TokenStore(pool: context.ledger.pool).tokens(
                        in: context.alliance, by: context.caller)
                    let people = try await AllianceDirectory(pool: context.ledger.pool).people(
                        in: context.alliance.id)
                    return (
                        tokens, Dictionary(people.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
                    )
                }
            } else {
                try await global.withSession { session in
                    let caller = try await session.authenticate(token.credential)
                    return (try await TokenStore(pool: session.pool).operatorTokens(by: caller), [:])
                }
            }
        let rows = tokens.map { record in
            [
                String(record.id),
                record.person.map { owners[$0] ?? "person \($0)" } ?? "operator",
                record.createdAt.description, record.expiresAt?.description ?? "",
                record.lastUsedAt?.description ?? "", record.revokedAt?.description ?? "",
            ]
        }
        try output.emit(table: TextTable(columns: Self.columns, rows: rows), json: tokens)
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke any token by its id (see `token list`).",
        discussion: """
            The operator revokes any token, the operator's own included (an incident); with \
            --token, a person revokes their own, and an admin those of their partner's people. The \
            id names the token, so no --alliance is needed; given, it must be the token's. Revoking \
            a revoked token changes nothing.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The token's alliance, checked if given.", valueName: "slug"))
    var alliance: String?
    @OptionGroup var token: TokenOption

    @Argument(help: "The token's id.")
    var id: Int64

    func run() async throws {
        try await global.withSession { session in
            let tokens = TokenStore(pool: session.pool)
            if let alliance {
                let (found, caller) = try await session.authenticate(token.credential, in: alliance)
                _ = try await tokens.revoke(id, in: found, by: caller)
            } else {
                _ = try await tokens.revoke(id, by: try await session.authenticate(token.credential))
            }
        }
        printError("revoked token \(id)")
    }
}
