import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// A year's gain or pain from its budgets and spend, settled to the ledger only by a carried
/// decision: worked example R3 through the books.
@Suite(.timeLimit(.perTest)) struct RiskShareSettlementTests {
    /// R3's providers: the trust 70%, the council 20%, two charities 6% and 4% with their pain
    /// capped at 1% of their own budgets; half of any difference to the owner side.
    static func r3() throws -> RiskShareTerms {
        try RiskShareTerms(
            year: 2025,
            gain: [
                try RiskShare(partner: "slam", share: 7000), try RiskShare(partner: "lambeth", share: 2000),
                try RiskShare(partner: "certitude", share: 600),
                try RiskShare(partner: "thamesreach", share: 400),
            ],
            pain: [
                try RiskShare(partner: "slam", share: 7000), try RiskShare(partner: "lambeth", share: 2000),
                try RiskShare(partner: "certitude", share: 600, cap: 30_000_00),
                try RiskShare(partner: "thamesreach", share: 400, cap: 20_000_00),
            ],
            partnerSide: try RiskSharePartnerSide(
                gainBands: [try RiskShareBand(upTo: nil, share: 5000)],
                painBands: [try RiskShareBand(upTo: nil, share: 5000)]))
    }

    /// R3's budget of £50,000,000 for FY2025.
    static func setBudget(_ board: BoardFixture) async throws {
        try await Board.carry(
            .budgetSet(
                year: 2025,
                figures: [
                    try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 35_000_000_00),
                    try BudgetSetting(partner: "lambeth", budgetLine: "STAFF", amount: 10_000_000_00),
                    try BudgetSetting(partner: "certitude", budgetLine: "STAFF", amount: 3_000_000_00),
                    try BudgetSetting(partner: "thamesreach", budgetLine: "STAFF", amount: 2_000_000_00),
                ]), in: board.alliance, pool: board.pool)
    }

    static func spend(_ amount: Int64, on day: CalendarDate, _ board: BoardFixture, reference: String)
        async throws
    {
        _ = try await SpendBook(ledger: Ledger(pool: board.pool)).record(
            try SpendRequest(
                partner: "slam", budgetLine: "STAFF", amount: amount, incurredOn: day, description: "Staff",
                reference: reference), in: board.alliance, by: try board.directory.caller("finance-slam"))
    }

    @Test func r3PainIsSettledOnceThroughADecision() async throws {
        try await BoardFixture.with { board in
            let book = RiskShareBook(pool: board.pool)
            let ledger = Ledger(pool: board.pool)
            try await Self.setBudget(board)
            let terms = try await Board.carry(
                .riskShareSetTerms(Self.r3()), in: board.alliance, pool: board.pool)
            try await Self.spend(50_000_000_00, on: date(2025, 9, 30), board, reference: "A")
            try await Self.spend(1_500_000_00, on: date(2026, 3, 31), board, reference: "B")
            // Spend of the next year is not this year's.
            try await Self.spend(7_00, on: date(2026, 4, 1), board, reference: "C")

            let statement = try await book.statement(year: 2025, in: board.alliance)
            #expect(statement.termsDecision == terms.reference)
            #expect(statement.position.target == 50_000_000_00)
            #expect(statement.position.actual == 51_500_000_00)
            #expect(statement.position.partnerSide == -750_000_00)
            #expect(statement.settled == nil)

            let settle = try await Board.carry(
                .riskShareSettle(year: 2025, partnerSide: nil), in: board.alliance, pool: board.pool)
            #expect(settle.state == .carried, "\(settle.failure ?? "")")
            #expect(settle.action == .riskShareSettle(year: 2025, partnerSide: -750_000_00))
            guard case .riskShareSettlement(let settled, let entry?) = settle.effect else {
                Issue.record("no settlement effect: \(String(describing: settle.effect))")
                return
            }
            #expect(settled.settled?.decision == settle.reference)
            #expect(entry.kind == .riskShare)
            #expect(entry.effectiveOn == date(2026, 3, 31))
            #expect(entry.description == "Pain share for FY2025, settled by \(settle.reference)")
            #expect(
                entry.postings.map { "\($0.account) \($0.amount)" } == [
                    "alliance:risk-share -75000000", "partner:certitude:funding 3000000",
                    "partner:lambeth:funding 15555556", "partner:slam:funding 54444444",
                    "partner:thamesreach:funding 2000000",
                ])
            #expect(try await ledger.verify(board.alliance.id).isIntact)

            // Settled is settled: later spend dated in the year leaves the settlement as it was,
            // and the year can be neither settled again nor given new terms.
            try await Self.spend(1_000_00, on: date(2026, 3, 1), board, reference: "D")
            let after = try await book.statement(year: 2025, in: board.alliance)
            #expect(after.position == statement.position)
            #expect(after.settled == settled.settled)
            let before = try await board.directory.snapshot()
            await #expect(throws: LedgerError.exists("FY2025 was already settled by \(settle.reference)")) {
                try await Decisions(pool: board.pool).propose(
                    try DecisionProposal(
                        title: "Again", action: .riskShareSettle(year: 2025, partnerSide: nil)),
                    in: board.alliance, by: try board.member("slam"))
            }
            await #expect(
                throws: LedgerError.exists(
                    "FY2025 was settled by \(settle.reference): its risk/reward terms can no longer change")
            ) {
                try await board.propose(.riskShareSetTerms(Self.r3()))
            }
            #expect(try await board.directory.snapshot() == before)
        }
    }

    /// R3 in a statement: provisional until the decision settles the year, then the settled
    /// figures, with spend dated in the year but recorded after settlement beside them, never
    /// in them.
    @Test func theStatementShowsR3ProvisionalThenSettledWithLaterAdjustmentsApart() async throws {
        try await BoardFixture.with { board in
            let statements = Statements(pool: board.pool)
            let auditor = try board.directory.caller("auditor")
            try await Self.setBudget(board)
            let terms = try await Board.carry(
                .riskShareSetTerms(Self.r3()), in: board.alliance, pool: board.pool)
            try await Self.spend(50_000_000_00, on: date(2025, 9, 30), board, reference: "A")
            try await Self.spend(1_500_000_00, on: date(2026, 3, 31), board, reference: "B")

            let provisional = try #require(
                try await statements.preview("FY2025", in: board.alliance, by: auditor).riskShare)
            #expect(provisional.terms == terms.reference)
            #expect(provisional.provisional && provisional.settled == nil)
            #expect(provisional.target == 50_000_000_00 && provisional.actual == 51_500_000_00)
            // £1,500,000 over: half is the partners' pain, certitude and thamesreach capped at
            // 1% of their own budgets, the rest shared by the trust and the council 70:20.
            #expect(provisional.difference == -1_500_000_00)
            #expect(provisional.partnerSide == -750_000_00 && provisional.ownerSide == -750_000_00)
            #expect(
                provisional.allocations.map { "\($0.partner) \($0.amount)" } == [
                    "certitude -3000000", "lambeth -15555556", "slam -54444444", "thamesreach -2000000",
                ])
            #expect(provisional.allocations.reduce(0) { $0 + $1.amount } == provisional.partnerSide)
            #expect(provisional.postSettlementAdjustments == 0)

            let settle = try await Board.carry(
                .riskShareSettle(year: 2025, partnerSide: nil), in: board.alliance, pool: board.pool)
            guard case .riskShareSettlement(_, let entry?) = settle.effect else {
                Issue.record("no settlement entry: \(String(describing: settle.effect))")
                return
            }
            // £1,000.00 dated in March 2026, recorded after the settlement, and £7.00 of the next
            // year, which is no adjustment of this one.
            try await Self.spend(1_000_00, on: date(2026, 3, 1), board, reference: "D")
            try await Self.spend(7_00, on: date(2026, 4, 1), board, reference: "E")

            let settled = try #require(
                try await statements.preview("FY2025", in: board.alliance, by: auditor).riskShare)
            #expect(!settled.provisional)
            #expect(settled.settled?.decision == settle.reference && settled.settled?.entry == entry.sequence)
            #expect(settled.actual == 51_500_000_00 && settled.partnerSide == -750_000_00)
            #expect(settled.allocations == provisional.allocations)
            #expect(settled.postSettlementAdjustments == 1_000_00)
            // The decision's effect reads as money, not minor units.
            let decisions = try await statements.preview("FY2025", in: board.alliance, by: auditor).decisions
            #expect(
                decisions.compactMap(\.effect).contains("settled FY2025: the partner side -£750,000.00"),
                "\(decisions.compactMap(\.effect))")
        }
    }

    @Test func aGainIsPaidToThePartnersAndNoDifferenceMovesNothing() async throws {
        try await BoardFixture.with { board in
            try await Self.setBudget(board)
            try await Board.carry(.riskShareSetTerms(Self.r3()), in: board.alliance, pool: board.pool)
            // £49,000,000 spent: a gain of £1,000,000, half of it the partners'.
            try await Self.spend(49_000_000_00, on: date(2025, 6, 1), board, reference: "A")
            let settle = try await Board.carry(
                .riskShareSettle(year: 2025, partnerSide: nil), in: board.alliance, pool: board.pool)
            guard case .riskShareSettlement(let settled, let entry?) = settle.effect else {
                Issue.record("no settlement effect: \(String(describing: settle.effect))")
                return
            }
            #expect(settled.position.partnerSide == 500_000_00)
            #expect(
                entry.postings.map { "\($0.account) \($0.amount)" } == [
                    "alliance:risk-share 50000000", "partner:certitude:funding -3000000",
                    "partner:lambeth:funding -10000000", "partner:slam:funding -35000000",
                    "partner:thamesreach:funding -2000000",
                ])
            #expect(entry.description == "Gain share for FY2025, settled by \(settle.reference)")
        }
        try await BoardFixture.with { board in
            try await Self.setBudget(board)
            try await Board.carry(.riskShareSetTerms(Self.r3()), in: board.alliance, pool: board.pool)
            try await Self.spend(50_000_000_00, on: date(2025, 6, 1), board, reference: "A")
            let settle = try await Board.carry(
                .riskShareSettle(year: 2025, partnerSide: nil), in: board.alliance, pool: board.pool)
            #expect(settle.state == .carried)
            guard case .riskShareSettlement(let settled, nil) = settle.effect else {
                Issue.record("expected a settlement without an entry: \(String(describing: settle.effect))")
                return
            }
            #expect(settled.position.partnerSide == 0)
            #expect(settled.settled?.entry == nil)
        }
    }

    @Test func aSettlementWaitsForTheYearsEndAndForTheFigureVotedOn() async throws {
        try await BoardFixture.with { board in
            await #expect(
                throws: LedgerError.invalidField(
                    "action.year",
                    reason:
                        "names a year without terms: FY2025 has no risk/reward terms: a riskShare.setTerms decision must carry first"
                )
            ) {
                try await board.propose(.riskShareSettle(year: 2025, partnerSide: nil))
            }
            try await Self.setBudget(board)
            try await Board.carry(.riskShareSetTerms(Self.r3()), in: board.alliance, pool: board.pool)
            // The board's clock stands on 1 May 2025.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.year",
                    reason: "FY2025 has not ended: it can be settled from the day after 2026-03-31")
            ) {
                try await board.propose(.riskShareSettle(year: 2025, partnerSide: nil))
            }
            board.clock.set(BoardFixture.afterFY2025)
            // Nothing spent: a gain of the whole £50,000,000, half of it the partners'.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.partnerSide",
                    reason: "is 2500000000 by the budgets, spend and terms of FY2025, not 1")
            ) {
                try await board.propose(.riskShareSettle(year: 2025, partnerSide: 1))
            }
            let proposed = try await board.propose(.riskShareSettle(year: 2025, partnerSide: nil))
            #expect(proposed.action == .riskShareSettle(year: 2025, partnerSide: 2_500_000_000))
            // Spend recorded while the decision is open changes the figure: it fails rather than
            // settle a figure nobody voted on.
            try await Self.spend(1_00, on: date(2025, 12, 1), board, reference: "late")
            var decision = proposed
            for partner in BoardFixture.partners {
                board.tick()
                decision = try await board.vote(.approve, partner, on: proposed)
            }
            #expect(decision.state == .failed)
            #expect(
                decision.failure
                    == "partnerSide was 2500000000 when \(decision.reference) was proposed but the budgets, spend or terms now give 2499999950: propose it again"
            )
            #expect(
                try await RiskShareBook(pool: board.pool).statement(year: 2025, in: board.alliance).settled
                    == nil)
        }
    }
}
