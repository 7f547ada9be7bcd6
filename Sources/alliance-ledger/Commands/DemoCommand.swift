import AllianceLedger
import ArgumentParser
import Foundation
import Postgres

/// Loads a realistic example alliance, so that a new user has something to read, serve and
/// query straight away: five partners of a mental-health alliance, two budget lines, a finance
/// lead and a board member per partner, an admin and an auditor, the year's budget set by a
/// unanimous decision of the board, a second decision still open, and a year of spend with a
/// correction.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a realistic example alliance (applies pending migrations first).",
        discussion: """
            Creates the alliance (default lambeth-living-well) with five partners — a \
            commissioner, an NHS trust, a council and two voluntary organisations — budget lines \
            STAFF and PREMISES, people with roles (a finance lead and a board member per \
            partner), FY2025's budget set by decision D-0001 (carried: every partner's board \
            member approved), decision D-0002 on FY2025's gain and pain shares (open, three of \
            five partners approving), and FY2025's monthly spend of every partner, one entry \
            reversed. With --tokens it issues an API token for the admin, the \
            auditor and each finance lead, and prints them: they are shown once. Refuses an \
            alliance that exists already.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The example alliance's slug.")
    var alliance = "lambeth-living-well"

    @Flag(help: "Issue and print API tokens for the admin, the auditor and each finance lead.")
    var tokens = false

    /// Monthly spend in whole pounds: about £18.6 million a year across the alliance.
    static let partners: [(slug: String, name: String, kind: PartnerKind, staff: Int64, premises: Int64)] = [
        ("sel-icb", "South East London ICB", .commissioner, 185_000, 21_000),
        ("slam", "South London and Maudsley NHS Foundation Trust", .nhsProvider, 642_000, 90_500),
        ("lambeth", "Lambeth Council", .localAuthority, 311_500, 46_000),
        ("certitude", "Certitude", .vcse, 129_000, 18_500),
        ("thamesreach", "Thames Reach", .vcse, 97_500, 14_250),
    ]

    func run() async throws {
        let settings = try global.settings()
        try await DatabaseSession.with(settings, logger: settings.logger()) { session in
            _ = try await SchemaMigrator.allianceLedger().migrate(session.ownerPool)
            let directory = AllianceDirectory(pool: session.pool)
            let created = try await directory.create(
                try AllianceRequest(
                    slug: alliance, name: "Lambeth Living Well Network Alliance",
                    contractStart: CalendarDate(year: 2025, month: 4, day: 1),
                    contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
            for code in ["STAFF", "PREMISES"] {
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: code, name: code == "STAFF" ? "Staff" : "Premises"),
                    to: created)
            }
            var people: [(key: String, person: Person)] = []
            func add(_ key: String, _ name: String, partner: String, _ roles: Set<Role>) async throws {
                let person = try await directory.addPerson(
                    try PersonRequest(
                        name: name, email: "\(key)@\(partner).example.org", partner: partner, roles: roles),
                    to: created)
                people.append((key, person))
            }
            for partner in Self.partners {
                try await directory.addPartner(
                    try PartnerRequest(slug: partner.slug, name: partner.name, kind: partner.kind),
                    to: created)
                try await add("finance", "Finance lead, \(partner.name)", partner: partner.slug, [.finance])
                try await add("board", "Board member, \(partner.name)", partner: partner.slug, [.board])
            }
            try await add("admin", "Alliance manager", partner: "sel-icb", [.admin])
            try await add("auditor", "Internal auditor", partner: "sel-icb", [.auditor])

            // The board: budgets change only by a carried decision.
            let board = people.filter { $0.key == "board" }.map {
                Caller(identity: .person($0.person), tokenID: nil)
            }
            let decisions = Decisions(pool: session.pool)
            let budget = try await decisions.propose(
                try DecisionProposal(
                    title: "Set the FY2025 budget",
                    description:
                        "Each partner's staff and premises budget for FY2025, as the board agreed it.",
                    action: .budgetSet(year: 2025, lines: try Self.budget())),
                in: created, by: board[0])
            for member in board {
                _ = try await decisions.vote(.approve, on: .id(budget.id), in: created, by: member)
            }
            let shares = try await decisions.propose(
                try DecisionProposal(
                    title: "Share FY2025's gain and pain",
                    description:
                        "An underspend is shared by the partners' weight in the contract; an overspend likewise, "
                        + "with the voluntary organisations' part capped at £50,000 each.",
                    closesAt: Timestamp(
                        microsecondsSince1970: Timestamp(Date()).microsecondsSince1970 + 30 * 86_400_000_000),
                    action: .riskShareSetTerms(try Self.riskShareTerms())),
                in: created, by: board[1])
            for member in board.prefix(3) {
                _ = try await decisions.vote(.approve, on: .id(shares.id), in: created, by: member)
            }

            let book = SpendBook(ledger: Ledger(pool: session.pool))
            var recorded = 0
            var first: Spend?
            for month in 0..<12 {
                let incurredOn = try Self.payday(monthsAfterApril2025: month)
                for partner in Self.partners {
                    for (line, monthly) in [("STAFF", partner.staff), ("PREMISES", partner.premises)] {
                        // A little month-to-month variation, the same on every run.
                        let amount =
                            monthly * 100 + Int64((month * 7 + partner.slug.count * 13) % 19) * 1_250_00
                        let spend = try await book.record(
                            try SpendRequest(
                                partner: partner.slug, budgetLine: line, amount: amount,
                                incurredOn: incurredOn,
                                description:
                                    "\(line == "STAFF" ? "Payroll" : "Rent and service charge"), \(incurredOn.description.prefix(7))",
                                supplier: line == "STAFF" ? "Payroll" : "Landlord",
                                reference:
                                    "\(partner.slug.uppercased())-\(line)-\(incurredOn.description.prefix(7))"
                            ),
                            in: created, by: .commandLine)
                        first = first ?? spend
                        recorded += 1
                    }
                }
            }
            if let first {
                _ = try await book.reverse(
                    first.id, reason: "Payroll posted twice in the finance system; corrected", in: created,
                    by: .commandLine)
            }
            print(
                "Loaded \(created.slug): \(Self.partners.count) partners, 2 budget lines, \(people.count) people, "
                    + "\(recorded) spend entries for FY2025 and 1 reversal.")
            print(
                "Decisions: \(budget.reference) set the FY2025 budget (carried, every partner approving); "
                    + "\(shares.reference) on FY2025's gain and pain shares is open, 3 of 5 partners approving."
            )
            guard tokens else {
                print(
                    "Tokens: alliance-ledger token issue --alliance \(created.slug) --person <id> (see person list)"
                )
                return
            }
            let store = TokenStore(pool: session.pool)
            print("API tokens (shown once):")
            print("  operator  \(try await store.issueOperatorToken())")
            for (key, person) in people where key != "board" {
                print("  \(person.email)  \(try await store.issue(for: person))")
            }
        }
    }

    /// FY2025's budget: each line's monthly spend for twelve months and £120,000 besides, so
    /// that some partners end the year under budget and some over.
    static func budget() throws -> [BudgetSetting] {
        try partners.flatMap { partner in
            try [("STAFF", partner.staff), ("PREMISES", partner.premises)].map { line, monthly in
                try BudgetSetting(
                    partner: partner.slug, budgetLine: line, amount: (monthly * 12 + 120_000) * 100)
            }
        }
    }

    /// Gain shared by weight in the contract; pain likewise, with the voluntary organisations'
    /// part capped at £50,000 each.
    static func riskShareTerms() throws -> RiskShareTerms {
        let weights: [(partner: String, share: Int)] = [
            ("sel-icb", 2500), ("slam", 3500), ("lambeth", 2000), ("certitude", 1000), ("thamesreach", 1000),
        ]
        return try RiskShareTerms(
            year: 2025,
            gain: try weights.map { try RiskShare(partner: $0.partner, share: $0.share) },
            pain: try weights.map {
                try RiskShare(partner: $0.partner, share: $0.share, cap: $0.share == 1000 ? 5_000_000 : nil)
            })
    }

    /// The 28th of each month from April 2025: a payroll day every month has.
    static func payday(monthsAfterApril2025 offset: Int) throws -> CalendarDate {
        let monthsSinceJanuary2025 = 3 + offset
        guard
            let day = CalendarDate(
                year: 2025 + monthsSinceJanuary2025 / 12, month: monthsSinceJanuary2025 % 12 + 1, day: 28)
        else { throw CommandFailure(.failure, "no 28th in month \(offset) of FY2025") }
        return day
    }
}
