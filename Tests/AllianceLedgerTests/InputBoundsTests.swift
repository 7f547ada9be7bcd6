import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The limits every request meets, as rules: one length (PostgreSQL's), one date parser (years
/// 1 to 9999), one bound on an amount, one e-mail limit, and JSON read as documented; and the
/// database holding each of them too, with its refusals named by field.
@Suite(.timeLimit(.perTest)) struct InputBoundsTests {
    /// Random text mixing letters, combining marks, emoji with modifiers and joiners, and
    /// characters beyond the Basic Multilingual Plane: where grapheme and code point counts part.
    static func randomText(_ random: inout SplitMix) -> String {
        let pieces: [String] = [
            "a", "é", "e\u{301}", "\u{301}", "\u{20DD}", "👍🏽", "👩‍👩‍👧", "🇬🇧", "\u{200B}", "ß", "한",
            "\u{1100}\u{1161}",
            " ", "\t", "𝄞", "\r\n",
        ]
        let count = Int(random.next() % 40)
        return (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    /// For all texts, the library's length is the one PostgreSQL's `length()` gives, whatever
    /// Swift's `count` (grapheme clusters) says.
    @Test func lengthIsTheDatabases() async throws {
        var random = SplitMix(seed: 18)
        let texts = (0..<300).map { _ in Self.randomText(&random) }
        #expect(texts.contains { $0.count != Validate.length(of: $0) })
        try await TestDatabase.with { database in
            try await database.pool.withConnection { connection in
                for text in texts {
                    let length = try await connection.query("SELECT length(\(text)::text) AS length").single()
                        .decode("length", as: Int32.self)
                    #expect(Int(length) == Validate.length(of: text), "\(text.unicodeScalars.map(\.value))")
                }
            }
        }
    }

    /// Every text check counts code points: within the limit by `count` is not enough.
    @Test func textChecksCountCodePoints() throws {
        let accented = String(repeating: "e\u{301}", count: 150)
        #expect(accented.count == 150 && Validate.length(of: accented) == 300)
        #expect(throws: LedgerError.self) { try Validate.text(accented, field: "name", maximumLength: 200) }
        #expect(throws: LedgerError.self) {
            try DecisionProposal(title: accented, description: "", closesAt: nil, action: nil)
        }
        try Validate.text(String(repeating: "e\u{301}", count: 100), field: "name", maximumLength: 200)
        #expect(throws: LedgerError.self) {
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: 1, incurredOn: date(2025, 5, 14),
                description: "d",
                supplier: accented)
        }
    }

    /// One e-mail limit: 254 characters, counted as everywhere.
    @Test func emailAddressesAreAtMost254Characters() throws {
        let domain = "@example.org"
        let longest = String(repeating: "f", count: 254 - domain.count) + domain
        _ = try PersonRequest(name: "N", email: longest, partner: "slam", roles: [.finance])
        #expect(throws: LedgerError.self) {
            try PersonRequest(name: "N", email: "f" + longest, partner: "slam", roles: [.finance])
        }
        _ = try EntryRequest(
            kind: .spend, effectiveOn: date(2025, 5, 14), description: "d",
            postings: [.init(try AccountCode("a"), 1), .init(try AccountCode("b"), -1)], recordedBy: longest)
    }

    /// The one date parser reads YYYY-MM-DD in years 0001 to 9999, and nothing else; what the
    /// database writes back is read whatever its year.
    @Test func datesAreYearsOneToNineThousandNineHundredNinetyNine() throws {
        #expect(CalendarDate(iso8601: "0001-01-01") == CalendarDate(year: 1, month: 1, day: 1))
        #expect(CalendarDate(iso8601: "9999-12-31") == CalendarDate(year: 9999, month: 12, day: 31))
        for text in [
            "0000-01-01", "0000-12-31", "10000-01-01", "-001-01-01", "+2025-01-01", "2025-1-01", "२०२५-०१-०१",
        ] {
            #expect(CalendarDate(iso8601: text) == nil, "\(text)")
        }
        // Every day of the years it reads, from a String and from a Substring alike (either may
        // hand its bytes over whole, or not), back from its own description.
        var day = try #require(CalendarDate(year: 1, month: 1, day: 1))
        while day.year <= 9999 {
            let written = day.description
            #expect(CalendarDate(iso8601: written) == day)
            #expect(CalendarDate(iso8601: ("x" + written + "x").dropFirst().dropLast()) == day)
            day = day.adding(days: 997)
        }
        #expect(CalendarDate(postgresText: "0001-12-31 BC") == CalendarDate(year: 0, month: 12, day: 31))
        #expect(CalendarDate(postgresText: "10000-03-31") == CalendarDate(year: 10000, month: 3, day: 31))
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59Z") != nil)
        #expect(Timestamp(iso8601: "10000-01-01T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "0000-06-01T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "9999-12-31T23:00:00-05:00") == nil, "year 10000 in UTC")
        #expect(Timestamp(iso8601: "2025-06-01T10:00:00+01:00") != nil)
    }

    /// One amount is at most Money.maximumAmount either way, wherever the library takes one.
    @Test func amountsAreBounded() throws {
        let bound = Money.maximumAmount
        #expect(bound == 1_000_000_000_000)
        // 9,007 amounts at the bound still sum within 2^53 - 1, which JSON readers hold exactly.
        #expect(9_007 * bound <= Money.maximumTotal && Money.maximumTotal == (1 << 53) - 1)
        _ = try SpendRequest(
            partner: "slam", budgetLine: "STAFF", amount: bound, incurredOn: date(2025, 5, 14),
            description: "d")
        #expect(throws: LedgerError.invalidField("amount", reason: Validate.amountBeyondBound)) {
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: bound + 1, incurredOn: date(2025, 5, 14),
                description: "d")
        }
        #expect(throws: LedgerError.self) {
            try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: bound + 1)
        }
        #expect(throws: LedgerError.self) { try RiskShare(partner: "slam", share: 10_000, cap: bound + 1) }
        #expect(throws: LedgerError.self) { try RiskSharePartnerSide(fee: bound + 1) }
    }

    /// The database holds the same bounds, and its refusals name the field they guard.
    @Test func theDatabaseHoldsTheSameBounds() async throws {
        try await TestDatabase.with { database in
            try await database.pool.withConnection { connection in
                let cases: [(PostgresQuery, String)] = [
                    (
                        "INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount) VALUES (1, 1, 1, 1, \(Money.maximumAmount + 1))",
                        "amount"
                    ),
                    (
                        "INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount) VALUES (1, 1, 1, 1, \(-Money.maximumAmount - 1))",
                        "amount"
                    ),
                    (
                        "INSERT INTO alliances (slug, name, contract_start) VALUES ('x', 'X', '0001-12-31 BC')",
                        "contractStart"
                    ),
                    (
                        "INSERT INTO alliances (slug, name, contract_end) VALUES ('x', 'X', '10000-01-01')",
                        "contractEnd"
                    ),
                ]
                for (statement, field) in cases {
                    do {
                        try await connection.execute(statement)
                        Issue.record("the database took \(statement)")
                    } catch {
                        let refusal = try #require(LedgerError(violation: error), "\(error)")
                        guard case .invalidField(let named, _) = refusal else {
                            Issue.record("\(refusal)")
                            continue
                        }
                        #expect(named == field)
                    }
                }
            }
        }
    }

    /// A sum beyond 64 bits is the ledger's amount-overflow, not a failure to read a number.
    @Test func totalsBeyond64BitsAreAmountOverflow() async throws {
        try await TestDatabase.with { database in
            try await database.pool.withConnection { connection in
                let fits = try await connection.query("SELECT 9223372036854775807::numeric AS total").single()
                #expect(try fits.decodeTotal("total") == .max)
                let beyond = try await connection.query(
                    "SELECT sum(amount) AS total FROM (VALUES (9223372036854775807::bigint), (1::bigint)) AS v (amount)"
                ).single()
                #expect(throws: LedgerError.amountOverflow) { try beyond.decodeTotal("total") }
            }
        }
    }
}
