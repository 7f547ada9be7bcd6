import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// `demo` loads an invented five-partner alliance whose books balance and verify: its budget set
/// by a decision one partner objected to and then approved, a year of spend through the bulk
/// import with reversals, three quarters' outcome payments approved, the year's gain settled, and a statement for
/// each month and for the year, each co-signed by every partner; with tokens that work. A second
/// run reuses it; --reset refuses a database given by URL.
@Suite(.timeLimit(.perTest)) struct DemoCommandTests {
    static let slug = "kestrelford-mental-health"

    @Test func theDemoAllianceLoadsOnceAndItsBooksVerify() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let loaded = try await CommandRunner.run(["demo", "--tokens"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.standardError)")
            #expect(loaded.standardOutput.contains("5 partners, 5 budget lines, 16 people"))
            #expect(loaded.standardOutput.contains("imported for FY2025 and 3 duplicates reversed"))
            // Every person's token (an admin, a finance lead and a board member per partner, and
            // the auditor), and the operator's.
            let printed = loaded.standardOutput.split(separator: "\n").compactMap {
                line -> (String, String)? in
                let words = line.split(separator: " ").map(String.init)
                guard words.count == 2, words[1].hasPrefix("alt_") else { return nil }
                return (words[0], words[1])
            }
            #expect(printed.count == 17)
            let pool = database.makeServicePool()
            for (_, token) in printed {
                _ = try await TokenStore(pool: pool).authenticate(token)
            }
            let alliance = try await AllianceDirectory(pool: pool).find(slug: Self.slug)
            let partners = try await AllianceDirectory(pool: pool).partners(in: alliance.id)
            #expect(
                Set(partners.map(\.kind)) == [.commissioner, .nhsProvider, .localAuthority, .vcse]
                    && partners.count == 5)
            let report = try await Ledger(pool: pool).verify(alliance.id)
            #expect(report.isIntact)
            // Thousands of invoices, three duplicates and their reversals, four outcome payments
            // and a settlement.
            #expect(report.entries > 2000)
            #expect(try await Ledger(pool: pool).trialBalance(in: alliance.id).isBalanced)
            let budget = try await Budgets(pool: pool).figures(year: 2025, in: alliance.id)
            #expect(budget.count == 15 && budget.allSatisfy { $0.decision == "D-0001" && $0.amount > 0 })

            // Thirteen statements, each co-signed by all five partners; the year's last.
            let statements = try await Statements(pool: pool).list(in: alliance.id)
            #expect(statements.count == 13)
            #expect(statements.allSatisfy { $0.cosignedByAll && $0.state == .published })
            #expect(statements.first?.period == "FY2025" && statements.last?.period == "2025-04")
            await pool.close()

            func json(_ arguments: [String]) async throws -> [String: Any] {
                let result = try await CommandRunner.run(
                    arguments + ["--alliance", Self.slug, "--format", "json"], environment: environment)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                return try #require(
                    try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
                )
            }
            // Every decision carried; on the budget, Harbour Lights objected, then approved.
            let decisions = try #require(try await json(["decision", "list"])["items"] as? [[String: Any]])
            #expect(decisions.count == 7 && decisions.allSatisfy { $0["state"] as? String == "carried" })
            let first = try await json(["decision", "show", "D-0001"])
            let votes = try #require(first["votes"] as? [[String: Any]])
            let harbour = votes.filter { $0["partner"] as? String == "harbour-lights" }
            #expect(harbour.compactMap { $0["vote"] as? String } == ["object", "approve"])
            for quarter in 1...4 {
                let payment = try await json(["outcome", "payment", "--period", "FY2025-Q\(quarter)"])
                // The first three quarters paid; the fourth left to approve, its figures validated.
                #expect((payment["posted"] is NSNull) == (quarter == 4), "FY2025-Q\(quarter)")
                #expect(payment["validated"] as? Bool == true, "FY2025-Q\(quarter)")
            }
            // Every measure names its reporter; every figure was reviewed by another partner or
            // the auditor, and FY2025-Q3's first care-plan figure was rejected, then corrected.
            let terms = try #require(
                try await json(["outcome", "terms", "--year", "FY2025"])["terms"] as? [String: Any])
            #expect(
                (terms["measures"] as? [[String: Any]])?.compactMap { $0["reporter"] as? String } == [
                    "kestrelford-trust", "kestrelford-icb", "kestrelford-trust",
                ])
            let third = try #require(
                try await json(["outcome", "measure", "list", "--period", "FY2025-Q3"])["items"]
                    as? [[String: Any]])
            #expect(
                third.compactMap { "\($0["measure"] ?? "") \($0["state"] ?? "")" } == [
                    "CARE_PLANS rejected", "CARE_PLANS validated", "OUT_OF_AREA validated",
                    "WELLBEING validated",
                ])
            let reviewers = third.compactMap { ($0["review"] as? [String: Any])?["partner"] as? String }
            #expect(
                reviewers == [
                    "kestrelford-council", "kestrelford-icb", "kestrelford-trust", "kestrelford-council",
                ])
            let riskShare = try await json(["risk-share", "show", "--year", "FY2025"])
            #expect(riskShare["settled"] != nil && !(riskShare["settled"] is NSNull), "\(riskShare)")

            // The published year verifies against the ledger.
            let verified = try await CommandRunner.run(
                ["statement", "verify", "S-0013", "--alliance", Self.slug], environment: environment)
            #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")

            // Again: reused, not loaded twice; --reset is for the embedded cluster only.
            let again = try await CommandRunner.run(["demo"], environment: environment)
            #expect(again.status == 0, "\(again.standardError)")
            #expect(again.standardOutput.contains("loaded already: reusing it"))
            let reset = try await CommandRunner.run(["demo", "--reset"], environment: environment)
            #expect(reset.status == 5, "\(reset.standardError)")
        }
    }
}
