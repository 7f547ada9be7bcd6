import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// An alliance with five partners, three budget lines and a few people, in a test's own
/// database, on the service's restricted role.
struct DirectoryFixture {
    let database: TestDatabase
    let pool: PostgresPool
    let directory: AllianceDirectory
    let alliance: Alliance
    let people: [String: Person]

    static let partners: [(String, String, PartnerKind)] = [
        ("sel-icb", "South East London ICB", .commissioner),
        ("slam", "South London and Maudsley NHS FT", .nhsProvider),
        ("lambeth", "Lambeth Council", .localAuthority),
        ("certitude", "Certitude", .vcse),
        ("thamesreach", "Thames Reach", .vcse),
    ]

    static func with(_ body: (DirectoryFixture) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool()
            let directory = AllianceDirectory(pool: pool)
            do {
                let alliance = try await directory.create(
                    try AllianceRequest(
                        slug: "lambeth-living-well", name: "Lambeth Living Well Network Alliance",
                        contractStart: date(2025, 4, 1), contractEnd: date(2030, 3, 31)))
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: "STAFF", name: "Staff"), to: alliance)
                for (slug, name, kind) in partners {
                    try await directory.addPartner(
                        try PartnerRequest(slug: slug, name: name, kind: kind), to: alliance)
                }
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: "PREMISES", name: "Premises"), to: alliance)
                var people: [String: Person] = [:]
                for (key, partner, roles) in [
                    ("finance-slam", "slam", [Role.finance]), ("board-slam", "slam", [.board]),
                    ("finance-lambeth", "lambeth", [.finance, .board]), ("auditor", "sel-icb", [.auditor]),
                    ("admin", "sel-icb", [.admin]),
                ] as [(String, String, [Role])] {
                    people[key] = try await directory.addPerson(
                        try PersonRequest(
                            name: key, email: "\(key)@example.org", partner: partner, roles: Set(roles)),
                        to: alliance)
                }
                try await body(
                    DirectoryFixture(
                        database: database, pool: pool, directory: directory, alliance: alliance,
                        people: people))
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    func caller(_ key: String) throws -> Caller {
        Caller(identity: .person(try #require(people[key])), tokenID: nil)
    }

    /// What a refused request must leave alone.
    func snapshot() async throws -> String {
        try await database.stateSnapshot()
    }

    /// Runs each statement as the service role, expecting the database itself to refuse it
    /// (whatever the library would have checked first), and nothing to have changed.
    func expectDatabaseRefuses(_ attempts: [PostgresQuery], sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let before = try await snapshot()
        for attempt in attempts {
            await #expect(throws: PostgresError.self, "\(attempt)", sourceLocation: sourceLocation) {
                try await pool.withConnection { connection in try await connection.execute(attempt) }
            }
        }
        #expect(try await snapshot() == before, sourceLocation: sourceLocation)
    }
}

@Suite(.timeLimit(.perTest)) struct DirectoryTests {
    @Test func partnersAndLinesOpenEveryAccountWhicheverComesFirst() async throws {
        try await DirectoryFixture.with { fixture in
            let accounts = try await Ledger(pool: fixture.pool).accounts(in: fixture.alliance.id)
            let codes = Set(accounts.map(\.code.rawValue))
            for (slug, _, _) in DirectoryFixture.partners {
                #expect(codes.contains("partner:\(slug):funding"))
                #expect(codes.contains("partner:\(slug):cost:STAFF"))
                #expect(codes.contains("partner:\(slug):cost:PREMISES"))
            }
            #expect(accounts.count == 15)
            let partners = try await fixture.directory.partners(in: fixture.alliance.id)
            #expect(partners.map(\.slug) == ["certitude", "lambeth", "sel-icb", "slam", "thamesreach"])
            #expect(partners.allSatisfy { $0.joinedOn == date(2025, 4, 1) && $0.leftOn == nil })
            #expect(try await fixture.directory.partner("slam", in: fixture.alliance.id).kind == .nhsProvider)
            #expect(
                try await fixture.directory.budgetLines(in: fixture.alliance.id).map(\.code) == [
                    "PREMISES", "STAFF",
                ])
        }
    }

    @Test func duplicatesAndUnknownsAreRefusedAndChangeNothing() async throws {
        try await DirectoryFixture.with { fixture in
            let before = try await fixture.snapshot()
            let directory = fixture.directory
            let alliance = fixture.alliance
            await #expect(throws: LedgerError.exists("alliance lambeth-living-well already exists")) {
                try await directory.create(slug: "lambeth-living-well", name: "Again")
            }
            await #expect(throws: LedgerError.exists("partner slam already exists in lambeth-living-well")) {
                try await directory.addPartner(
                    try PartnerRequest(slug: "slam", name: "Again", kind: .other), to: alliance)
            }
            await #expect(
                throws: LedgerError.exists("budget line STAFF already exists in lambeth-living-well")
            ) {
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: "STAFF", name: "Again"), to: alliance)
            }
            await #expect(
                throws: LedgerError.exists(
                    "FINANCE-SLAM@example.org is already a person in lambeth-living-well")
            ) {
                try await directory.addPerson(
                    try PersonRequest(
                        name: "x", email: "FINANCE-SLAM@example.org", partner: "slam", roles: [.board]),
                    to: alliance)
            }
            await #expect(throws: LedgerError.partnerNotFound("nobody")) {
                try await directory.addPerson(
                    try PersonRequest(name: "x", email: "x@example.org", partner: "nobody", roles: [.board]),
                    to: alliance)
            }
            await #expect(throws: LedgerError.partnerNotFound("nobody")) {
                try await directory.partner("nobody", in: alliance.id)
            }
            await #expect(throws: LedgerError.budgetLineNotFound("PEER")) {
                try await directory.budgetLine("PEER", in: alliance.id)
            }
            await #expect(throws: LedgerError.allianceNotFound("elsewhere")) {
                try await directory.find(slug: "elsewhere")
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test func requestsCheckEveryField() throws {
        #expect(throws: LedgerError.self) { try AllianceRequest(slug: "Has Spaces", name: "x") }
        #expect(throws: LedgerError.self) { try AllianceRequest(slug: "-lead", name: "x") }
        #expect(throws: LedgerError.self) { try AllianceRequest(slug: "ok", name: " ") }
        #expect(throws: LedgerError.self) { try AllianceRequest(slug: "ok", name: "x", currency: "gbp") }
        #expect(throws: LedgerError.self) {
            try AllianceRequest(slug: "ok", name: "x", financialYearStartMonth: 13)
        }
        #expect(throws: LedgerError.self) {
            try AllianceRequest(
                slug: "ok", name: "x", contractStart: date(2026, 1, 1), contractEnd: date(2025, 1, 1))
        }
        #expect(throws: LedgerError.self) {
            try PartnerRequest(slug: "ok", name: String(repeating: "n", count: 201), kind: .vcse)
        }
        #expect(throws: LedgerError.self) { try BudgetLineRequest(code: "staff", name: "Staff") }
        #expect(throws: LedgerError.self) { try BudgetLineRequest(code: "1STAFF", name: "Staff") }
        #expect(throws: LedgerError.self) {
            try PersonRequest(name: "x", email: "not-an-address", partner: "slam", roles: [.admin])
        }
        #expect(throws: LedgerError.self) {
            try PersonRequest(name: "x", email: "a@b.org", partner: "slam", roles: [])
        }
        #expect(throws: LedgerError.self) {
            try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: -1)
        }
        #expect(throws: LedgerError.self) {
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: 0, incurredOn: date(2025, 5, 1),
                description: "x")
        }
        #expect(throws: LedgerError.self) {
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: 1, incurredOn: date(2025, 5, 1),
                description: "x",
                reference: String(repeating: "r", count: 201))
        }
    }

    @Test func theDatabaseRefusesWhatTheRequestsWould() async throws {
        try await DirectoryFixture.with { fixture in
            let alliance = fixture.alliance.id.rawValue
            for (statement, constraint) in [
                (
                    "INSERT INTO partners (alliance_id, slug, name, kind, joined_on) VALUES (\(alliance), 'Bad Slug', 'x', 'vcse', '2025-04-01')",
                    "partners_slug_format"
                ),
                (
                    "INSERT INTO partners (alliance_id, slug, name, kind, joined_on) VALUES (\(alliance), 'ok', 'x', 'charity', '2025-04-01')",
                    "partners_kind"
                ),
                (
                    "INSERT INTO budget_lines (alliance_id, code, name) VALUES (\(alliance), 'staff', 'x')",
                    "budget_lines_code_format"
                ),
                (
                    "INSERT INTO people (alliance_id, name, email, partner_id) SELECT \(alliance), 'x', 'nope', id FROM partners LIMIT 1",
                    "people_email_format"
                ),
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await fixture.pool.withConnection { try await $0.runScript(trustedSQL: statement) }
                }
                #expect(error?.constraint == constraint, "\(statement)")
            }
            // The service role cannot set a budget or rewrite a partner except through the functions.
            for statement in [
                "UPDATE partners SET name = 'x'", "DELETE FROM people",
                "UPDATE person_roles SET role = 'admin'",
                "INSERT INTO budgets (alliance_id, financial_year, partner_id, budget_line_id, amount) SELECT \(alliance), 2025, p.id, l.id, 1 FROM partners p, budget_lines l LIMIT 1",
                "UPDATE api_tokens SET token_hash = NULL",
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await fixture.pool.withConnection { try await $0.runScript(trustedSQL: statement) }
                }
                #expect(error?.sqlState == .insufficientPrivilege, "\(statement)")
            }
        }
    }
}
