import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// `budget show` and `budget history` read what carried decisions set.
@Suite(.timeLimit(.perTest)) struct BudgetCommandTests {
    @Test func showAndHistoryOfAFinancialYear() async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(maximumConnections: 2)
            do {
                let directory = AllianceDirectory(pool: pool)
                let alliance = try await directory.create(
                    try AllianceRequest(slug: "lambeth", name: "Lambeth", contractStart: date(2025, 4, 1)))
                try await directory.addPartner(
                    try PartnerRequest(slug: "slam", name: "SLaM", kind: .nhsProvider), to: alliance)
                try await directory.addBudgetLine(
                    try BudgetLineRequest(code: "STAFF", name: "Staff"), to: alliance)
                for amount in [1_000_000, 1_250_050] as [Int64] {
                    try await Board.carry(
                        .budgetSet(
                            year: 2025,
                            figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: amount)]
                        ),
                        in: alliance, pool: pool)
                }
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let show = try await CommandRunner.run(
                ["budget", "show", "--alliance", "lambeth", "--year", "FY2025", "--format", "json"],
                environment: environment)
            #expect(show.status == 0, "\(show.standardError)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(show.standardOutput.utf8)) as? [String: Any])
            #expect(document["year"] as? String == "FY2025")
            let lines = try #require(document["lines"] as? [[String: Any]])
            #expect(lines.count == 1)
            #expect(lines.first?["amount"] as? Int64 == 1_250_050)
            #expect(lines.first?["budgetLine"] as? String == "STAFF")

            let history = try await CommandRunner.run(
                ["budget", "history", "--alliance", "lambeth", "--year", "FY2025", "--format", "csv"],
                environment: environment)
            #expect(history.status == 0, "\(history.standardError)")
            let rows = history.standardOutput.split(separator: "\r\n")
            #expect(rows.count == 3)
            #expect(rows[1].hasPrefix("slam,STAFF,,10000.00,D-0001,"))
            #expect(rows[2].hasPrefix("slam,STAFF,10000.00,12500.50,D-0002,"))

            let empty = try await CommandRunner.run(
                ["budget", "show", "--alliance", "lambeth", "--year", "FY2026", "--format", "csv"],
                environment: environment)
            #expect(empty.standardOutput == "partner,budget_line,amount,decision\r\n")

            for year in ["2025-10", "FY20X", "fy2025"] {
                let bad = try await CommandRunner.run(
                    ["budget", "show", "--alliance", "lambeth", "--year", year], environment: environment)
                #expect(bad.status == 5, "\(year): \(bad.standardError)")
                #expect(bad.messages.contains { $0.contains("--year") }, "\(year)")
            }
        }
    }
}
