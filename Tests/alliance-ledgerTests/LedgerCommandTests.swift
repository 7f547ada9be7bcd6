import AllianceLedger
import Dates
import Foundation
import Postgres
import TestSupport
import Testing

/// The ledger's read commands, run as a user runs them against a journal the library wrote:
/// every format, paging, as-of dates, verify's exit code on a tampered journal, and the exit
/// codes of things that are not there.
@Suite(.timeLimit(.perTest)) struct LedgerCommandTests {
    static let slug = "south-london"

    /// A journal of three spends and a reversal of the second, in a test's own database.
    static func withJournal(_ body: (TestDatabase, [String: String?]) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(maximumConnections: 2)
            do {
                let alliance = try await AllianceDirectory(pool: pool).create(
                    slug: slug, name: "South London Mental Health Alliance")
                let ledger = Ledger(pool: pool)
                let staff = try AccountCode("partner:slam:cost:STAFF")
                let funding = try AccountCode("partner:slam:funding")
                try await ledger.openAccount(staff, type: .expense, in: alliance.id)
                try await ledger.openAccount(funding, type: .liability, in: alliance.id)
                for (amount, day) in [
                    (120_000, date(2025, 4, 10)), (45_050, date(2025, 5, 2)), (9_999, date(2025, 6, 30)),
                ]
                    as [(Int64, CalendarDate)]
                {
                    _ = try await ledger.post(
                        try EntryRequest(
                            kind: .spend, effectiveOn: day, description: "agency staff",
                            postings: [.init(staff, amount), .init(funding, -amount)],
                            recordedBy: "finance@slam"),
                        to: alliance.id)
                }
                _ = try await ledger.reverse(
                    try ReversalRequest(
                        sequence: 2, reason: "invoice withdrawn", effectiveOn: date(2025, 7, 1),
                        recordedBy: "finance@slam"),
                    in: alliance.id)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
            try await body(database, ["DATABASE_URL": database.connectionString.rawValue])
        }
    }

    static func json(_ result: CommandRunner.Result) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(result.standardOutput)")
    }

    @Test(arguments: [
        ["journal"], ["journal", "list"], ["journal", "show"], ["journal", "verify"], ["balance"],
        ["trial-balance"],
    ])
    func everyLedgerCommandHasHelpAndFormats(command: [String]) async throws {
        let help = try await CommandRunner.run(command + ["--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("USAGE: alliance-ledger"))
        if command != ["journal"] {
            #expect(help.standardOutput.contains("--format"))
            #expect(help.standardOutput.contains("--alliance"))
        }
    }

    @Test func balancesNowAndAsOfADay() async throws {
        try await Self.withJournal { _, environment in
            let now = try await CommandRunner.run(
                ["balance", "--alliance", Self.slug, "--format", "json"], environment: environment)
            #expect(now.status == 0, "\(now.standardError)")
            let sheet = try Self.json(now)
            #expect(sheet["asOf"] is NSNull)
            let balances = try #require(sheet["accounts"] as? [[String: Any]])
            let byAccount = Dictionary(
                uniqueKeysWithValues: balances.map {
                    ($0["code"] as? String ?? "", $0["balance"] as? Int64)
                })
            #expect(byAccount["partner:slam:cost:STAFF"] == 129_999)
            #expect(byAccount["partner:slam:funding"] == -129_999)

            // At the end of 2025-05-31 the second spend stands and the third is not yet effective.
            let may = try await CommandRunner.run(
                [
                    "balance", "--alliance", Self.slug, "--as-of", "2025-05-31", "--account",
                    "partner:slam:cost:STAFF", "--format", "csv",
                ],
                environment: environment)
            #expect(may.status == 0, "\(may.standardError)")
            #expect(
                may.standardOutput
                    == "account,type,balance,floor\r\npartner:slam:cost:STAFF,expense,1650.50,\r\n"
            )

            let table = try await CommandRunner.run(
                ["balance", "--alliance", Self.slug], environment: environment)
            #expect(table.standardOutput.contains("expense     1,299.99"))
        }
    }

    @Test func trialBalanceTotalsAgree() async throws {
        try await Self.withJournal { _, environment in
            let csv = try await CommandRunner.run(
                ["trial-balance", "--alliance", Self.slug, "--format", "csv"], environment: environment)
            #expect(csv.status == 0, "\(csv.standardError)")
            let lines = csv.standardOutput.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "account,type,debit,credit")
            #expect(lines.last == "total,,1299.99,1299.99")

            let json = try Self.json(
                try await CommandRunner.run(
                    ["trial-balance", "--alliance", Self.slug, "--as-of", "2025-04-30", "--format", "json"],
                    environment: environment))
            #expect(json["totalDebits"] as? Int64 == 120_000)
            #expect(json["totalCredits"] as? Int64 == 120_000)
            #expect(json["balanced"] as? Bool == true)
        }
    }

    @Test func journalListPagesWithFiltersAndShowPrintsOneEntry() async throws {
        try await Self.withJournal { _, environment in
            let first = try await CommandRunner.run(
                ["journal", "list", "--alliance", Self.slug, "--limit", "3", "--format", "json"],
                environment: environment)
            #expect(first.status == 0, "\(first.standardError)")
            let page = try Self.json(first)
            let entries = try #require(page["items"] as? [[String: Any]])
            #expect(entries.compactMap { $0["sequence"] as? Int64 } == [4, 3, 2])
            let cursor = try #require(page["nextCursor"] as? String)

            let second = try await CommandRunner.run(
                [
                    "journal", "list", "--alliance", Self.slug, "--limit", "3", "--cursor", cursor,
                    "--format", "csv",
                ],
                environment: environment)
            #expect(second.status == 0, "\(second.standardError)")
            #expect(second.standardOutput.split(separator: "\r\n").count == 2)
            #expect(
                second.standardOutput.contains(
                    "\r\n1,2025-04-10,spend,agency staff,1200.00,finance@slam,\r\n"))

            let reversals = try Self.json(
                try await CommandRunner.run(
                    ["journal", "list", "--alliance", Self.slug, "--kind", "reversal", "--format", "json"],
                    environment: environment))
            let reversal = try #require((reversals["items"] as? [[String: Any]])?.first)
            #expect(reversal["reverses"] as? Int64 == 2)
            #expect(reversals["nextCursor"] is NSNull)

            let table = try await CommandRunner.run(
                ["journal", "list", "--alliance", Self.slug, "--limit", "1"], environment: environment)
            #expect(table.messages.contains { $0.contains("--cursor") })

            let show = try await CommandRunner.run(
                ["journal", "show", "3", "--alliance", Self.slug, "--format", "json"],
                environment: environment)
            #expect(show.status == 0, "\(show.standardError)")
            let entry = try Self.json(show)
            #expect(entry["sequence"] as? Int64 == 3)
            #expect((entry["hash"] as? String)?.count == 64)
            #expect((entry["postings"] as? [[String: Any]])?.count == 2)
            let shown = try await CommandRunner.run(
                ["journal", "show", "3", "--alliance", Self.slug], environment: environment)
            #expect(shown.standardOutput.contains("Previous hash: "))
            #expect(shown.standardOutput.contains("99.99"))
        }
    }

    @Test func verifyPassesThenNamesATamperedEntryAndFails() async throws {
        try await Self.withJournal { database, environment in
            let intact = try await CommandRunner.run(
                ["journal", "verify", "--alliance", Self.slug, "--format", "json"], environment: environment)
            #expect(intact.status == 0, "\(intact.standardError)")
            let report = try Self.json(intact)
            #expect(report["ok"] as? Bool == true)
            #expect(report["entries"] as? Int64 == 4)

            let owner = try await database.connect()
            try await owner.execute("SET session_replication_role = replica")
            try await owner.execute(
                "UPDATE journal_entries SET description = 'agency staff (edited)' WHERE sequence = 3")
            await owner.close()

            let tampered = try await CommandRunner.run(
                ["journal", "verify", "--alliance", Self.slug], environment: environment)
            #expect(tampered.status == 1)
            #expect(tampered.standardOutput.contains("entry 3:"))
            #expect(tampered.messages.contains { $0.contains("does not verify") })
        }
    }

    @Test func whatIsNotThereExitsThreeAndBadInputTwo() async throws {
        try await Self.withJournal { _, environment in
            let noAlliance = try await CommandRunner.run(
                ["balance", "--alliance", "nowhere"], environment: environment)
            #expect(noAlliance.status == 3)
            #expect(noAlliance.messages.contains { $0.contains("nowhere") })

            let noEntry = try await CommandRunner.run(
                ["journal", "show", "99", "--alliance", Self.slug], environment: environment)
            #expect(noEntry.status == 3)

            let noAccount = try await CommandRunner.run(
                ["balance", "--alliance", Self.slug, "--account", "partner:slam:cost:NONE"],
                environment: environment)
            #expect(noAccount.status == 3)

            let badDate = try await CommandRunner.run(
                ["trial-balance", "--alliance", Self.slug, "--as-of", "2025-02-30"], environment: environment)
            #expect(badDate.status == 2)
            #expect(badDate.standardError.contains("--as-of"))

            let badKind = try await CommandRunner.run(
                ["journal", "list", "--alliance", Self.slug, "--kind", "gift"], environment: environment)
            #expect(badKind.status == 2)

            let badCursor = try await CommandRunner.run(
                ["journal", "list", "--alliance", Self.slug, "--cursor", "not-a-cursor"],
                environment: environment)
            #expect(badCursor.status != 0)
            #expect(badCursor.status != 1)
        }
    }
}
