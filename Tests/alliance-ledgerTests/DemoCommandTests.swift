import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// `demo` loads a five-partner alliance whose books balance and verify, whose budget was set by
/// a carried decision and which has a decision open, with tokens that work, and refuses to load
/// it twice.
@Suite struct DemoCommandTests {
    @Test func theDemoAllianceLoadsOnceAndItsBooksVerify() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let loaded = try await CommandRunner.run(["demo", "--tokens"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.standardError)")
            #expect(
                loaded.standardOutput.contains("5 partners, 2 budget lines, 12 people, 120 spend entries"))
            let tokens = loaded.standardOutput.split(separator: "\n").compactMap { line in
                line.split(separator: " ").last.map(String.init).flatMap { $0.hasPrefix("alt_") ? $0 : nil }
            }
            #expect(tokens.count == 8)
            let pool = database.makeServicePool()
            for token in tokens {
                _ = try await TokenStore(pool: pool).authenticate(token)
            }
            let alliance = try await AllianceDirectory(pool: pool).find(slug: "lambeth-living-well")
            let partners = try await AllianceDirectory(pool: pool).partners(in: alliance.id)
            #expect(
                Set(partners.map(\.kind)) == [.commissioner, .nhsProvider, .localAuthority, .vcse]
                    && partners.count == 5)
            let report = try await Ledger(pool: pool).verify(alliance.id)
            #expect(report.isIntact)
            #expect(report.entries == 121)
            #expect(try await Ledger(pool: pool).trialBalance(in: alliance.id).isBalanced)

            // The budget: every partner × line, set by D-0001, which every partner approved.
            let budget = try await Budgets(pool: pool).figures(year: 2025, in: alliance.id)
            #expect(budget.count == 10)
            #expect(budget.allSatisfy { $0.decision == "D-0001" && $0.amount > 0 })
            let slamStaff = budget.first(where: { $0.partner == "slam" && $0.budgetLine == "STAFF" })
            let twelveMonthsAndContingency: Int64 = (642_000 * 12 + 120_000) * 100
            #expect(slamStaff?.amount == twelveMonthsAndContingency)
            await pool.close()

            let list = try await CommandRunner.run(
                ["decision", "list", "--alliance", "lambeth-living-well", "--format", "json"],
                environment: environment)
            #expect(list.status == 0, "\(list.standardError)")
            let page = try #require(
                try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [String: Any])
            let decisions = try #require(page["items"] as? [[String: Any]])
            #expect(decisions.compactMap { $0["number"] as? String } == ["D-0002", "D-0001"])
            #expect(decisions.compactMap { $0["state"] as? String } == ["open", "carried"])
            let tallies = decisions.compactMap { $0["tally"] as? [String: Any] }
            #expect(tallies.compactMap { $0["approve"] as? Int } == [3, 5])
            #expect(tallies.compactMap { $0["electorate"] as? Int } == [5, 5])
            let table = try await CommandRunner.run(
                ["decision", "list", "--alliance", "lambeth-living-well"], environment: environment)
            #expect(table.standardOutput.contains("3/5 approve, 2 not voted"))
            #expect(table.standardOutput.contains("5/5 approve"))

            let again = try await CommandRunner.run(["demo"], environment: environment)
            #expect(again.status == 4, "\(again.standardError)")
            #expect(again.standardError.contains("already exists"))
        }
    }
}
