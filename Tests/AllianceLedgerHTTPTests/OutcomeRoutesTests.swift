import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Outcomes and gain/pain over HTTP: terms carried by the board, measurements recorded and
/// corrected by finance, a period's payment previewed, approved and posted once; a year's
/// gain/pain position read, settled and posted once; and every refusal leaving the books as
/// they were.
@Suite(.timeLimit(.perTest)) struct OutcomeRoutesTests {
    typealias SetUp = AllianceSetUp

    static let decisions = "\(SetUp.base)/decisions"
    static let measurements = "\(SetUp.base)/outcomes/measurements"

    /// Worked example O1 for FY2025 (1 Apr 2025 to 31 Mar 2026, ended): a pool of £1,200,000 and
    /// three linear measures, slam reporting two and lambeth one.
    static let outcomeTerms =
        #"{"title":"Outcome terms FY2025","action":{"type":"outcomes.setTerms","year":"FY2025","pool":120000000,"#
        + #""measures":[{"code":"CARE_PLANS","name":"Care plans reviewed within 12 months","unit":"%","#
        + #""direction":"higher","target":90,"weight":4000,"rule":{"type":"linear","floor":80},"reporter":"slam"},"#
        + #"{"code":"BED_DAYS","name":"Reduction in out-of-area bed-days","unit":"%","direction":"higher","#
        + #""target":20,"weight":3500,"rule":{"type":"linear","floor":5},"reporter":"slam"},"#
        + #"{"code":"SCORES","name":"People with improved outcome scores","unit":"%","direction":"higher","#
        + #""target":60,"weight":2500,"rule":{"type":"linear","floor":45},"reporter":"lambeth"}],"#
        + #""shares":[{"partner":"slam","share":5000},{"partner":"lambeth","share":3000},"#
        + #"{"partner":"certitude","share":2000}]}}"#

    static func measurement(_ measure: String, _ value: String, period: String = "FY2025") -> String {
        #"{"measure":"\#(measure)","period":"\#(period)","value":\#(value),"evidence":"Q4 audit of \#(measure)"}"#
    }

    /// Proposes `body` as slam's board member and has every partner approve it.
    static func carry(_ body: String, on board: BoardSetUp) async throws -> [String: Any] {
        let proposed = try await board.api.create(decisions, body, token: try board.token("slam"))
        let id = try #require(proposed["id"] as? Int)
        return try await DecisionRoutesTests.approve(
            id, by: try BoardSetUp.partners.map { try board.token($0) }, on: board.api)
    }

    static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    static func amounts(_ allocations: Any?) -> [String: Int] {
        var amounts: [String: Int] = [:]
        for allocation in allocations as? [[String: Any]] ?? [] {
            if let partner = allocation["partner"] as? String {
                amounts[partner] = allocation["amount"] as? Int
            }
        }
        return amounts
    }

    @Test func outcomesFromTermsThroughMeasurementsToAPaymentPostedOnce() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let finance = try board.setUp.token("finance-slam")
            let auditor = try board.setUp.token("auditor")

            // The board sets FY2025's outcome terms; everyone in the alliance reads them.
            let set = try await Self.carry(Self.outcomeTerms, on: board)
            #expect(set["state"] as? String == "carried", "\(set)")
            let effect = try #require(set["effect"] as? [String: Any])
            #expect(effect["type"] as? String == "outcomes.setTerms" && effect["year"] as? String == "FY2025")
            let setTerms = try #require(effect["terms"] as? [String: Any])
            #expect(setTerms["frequency"] as? String == "year" && setTerms["pool"] as? Int == 120_000_000)
            let action = try #require(set["action"] as? [String: Any])
            #expect(action["frequency"] as? String == "year")

            for token in [auditor, finance, try board.token("certitude")] {
                let answer = try await api.get("\(SetUp.base)/outcomes/terms?year=FY2025", token: token)
                #expect(answer.status == 200, "\(answer.body)")
                let inForce = try answer.json()
                #expect(inForce["decision"] as? String == "D-0001")
                let terms = try #require(inForce["terms"] as? [String: Any])
                #expect(terms["year"] as? String == "FY2025")
                let measures = try #require(terms["measures"] as? [[String: Any]])
                #expect(measures.map { $0["code"] as? String } == ["CARE_PLANS", "BED_DAYS", "SCORES"])
                #expect(measures.map { $0["weight"] as? Int } == [4000, 3500, 2500])
                #expect(measures.allSatisfy { $0["baseline"] is NSNull })
                let rule = try #require(measures[0]["rule"] as? [String: Any])
                #expect(
                    rule["type"] as? String == "linear" && Self.number(rule["floor"]) == 80
                        && rule["cap"] is NSNull)
                let shares = try #require(terms["shares"] as? [[String: Any]])
                #expect(shares.map { $0["partner"] as? String } == ["certitude", "lambeth", "slam"])
                #expect(shares.map { $0["share"] as? Int } == [2000, 3000, 5000])
            }

            // Nothing is measured yet: the preview earns nothing.
            let before = try await api.get("\(SetUp.base)/outcomes/payments/FY2025", token: auditor).json()
            #expect(before["measured"] as? Bool == false && before["earned"] as? Int == 0)
            #expect(before["unearned"] as? Int == 120_000_000 && before["posted"] is NSNull)
            #expect(
                (before["measures"] as? [[String: Any]])?.allSatisfy {
                    $0["actual"] is NSNull && $0["attainment"] as? Int == 0
                } == true)

            // Finance records the measurements, once per key: a retry is answered again.
            let first = try await api.post(
                Self.measurements, Self.measurement("CARE_PLANS", "84"), token: finance,
                headers: ["Idempotency-Key": "care-plans-1"])
            #expect(first.status == 201, "\(first.body)")
            let recorded = try first.json()
            #expect(
                recorded["measure"] as? String == "CARE_PLANS" && recorded["period"] as? String == "FY2025")
            #expect(Self.number(recorded["value"]) == 84 && recorded["current"] as? Bool == true)
            #expect(recorded["evidence"] as? String == "Q4 audit of CARE_PLANS")
            #expect(recorded["recordedBy"] as? String == "finance-slam@example.org")
            #expect((recorded["recordedAt"] as? String).flatMap { Timestamp(iso8601: $0) } != nil)
            let retried = try await api.post(
                Self.measurements, Self.measurement("CARE_PLANS", "84"), token: finance,
                headers: ["Idempotency-Key": "care-plans-1"])
            #expect(retried.status == 201 && retried.headers["idempotent-replayed"] == "true")
            #expect(retried.body == first.body)
            try await api.post(
                Self.measurements, Self.measurement("CARE_PLANS", "85"), token: finance,
                headers: ["Idempotency-Key": "care-plans-1"]
            ).expectProblem(422, "/problems/idempotency-key-reused", field: "Idempotency-Key")

            // A correction is a later measurement; the latest counts.
            let corrected = try await api.create(
                Self.measurements, Self.measurement("CARE_PLANS", "86"), token: finance)
            #expect(Self.number(corrected["value"]) == 86 && corrected["current"] as? Bool == true)
            #expect(corrected["state"] as? String == "provisional" && corrected["review"] is NSNull)
            #expect(corrected["reporter"] as? String == "slam")
            let bedDays = try await api.create(
                Self.measurements, Self.measurement("BED_DAYS", "20"), token: finance)
            // Provisional figures earn nothing, and are flagged.
            let pending = try await api.get("\(SetUp.base)/outcomes/payments/FY2025", token: auditor).json()
            #expect(pending["measured"] as? Bool == false && pending["validated"] as? Bool == false)
            #expect(pending["earned"] as? Int == 0)
            let flagged = try #require(pending["measures"] as? [[String: Any]])
            #expect(flagged.map { $0["state"] as? String } == ["provisional", "provisional", nil])
            #expect(flagged.map { Self.number($0["reported"]) } == [86, 20, nil])
            #expect(flagged.map { $0["reporter"] as? String } == ["slam", "slam", "lambeth"])
            #expect(
                (flagged[0]["flag"] as? String)?.hasSuffix("is provisional: it counts once validated") == true
            )

            // Four eyes: never slam's own people, nor a board member; a superseded figure is not
            // reviewed; a rejection needs its reason.
            let correctedID = try #require(corrected["id"] as? Int)
            let firstID = try #require(recorded["id"] as? Int)
            let reviewState = try await api.database.stateSnapshot()
            try await api.post(
                "\(Self.measurements)/\(correctedID)/validation", #"{"note":"Mine"}"#, token: finance
            ).expectProblem(403, "/problems/forbidden")
            try await api.post(
                "\(Self.measurements)/\(correctedID)/validation", "{}",
                token: try board.setUp.token("board-slam")
            ).expectProblem(403, "/problems/forbidden")
            try await api.post(
                "\(Self.measurements)/\(firstID)/rejection", #"{"reason":"Stale"}"#, token: auditor
            ).expectProblem(409, "/problems/exists")
            try await api.post(
                "\(Self.measurements)/\(correctedID)/rejection", #"{"reason":" "}"#, token: auditor
            ).expectProblem(422, "/problems/invalid-field", field: "reason")
            try await api.post(
                "\(Self.measurements)/\(correctedID)/validation", #"{"note":"x","extra":1}"#, token: auditor
            ).expectProblem(422, "/problems/unknown-field", field: "extra")
            try await api.post("\(Self.measurements)/999999/validation", "{}", token: auditor)
                .expectProblem(404, "/problems/measurement-not-found")
            #expect(try await api.database.stateSnapshot() == reviewState)

            let validated = try await api.post(
                "\(Self.measurements)/\(correctedID)/validation", #"{"note":"Matches the audit"}"#,
                token: try board.setUp.token("finance-lambeth"))
            #expect(validated.status == 201, "\(validated.body)")
            #expect(validated.headers["location"] == "\(Self.measurements)/\(correctedID)")
            let review = try #require(try validated.json()["review"] as? [String: Any])
            #expect(review["verdict"] as? String == "validated" && review["partner"] as? String == "lambeth")
            #expect(
                review["role"] as? String == "finance" && review["note"] as? String == "Matches the audit")
            try await api.create(
                "\(Self.measurements)/\(try #require(bedDays["id"] as? Int))/validation", "{}", token: auditor
            )
            let partial = try await api.get("\(SetUp.base)/outcomes/payments/FY2025", token: auditor).json()
            #expect(partial["measured"] as? Bool == false && partial["earned"] as? Int == 70_800_000)
            let scores = try await api.create(
                Self.measurements, Self.measurement("SCORES", "40"),
                token: try board.setUp.token("finance-lambeth"))
            try await api.post(
                Self.decisions,
                #"{"title":"Pay FY2025","action":{"type":"outcomePayments.approve","period":"FY2025"}}"#,
                token: try board.token("slam")
            ).expectProblem(422, "/problems/invalid-field", field: "action.period")
            try await api.create(
                "\(Self.measurements)/\(try #require(scores["id"] as? Int))/validation",
                #"{"note":"Sampled"}"#, token: finance)

            let listed = try await api.get("\(Self.measurements)?period=FY2025", token: auditor)
            #expect(listed.status == 200, "\(listed.body)")
            #expect(try listed.json()["nextCursor"] is NSNull)
            let items = try listed.items()
            #expect(
                items.map { $0["measure"] as? String } == ["BED_DAYS", "CARE_PLANS", "CARE_PLANS", "SCORES"])
            #expect(items.map { Self.number($0["value"]) } == [20, 84, 86, 40])
            #expect(items.map { $0["current"] as? Bool } == [true, false, true, true])
            #expect(items[3]["recordedBy"] as? String == "finance-lambeth@example.org")
            #expect(
                try await api.get("\(Self.measurements)?period=FY2025-Q1", token: auditor).body
                    == #"{"items":[],"nextCursor":null}"#)

            // O1 to the penny: earned 708,000.00, unearned 492,000.00.
            let preview = try await api.get("\(SetUp.base)/outcomes/payments/FY2025", token: finance)
            #expect(preview.status == 200, "\(preview.body)")
            let payment = try preview.json()
            #expect(payment["period"] as? String == "FY2025" && payment["year"] as? String == "FY2025")
            #expect(payment["termsDecision"] as? String == "D-0001" && payment["pool"] as? Int == 120_000_000)
            #expect(payment["earned"] as? Int == 70_800_000 && payment["unearned"] as? Int == 49_200_000)
            #expect(payment["measured"] as? Bool == true && payment["posted"] is NSNull)
            let results = try #require(payment["measures"] as? [[String: Any]])
            #expect(results.map { Self.number($0["actual"]) } == [86, 20, 40])
            #expect(results.map { $0["attainment"] as? Int } == [6000, 10_000, 0])
            #expect(results.map { $0["earned"] as? Int } == [28_800_000, 42_000_000, 0])
            #expect(
                Self.amounts(payment["allocations"])
                    == ["slam": 35_400_000, "lambeth": 21_240_000, "certitude": 14_160_000])

            // The board approves the period: the figure voted on is filled in, and only that one.
            try await api.post(
                Self.decisions,
                #"{"title":"Pay FY2025","action":{"type":"outcomePayments.approve","period":"FY2025","earned":1}}"#,
                token: try board.token("slam")
            ).expectProblem(422, "/problems/invalid-field", field: "action.earned")
            let approval = try await api.create(
                Self.decisions,
                #"{"title":"Pay FY2025","action":{"type":"outcomePayments.approve","period":"FY2025"}}"#,
                token: try board.token("slam"))
            let approve = try #require(approval["action"] as? [String: Any])
            #expect(approve["period"] as? String == "FY2025" && approve["earned"] as? Int == 70_800_000)
            let paid = try await DecisionRoutesTests.approve(
                try #require(approval["id"] as? Int), by: try BoardSetUp.partners.map { try board.token($0) },
                on: api)
            #expect(paid["state"] as? String == "carried", "\(paid)")
            let paidEffect = try #require(paid["effect"] as? [String: Any])
            #expect(paidEffect["type"] as? String == "outcomePayments.approve")
            let posted = try #require(paidEffect["payment"] as? [String: Any])
            #expect(posted["earned"] as? Int == 70_800_000)
            let posting = try #require(posted["posted"] as? [String: Any])
            #expect(posting["decision"] as? String == "D-0002")
            let entry = try #require(paidEffect["entry"] as? [String: Any])
            let sequence = try #require(entry["sequence"] as? Int)
            #expect(posting["entry"] as? Int == sequence)
            #expect(
                entry["kind"] as? String == "outcome-payment"
                    && entry["effectiveOn"] as? String == "2026-03-31")
            let postings = try #require(entry["postings"] as? [[String: Any]])
            var moved: [String: Int] = [:]
            for line in postings { moved[line["account"] as? String ?? "?"] = line["amount"] as? Int }
            #expect(
                moved == [
                    "alliance:outcome-payments": 70_800_000, "partner:slam:funding": -35_400_000,
                    "partner:lambeth:funding": -21_240_000, "partner:certitude:funding": -14_160_000,
                ])

            // The preview is now the payment as posted, and the journal holds its one entry.
            let after = try await api.get("\(SetUp.base)/outcomes/payments/FY2025", token: auditor).json()
            let afterPosting = try #require(after["posted"] as? [String: Any])
            #expect(
                afterPosting["decision"] as? String == "D-0002" && afterPosting["entry"] as? Int == sequence)
            #expect(after["earned"] as? Int == 70_800_000)
            let journal = try await api.get("\(SetUp.base)/journal?kind=outcome-payment", token: auditor)
                .items()
            #expect(journal.map { $0["sequence"] as? Int } == [sequence])

            // A paid period's measurements cannot change, and it cannot be paid twice.
            let state = try await api.database.stateSnapshot()
            try await api.post(
                Self.measurements, Self.measurement("SCORES", "60"),
                token: try board.setUp.token("finance-lambeth")
            ).expectProblem(409, "/problems/exists")
            try await api.post(
                "\(Self.measurements)/\(try #require(scores["id"] as? Int))/rejection", #"{"reason":"Late"}"#,
                token: auditor
            ).expectProblem(409, "/problems/exists")
            try await api.post(
                Self.decisions,
                #"{"title":"Pay again","action":{"type":"outcomePayments.approve","period":"FY2025"}}"#,
                token: try board.token("lambeth")
            ).expectProblem(409, "/problems/exists")
            try await api.post(Self.decisions, Self.outcomeTerms, token: try board.token("lambeth"))
                .expectProblem(409, "/problems/exists")
            #expect(try await api.database.stateSnapshot() == state)
            #expect(
                try await api.get(Self.measurements + "?period=FY2025", token: auditor).items().count == 4)
        }
    }

    @Test func aYearsGainPainPositionIsReadThenSettledOnce() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let auditor = try board.setUp.token("auditor")

            // R1: a target cost of £10,000,000 and an actual cost of £10,900,000.
            let budget = try await Self.carry(
                DecisionRoutesTests.budgetProposal(
                    "Budget FY2025", [("slam", "STAFF", 600_000_000), ("lambeth", "PREMISES", 400_000_000)]),
                on: board)
            #expect(budget["state"] as? String == "carried")
            try await api.create(
                "\(SetUp.base)/spend",
                SetUp.spend(partner: "slam", amount: "650000000", incurredOn: "2025-06-30", reference: "S-1"),
                token: try board.setUp.token("finance-slam"))
            try await api.create(
                "\(SetUp.base)/spend",
                SetUp.spend(
                    partner: "lambeth", line: "PREMISES", amount: "440000000", incurredOn: "2025-09-30",
                    reference: "L-1"),
                token: try board.setUp.token("finance-lambeth"))

            // Shared 50:50 between the sides, the partners' pain capped at their fee of £800,000.
            let terms = try await Self.carry(
                #"{"title":"Risk share FY2025","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":5000},{"partner":"lambeth","share":5000}],"#
                    + #""pain":[{"partner":"slam","share":6000},{"partner":"lambeth","share":4000}],"#
                    + #""partnerSide":{"gainBands":[{"share":5000}],"painBands":[{"share":5000}],"#
                    + #""painCap":80000000,"fee":80000000}}}"#,
                on: board)
            #expect(terms["state"] as? String == "carried", "\(terms)")
            let side = try #require((terms["action"] as? [String: Any])?["partnerSide"] as? [String: Any])
            #expect(side["painCap"] as? Int == 80_000_000 && side["gainCap"] is NSNull)
            #expect((side["gainBands"] as? [[String: Any]])?.first?["upTo"] is NSNull)

            let answer = try await api.get("\(SetUp.base)/risk-share/FY2025", token: auditor)
            #expect(answer.status == 200, "\(answer.body)")
            let position = try answer.json()
            #expect(
                position["year"] as? String == "FY2025" && position["termsDecision"] as? String == "D-0002")
            #expect(
                position["target"] as? Int == 1_000_000_000 && position["actual"] as? Int == 1_090_000_000)
            #expect(position["difference"] as? Int == -90_000_000)
            #expect(position["partnerSideBeforeCap"] as? Int == -45_000_000)
            #expect(
                position["partnerSide"] as? Int == -45_000_000 && position["ownerSide"] as? Int == -45_000_000
            )
            #expect(
                position["fee"] as? Int == 80_000_000 && position["partnersReceive"] as? Int == 35_000_000)
            #expect(position["ownerPays"] as? Int == 1_125_000_000 && position["unallocated"] as? Int == 0)
            #expect(Self.amounts(position["allocations"]) == ["slam": -27_000_000, "lambeth": -18_000_000])
            #expect(position["settled"] is NSNull)
            let shownSide = try #require(
                (position["terms"] as? [String: Any])?["partnerSide"] as? [String: Any])
            #expect(shownSide["fee"] as? Int == 80_000_000)

            // The board settles the year on the figure it votes on.
            try await api.post(
                Self.decisions,
                #"{"title":"Settle","action":{"type":"riskShare.settle","year":"FY2025","partnerSide":-1}}"#,
                token: try board.token("slam")
            ).expectProblem(422, "/problems/invalid-field", field: "action.partnerSide")
            let proposal = try await api.create(
                Self.decisions,
                #"{"title":"Settle FY2025","action":{"type":"riskShare.settle","year":"FY2025"}}"#,
                token: try board.token("slam"))
            #expect((proposal["action"] as? [String: Any])?["partnerSide"] as? Int == -45_000_000)
            let settled = try await DecisionRoutesTests.approve(
                try #require(proposal["id"] as? Int), by: try BoardSetUp.partners.map { try board.token($0) },
                on: api)
            #expect(settled["state"] as? String == "carried", "\(settled)")
            let effect = try #require(settled["effect"] as? [String: Any])
            #expect(effect["type"] as? String == "riskShare.settle" && effect["year"] as? String == "FY2025")
            let settlement = try #require(effect["settlement"] as? [String: Any])
            #expect(settlement["partnerSide"] as? Int == -45_000_000)
            let entry = try #require(effect["entry"] as? [String: Any])
            let sequence = try #require(entry["sequence"] as? Int)
            #expect((settlement["settled"] as? [String: Any])?["entry"] as? Int == sequence)
            #expect(
                entry["kind"] as? String == "risk-share" && entry["effectiveOn"] as? String == "2026-03-31")
            var moved: [String: Int] = [:]
            for line in entry["postings"] as? [[String: Any]] ?? [] {
                moved[line["account"] as? String ?? "?"] = line["amount"] as? Int
            }
            #expect(
                moved == [
                    "alliance:risk-share": -45_000_000, "partner:slam:funding": 27_000_000,
                    "partner:lambeth:funding": 18_000_000,
                ])

            // Settled, the year keeps the figures it settled on, whatever is recorded later.
            try await api.create(
                "\(SetUp.base)/spend",
                SetUp.spend(partner: "slam", amount: "100000", incurredOn: "2026-01-15", reference: "S-2"),
                token: try board.setUp.token("finance-slam"))
            let after = try await api.get("\(SetUp.base)/risk-share/FY2025", token: auditor).json()
            #expect(after["actual"] as? Int == 1_090_000_000 && after["partnerSide"] as? Int == -45_000_000)
            let posting = try #require(after["settled"] as? [String: Any])
            #expect(posting["decision"] as? String == "D-0003" && posting["entry"] as? Int == sequence)

            // It cannot be settled twice, nor its terms changed.
            let state = try await api.database.stateSnapshot()
            try await api.post(
                Self.decisions, #"{"title":"Again","action":{"type":"riskShare.settle","year":"FY2025"}}"#,
                token: try board.token("lambeth")
            ).expectProblem(409, "/problems/exists")
            try await api.post(
                Self.decisions,
                #"{"title":"New shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":10000}],"pain":[{"partner":"slam","share":10000}]}}"#,
                token: try board.token("lambeth")
            ).expectProblem(409, "/problems/exists")
            #expect(try await api.database.stateSnapshot() == state)
        }
    }

    @Test func badRequestsAreRefusedWithProblemsAndChangeNothing() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let auditor = try setUp.token("auditor")
            let base = SetUp.base

            // Before any terms: nothing to read (not found), nothing to measure against (the
            // measurement's period is at fault).
            try await api.get("\(base)/outcomes/terms?year=FY2025", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            try await api.get("\(base)/outcomes/payments/FY2025", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            try await api.get("\(base)/risk-share/FY2025", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            try await api.post(Self.measurements, Self.measurement("CARE_PLANS", "86"), token: finance)
                .expectProblem(422, "/problems/invalid-field", field: "period")

            let pool = api.database.makeServicePool()
            let alliance = try await AllianceDirectory(pool: pool).find(slug: SetUp.slug)
            let carried = try await Board.carry(
                .outcomesSetTerms(
                    try OutcomeTerms(
                        year: 2025, frequency: .year, pool: 120_000_000,
                        measures: [
                            try OutcomeMeasure(
                                code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher,
                                target: try MeasureValue(90), weight: 10_000,
                                rule: .linear(floor: try MeasureValue(80), cap: nil), reporter: "slam")
                        ], shares: [try OutcomeShare(partner: "slam", share: 10_000)])),
                in: alliance, pool: pool)
            await pool.close()
            #expect(carried.state == .carried)
            try await api.create(Self.measurements, Self.measurement("CARE_PLANS", "86.5"), token: finance)

            let before = try await api.database.stateSnapshot()
            func measure(_ body: String, token: String? = nil, headers: [String: String] = [:]) async throws
                -> APIHarness.Answer
            {
                try await api.post(Self.measurements, body, token: token ?? finance, headers: headers)
            }
            try await measure(
                #"{"measure":"CARE_PLANS","period":"FY2025","value":86,"evidence":"x","unit":"%"}"#,
                headers: ["Idempotency-Key": "refused-1"]
            ).expectProblem(422, "/problems/unknown-field", field: "unit")
            try await measure(Self.measurement("CARE_PLANS", "86.12345"))
                .expectProblem(422, "/problems/invalid-field", field: "value")
            try await measure(Self.measurement("CARE_PLANS", #""86""#))
                .expectProblem(422, "/problems/invalid-field", field: "value")
            try await measure(Self.measurement("CARE_PLANS", "null"))
                .expectProblem(422, "/problems/invalid-field", field: "value")
            try await measure(#"{"measure":"CARE_PLANS","period":"FY2025","value":86}"#)
                .expectProblem(422, "/problems/invalid-field", field: "evidence")
            try await measure(#"{"measure":"CARE_PLANS","period":"FY2025","value":86,"evidence":"  "}"#)
                .expectProblem(422, "/problems/invalid-field", field: "evidence")
            try await measure(Self.measurement("WAITS", "12"))
                .expectProblem(422, "/problems/invalid-field", field: "measure")
            for period in ["FY2025-Q1", "2025-10", "2025-04-01..2025-06-30", "fy2025", "FY2026"] {
                try await measure(Self.measurement("CARE_PLANS", "86", period: period))
                    .expectProblem(422, "/problems/invalid-field", field: "period")
            }
            try await measure("[1]").expectProblem(400, "/problems/malformed-json")
            try await api.request(
                "POST", Self.measurements, json: Self.measurement("CARE_PLANS", "86"), token: finance,
                headers: ["Content-Type": "text/plain"]
            ).expectProblem(415, "/problems/unsupported-media-type")
            // Only the reporting partner's finance people record a measure.
            for person in ["board-slam", "auditor", "admin", "finance-lambeth"] {
                try await measure(Self.measurement("CARE_PLANS", "86"), token: try setUp.token(person))
                    .expectProblem(403, "/problems/forbidden")
            }
            // The operator acts for no one: a measurement names the person who recorded it.
            try await measure(Self.measurement("CARE_PLANS", "86"), token: api.operatorToken)
                .expectProblem(403, "/problems/forbidden")
            try await api.post(
                "/v1/alliances/no-such-alliance/outcomes/measurements", Self.measurement("CARE_PLANS", "86"),
                token: finance
            ).expectProblem(404, "/problems/alliance-not-found")
            try await api.post(Self.measurements, Self.measurement("CARE_PLANS", "86"), token: nil)
                .expectProblem(401, "/problems/unauthenticated")

            // Reading: malformed parameters, periods and years the terms do not have.
            for query in ["", "?year=2025", "?year=FY2025-Q1", "?year=FY2025&period=FY2025"] {
                let field = query.contains("period") ? "period" : "year"
                try await api.get("\(base)/outcomes/terms\(query)", token: auditor)
                    .expectProblem(400, "/problems/invalid-query", field: field)
            }
            try await api.get("\(base)/outcomes/terms?year=FY2026", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            for query in ["", "?period=banana", "?period=2025-04-01..2025-06-30", "?period=FY2025&limit=10"] {
                let field = query.contains("limit") ? "limit" : "period"
                try await api.get("\(Self.measurements)\(query)", token: auditor)
                    .expectProblem(400, "/problems/invalid-query", field: field)
            }
            for period in ["FY2025-Q1", "2025-10", "banana", "2025-04-01..2025-06-30"] {
                try await api.get("\(base)/outcomes/payments/\(period)", token: auditor)
                    .expectProblem(422, "/problems/invalid-field", field: "period")
            }
            try await api.get("\(base)/outcomes/payments/FY2026", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            try await api.get("\(base)/outcomes/payments/FY2025?x=1", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "x")
            for year in ["2025", "FY2025-Q1"] {
                try await api.get("\(base)/risk-share/\(year)", token: auditor)
                    .expectProblem(422, "/problems/invalid-field", field: "year")
            }
            try await api.get("\(base)/risk-share/FY2026", token: auditor)
                .expectProblem(404, "/problems/terms-not-found")
            for path in [
                "outcomes/terms?year=FY2025", "outcomes/measurements?period=FY2025",
                "outcomes/payments/FY2025",
                "risk-share/FY2025",
            ] {
                try await api.get("/v1/alliances/no-such-alliance/\(path)", token: auditor)
                    .expectProblem(404, "/problems/alliance-not-found")
                try await api.get("\(base)/\(path)", token: nil).expectProblem(
                    401, "/problems/unauthenticated")
            }
            // Nor can the board approve a period the terms do not pay by, or settle a year without terms.
            for action in [
                #"{"type":"outcomePayments.approve","period":"FY2025-Q1"}"#,
                #"{"type":"outcomePayments.approve","period":"FY2026"}"#,
                #"{"type":"riskShare.settle","year":"FY2025"}"#,
            ] {
                try await api.post(
                    Self.decisions, #"{"title":"T","action":\#(action)}"#,
                    token: try setUp.token("board-slam")
                )
                .expectProblem(422, "/problems/invalid-field")
            }
            #expect(try await api.database.stateSnapshot() == before)

            // Every person of the alliance reads what was recorded.
            for person in ["admin", "finance-slam", "board-slam", "auditor"] {
                let items = try await api.get(
                    "\(Self.measurements)?period=FY2025", token: try setUp.token(person)
                )
                .items()
                #expect(items.map { Self.number($0["value"]) } == [86.5])
            }
            // Provisional until validated: measured, but earning nothing yet.
            let payment = try await api.get("\(base)/outcomes/payments/FY2025", token: finance).json()
            #expect(payment["earned"] as? Int == 0 && payment["measured"] as? Bool == true)
            #expect(payment["validated"] as? Bool == false)
        }
    }
}
