import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// `demo` loads a five-partner alliance whose books balance and verify, whose budget and outcome
/// terms were set by carried decisions, which has a decision open and FY2025's outcomes measured
/// but not paid, whose spend and measurements are each partner's own people's, with tokens that
/// work, and refuses to load it twice.
@Suite(.timeLimit(.perTest)) struct DemoCommandTests {
    @Test func theDemoAllianceLoadsOnceAndItsBooksVerify() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let loaded = try await CommandRunner.run(["demo", "--tokens"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.standardError)")
            #expect(
                loaded.standardOutput.contains("5 partners, 2 budget lines, 16 people, 120 spend entries"))
            #expect(loaded.standardOutput.contains("D-0003 set FY2025's outcome terms (carried): 3 measures"))
            #expect(loaded.standardOutput.contains("13 measurements of FY2025's four quarters"))
            // Every person's token (an admin, a finance lead and a board member per partner, and
            // the auditor), and the operator's.
            let printed = loaded.standardOutput.split(separator: "\n").compactMap {
                line -> (String, String)? in
                let words = line.split(separator: " ").map(String.init)
                guard words.count == 2, words[1].hasPrefix("alt_") else { return nil }
                return (words[0], words[1])
            }
            let tokens = printed.map(\.1)
            #expect(tokens.count == 17)
            let tokenOf = Dictionary(uniqueKeysWithValues: printed)
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
            #expect(decisions.compactMap { $0["number"] as? String } == ["D-0003", "D-0002", "D-0001"])
            #expect(decisions.compactMap { $0["state"] as? String } == ["carried", "open", "carried"])
            let tallies = decisions.compactMap { $0["tally"] as? [String: Any] }
            #expect(tallies.compactMap { $0["approve"] as? Int } == [5, 3, 5])
            #expect(tallies.compactMap { $0["electorate"] as? Int } == [5, 5, 5])
            let table = try await CommandRunner.run(
                ["decision", "list", "--alliance", "lambeth-living-well"], environment: environment)
            #expect(table.standardOutput.contains("3/5 approve, 2 not voted"))
            #expect(table.standardOutput.contains("5/5 approve"))

            // D-0003 set FY2025's outcome terms: 3% of the budget, paid by quarter to the
            // providers; every quarter is measured, Q3's care plans twice, and nothing is paid.
            func json(_ arguments: [String]) async throws -> [String: Any] {
                let result = try await CommandRunner.run(
                    arguments + ["--alliance", "lambeth-living-well", "--format", "json"],
                    environment: environment)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                return try #require(
                    try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
                )
            }
            let inForce = try await json(["outcome", "terms", "--year", "FY2025"])
            #expect(inForce["decision"] as? String == "D-0003")
            let terms = try #require(inForce["terms"] as? [String: Any])
            #expect(terms["frequency"] as? String == "quarter")
            #expect(terms["pool"] as? Int64 == budget.reduce(0) { $0 + $1.amount } * 3 / 100)
            #expect((terms["measures"] as? [[String: Any]])?.count == 3)
            #expect(
                (terms["shares"] as? [[String: Any]])?.contains { $0["partner"] as? String == "sel-icb" }
                    == false)
            for quarter in 1...4 {
                let payment = try await json(["outcome", "payment", "--period", "FY2025-Q\(quarter)"])
                #expect(payment["measured"] as? Bool == true)
                #expect(payment["posted"] is NSNull)
            }
            let third = try await json(["outcome", "payment", "--period", "FY2025-Q3"])
            #expect(third["pool"] as? Int64 == 14_897_250)
            // Care plans 86.5 (65%), bed-days 15.5 (70%), outcome scores 53 (the 75% band).
            let earned: Int64 = 3_873_285 + 3_649_826 + 2_793_234
            #expect(third["earned"] as? Int64 == earned)
            #expect(third["unearned"] as? Int64 == 14_897_250 - earned)
            let measurements = try #require(
                try await json(["outcome", "measure", "list", "--period", "FY2025-Q3"])["items"]
                    as? [[String: Any]])
            #expect(measurements.count == 4)
            #expect(measurements.filter { $0["current"] as? Bool == true }.count == 3)
            let carePlans = measurements.filter { $0["measure"] as? String == "CPA_REVIEW" }
            #expect(carePlans.compactMap { $0["value"] as? Double } == [85.9, 86.5])
            #expect(carePlans.compactMap { $0["current"] as? Bool } == [false, true])

            // The board has decided, so the partners' people act with their tokens: the operator's
            // --as is refused, a board member votes on D-0002, a finance lead records spend.
            let demo = ["--alliance", "lambeth-living-well"]
            let asOperator = try await CommandRunner.run(
                ["decision", "vote"] + demo + [
                    "--as", "board@certitude.example.org", "D-0002", "--vote", "approve",
                ],
                environment: environment)
            #expect(asOperator.status == 1)
            #expect(asOperator.messages.contains { $0.contains("no longer being set up") })
            let vote = try await CommandRunner.run(
                ["decision", "vote"] + demo + [
                    "--token", tokenOf["board@certitude.example.org"] ?? "", "D-0002", "--vote", "approve",
                ], environment: environment)
            #expect(vote.status == 0, "\(vote.standardError)")
            #expect(vote.standardOutput.contains("4/5 approve"))
            let spend = try await CommandRunner.run(
                ["spend", "record"] + demo + [
                    "--token", tokenOf["finance@slam.example.org"] ?? "", "--partner", "slam", "--line",
                    "STAFF",
                    "--amount", "100.00", "--incurred-on", "2026-03-31", "--description", "Training",
                    "--format", "json",
                ], environment: environment)
            #expect(spend.status == 0, "\(spend.standardError)")
            #expect(spend.standardOutput.contains(#""recordedBy" : "finance@slam.example.org""#))
            let unaided = try await CommandRunner.run(
                ["demo", "--alliance", "another-alliance"], environment: environment)
            #expect(unaided.status == 0, "\(unaided.standardError)")
            #expect(unaided.standardOutput.contains("Tokens: none issued"))

            let again = try await CommandRunner.run(["demo"], environment: environment)
            #expect(again.status == 4, "\(again.standardError)")
            #expect(again.standardError.contains("already exists"))
        }
    }
}
