import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

@Suite(.timeLimit(.perTest)) struct SpendTests {
    static func request(
        _ amount: Int64, partner: String = "slam", line: String = "STAFF",
        on day: CalendarDate = date(2025, 5, 14),
        reference: String = "INV-1"
    ) throws -> SpendRequest {
        try SpendRequest(
            partner: partner, budgetLine: line, amount: amount, incurredOn: day, description: "agency nurses",
            supplier: "Acme Staffing Ltd", reference: reference)
    }

    @Test func recordingPostsCostAgainstFundingAndReversingUndoesIt() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let spend = try await book.record(
                try Self.request(123_456), in: fixture.alliance, by: try fixture.caller("finance-slam"))
            #expect(spend.amount == 123_456)
            #expect(spend.partner == "slam")
            #expect(spend.recordedBy == "finance-slam@example.org")
            #expect(spend.reversedBy == nil)
            let entry = try await book.ledger.entry(spend.id, in: fixture.alliance.id)
            #expect(entry.kind == .spend)
            #expect(entry.hash == spend.hash)
            #expect(
                entry.postings.map { "\($0.account)=\($0.amount)" } == [
                    "partner:slam:cost:STAFF=123456", "partner:slam:funding=-123456",
                ])

            let reversal = try await book.reverse(
                spend.id, reason: "invoice withdrawn", in: fixture.alliance,
                by: try fixture.caller("finance-slam"))
            #expect(reversal.entry.reverses == spend.id)
            #expect(reversal.entry.description.contains("invoice withdrawn"))
            #expect(
                try await book.spend(spend.id, in: fixture.alliance.id).reversedBy == reversal.entry.sequence)
            let balances = try await book.ledger.balances(in: fixture.alliance.id)
            #expect(balances.allSatisfy { $0.balance == 0 })
            await #expect(
                throws: LedgerError.alreadyReversed(sequence: spend.id, by: reversal.entry.sequence)
            ) {
                try await book.reverse(spend.id, reason: "again", in: fixture.alliance, by: .commandLine)
            }
            // A reversal is not a spend.
            await #expect(throws: LedgerError.spendNotFound(reversal.entry.sequence)) {
                try await book.spend(reversal.entry.sequence, in: fixture.alliance.id)
            }
        }
    }

    @Test func onlyTheirOwnPartnersFinanceLeadOrTheOperatorRecords() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let before = try await fixture.snapshot()
            for (who, partner) in [
                ("finance-slam", "lambeth"), ("board-slam", "slam"), ("auditor", "sel-icb"),
                ("admin", "sel-icb"),
            ] {
                await #expect(throws: LedgerError.self, "\(who) for \(partner)") {
                    try await book.record(
                        try Self.request(100, partner: partner), in: fixture.alliance,
                        by: try fixture.caller(who))
                }
            }
            let spend = try await book.record(
                try Self.request(100, partner: "lambeth"), in: fixture.alliance,
                by: try fixture.caller("finance-lambeth"))
            #expect(try fixture.caller("finance-lambeth").name == spend.recordedBy)
            // Nor may a finance lead reverse another partner's spend.
            await #expect(
                throws: LedgerError.forbidden("finance-slam@example.org acts for slam, not lambeth")
            ) {
                try await book.reverse(
                    spend.id, reason: "x", in: fixture.alliance, by: try fixture.caller("finance-slam"))
            }
            _ = try await book.record(
                try Self.request(100, partner: "certitude"), in: fixture.alliance, by: .commandLine)
            #expect(try await fixture.snapshot() != before)
        }
    }

    @Test func badSpendIsRefusedAndChangesNothing() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let before = try await fixture.snapshot()
            let cases: [(SpendRequest, LedgerError)] = [
                (try Self.request(1, partner: "nobody"), .partnerNotFound("nobody")),
                (try Self.request(1, line: "PEER"), .budgetLineNotFound("PEER")),
                (
                    try Self.request(1, on: date(2025, 3, 31)),
                    .invalidField(
                        "incurredOn",
                        reason: "2025-03-31 is outside slam's membership (from 2025-04-01)")
                ),
                (
                    try Self.request(1, on: date(2030, 4, 1)),
                    .invalidField("incurredOn", reason: "2030-04-01 is outside the contract's dates")
                ),
            ]
            for (request, expected) in cases {
                await #expect(throws: expected) {
                    try await book.record(request, in: fixture.alliance, by: .commandLine)
                }
            }
            await #expect(throws: LedgerError.spendNotFound(99)) {
                try await book.reverse(99, reason: "x", in: fixture.alliance, by: .commandLine)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test func aRetryWithTheSameKeyRecordsOnce() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let caller = try fixture.caller("finance-slam")
            let first = try await book.record(
                try Self.request(500), in: fixture.alliance, by: caller, idempotencyKey: "k1")
            let again = try await book.record(
                try Self.request(500), in: fixture.alliance, by: caller, idempotencyKey: "k1")
            #expect(again.id == first.id)
            #expect(again.replayed)
            await #expect(throws: LedgerError.idempotencyConflict(key: "k1", sequence: first.id)) {
                try await book.record(
                    try Self.request(501), in: fixture.alliance, by: caller, idempotencyKey: "k1")
            }
        }
    }

    @Test func listingFiltersByPartnerLineAndDays() async throws {
        try await DirectoryFixture.with { fixture in
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            for (index, (partner, line, day)) in [
                ("slam", "STAFF", date(2025, 4, 10)), ("slam", "PREMISES", date(2025, 5, 10)),
                ("lambeth", "STAFF", date(2025, 5, 20)), ("slam", "STAFF", date(2025, 6, 30)),
            ].enumerated() {
                _ = try await book.record(
                    try Self.request(
                        Int64(100 * (index + 1)), partner: partner, line: line, on: day,
                        reference: "R\(index)"),
                    in: fixture.alliance, by: .commandLine)
            }
            let all = try await book.list(in: fixture.alliance.id)
            #expect(all.items.map(\.amount) == [400, 300, 200, 100])
            #expect(all.nextCursor == nil)
            #expect(
                try await book.list(in: fixture.alliance.id, partner: "slam").items.map(\.amount) == [
                    400, 200, 100,
                ])
            #expect(
                try await book.list(in: fixture.alliance.id, partner: "slam", budgetLine: "STAFF").items.map(
                    \.amount)
                    == [400, 100])
            #expect(
                try await book.list(
                    in: fixture.alliance.id, incurredFrom: date(2025, 5, 1), incurredTo: date(2025, 5, 31)
                ).items.map(\.reference) == ["R2", "R1"])
            let page = try await book.list(in: fixture.alliance.id, page: try PageRequest(limit: 3))
            #expect(page.items.count == 3)
            let rest = try await book.list(
                in: fixture.alliance.id, page: try PageRequest(limit: 3, cursor: page.nextCursor))
            #expect(rest.items.map(\.amount) == [100])
        }
    }
}

@Suite(.timeLimit(.perTest)) struct TokenTests {
    @Test func aTokenIdentifiesItsPersonUntilRevokedAndIsKeptOnlyAsAHash() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            let person = try #require(fixture.people["finance-slam"])
            let token = try await tokens.issue(for: person)
            #expect(token.hasPrefix("alt_"))
            #expect(token.count > 40)
            let caller = try await tokens.authenticate(token)
            #expect(caller.identity == .person(person))
            try caller.require([.finance], in: fixture.alliance.id)
            #expect(throws: LedgerError.self) {
                try caller.require([.admin, .board], in: fixture.alliance.id)
            }
            #expect(throws: LedgerError.self) {
                try caller.require([.finance], in: AllianceID(fixture.alliance.id.rawValue + 1))
            }

            func stored() async throws -> PostgresRow {
                try await fixture.database.pool.withConnection { connection in
                    try await connection.query("SELECT token_hash, last_used_at FROM api_tokens").single()
                }
            }
            #expect(try await stored().decode("token_hash", as: Data.self) == TokenStore.hash(token))
            // The use is noted in memory, and written with the next batch.
            #expect(try await stored().decode("last_used_at", as: Date?.self) == nil)
            try await tokens.flushUsage()
            #expect(try await stored().decode("last_used_at", as: Date?.self) != nil)

            let id = try #require(caller.tokenID)
            _ = try await tokens.revoke(id, in: fixture.alliance, by: .commandLine)
            _ = try await tokens.revoke(id, in: fixture.alliance, by: .commandLine)
            await #expect(throws: LedgerError.unauthenticated("the token is unknown or revoked")) {
                try await tokens.authenticate(token)
            }
            await #expect(throws: LedgerError.tokenNotFound(id + 100)) {
                _ = try await tokens.revoke(id + 100, in: fixture.alliance, by: .commandLine)
            }
        }
    }

    @Test func operatorTokensAndGarbage() async throws {
        try await DirectoryFixture.with { fixture in
            let tokens = TokenStore(pool: fixture.pool)
            let token = try await tokens.issueOperatorToken()
            let caller = try await tokens.authenticate(token)
            #expect(caller.identity == .operator)
            try caller.require([.admin], in: fixture.alliance.id)
            for garbage in [
                "", "Bearer", "alt_", "alt_notatoken", String(token.dropLast()) + "x", "x" + token,
            ] {
                await #expect(throws: LedgerError.self, "\(garbage)") {
                    try await tokens.authenticate(garbage)
                }
            }
        }
    }
}

@Suite(.timeLimit(.perTest)) struct BudgetTests {
    @Test func settingFiguresKeepsTheRestAndRecordsEveryChange() async throws {
        try await DirectoryFixture.with { fixture in
            let budgets = Budgets(pool: fixture.pool)
            let alliance = fixture.alliance.id
            try await Board.carry(
                .budgetSet(
                    year: 2025,
                    figures: [
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1_000_000),
                        try BudgetSetting(partner: "lambeth", budgetLine: "STAFF", amount: 500_000),
                    ]), in: fixture.alliance, pool: fixture.pool)
            try await Board.carry(
                .budgetSet(
                    year: 2025,
                    figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1_200_000)]),
                in: fixture.alliance, pool: fixture.pool)
            let figures = try await budgets.figures(year: 2025, in: alliance)
            #expect(
                figures.map { "\($0.partner)/\($0.budgetLine)=\($0.amount)" } == [
                    "lambeth/STAFF=500000", "slam/STAFF=1200000",
                ])
            #expect(try await budgets.figures(year: 2026, in: alliance).isEmpty)
            let history = try await budgets.history(year: 2025, in: alliance)
            #expect(
                history.map {
                    "\($0.partner)/\($0.budgetLine):\($0.previous.map(String.init) ?? "-")->\($0.amount)"
                } == [
                    "slam/STAFF:-->1000000", "lambeth/STAFF:-->500000", "slam/STAFF:1000000->1200000",
                ])
        }
    }

    @Test func badSettingsChangeNothing() async throws {
        try await DirectoryFixture.with { fixture in
            let proposer = Board.caller(
                try await Board.boardMembers(in: fixture.alliance, pool: fixture.pool)["slam"]!)
            let before = try await fixture.snapshot()
            let cases: [([BudgetSetting], Int, LedgerError)] = [
                (
                    [try BudgetSetting(partner: "nobody", budgetLine: "STAFF", amount: 1)], 2025,
                    .partnerNotFound("nobody")
                ),
                (
                    [try BudgetSetting(partner: "slam", budgetLine: "PEER", amount: 1)], 2025,
                    .budgetLineNotFound("PEER")
                ),
                (
                    [
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1),
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 2),
                    ], 2025, .invalidField("action.lines", reason: "list slam / STAFF more than once")
                ),
                (
                    [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1)], 20250,
                    .invalidField(
                        "action.year", reason: "must be a financial year from FY1900 to FY9999")
                ),
            ]
            for (settings, year, expected) in cases {
                await #expect(throws: expected) {
                    try await Decisions(pool: fixture.pool).propose(
                        try DecisionProposal(
                            title: "Budget", action: .budgetSet(year: year, figures: settings)),
                        in: fixture.alliance, by: proposer)
                }
            }
            #expect(try await fixture.snapshot() == before)
        }
    }
}
