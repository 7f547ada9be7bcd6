import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The directory fixture's five partners, a board member for each, and decisions on a clock the
/// test moves: 1 May 2025, noon, to begin with.
struct BoardFixture {
    let directory: DirectoryFixture
    let clock: ManualClock
    let decisions: Decisions
    let members: [String: Person]

    /// 2025-05-01T12:00:00Z.
    static let start = Timestamp(microsecondsSince1970: 1_746_100_800_000_000)
    /// 2026-04-01T00:00:00Z: FY2025 has ended.
    static let afterFY2025 = Timestamp(microsecondsSince1970: 1_775_001_600_000_000)

    static func with(_ body: (BoardFixture) async throws -> Void) async throws {
        try await DirectoryFixture.with { fixture in
            let clock = ManualClock(start)
            let members = try await Board.boardMembers(in: fixture.alliance, pool: fixture.pool)
            try await body(
                BoardFixture(
                    directory: fixture, clock: clock,
                    decisions: Decisions(pool: fixture.pool, clock: clock.read),
                    members: members))
        }
    }

    var alliance: Alliance { directory.alliance }
    var pool: PostgresPool { directory.pool }

    func member(_ partner: String) throws -> Caller { Board.caller(try #require(members[partner])) }

    func propose(
        _ action: DecisionAction? = nil, title: String = "Agree the plan", closingInSeconds: Int64 = 86_400,
        by partner: String = "slam"
    ) async throws -> Decision {
        try await decisions.propose(
            try DecisionProposal(title: title, closesAt: later(closingInSeconds), action: action),
            in: alliance,
            by: try member(partner))
    }

    @discardableResult
    func vote(_ choice: VoteChoice, _ partner: String, on decision: Decision, reason: String? = nil)
        async throws
        -> Decision
    {
        try await decisions.vote(
            choice, reason: reason, on: .id(decision.id), in: alliance, by: try member(partner))
    }

    func later(_ seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSince1970: clock.read().microsecondsSince1970 + seconds * 1_000_000)
    }

    /// Moves the clock on a second, so that each vote has an instant of its own.
    func tick() { clock.advance(seconds: 1) }

    /// Every partner approves `decision` at once: each vote's answer, its state or its error.
    func approveAllAtOnce(_ decision: Decision) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for partner in BoardFixture.partners {
                group.addTask {
                    do {
                        return try await vote(.approve, partner, on: decision).state.rawValue
                    } catch let error as LedgerError {
                        // Two partners' votes in one instant are fine; a vote after carrying
                        // is refused as closed.
                        return "\(error)"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
    }

    static let partners = DirectoryFixture.partners.map(\.0)

    static func budget(_ amount: Int64) throws -> DecisionAction {
        .budgetSet(
            year: 2025,
            figures: [
                try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: amount),
                try BudgetSetting(partner: "lambeth", budgetLine: "PREMISES", amount: amount / 2),
            ])
    }
}

@Suite(.timeLimit(.perTest)) struct DecisionTests {
    @Test func aResolutionIsCarriedTheMomentTheLastPartnerApproves() async throws {
        try await BoardFixture.with { board in
            let proposed = try await board.propose()
            #expect(proposed.state == .open)
            #expect(proposed.reference == "D-0001")
            #expect(proposed.electorate == BoardFixture.partners.sorted())
            #expect(proposed.proposer == board.members["slam"]?.email)
            var decision = proposed
            for partner in BoardFixture.partners {
                #expect(decision.state == .open)
                board.tick()
                decision = try await board.vote(.approve, partner, on: proposed)
            }
            #expect(decision.state == .carried)
            #expect(decision.closedAt == board.clock.read())
            #expect(decision.tally == DecisionTally(votes: decision.votes, electorate: decision.electorate))
            #expect(decision.tally.approve == 5 && decision.tally.notVoted == 0)
            #expect(decision.action == nil && decision.effect == nil)
            #expect(try await board.propose().reference == "D-0002")
        }
    }

    @Test func fourApproveOneObjectsThenChangesItsVoteAndTheBudgetIsAppliedOnce() async throws {
        try await BoardFixture.with { board in
            let proposed = try await board.propose(try BoardFixture.budget(1_000_000))
            for partner in ["sel-icb", "slam", "lambeth", "certitude"] {
                board.tick()
                try await board.vote(.approve, partner, on: proposed)
            }
            board.tick()
            let objected = try await board.vote(
                .object, "thamesreach", on: proposed, reason: "the PREMISES figure is too low")
            #expect(objected.state == .open)
            #expect(objected.tally.object == 1)
            #expect(try await Budgets(pool: board.pool).figures(year: 2025, in: board.alliance.id).isEmpty)

            board.tick()
            let carried = try await board.vote(.approve, "thamesreach", on: proposed)
            #expect(carried.state == .carried)
            #expect(carried.votes.count == 6)
            let thamesReach = carried.votes.filter { $0.partner == "thamesreach" }
            #expect(thamesReach.map(\.vote) == [.object, .approve])
            #expect(thamesReach.map(\.current) == [false, true])
            #expect(thamesReach.first?.reason == "the PREMISES figure is too low")

            let figures = try await Budgets(pool: board.pool).figures(year: 2025, in: board.alliance.id)
            #expect(
                figures.map { "\($0.partner)/\($0.budgetLine)=\($0.amount) by \($0.decision)" } == [
                    "lambeth/PREMISES=500000 by D-0001", "slam/STAFF=1000000 by D-0001",
                ])
            let history = try await Budgets(pool: board.pool).history(year: 2025, in: board.alliance.id)
            #expect(history.count == 2)
            guard case .budgetChanges(let year, let changes) = carried.effect else {
                Issue.record("no budget effect: \(String(describing: carried.effect))")
                return
            }
            #expect(year == 2025 && changes == history)

            // Nothing more counts once carried.
            await #expect(throws: LedgerError.decisionClosed(reference: "D-0001", state: "carried")) {
                try await board.vote(.object, "slam", on: proposed, reason: "too late")
            }
        }
    }

    @Test func abstentionBlocksByDefaultAndTheDecisionIsRejectedAtItsClosingTime() async throws {
        try await BoardFixture.with { board in
            let proposed = try await board.propose(closingInSeconds: 3600)
            #expect(proposed.abstention == .blocks)
            for partner in BoardFixture.partners.dropLast() {
                board.tick()
                try await board.vote(.approve, partner, on: proposed)
            }
            board.tick()
            let abstained = try await board.vote(.abstain, "thamesreach", on: proposed)
            #expect(abstained.state == .open)
            #expect(abstained.tally.abstain == 1 && abstained.tally.approve == 4)

            board.clock.advance(seconds: 3600)
            let closed = try await board.decisions.decision(.id(proposed.id), in: board.alliance)
            #expect(closed.state == .rejected)
            #expect(closed.closedAt == proposed.closesAt)
        }
    }

    @Test func whenAbstentionStandsAsideEveryoneVotingWithoutObjectionCarries() async throws {
        try await BoardFixture.with { board in
            let standsAside = try await board.directory.directory.create(
                try AllianceRequest(
                    slug: "stands-aside", name: "Stands Aside Alliance", contractStart: date(2025, 4, 1),
                    abstention: .standsAside))
            for (slug, name, kind) in DirectoryFixture.partners.prefix(3) {
                try await board.directory.directory.addPartner(
                    try PartnerRequest(slug: slug, name: name, kind: kind), to: standsAside)
            }
            let members = try await Board.boardMembers(in: standsAside, pool: board.pool)
            let partners = members.keys.sorted()
            func open(_ title: String) async throws -> Decision {
                try await board.decisions.propose(
                    try DecisionProposal(title: title, closesAt: board.later(3600)), in: standsAside,
                    by: Board.caller(members[partners[0]]!))
            }
            func vote(_ choice: VoteChoice, _ partner: String, _ decision: Decision) async throws -> Decision
            {
                board.tick()
                return try await board.decisions.vote(
                    choice, reason: choice == .object ? "not yet" : nil, on: .id(decision.id),
                    in: standsAside,
                    by: Board.caller(members[partner]!))
            }

            let carriedDecision = try await open("One abstains")
            #expect(carriedDecision.abstention == .standsAside)
            #expect(try await vote(.abstain, partners[0], carriedDecision).state == .open)
            #expect(try await vote(.approve, partners[1], carriedDecision).state == .open)
            #expect(try await vote(.approve, partners[2], carriedDecision).state == .carried)

            // Abstaining all round approves nothing: at the closing time it lapses.
            let allAbstain = try await open("All abstain")
            for partner in partners { #expect(try await vote(.abstain, partner, allAbstain).state == .open) }
            // An objection still rejects.
            let objected = try await open("One objects")
            _ = try await vote(.approve, partners[0], objected)
            _ = try await vote(.object, partners[1], objected)
            board.clock.advance(seconds: 3600)
            #expect(try await board.decisions.settleDue() == 2)
            let listed = try await board.decisions.list(
                in: standsAside, page: try PageRequest(order: .oldestFirst))
            #expect(listed.items.map(\.state) == [.carried, .lapsed, .rejected])
        }
    }

    @Test func atTheClosingTimeAnObjectionRejectsAndSilenceLapses() async throws {
        try await BoardFixture.with { board in
            let objected = try await board.propose(title: "Objected", closingInSeconds: 600)
            let silent = try await board.propose(title: "Silent", closingInSeconds: 600)
            board.tick()
            try await board.vote(.object, "lambeth", on: objected, reason: "not costed")
            for partner in BoardFixture.partners.dropLast() {
                board.tick()
                try await board.vote(.approve, partner, on: silent)
            }
            // One microsecond before the closing time both are still open and take votes.
            board.clock.set(Timestamp(microsecondsSince1970: objected.closesAt.microsecondsSince1970 - 1))
            #expect(try await board.decisions.settleDue() == 0)
            #expect(try await board.decisions.decision(.id(silent.id), in: board.alliance).state == .open)
            try await board.vote(.approve, "slam", on: objected)

            // At the closing time: reading settles one, the sweep the other.
            board.clock.set(objected.closesAt)
            #expect(
                try await board.decisions.decision(.id(objected.id), in: board.alliance).state == .rejected)
            #expect(try await board.decisions.settleDue() == 1)
            let lapsed = try await board.decisions.decision(.number(2), in: board.alliance)
            #expect(lapsed.state == .lapsed)
            #expect(lapsed.tally.notVoted == 1)
            await #expect(throws: LedgerError.decisionClosed(reference: "D-0002", state: "lapsed")) {
                try await board.vote(.approve, "thamesreach", on: silent)
            }
            #expect(try await board.decisions.list(in: board.alliance, state: .open).items.isEmpty)
            #expect(
                try await board.decisions.list(in: board.alliance, state: .lapsed).items.map(\.id) == [
                    silent.id
                ])
        }
    }

    @Test(arguments: 1...8) func finalApprovalsRacingApplyTheActionExactlyOnce(round: Int) async throws {
        try await BoardFixture.with { board in
            let proposed = try await board.propose(try BoardFixture.budget(Int64(round) * 1000))
            board.tick()
            let outcomes = try await board.approveAllAtOnce(proposed)
            let decision = try await board.decisions.decision(.id(proposed.id), in: board.alliance)
            #expect(decision.state == .carried, "\(outcomes)")
            #expect(outcomes.filter { $0 == "carried" }.count == 1, "\(outcomes)")
            #expect(decision.votes.count == 5)
            let changes = try await board.pool.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) AS n FROM budget_changes WHERE decision_id = \(proposed.id)"
                ).single().decode("n", as: Int64.self)
            }
            #expect(changes == 2)
        }
    }

    @Test func aPartnerAdmittedAfterADecisionOpensHasNoVoteOnIt() async throws {
        try await BoardFixture.with { board in
            let earlier = try await board.propose(title: "Before the newcomer")
            let admission = try await board.propose(
                .partnerAdmit(
                    try PartnerRequest(slug: "newcomer", name: "Newcomer CIC", kind: .vcse),
                    joinedOn: date(2025, 5, 1),
                    admin: try Appointee(name: "Nell", email: "nell@newcomer.example")))
            var admitted = admission
            for partner in BoardFixture.partners {
                board.tick()
                admitted = try await board.vote(.approve, partner, on: admission)
            }
            #expect(admitted.state == .carried)
            guard case .partnerAdmitted(let newcomer) = admitted.effect else {
                Issue.record("no admission effect: \(String(describing: admitted.effect))")
                return
            }
            #expect(newcomer.slug == "newcomer" && newcomer.joinedOn == date(2025, 5, 1))
            let accounts = try await Ledger(pool: board.pool).accounts(in: board.alliance.id).map(
                \.code.rawValue)
            #expect(
                accounts.contains("partner:newcomer:funding")
                    && accounts.contains("partner:newcomer:cost:STAFF"))

            let members = try await Board.boardMembers(in: board.alliance, pool: board.pool)
            let newcomerMember = Board.caller(try #require(members["newcomer"]))
            board.tick()
            await #expect(throws: LedgerError.self) {
                try await board.decisions.vote(
                    .approve, on: .id(earlier.id), in: board.alliance, by: newcomerMember)
            }
            #expect(
                try await board.decisions.decision(.id(earlier.id), in: board.alliance).electorate.count == 5)
            let later = try await board.propose(title: "After the newcomer")
            #expect(later.electorate.contains("newcomer") && later.electorate.count == 6)
        }
    }

    @Test func aCarriedActionThatNoLongerAppliesFailsAndLeavesTheBooksAlone() async throws {
        try await BoardFixture.with { board in
            let admit = DecisionAction.partnerAdmit(
                try PartnerRequest(slug: "twice", name: "Admitted Twice", kind: .other),
                joinedOn: date(2025, 5, 1), admin: try Appointee(name: "Tess", email: "tess@twice.example"))
            let first = try await board.propose(admit)
            let second = try await board.propose(admit)
            for decision in [first, second] {
                for partner in BoardFixture.partners {
                    board.tick()
                    try await board.vote(.approve, partner, on: decision)
                }
            }
            let failed = try await board.decisions.decision(.id(second.id), in: board.alliance)
            #expect(failed.state == .failed)
            #expect(failed.failure == "partner twice already exists in lambeth-living-well")
            #expect(failed.effect == nil)
            let twice = try await board.directory.directory.partners(in: board.alliance.id).filter {
                $0.slug == "twice"
            }
            #expect(twice.count == 1)
        }
    }

    @Test func removingAPartnerRecordsItsLeavingDayOnce() async throws {
        try await BoardFixture.with { board in
            let removal = try await board.propose(
                .partnerRemove(partner: "certitude", leftOn: date(2025, 9, 30)))
            var decision = removal
            for partner in BoardFixture.partners {
                board.tick()
                decision = try await board.vote(.approve, partner, on: removal)
            }
            guard case .partnerRemoved(let partner) = decision.effect else {
                Issue.record("no removal effect: \(String(describing: decision.effect))")
                return
            }
            #expect(partner.slug == "certitude" && partner.leftOn == date(2025, 9, 30))
            await #expect(throws: LedgerError.exists("partner certitude already left on 2025-09-30")) {
                try await board.propose(.partnerRemove(partner: "certitude", leftOn: date(2025, 10, 31)))
            }
            // From the day after it leaves, it is not in the electorate.
            board.clock.set(Timestamp(iso8601: "2025-10-01T09:00:00Z")!)
            #expect(try await board.propose().electorate.contains("certitude") == false)
        }
    }

    @Test func riskShareTermsAreSetByADecision() async throws {
        try await BoardFixture.with { board in
            let terms = try RiskShareTerms(
                year: 2025,
                gain: [
                    try RiskShare(partner: "slam", share: 7000),
                    try RiskShare(partner: "lambeth", share: 3000),
                ],
                pain: [
                    try RiskShare(partner: "slam", share: 6000),
                    try RiskShare(partner: "lambeth", share: 2000, cap: 100_000_00),
                    try RiskShare(partner: "certitude", share: 2000, cap: 30_000_00),
                ])
            let carried = try await Board.carry(
                .riskShareSetTerms(terms), in: board.alliance, pool: board.pool)
            guard case .riskShareTerms(let year, let set) = carried.effect else {
                Issue.record("no terms effect: \(String(describing: carried.effect))")
                return
            }
            #expect(year == 2025)
            #expect(
                set.map { "\($0.partner):\($0.gainShare)/\($0.painShare)/\($0.painCap ?? -1)" } == [
                    "certitude:0/2000/3000000", "lambeth:3000/2000/10000000", "slam:7000/6000/-1",
                ])
            #expect(
                throws: LedgerError.invalidField(
                    "gain", reason: "shares must sum to 10000 basis points, not 9999")
            ) {
                try RiskShareTerms(
                    year: 2025, gain: [try RiskShare(partner: "slam", share: 9999)],
                    pain: [try RiskShare(partner: "slam", share: 10_000)])
            }
        }
    }

    @Test func onlyTheProposerWithdrawsAndOnlyWhileOpen() async throws {
        try await BoardFixture.with { board in
            let proposed = try await board.propose()
            let before = try await board.directory.snapshot()
            await #expect(throws: LedgerError.forbidden("only the proposer of D-0001 may withdraw it")) {
                try await board.decisions.withdraw(
                    .id(proposed.id), in: board.alliance, by: try board.member("lambeth"))
            }
            #expect(try await board.directory.snapshot() == before)
            board.tick()
            let withdrawn = try await board.decisions.withdraw(
                .number(1), in: board.alliance, by: try board.member("slam"))
            #expect(withdrawn.state == .withdrawn)
            await #expect(throws: LedgerError.decisionClosed(reference: "D-0001", state: "withdrawn")) {
                try await board.vote(.approve, "lambeth", on: proposed)
            }
            await #expect(throws: LedgerError.decisionClosed(reference: "D-0001", state: "withdrawn")) {
                try await board.decisions.withdraw(
                    .id(proposed.id), in: board.alliance, by: try board.member("slam"))
            }
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await BoardFixture.with { board in
            let open = try await board.propose()
            board.tick()
            try await board.vote(.approve, "slam", on: open)
            let before = try await board.directory.snapshot()
            let decisions = board.decisions
            let alliance = board.alliance

            await #expect(
                throws: LedgerError.invalidField(
                    "closesAt", reason: "must be in the future, not 2025-05-01T12:00:01.000000Z")
            ) {
                try await decisions.propose(
                    try DecisionProposal(title: "Past", closesAt: board.clock.read()), in: alliance,
                    by: try board.member("slam"))
            }
            await #expect(throws: LedgerError.forbidden("this needs the role board")) {
                try await decisions.propose(
                    try DecisionProposal(title: "Finance may not"), in: alliance,
                    by: try board.directory.caller("finance-slam"))
            }
            await #expect(throws: LedgerError.self) {
                try await decisions.propose(
                    try DecisionProposal(title: "Operator"), in: alliance, by: .commandLine)
            }
            await #expect(throws: LedgerError.partnerNotFound("nobody")) {
                try await board.propose(
                    .budgetSet(
                        year: 2025,
                        figures: [try BudgetSetting(partner: "nobody", budgetLine: "STAFF", amount: 1)]))
            }
            #expect(throws: LedgerError.invalidField("amount", reason: "cannot be negative (-1)")) {
                try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: -1)
            }
            await #expect(
                throws: LedgerError.invalidField(
                    "reason", reason: "is required to object: say what would need to change")
            ) {
                try await board.vote(.object, "lambeth", on: open, reason: "  ")
            }
            await #expect(
                throws: LedgerError.forbidden(
                    "\(board.members["lambeth"]!.email) votes for lambeth, not slam")
            ) {
                try await decisions.vote(
                    .approve, on: .id(open.id), in: alliance, by: try board.member("lambeth"), for: "slam")
            }
            // The same partner twice in the same instant: which is latest would be undecided.
            await #expect(throws: LedgerError.voteConflict(reference: "D-0001", partner: "slam")) {
                try await board.vote(.abstain, "slam", on: open)
            }
            await #expect(throws: LedgerError.decisionNotFound("D-0099")) {
                try await decisions.vote(
                    .approve, on: .number(99), in: alliance, by: try board.member("slam"))
            }
            #expect(try await board.directory.snapshot() == before)
        }
    }

    @Test func theDatabaseRefusesWhatTheLibraryRefuses() async throws {
        try await BoardFixture.with { board in
            let open = try await board.propose(try BoardFixture.budget(100))
            board.tick()
            try await board.vote(.approve, "slam", on: open)
            let alliance = board.alliance.id.rawValue
            let attempts: [PostgresQuery] = [
                // Carried without every partner's approval.
                "UPDATE decisions SET state = 'carried', closed_at = now() WHERE id = \(open.id)",
                // Rejected or lapsed before the closing time.
                "UPDATE decisions SET state = 'lapsed', closed_at = proposed_at WHERE id = \(open.id)",
                // Withdrawn by anyone but the proposer.
                """
                UPDATE decisions SET state = 'withdrawn', closed_at = closes_at - interval '1 second',
                    withdrawn_by = \(board.members["lambeth"]!.id) WHERE id = \(open.id)
                """,
                // A budget outside a carried decision.
                """
                SELECT budgets_apply(\(alliance), 2025, ARRAY[\(board.members["slam"]!.id)]::bigint[],
                                     ARRAY[1]::bigint[], ARRAY[5]::bigint[], \(open.id))
                """,
                // A partner removed outside a carried decision.
                "SELECT partners_remove(\(alliance), 1, '2025-09-30', \(open.id))",
                // A vote for a partner by another partner's board member.
                """
                INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, vote, cast_at)
                SELECT \(alliance), \(open.id), p.id, \(board.members["slam"]!.id), 'approve', now()
                FROM partners AS p WHERE p.alliance_id = \(alliance) AND p.slug = 'lambeth'
                """,
                // An objection without a reason.
                """
                INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, vote, cast_at)
                SELECT \(alliance), \(open.id), p.id, \(board.members["lambeth"]!.id), 'object', now()
                FROM partners AS p WHERE p.alliance_id = \(alliance) AND p.slug = 'lambeth'
                """,
                // Votes and decisions are never changed or deleted.
                "UPDATE decision_votes SET vote = 'object', reason = 'changed' WHERE decision_id = \(open.id)",
                "DELETE FROM decision_votes WHERE decision_id = \(open.id)",
                "UPDATE decisions SET title = 'Amended' WHERE id = \(open.id)",
                "DELETE FROM decision_electorate WHERE decision_id = \(open.id)",
            ]
            try await board.directory.expectDatabaseRefuses(attempts)
        }
    }

    @Test func actionsAreReadStrictlyNamingTheField() throws {
        func decode(_ json: String) throws -> DecisionAction {
            try JSONDecoder().decode(DecisionAction.self, from: Data(json.utf8))
        }
        #expect(
            try decode(
                #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":100}]}"#
            )
                == .budgetSet(
                    year: 2025,
                    figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 100)])
        )
        let refusals: [(String, LedgerError)] = [
            (
                #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":-5}]}"#,
                .invalidField("lines[0].amount", reason: "cannot be negative (-5)")
            ),
            (
                #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1.5}]}"#,
                .invalidField(
                    "lines[0].amount",
                    reason:
                        "must be a whole number of minor units (e.g. 123456 for 1234.56), written without "
                        + "a fraction or an exponent, and \(Validate.amountBeyondBound)")
            ),
            (
                #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","line":"STAFF","amount":1}]}"#,
                .unknownField("lines[0].line")
            ),
            (
                #"{"type":"budget.set","year":"2025","lines":[]}"#,
                .invalidField("year", reason: "must name a financial year such as FY2025, not \"2025\"")
            ),
            (
                #"{"type":"budget.set","year":"FY2025","lines":[]}"#,
                .invalidField("lines", reason: "must list at least one figure")
            ),
            (
                #"{"type":"budget.delete"}"#,
                .invalidField(
                    "type",
                    reason:
                        "must be one of \"budget.set\", \"partner.admit\", \"partner.remove\", \"riskShare.setTerms\", \"outcomes.setTerms\", \"outcomePayments.approve\", \"riskShare.settle\", \"partner.appointAdmin\", \"auditor.appoint\", \"budgetLine.add\", \"alliance.setSettings\", not \"budget.delete\""
                )
            ),
            (
                #"{"type":"partner.admit","partner":{"slug":"Bad Slug","name":"x","kind":"vcse"},"joinedOn":"2025-05-01"}"#,
                .invalidField(
                    "partner.slug",
                    reason: "must be 1 to 40 lower-case letters, digits and inner hyphens, not \"Bad Slug\"")
            ),
            (
                #"{"type":"partner.remove","partner":"slam","leftOn":"30/09/2025"}"#,
                .invalidField(
                    "leftOn", reason: "must be \(CalendarDate.iso8601Form), not \"30/09/2025\"")
            ),
            (
                #"{"type":"riskShare.setTerms","year":"FY2025","gain":[{"partner":"slam","share":5000}],"pain":[{"partner":"slam","share":10000}]}"#,
                .invalidField("gain", reason: "shares must sum to 10000 basis points, not 5000")
            ),
        ]
        // The outcome and settlement actions' own fields are read as strictly (OutcomeTests).
        for json in [
            #"{"type":"outcomes.setTerms","year":"FY2025"}"#,
            #"{"type":"outcomePayments.approve","year":"FY2025"}"#,
            #"{"type":"riskShare.settle","period":"FY2025"}"#,
        ] {
            #expect(throws: (any Error).self, "\(json)") { try decode(json) }
        }
        for (json, expected) in refusals {
            #expect(throws: expected, "\(json)") { try decode(json) }
        }
        // What is written reads back the same.
        let terms = DecisionAction.riskShareSetTerms(
            try RiskShareTerms(
                year: 2026, gain: [try RiskShare(partner: "slam", share: 10_000)],
                pain: [try RiskShare(partner: "slam", share: 10_000, cap: 5)]))
        for action in [terms, .partnerRemove(partner: "slam", leftOn: date(2026, 1, 31))] {
            #expect(
                try JSONDecoder().decode(DecisionAction.self, from: try JSONEncoder().encode(action))
                    == action)
        }
    }
}
