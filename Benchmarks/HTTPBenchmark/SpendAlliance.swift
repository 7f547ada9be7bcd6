import AllianceLedger
import BenchmarkSupport
import Dates
import Postgres
import ServiceHarness

/// An alliance shaped like the tests' walkthrough: five partners, two budget lines, and a
/// finance lead with an API token for each partner. Set up through the library (the code the
/// setup endpoints call); both the library run and the HTTP run record into one of these.
struct SpendAlliance: Sendable {
    static let partners: [(slug: String, name: String, kind: PartnerKind)] = [
        ("sel-icb", "South East London ICB", .commissioner),
        ("slam", "South London and Maudsley NHS FT", .nhsProvider),
        ("lambeth", "Lambeth Council", .localAuthority),
        ("certitude", "Certitude", .vcse),
        ("thamesreach", "Thames Reach", .vcse),
    ]
    static let budgetLines = [(code: "STAFF", name: "Staff"), (code: "PREMISES", name: "Premises")]
    /// 2025-05-14, inside the contract and every partner's membership.
    static let incurredOn = CalendarDate(daysSince1970: 20_222)

    let alliance: Alliance
    /// Partner slug and its finance lead's token, in `partners` order.
    let tokens: [(partner: String, token: String)]

    static func make(slug: String, pool: PostgresPool) async throws -> SpendAlliance {
        let directory = AllianceDirectory(pool: pool)
        let alliance = try await directory.create(
            AllianceRequest(
                slug: slug, name: "Benchmark \(slug)", contractStart: CalendarDate(iso8601: "2025-04-01"),
                contractEnd: CalendarDate(iso8601: "2030-03-31")))
        for line in budgetLines {
            _ = try await directory.addBudgetLine(
                BudgetLineRequest(code: line.code, name: line.name), to: alliance)
        }
        for partner in partners {
            try await directory.addPartner(
                PartnerRequest(slug: partner.slug, name: partner.name, kind: partner.kind), to: alliance)
        }
        let tokens = try await directory.addFinanceLeads(
            to: alliance, partners: partners.map(\.slug), tokens: TokenStore(pool: pool))
        return SpendAlliance(alliance: alliance, tokens: tokens)
    }

    /// Whether the journal verifies, and how many spend entries it holds.
    func check(ledger: Ledger, on bench: MigratedCluster) async throws -> (intact: Bool, spendEntries: Int) {
        let report = try await ledger.verify(alliance.id)
        if !report.isIntact { print("journal of \(alliance.slug) does not verify: \(report)") }
        return (report.isIntact, try await bench.spendEntries(in: alliance.id))
    }
}
