import AllianceLedger
import ArgumentParser
import Foundation
import Postgres

/// Loads a realistic example alliance, so that a new user has something to read, serve and
/// query straight away: five partners of a mental-health alliance, two budget lines, a finance
/// lead and a board member per partner, an admin and an auditor, and a year of spend with a
/// correction.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a realistic example alliance (applies pending migrations first).",
        discussion: """
            Creates the alliance (default lambeth-living-well) with five partners — a \
            commissioner, an NHS trust, a council and two voluntary organisations — budget lines \
            STAFF and PREMISES, people with roles, and FY2025's monthly spend of every partner, \
            one of them reversed. With --tokens it issues an API token for the admin, the \
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
