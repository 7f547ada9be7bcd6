import AllianceLedger
import ArgumentParser
import Foundation
import Postgres

// The directory as the operator sees it: alliances, partners, budget lines, people, tokens.
// These work directly on the database, as the operator.

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

    static let columns = [
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
    var contractStart: String?
    @Option(
        name: .customLong("contract-end"),
        help: ArgumentHelp("Last day of the contract.", valueName: "YYYY-MM-DD"))
    var contractEnd: String?
    @Option(help: "Whether an abstention blocks a decision or stands aside: blocks or stands-aside.")
    var abstention = Abstention.blocks.rawValue

    func run() async throws {
        let request = try AllianceRequest(
            slug: slug, name: name, currency: currency, financialYearStartMonth: financialYearStartMonth,
            contractStart: try calendarDate(contractStart, option: "--contract-start"),
            contractEnd: try calendarDate(contractEnd, option: "--contract-end"),
            abstention: try choice(abstention, option: "--abstention"))
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
        let found = try await global.withSession { session in try await session.alliance(alliance.slug) }
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
    static let columns = ["slug", "name", "kind", "joined on", "left on"]
}

struct PartnerAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a partner and open its accounts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Lower-case letters, digits and hyphens; part of the partner's account codes.")
    var slug: String
    @Option(help: "The partner's name.")
    var name: String
    @Option(help: "commissioner, nhs-provider, local-authority, vcse or other.")
    var kind: String
    @Option(
        name: .customLong("joined-on"),
        help: ArgumentHelp("Default: the contract's start.", valueName: "YYYY-MM-DD"))
    var joinedOn: String?

    func run() async throws {
        let request = try PartnerRequest(
            slug: slug, name: name, kind: try choice(kind, option: "--kind"),
            joinedOn: try calendarDate(joinedOn, option: "--joined-on"))
        let partner = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).addPartner(
                request, to: try await session.alliance(alliance.slug))
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
        let partners = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).partners(
                in: try await session.alliance(alliance.slug).id)
        }
        try output.emit(table: TextTable(columns: Partner.columns, rows: partners.map(\.row)), json: partners)
    }
}

struct LineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "line", abstract: "Add and list an alliance's budget lines.",
        subcommands: [LineAddCommand.self, LineListCommand.self])
}

struct LineAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a budget line and open every partner's cost account for it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "Upper-case letters, digits and underscores, e.g. STAFF.")
    var code: String
    @Option(help: "The line's name.")
    var name: String

    func run() async throws {
        let request = try BudgetLineRequest(code: code, name: name)
        let line = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).addBudgetLine(
                request, to: try await session.alliance(alliance.slug))
        }
        try output.emit(
            table: TextTable(columns: ["code", "name"], rows: [[line.code, line.name]]), json: line)
    }
}

struct LineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the budget lines.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let lines = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).budgetLines(
                in: try await session.alliance(alliance.slug).id)
        }
        try output.emit(
            table: TextTable(columns: ["code", "name"], rows: lines.map { [$0.code, $0.name] }), json: lines)
    }
}

struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person", abstract: "Add and list the people of an alliance and their roles.",
        subcommands: [PersonAddCommand.self, PersonListCommand.self])
}

extension Person {
    var row: [String] {
        [String(id), name, email, partner ?? "", roles.sorted().map(\.rawValue).joined(separator: " ")]
    }
    static let columns = ["id", "name", "email", "partner", "roles"]
}

struct PersonAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a person with roles.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    @Option(help: "The person's name.")
    var name: String
    @Option(help: "The person's e-mail address, unique in the alliance.")
    var email: String
    @Option(help: "The slug of the partner the person works for.")
    var partner: String
    @Option(name: .customLong("role"), help: "admin, finance, board or auditor; repeat for several.")
    var roles: [String]

    func run() async throws {
        let request = try PersonRequest(
            name: name, email: email, partner: partner,
            roles: Set(try roles.map { try choice($0, option: "--role") as Role }))
        let person = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).addPerson(
                request, to: try await session.alliance(alliance.slug))
        }
        try output.emit(table: TextTable(columns: Person.columns, rows: [person.row]), json: person)
    }
}

struct PersonListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the people.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        let people = try await global.withSession { session in
            try await AllianceDirectory(pool: session.pool).people(
                in: try await session.alliance(alliance.slug).id)
        }
        try output.emit(table: TextTable(columns: Person.columns, rows: people.map(\.row)), json: people)
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Issue and revoke API tokens.",
        subcommands: [TokenIssueCommand.self, TokenRevokeCommand.self])
}

struct TokenIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token, printed once: for a person, or with --operator for the operator.",
        discussion: "Only the token's SHA-256 is stored; a lost token cannot be shown again, only revoked.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Issue an operator token, which creates alliances and their first people.")
    var `operator` = false
    @Option(help: ArgumentHelp("The alliance of the person.", valueName: "slug"))
    var alliance: String?
    @Option(help: ArgumentHelp("The person's id (see `person list`).", valueName: "id"))
    var person: Int64?

    func validate() throws {
        guard `operator` != (alliance != nil || person != nil) else {
            throw ValidationError("give either --operator, or --alliance and --person")
        }
        guard `operator` || (alliance != nil && person != nil) else {
            throw ValidationError("a person's token needs both --alliance and --person")
        }
    }

    func run() async throws {
        let token = try await global.withSession { session in
            let tokens = TokenStore(pool: session.pool)
            guard let alliance, let person else { return try await tokens.issueOperatorToken() }
            let found = try await AllianceDirectory(pool: session.pool).person(
                person, in: try await session.alliance(alliance).id)
            return try await tokens.issue(for: found)
        }
        try output.emit(table: TextTable(columns: ["token"], rows: [[token]]), json: ["token": token])
        printError("keep this token safe: it is not stored and cannot be shown again")
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token by its id.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var alliance: AllianceOption

    @Argument(help: "The token's id.")
    var id: Int64

    func run() async throws {
        try await global.withSession { session in
            _ = try await TokenStore(pool: session.pool).revoke(
                id, in: try await session.alliance(alliance.slug), by: .commandLine)
        }
        printError("revoked token \(id)")
    }
}
