import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The alliance of `AllianceSetUp` with a board member for every partner: docs/http-api.md's two
/// (slam's, and lambeth's finance lead who also sits on the board) and one more for each other
/// partner, with their tokens by partner slug.
struct BoardSetUp: Sendable {
    let setUp: AllianceSetUp
    let tokens: [String: String]

    var api: APIHarness { setUp.api }

    /// The partners in the order they vote in these tests.
    static let partners = AllianceSetUp.partners.map(\.slug)

    func token(_ partner: String) throws -> String {
        try #require(tokens[partner], "no board member for \(partner)")
    }

    static func with(
        decisionSweepInterval: Duration = .seconds(30),
        _ body: @escaping @Sendable (BoardSetUp) async throws -> Void
    ) async throws {
        try await AllianceSetUp.with(decisionSweepInterval: decisionSweepInterval) { setUp in
            try await body(try await make(setUp))
        }
    }

    static func make(_ setUp: AllianceSetUp) async throws -> BoardSetUp {
        var tokens = ["slam": try setUp.token("board-slam"), "lambeth": try setUp.token("finance-lambeth")]
        for partner in partners where tokens[partner] == nil {
            tokens[partner] = try await addBoardMember(of: partner, to: setUp.api)
        }
        return BoardSetUp(setUp: setUp, tokens: tokens)
    }

    /// Adds a board member of `partner` and answers their token.
    static func addBoardMember(of partner: String, to api: APIHarness) async throws -> String {
        let person = try await api.create(
            "\(AllianceSetUp.base)/people",
            #"{"name":"Board \#(partner)","email":"board-\#(partner)@example.org","partner":"\#(partner)","#
                + #""roles":["board"]}"#,
            token: api.operatorToken)
        let id = try #require(person["id"] as? Int)
        let issued = try await api.create(
            "\(AllianceSetUp.base)/people/\(id)/tokens", "{}", token: api.operatorToken)
        return try #require(issued["token"] as? String)
    }
}

/// Decisions over HTTP: proposing, voting, carrying with the action applied once, withdrawing,
/// listing, and every refusal leaving the books as they were.
@Suite(.timeLimit(.perTest)) struct DecisionRoutesTests {
    typealias SetUp = AllianceSetUp

    static let decisions = "\(SetUp.base)/decisions"
    static let partners = BoardSetUp.partners

    /// An RFC 3339 instant `seconds` from now.
    static func instant(in seconds: Double) -> String {
        Timestamp(Date().addingTimeInterval(seconds)).description
    }

    /// A proposal setting budget figures of FY2025: (partner, line, amount).
    static func budgetProposal(
        _ title: String, _ lines: [(String, String, Int)], closesAt: String? = nil
    ) -> String {
        let figures = lines.map { #"{"partner":"\#($0.0)","budgetLine":"\#($0.1)","amount":\#($0.2)}"# }
        let closing = closesAt.map { #","closesAt":"\#($0)""# } ?? ""
        return #"{"title":"\#(title)"\#(closing),"action":{"type":"budget.set","year":"FY2025","lines":["#
            + figures.joined(separator: ",") + "]}}"
    }

    static func approve(_ id: Any, by tokens: [String], on api: APIHarness) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        for token in tokens {
            last = try await api.create("\(decisions)/\(id)/votes", #"{"vote":"approve"}"#, token: token)
        }
        return last
    }

    /// How many budget changes the decision made, read from the table itself.
    static func budgetChanges(of id: Int, in database: TestDatabase) async throws -> Int64 {
        try await database.pool.withConnection { connection in
            try await connection.query(
                "SELECT count(*) AS n FROM budget_changes WHERE decision_id = \(Int64(id))"
            ).single().decode("n")
        }
    }

    @Test func aCarriedBudgetDecisionChangesTheBudgetsAndShowsEveryVote() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let auditor = try board.setUp.token("auditor")
            let closesAt = Self.instant(in: 86_400)
            let proposed = try await api.post(
                Self.decisions,
                Self.budgetProposal(
                    "Budget 2025/26", [("slam", "STAFF", 250_000_00), ("lambeth", "PREMISES", 40_000_00)],
                    closesAt: closesAt),
                token: try board.token("slam"))
            #expect(proposed.status == 201, "\(proposed.body)")
            let decision = try proposed.json()
            let id = try #require(decision["id"] as? Int)
            #expect(decision["number"] as? String == "D-0001")
            #expect(decision["title"] as? String == "Budget 2025/26")
            #expect(decision["description"] as? String == "")
            #expect(decision["state"] as? String == "open")
            #expect(decision["abstention"] as? String == "blocks")
            #expect(decision["proposer"] as? String == "board-slam@example.org")
            #expect(decision["closesAt"] as? String == closesAt)
            #expect(decision["electorate"] as? [String] == Self.partners.sorted())
            #expect((decision["votes"] as? [Any])?.isEmpty == true)
            #expect(
                decision["closedAt"] is NSNull && decision["effect"] is NSNull
                    && decision["failure"] is NSNull)
            #expect(
                decision["tally"] as? [String: Int]
                    == ["electorate": 5, "approve": 0, "object": 0, "abstain": 0, "notVoted": 5])
            let action = try #require(decision["action"] as? [String: Any])
            #expect(action["type"] as? String == "budget.set" && action["year"] as? String == "FY2025")
            #expect(
                (action["lines"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [
                    250_000_00, 40_000_00,
                ])

            // Every partner approves, one with a reason; the fifth approval carries it.
            var last: [String: Any] = [:]
            for (index, partner) in Self.partners.enumerated() {
                let reason = partner == "certitude" ? #","reason":"Fair to the VCSE partners""# : ""
                let answer = try await api.post(
                    "\(Self.decisions)/\(id)/votes", #"{"vote":"approve"\#(reason)}"#,
                    token: try board.token(partner))
                #expect(answer.status == 201, "\(answer.body)")
                last = try answer.json()
                #expect(last["state"] as? String == (index == 4 ? "carried" : "open"))
                #expect((last["votes"] as? [Any])?.count == index + 1)
            }
            #expect(last["closedAt"] is String)
            let effect = try #require(last["effect"] as? [String: Any])
            #expect(effect["type"] as? String == "budget.set" && effect["year"] as? String == "FY2025")
            let changes = try #require(effect["budgetChanges"] as? [[String: Any]])
            #expect(Set(changes.compactMap { $0["partner"] as? String }) == ["slam", "lambeth"])
            #expect(changes.allSatisfy { $0["previous"] is NSNull && $0["decision"] as? String == "D-0001" })

            // The same decision by number and by id, with every vote: who, when, why.
            let byNumber = try await api.get("\(Self.decisions)/D-0001", token: auditor)
            let byID = try await api.get(
                "\(Self.decisions)/\(id)", token: try board.setUp.token("finance-slam"))
            #expect(byNumber.status == 200 && byID.status == 200)
            #expect(byNumber.body == byID.body)
            let shown = try byNumber.json()
            #expect(shown["state"] as? String == "carried")
            let votes = try #require(shown["votes"] as? [[String: Any]])
            #expect(votes.map { $0["partner"] as? String } == Self.partners)
            #expect(
                votes.map { $0["person"] as? String } == [
                    "board-sel-icb@example.org", "board-slam@example.org", "finance-lambeth@example.org",
                    "board-certitude@example.org", "board-thamesreach@example.org",
                ])
            #expect(votes.allSatisfy { $0["vote"] as? String == "approve" && $0["current"] as? Bool == true })
            #expect(votes.allSatisfy { ($0["castAt"] as? String).flatMap { Timestamp(iso8601: $0) } != nil })
            #expect(
                votes.map { $0["reason"] as? String } == [nil, nil, nil, "Fair to the VCSE partners", nil])
            #expect(
                shown["tally"] as? [String: Int]
                    == ["electorate": 5, "approve": 5, "object": 0, "abstain": 0, "notVoted": 0])

            // Each figure names the decision that set it; the history lists each change.
            let budgets = try await api.get("\(SetUp.base)/budgets?year=FY2025", token: auditor).json()
            let figures = try #require(budgets["lines"] as? [[String: Any]])
            #expect(figures.map { $0["amount"] as? Int } == [40_000_00, 250_000_00])
            #expect(figures.allSatisfy { $0["decision"] as? String == "D-0001" })
            let history = try await api.get("\(SetUp.base)/budgets/history?year=FY2025", token: auditor)
            #expect(history.status == 200, "\(history.body)")
            #expect(try history.json()["nextCursor"] is NSNull)
            let rows = try history.items()
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0["previous"] is NSNull && $0["decision"] as? String == "D-0001" })
            #expect(
                rows.allSatisfy { ($0["appliedAt"] as? String).flatMap { Timestamp(iso8601: $0) } != nil })
            #expect(try await Self.budgetChanges(of: id, in: api.database) == 2)

            // A second decision, closing by default seven days on, changes one figure.
            let second = try await api.create(
                Self.decisions, Self.budgetProposal("More staff", [("slam", "STAFF", 260_000_00)]),
                token: try board.token("lambeth"))
            let opened = try #require((second["proposedAt"] as? String).flatMap { Timestamp(iso8601: $0) })
            let closing = try #require((second["closesAt"] as? String).flatMap { Timestamp(iso8601: $0) })
            #expect(closing.microsecondsSince1970 - opened.microsecondsSince1970 == 7 * 86_400_000_000)
            let secondID = try #require(second["id"] as? Int)
            let carried = try await Self.approve(
                secondID, by: try Self.partners.map { try board.token($0) }, on: api)
            #expect(carried["state"] as? String == "carried")
            let after = try await api.get("\(SetUp.base)/budgets?year=FY2025", token: auditor).json()
            let afterFigures = try #require(after["lines"] as? [[String: Any]])
            #expect(afterFigures.map { $0["decision"] as? String } == ["D-0001", "D-0002"])
            #expect(afterFigures.map { $0["amount"] as? Int } == [40_000_00, 260_000_00])

            let all = try await api.get("\(SetUp.base)/budgets/history?year=FY2025", token: auditor).items()
            #expect(all.count == 3)
            let change = try #require(all.last)
            #expect(change["partner"] as? String == "slam" && change["budgetLine"] as? String == "STAFF")
            #expect(change["previous"] as? Int == 250_000_00 && change["amount"] as? Int == 260_000_00)
            #expect(change["decision"] as? String == "D-0002")

            // The history pages like every list, and only by a cursor of its own year.
            let first = try await api.get("\(SetUp.base)/budgets/history?year=FY2025&limit=2", token: auditor)
            #expect(try first.items().count == 2)
            let cursor = try #require(try first.json()["nextCursor"] as? String)
            let rest = try await api.get(
                "\(SetUp.base)/budgets/history?year=FY2025&limit=2&cursor=\(cursor)", token: auditor)
            #expect(try rest.items().map { $0["decision"] as? String } == ["D-0002"])
            #expect(try rest.json()["nextCursor"] is NSNull)
            try await api.get("\(SetUp.base)/budgets/history?year=FY2026&cursor=\(cursor)", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "cursor")
            #expect(
                try await api.get("\(SetUp.base)/budgets/history?year=FY2026", token: auditor).body
                    == #"{"items":[],"nextCursor":null}"#)
            try await api.get("\(SetUp.base)/budgets/history", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "year")
            try await api.get("\(SetUp.base)/budgets/history?year=2025", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "year")
            try await api.get("\(SetUp.base)/budgets/history?year=FY2025&partner=slam", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "partner")
            try await api.get("\(SetUp.base)/budgets/history?year=FY2025", token: nil)
                .expectProblem(401, "/problems/unauthenticated")
        }
    }

    /// The issue's scenario: four approve, one objects with a reason, then changes its vote.
    @Test func fourApproveOneObjectsThenApprovesAndTheBudgetIsAppliedOnce() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let lines = [
                ("slam", "STAFF", 250_000_00), ("lambeth", "PREMISES", 40_000_00), ("certitude", "STAFF", 1),
            ]
            let proposed = try await api.create(
                Self.decisions, Self.budgetProposal("Budget 2025/26", lines),
                token: try board.token("sel-icb"))
            let id = try #require(proposed["id"] as? Int)
            let open = try await Self.approve(
                id, by: try Self.partners.dropLast().map { try board.token($0) }, on: api)
            #expect(open["state"] as? String == "open")

            let objection = try await api.create(
                "\(Self.decisions)/\(id)/votes",
                #"{"vote":"object","reason":"The VCSE staff line is too low","partner":"thamesreach"}"#,
                token: try board.token("thamesreach"))
            #expect(objection["state"] as? String == "open")
            #expect(
                objection["tally"] as? [String: Int]
                    == ["electorate": 5, "approve": 4, "object": 1, "abstain": 0, "notVoted": 0])
            #expect(try await Self.budgetChanges(of: id, in: api.database) == 0)

            let changed = try await api.create(
                "\(Self.decisions)/\(id)/votes",
                #"{"vote":"approve","reason":"Reassured by the review clause"}"#,
                token: try board.token("thamesreach"))
            #expect(changed["state"] as? String == "carried")

            let shown = try await api.get("\(Self.decisions)/D-0001", token: try board.setUp.token("auditor"))
                .json()
            let votes = try #require(shown["votes"] as? [[String: Any]])
            #expect(votes.count == 6)
            let thamesreach = votes.filter { $0["partner"] as? String == "thamesreach" }
            #expect(thamesreach.map { $0["vote"] as? String } == ["object", "approve"])
            #expect(thamesreach.map { $0["current"] as? Bool } == [false, true])
            #expect(
                thamesreach.map { $0["reason"] as? String } == [
                    "The VCSE staff line is too low", "Reassured by the review clause",
                ])
            #expect(thamesreach.allSatisfy { $0["person"] as? String == "board-thamesreach@example.org" })
            #expect(votes.filter { $0["current"] as? Bool == true }.count == 5)
            #expect(
                shown["tally"] as? [String: Int]
                    == ["electorate": 5, "approve": 5, "object": 0, "abstain": 0, "notVoted": 0])
            let effect = try #require(shown["effect"] as? [String: Any])
            #expect((effect["budgetChanges"] as? [Any])?.count == 3)

            // Applied once: one change per figure, and a late vote changes nothing.
            #expect(try await Self.budgetChanges(of: id, in: api.database) == 3)
            try await api.post(
                "\(Self.decisions)/\(id)/votes", #"{"vote":"object","reason":"Too late"}"#,
                token: try board.token("slam")
            ).expectProblem(409, "/problems/decision-closed")
            #expect(try await Self.budgetChanges(of: id, in: api.database) == 3)
            let history = try await api.get(
                "\(SetUp.base)/budgets/history?year=FY2025", token: try board.token("slam")
            ).items()
            #expect(history.count == 3)
            #expect(history.allSatisfy { $0["decision"] as? String == "D-0001" })
            let again = try await api.get("\(Self.decisions)/\(id)", token: try board.token("slam")).json()
            #expect((again["votes"] as? [Any])?.count == 6)
        }
    }

    /// Every partner's final approval sent at once, each twice: the action applies exactly once.
    @Test func racingFinalApprovalsApplyTheActionExactlyOnce() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let tokens = try Self.partners.map { try board.token($0) }
            let rounds = 10
            for round in 1...rounds {
                let proposed = try await api.create(
                    Self.decisions,
                    Self.budgetProposal(
                        "Round \(round)",
                        [("slam", "STAFF", 1000 * round), ("lambeth", "PREMISES", 500 * round)]),
                    token: tokens[round % tokens.count])
                let id = try #require(proposed["id"] as? Int)
                let answers = try await withThrowingTaskGroup(of: (String, APIHarness.Answer).self) { group in
                    for (partner, token) in zip(Self.partners, tokens) {
                        for _ in 0..<2 {
                            group.addTask {
                                (
                                    partner,
                                    try await api.post(
                                        "\(Self.decisions)/\(id)/votes", #"{"vote":"approve"}"#, token: token)
                                )
                            }
                        }
                    }
                    var all: [(String, APIHarness.Answer)] = []
                    for try await answer in group { all.append(answer) }
                    return all
                }
                #expect(answers.count == 10)
                for (partner, answer) in answers where answer.status != 201 {
                    #expect(answer.status == 409, "round \(round), \(partner): \(answer.body)")
                    // Late ones find it closed; a partner's own two votes in one microsecond
                    // would be told vote-conflict.
                    let type = try answer.json()["type"] as? String
                    #expect(
                        type == "/problems/decision-closed" || type == "/problems/vote-conflict",
                        "round \(round), \(partner): \(answer.body)")
                }
                for partner in Self.partners {
                    #expect(answers.contains { $0.0 == partner && $0.1.status == 201 }, "round \(round)")
                }
                let shown = try await api.get("\(Self.decisions)/\(id)", token: tokens[0]).json()
                #expect(shown["state"] as? String == "carried", "round \(round)")
                #expect(try await Self.budgetChanges(of: id, in: api.database) == 2, "round \(round)")
            }
            let history = try await api.get("\(SetUp.base)/budgets/history?year=FY2025", token: tokens[0])
                .items()
            #expect(history.count == 2 * rounds)
            let budgets = try await api.get("\(SetUp.base)/budgets?year=FY2025", token: tokens[0]).json()
            let figures = try #require(budgets["lines"] as? [[String: Any]])
            #expect(figures.map { $0["amount"] as? Int } == [500 * rounds, 1000 * rounds])
            #expect(figures.allSatisfy { $0["decision"] as? String == "D-0010" })
        }
    }

    @Test func badProposalsAreRefusedAndProposeNothing() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            func budget(_ lines: String) -> String {
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","lines":[\#(lines)]}}"#
            }
            func action(_ body: String) -> String { #"{"title":"T","action":{\#(body)}}"# }
            let shares = #""type":"riskShare.setTerms","year":"FY2025""#
            let refused: [(body: String, status: Int, type: String, field: String?)] = [
                (
                    #"{"title":"Late","closesAt":"2020-01-01T00:00:00Z"}"#, 422, "/problems/invalid-field",
                    "closesAt"
                ),
                (#"{"title":"When?","closesAt":"next Tuesday"}"#, 422, "/problems/invalid-field", "closesAt"),
                (
                    #"{"title":"No zone","closesAt":"2030-01-01T00:00:00"}"#, 422, "/problems/invalid-field",
                    "closesAt"
                ),
                (#"{"title":""}"#, 422, "/problems/invalid-field", "title"),
                (#"{"description":"Untitled"}"#, 422, "/problems/invalid-field", "title"),
                (#"{"title":"T","quorum":3}"#, 422, "/problems/unknown-field", "quorum"),
                (
                    budget(#"{"partner":"nobody","budgetLine":"STAFF","amount":1}"#), 404,
                    "/problems/partner-not-found", nil
                ),
                (
                    budget(#"{"partner":"slam","budgetLine":"TRAVEL","amount":1}"#), 404,
                    "/problems/budget-line-not-found", nil
                ),
                (
                    budget(#"{"partner":"slam","budgetLine":"STAFF","amount":-1}"#), 422,
                    "/problems/invalid-field",
                    "action.lines[0].amount"
                ),
                (
                    budget(
                        #"{"partner":"slam","budgetLine":"STAFF","amount":1},{"partner":"slam","budgetLine":"PREMISES","amount":1.5}"#
                    ), 422, "/problems/invalid-field", "action.lines[1].amount"
                ),
                (budget(""), 422, "/problems/invalid-field", "action.lines"),
                (
                    budget(
                        #"{"partner":"slam","budgetLine":"STAFF","amount":1},{"partner":"slam","budgetLine":"STAFF","amount":2}"#
                    ), 422, "/problems/invalid-field", "action.lines"
                ),
                (
                    budget(#"{"partner":"slam","budgetLine":"STAFF","amount":1,"note":"x"}"#), 422,
                    "/problems/unknown-field", "action.lines[0].note"
                ),
                (
                    action(#""type":"budget.set","year":"FY2025","lines":[],"why":"x""#), 422,
                    "/problems/unknown-field", "action.why"
                ),
                (
                    action(#""type":"budget.set","year":"2025","lines":[]"#), 422, "/problems/invalid-field",
                    "action.year"
                ),
                (action(#""type":"budget.delete""#), 422, "/problems/invalid-field", "action.type"),
                (action(#""year":"FY2025""#), 422, "/problems/invalid-field", "action.type"),
                (
                    action(
                        shares
                            + #","gain":[{"partner":"slam","share":6000},{"partner":"lambeth","share":3000}],"pain":[{"partner":"slam","share":10000}]"#
                    ), 422, "/problems/invalid-field", "action.gain"
                ),
                (
                    action(
                        shares
                            + #","gain":[{"partner":"slam","share":10000}],"pain":[{"partner":"slam","share":10001}]"#
                    ),
                    422, "/problems/invalid-field", "action.pain[0].share"
                ),
                (
                    action(
                        shares
                            + #","gain":[{"partner":"slam","share":10000,"cap":-5}],"pain":[{"partner":"slam","share":10000}]"#
                    ), 422, "/problems/invalid-field", "action.gain[0].cap"
                ),
                (
                    action(
                        shares
                            + #","gain":[{"partner":"nobody","share":10000}],"pain":[{"partner":"slam","share":10000}]"#
                    ),
                    404, "/problems/partner-not-found", nil
                ),
                (
                    action(
                        #""type":"partner.admit","partner":{"slug":"slam","name":"Again","kind":"vcse"},"joinedOn":"2025-10-01""#
                    ),
                    409, "/problems/exists", nil
                ),
                (
                    action(
                        #""type":"partner.admit","partner":{"slug":"newcomer","name":"N","kind":"vcse"},"joinedOn":"2031-01-01""#
                    ), 422, "/problems/invalid-field", "action.joinedOn"
                ),
                (
                    action(
                        #""type":"partner.admit","partner":{"slug":"newcomer","name":"N","kind":"charity"},"joinedOn":"2025-10-01""#
                    ), 422, "/problems/invalid-field", "action.partner.kind"
                ),
                (
                    action(#""type":"partner.remove","partner":"nobody","leftOn":"2026-03-31""#), 404,
                    "/problems/partner-not-found", nil
                ),
                (
                    action(#""type":"partner.remove","partner":"slam","leftOn":"31/03/2026""#), 422,
                    "/problems/invalid-field", "action.leftOn"
                ),
                (#"{"title":"T","action":"budget.set"}"#, 422, "/problems/invalid-field", "action"),
                (#"{"title":"T""#, 400, "/problems/malformed-json", nil),
            ]
            for (body, status, type, field) in refused {
                let answer = try await api.post(Self.decisions, body, token: slam)
                try answer.expectProblem(status, type, field: field)
            }
            // Only board members propose: not finance, auditors, admins or the operator.
            for token in [
                try board.setUp.token("finance-slam"), try board.setUp.token("auditor"),
                try board.setUp.token("admin"), api.operatorToken,
            ] {
                try await api.post(Self.decisions, #"{"title":"Not mine to propose"}"#, token: token)
                    .expectProblem(403, "/problems/forbidden")
            }
            try await api.post(Self.decisions, #"{"title":"Anonymous"}"#, token: nil)
                .expectProblem(401, "/problems/unauthenticated")

            // Nothing was proposed, and no number was used up.
            #expect(
                try await api.get(Self.decisions, token: slam).body == #"{"items":[],"nextCursor":null}"#)
            let first = try await api.create(Self.decisions, #"{"title":"The first"}"#, token: slam)
            #expect(first["number"] as? String == "D-0001")
            #expect(first["action"] is NSNull)
        }
    }

    @Test func badVotesAndWithdrawalsAreRefusedAndChangeNothing() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            let proposed = try await api.create(Self.decisions, #"{"title":"A resolution"}"#, token: slam)
            let id = try #require(proposed["id"] as? Int)
            let votes = "\(Self.decisions)/\(id)/votes"
            let refused: [(body: String, token: String, status: Int, type: String, field: String?)] = [
                (#"{"vote":"approve","partner":"lambeth"}"#, slam, 403, "/problems/forbidden", nil),
                (#"{"vote":"object"}"#, slam, 422, "/problems/invalid-field", "reason"),
                (#"{"vote":"object","reason":"   "}"#, slam, 422, "/problems/invalid-field", "reason"),
                (#"{"vote":"object","reason":null}"#, slam, 422, "/problems/invalid-field", "reason"),
                (#"{"vote":"yes"}"#, slam, 422, "/problems/invalid-field", "vote"),
                (#"{"reason":"No vote"}"#, slam, 422, "/problems/invalid-field", "vote"),
                (#"{"vote":"approve","weight":2}"#, slam, 422, "/problems/unknown-field", "weight"),
                (
                    #"{"vote":"approve"}"#, try board.setUp.token("finance-slam"), 403, "/problems/forbidden",
                    nil
                ),
                (#"{"vote":"approve"}"#, try board.setUp.token("auditor"), 403, "/problems/forbidden", nil),
                (#"{"vote":"approve"}"#, api.operatorToken, 403, "/problems/forbidden", nil),
            ]
            for (body, token, status, type, field) in refused {
                try await api.post(votes, body, token: token).expectProblem(status, type, field: field)
            }
            for missing in ["D-0002", "9999", "abc", "0", "D-1", "-1", "D-00x1"] {
                try await api.post("\(Self.decisions)/\(missing)/votes", #"{"vote":"approve"}"#, token: slam)
                    .expectProblem(404, "/problems/decision-not-found")
                try await api.get("\(Self.decisions)/\(missing)", token: slam)
                    .expectProblem(404, "/problems/decision-not-found")
                try await api.post("\(Self.decisions)/\(missing)/withdrawal", "{}", token: slam)
                    .expectProblem(404, "/problems/decision-not-found")
            }
            // Only its proposer withdraws it.
            for token in [
                try board.token("lambeth"), try board.setUp.token("finance-slam"), api.operatorToken,
            ] {
                try await api.post("\(Self.decisions)/\(id)/withdrawal", "{}", token: token)
                    .expectProblem(403, "/problems/forbidden")
            }
            try await api.post("\(Self.decisions)/\(id)/withdrawal", #"{"reason":"x"}"#, token: slam)
                .expectProblem(422, "/problems/unknown-field", field: "reason")

            let unchanged = try await api.get("\(Self.decisions)/\(id)", token: slam).json()
            #expect(unchanged["state"] as? String == "open")
            #expect((unchanged["votes"] as? [Any])?.isEmpty == true)

            // A withdrawn decision takes no more votes, nor a second withdrawal. No body is needed.
            let withdrawn = try await api.request("POST", "\(Self.decisions)/\(id)/withdrawal", token: slam)
            #expect(withdrawn.status == 200, "\(withdrawn.body)")
            let decision = try withdrawn.json()
            #expect(decision["state"] as? String == "withdrawn")
            #expect(decision["closedAt"] is String)
            try await api.post(votes, #"{"vote":"approve"}"#, token: try board.token("lambeth"))
                .expectProblem(409, "/problems/decision-closed")
            try await api.post("\(Self.decisions)/\(id)/withdrawal", "{}", token: slam)
                .expectProblem(409, "/problems/decision-closed")

            // Nor does a carried one, and its proposer can no longer withdraw it.
            let carried = try await api.create(Self.decisions, #"{"title":"Thanks"}"#, token: slam)
            let carriedID = try #require(carried["id"] as? Int)
            let done = try await Self.approve(
                carriedID, by: try Self.partners.map { try board.token($0) }, on: api)
            #expect(done["state"] as? String == "carried")
            #expect(done["effect"] is NSNull)
            try await api.post(
                "\(Self.decisions)/\(carriedID)/votes", #"{"vote":"abstain"}"#,
                token: try board.token("certitude")
            ).expectProblem(409, "/problems/decision-closed")
            try await api.post("\(Self.decisions)/\(carriedID)/withdrawal", "{}", token: slam)
                .expectProblem(409, "/problems/decision-closed")
            let after = try await api.get("\(Self.decisions)/\(carriedID)", token: slam).json()
            #expect((after["votes"] as? [Any])?.count == 5)
        }
    }

    /// Actions of every type, carried over HTTP, with their effects; one that can no longer
    /// apply fails with the reason; a partner admitted after a decision opened has no vote on it.
    @Test func everyActionTypeCarriesWithItsEffect() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            let admit =
                #"{"title":"Welcome","action":{"type":"partner.admit","partner":{"slug":"newcomer","#
                + #""name":"Newcomer CIC","kind":"vcse"},"joinedOn":"2025-10-01","#
                + #""admin":{"name":"Nell","email":"nell@newcomer.example"}}}"#
            let terms =
                #"{"title":"Shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                + #""gain":[{"partner":"slam","share":6000,"cap":100000},{"partner":"lambeth","share":4000}],"#
                + #""pain":[{"partner":"slam","share":10000}]}}"#
            // Left yesterday: not a partner of anything opened today.
            let leftOn = Timestamp(Date()).calendarDate.adding(days: -1)
            let remove =
                #"{"title":"Farewell","action":{"type":"partner.remove","partner":"thamesreach","leftOn":"\#(leftOn)"}}"#
            var ids: [Int] = []
            for body in [admit, admit, terms, remove] {
                ids.append(
                    try #require(try await api.create(Self.decisions, body, token: slam)["id"] as? Int))
            }
            let everyone = try Self.partners.map { try board.token($0) }

            let admitted = try await Self.approve(ids[0], by: everyone, on: api)
            #expect(admitted["state"] as? String == "carried")
            let partner = try #require((admitted["effect"] as? [String: Any])?["partner"] as? [String: Any])
            #expect(
                partner["slug"] as? String == "newcomer" && partner["joinedOn"] as? String == "2025-10-01")

            // It came with its first admin, whose first token the operator issues; the admin
            // appoints the newcomer's board member (the operator may no longer). The newcomer
            // joined after the others opened: it has no vote on them.
            let people = try await api.get("\(SetUp.base)/people", token: api.operatorToken).items()
            let nell = try #require(people.first { $0["email"] as? String == "nell@newcomer.example" })
            #expect(nell["partner"] as? String == "newcomer" && nell["roles"] as? [String] == ["admin"])
            let admin = try await GovernedSetUp.firstToken(
                of: try #require(nell["id"] as? Int), by: api.operatorToken, on: api)
            let newcomer = try await GovernedSetUp.appoint(
                "board-newcomer", of: "newcomer", roles: ["board"], by: admin.token, on: api
            ).token
            try await api.post("\(Self.decisions)/\(ids[2])/votes", #"{"vote":"approve"}"#, token: newcomer)
                .expectProblem(403, "/problems/forbidden")

            let failed = try await Self.approve(ids[1], by: everyone, on: api)
            #expect(failed["state"] as? String == "failed")
            #expect((failed["failure"] as? String)?.contains("newcomer") == true)
            #expect(failed["effect"] is NSNull)

            let shared = try await Self.approve(ids[2], by: everyone, on: api)
            #expect(shared["state"] as? String == "carried")
            let effect = try #require(shared["effect"] as? [String: Any])
            #expect(
                effect["type"] as? String == "riskShare.setTerms" && effect["year"] as? String == "FY2025")
            let set = try #require(effect["terms"] as? [[String: Any]])
            #expect(set.map { $0["partner"] as? String } == ["lambeth", "slam"])
            #expect(set.map { $0["gainShare"] as? Int } == [4000, 6000])
            #expect(set.map { $0["painShare"] as? Int } == [0, 10_000])
            #expect(set.map { $0["gainCap"] as? Int } == [nil, 100_000])
            let sharesAction = try #require(shared["action"] as? [String: Any])
            let gain = try #require(sharesAction["gain"] as? [[String: Any]])
            #expect(gain.count == 2 && gain[1]["cap"] is NSNull)

            let removed = try await Self.approve(ids[3], by: everyone, on: api)
            #expect(removed["state"] as? String == "carried")
            let left = try #require((removed["effect"] as? [String: Any])?["partner"] as? [String: Any])
            #expect(left["slug"] as? String == "thamesreach" && left["leftOn"] as? String == "\(leftOn)")

            // A decision opened now has the newcomer in its electorate and not the partner that left.
            let next = try await api.create(Self.decisions, #"{"title":"Next"}"#, token: newcomer)
            #expect(
                next["electorate"] as? [String] == ["certitude", "lambeth", "newcomer", "sel-icb", "slam"])
            try await api.post(
                "\(Self.decisions)/\(next["id"] as? Int ?? 0)/votes", #"{"vote":"approve"}"#,
                token: try board.token("thamesreach")
            ).expectProblem(403, "/problems/forbidden")
        }
    }

    @Test func listingFiltersByStateAndPages() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            let everyone = try Self.partners.map { try board.token($0) }
            func propose(_ title: String, closesAt: String? = nil) async throws -> Int {
                let closing = closesAt.map { #","closesAt":"\#($0)""# } ?? ""
                let created = try await api.create(
                    Self.decisions, #"{"title":"\#(title)"\#(closing)}"#, token: slam)
                return try #require(created["id"] as? Int)
            }
            _ = try await propose("One")
            let two = try await propose("Two")
            try await api.post("\(Self.decisions)/\(two)/withdrawal", "{}", token: slam).expectStatus(200)
            let three = try await propose("Three")
            _ = try await Self.approve(three, by: everyone, on: api)
            _ = try await propose("Four")
            // Two close shortly: one with an objection (rejected), one in silence (lapsed). Each
            // closing time is taken just before its proposal, with room for a loaded machine:
            // a shared one could pass before the second proposal reached the service.
            let five = try await propose("Five", closesAt: Self.instant(in: 10))
            try await api.create(
                "\(Self.decisions)/\(five)/votes", #"{"vote":"object","reason":"Not yet"}"#, token: slam)
            let closing = Self.instant(in: 10)
            _ = try await propose("Six", closesAt: closing)
            let closesAt = try #require(Timestamp(iso8601: closing)).date
            try await Task.sleep(for: .seconds(max(0, closesAt.timeIntervalSinceNow) + 0.2))

            func numbers(_ query: String, token: String? = nil) async throws -> [String?] {
                let answer = try await api.get("\(Self.decisions)\(query)", token: token ?? slam)
                #expect(answer.status == 200, "\(query): \(answer.body)")
                return try answer.items().map { $0["number"] as? String }
            }
            #expect(try await numbers("") == ["D-0006", "D-0005", "D-0004", "D-0003", "D-0002", "D-0001"])
            #expect(try await numbers("?state=open") == ["D-0004", "D-0001"])
            #expect(try await numbers("?state=carried") == ["D-0003"])
            #expect(try await numbers("?state=withdrawn") == ["D-0002"])
            #expect(try await numbers("?state=rejected") == ["D-0005"])
            #expect(try await numbers("?state=lapsed") == ["D-0006"])
            #expect(try await numbers("?state=failed") == [])
            // Everyone in the alliance reads them.
            for reader in ["auditor", "finance-slam", "admin"] {
                #expect(
                    try await numbers("?state=carried", token: try board.setUp.token(reader)) == ["D-0003"])
            }

            let page = try await api.get("\(Self.decisions)?state=open&limit=1", token: slam)
            #expect(try page.items().map { $0["number"] as? String } == ["D-0004"])
            let cursor = try #require(try page.json()["nextCursor"] as? String)
            let rest = try await api.get("\(Self.decisions)?state=open&limit=1&cursor=\(cursor)", token: slam)
            #expect(try rest.items().map { $0["number"] as? String } == ["D-0001"])
            #expect(try rest.json()["nextCursor"] is NSNull)

            try await api.get("\(Self.decisions)?state=closed", token: slam)
                .expectProblem(400, "/problems/invalid-query", field: "state")
            try await api.get("\(Self.decisions)?state=open&state=carried", token: slam)
                .expectProblem(400, "/problems/invalid-query", field: "state")
            try await api.get("\(Self.decisions)?limit=0", token: slam)
                .expectProblem(400, "/problems/invalid-query", field: "limit")
            try await api.get("\(Self.decisions)?cursor=nonsense", token: slam)
                .expectProblem(400, "/problems/invalid-query", field: "cursor")
            try await api.get("\(Self.decisions)?proposer=slam", token: slam)
                .expectProblem(400, "/problems/invalid-query", field: "proposer")
            try await api.get(Self.decisions, token: nil).expectProblem(401, "/problems/unauthenticated")
            try await api.get("/v1/alliances/nowhere/decisions", token: slam)
                .expectProblem(404, "/problems/alliance-not-found")
        }
    }

    @Test func retriedProposalsVotesAndWithdrawalsAreAnsweredOnce() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            let body = Self.budgetProposal("Budget", [("slam", "STAFF", 100)])
            let key = ["Idempotency-Key": "propose-budget-1"]
            let first = try await api.post(Self.decisions, body, token: slam, headers: key)
            #expect(first.status == 201)
            #expect(first.headers["idempotent-replayed"] == nil)
            let again = try await api.post(Self.decisions, body, token: slam, headers: key)
            #expect(again.status == 201)
            #expect(again.headers["idempotent-replayed"] == "true")
            #expect(again.body == first.body)
            try await api.post(Self.decisions, #"{"title":"Other"}"#, token: slam, headers: key)
                .expectProblem(422, "/problems/idempotency-key-reused", field: "Idempotency-Key")
            // Another person's key of the same name is their own.
            let lambeth = try await api.post(
                Self.decisions, body, token: try board.token("lambeth"), headers: key)
            #expect(lambeth.status == 201 && lambeth.headers["idempotent-replayed"] == nil)
            #expect(try await api.get(Self.decisions, token: slam).items().count == 2)

            let id = try #require(try first.json()["id"] as? Int)
            let voteKey = ["Idempotency-Key": "vote-1"]
            let vote = try await api.post(
                "\(Self.decisions)/\(id)/votes", #"{"vote":"abstain"}"#, token: slam, headers: voteKey)
            #expect(vote.status == 201)
            let voteAgain = try await api.post(
                "\(Self.decisions)/\(id)/votes", #"{"vote":"abstain"}"#, token: slam, headers: voteKey)
            #expect(voteAgain.status == 201 && voteAgain.headers["idempotent-replayed"] == "true")
            #expect(voteAgain.body == vote.body)
            // A refused vote keeps no key: the retry is refused the same way.
            for _ in 0..<2 {
                try await api.post(
                    "\(Self.decisions)/\(id)/votes", #"{"vote":"object"}"#, token: slam,
                    headers: ["Idempotency-Key": "vote-2"]
                ).expectProblem(422, "/problems/invalid-field", field: "reason")
            }

            let withdrawalKey = ["Idempotency-Key": "withdraw-1"]
            let withdrawal = try await api.request(
                "POST", "\(Self.decisions)/\(id)/withdrawal", token: slam, headers: withdrawalKey)
            #expect(withdrawal.status == 200, "\(withdrawal.body)")
            let withdrawalAgain = try await api.request(
                "POST", "\(Self.decisions)/\(id)/withdrawal", token: slam, headers: withdrawalKey)
            #expect(withdrawalAgain.status == 200 && withdrawalAgain.headers["idempotent-replayed"] == "true")
            #expect(withdrawalAgain.body == withdrawal.body)
            try await api.post("\(Self.decisions)/\(id)/withdrawal", "{}", token: slam)
                .expectProblem(409, "/problems/decision-closed")

            let shown = try await api.get("\(Self.decisions)/\(id)", token: slam).json()
            #expect(shown["state"] as? String == "withdrawn")
            #expect((shown["votes"] as? [Any])?.count == 1)
        }
    }
}

extension APIHarness.Answer {
    func expectStatus(_ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.status == status, "\(body)", sourceLocation: sourceLocation)
    }
}
