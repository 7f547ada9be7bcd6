import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Outcome terms set by decision, measurements by finance people, and a period's payment posted
/// only by a carried approval: worked example O1 through the books.
@Suite(.timeLimit(.perTest)) struct OutcomeTests {
    static func measurement(
        _ code: String, _ period: String, _ value: Double, evidence: String = "Quarterly report"
    )
        throws -> MeasurementRequest
    {
        try MeasurementRequest(measure: code, period: period, value: MeasureValue(value), evidence: evidence)
    }

    /// Who reports each of O1's measures (``WorkedExampleTests/o1Terms(year:shares:)``).
    static let reporters = [
        "CARE_PLANS": "finance-slam", "OUT_OF_AREA": "finance-lambeth", "OUTCOME_SCORES": "finance-lambeth",
    ]

    /// Records a measurement by the measure's reporting partner, and has the auditor (of sel-icb,
    /// another partner) validate it.
    @discardableResult
    static func recordValidated(_ code: String, _ period: String, _ value: Double, board: BoardFixture)
        async throws -> OutcomeMeasurement
    {
        let outcomes = OutcomeBook(pool: board.pool)
        let recorded = try await outcomes.record(
            try measurement(code, period, value), in: board.alliance,
            by: try board.directory.caller(try #require(reporters[code])))
        return try await outcomes.validate(
            recorded.id, note: "Checked against the source report", in: board.alliance,
            by: try board.directory.caller("auditor"))
    }

    @Test func aPeriodsPaymentIsPostedOnceByACarriedApproval() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let outcomes = OutcomeBook(pool: board.pool)
            let ledger = Ledger(pool: board.pool)
            let terms = try WorkedExampleTests.o1Terms()
            let set = try await Board.carry(.outcomesSetTerms(terms), in: board.alliance, pool: board.pool)
            #expect(set.state == .carried)
            guard case .outcomeTerms(let written) = set.effect else {
                Issue.record("no terms effect: \(String(describing: set.effect))")
                return
            }
            #expect(written.measures == terms.measures)
            #expect(Set(written.shares) == Set(terms.shares))
            #expect(try await outcomes.terms(year: 2025, in: board.alliance).decision == set.reference)

            // A correction is a later measurement: both are kept, the latest counts.
            _ = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 85), in: board.alliance,
                by: try fixture.caller("finance-slam"))
            _ = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 86, evidence: "Audited figure"),
                in: board.alliance,
                by: try fixture.caller("finance-slam"))
            for (code, value) in [("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)] {
                _ = try await outcomes.record(
                    try Self.measurement(code, "FY2025", value), in: board.alliance,
                    by: try fixture.caller("finance-lambeth"))
            }
            let measured = try await outcomes.measurements(of: "FY2025", in: board.alliance)
            #expect(
                measured.map { "\($0.measure) \($0.value) \($0.current) \($0.recordedBy)" } == [
                    "CARE_PLANS 85 false finance-slam@example.org",
                    "CARE_PLANS 86 true finance-slam@example.org",
                    "OUTCOME_SCORES 40 true finance-lambeth@example.org",
                    "OUT_OF_AREA 20 true finance-lambeth@example.org",
                ])

            #expect(measured.allSatisfy { $0.state == .provisional && $0.review == nil })
            #expect(measured.map(\.reporter) == ["slam", "slam", "lambeth", "lambeth"])

            // Provisional figures earn nothing yet, are flagged, and cannot be approved.
            let provisional = try await outcomes.payment(for: "FY2025", in: board.alliance)
            #expect(provisional.earned == 0 && provisional.measured && !provisional.validated)
            #expect(
                provisional.results.map { $0.latest?.state } == [.provisional, .provisional, .provisional])
            #expect(
                provisional.results[0].flag
                    == "the latest measurement (\(measured[1].id)) is provisional: it counts once validated")
            await #expect(
                throws: LedgerError.invalidField(
                    "action.period",
                    reason:
                        "FY2025's latest measurement of CARE_PLANS (\(measured[1].id)) is provisional: it must be validated before the payment is approved"
                )
            ) {
                try await Board.carry(
                    .outcomePaymentsApprove(period: "FY2025", earned: nil), in: board.alliance,
                    pool: board.pool)
            }

            // Four eyes: lambeth's finance lead validates slam's figure, the auditor lambeth's.
            _ = try await outcomes.validate(
                measured[1].id, note: "Matches the audited report", in: board.alliance,
                by: try fixture.caller("finance-lambeth"))
            for measurement in measured[2...] {
                _ = try await outcomes.validate(
                    measurement.id, in: board.alliance, by: try fixture.caller("auditor"))
            }
            let reviewed = try await outcomes.measurements(of: "FY2025", in: board.alliance)
            #expect(reviewed.map(\.state) == [.provisional, .validated, .validated, .validated])
            #expect(reviewed[1].review?.partner == "lambeth" && reviewed[1].review?.role == .finance)
            #expect(
                reviewed[2].review?.reviewedBy == "auditor@example.org"
                    && reviewed[2].review?.role == .auditor)

            let preview = try await outcomes.payment(for: "FY2025", in: board.alliance)
            #expect(preview.earned == 708_000_00 && preview.unearned == 492_000_00 && preview.posted == nil)
            #expect(preview.validated && preview.results.allSatisfy { $0.flag == nil })
            #expect(preview.termsDecision == set.reference)

            // The approval carries the figure it was proposed with, and posts it.
            let approval = try await Board.carry(
                .outcomePaymentsApprove(period: "FY2025", earned: nil), in: board.alliance, pool: board.pool)
            #expect(approval.state == .carried)
            #expect(approval.action == .outcomePaymentsApprove(period: "FY2025", earned: 708_000_00))
            guard case .outcomePayment(let payment, let entry?) = approval.effect else {
                Issue.record("no payment effect: \(String(describing: approval.effect))")
                return
            }
            #expect(payment.posted?.decision == approval.reference)
            #expect(payment.posted?.entry == entry.sequence)
            #expect(entry.kind == .outcomePayment)
            #expect(entry.effectiveOn == date(2026, 3, 31))
            #expect(entry.metadata == ["decision": approval.reference, "period": "FY2025"])
            #expect(
                entry.postings.map { "\($0.account) \($0.amount)" } == [
                    "alliance:outcome-payments 70800000", "partner:certitude:funding -14160000",
                    "partner:lambeth:funding -21240000", "partner:slam:funding -35400000",
                ])
            #expect(try await outcomes.payment(for: "FY2025", in: board.alliance).posted == payment.posted)
            #expect(try await ledger.verify(board.alliance.id).isIntact)

            // Paid is paid: no more measurements, no second approval, no new terms for the year.
            let before = try await fixture.snapshot()
            await #expect(
                throws: LedgerError.exists(
                    "outcomes for FY2025 were paid by \(approval.reference): their measurements can no longer change"
                )
            ) {
                try await outcomes.record(
                    try Self.measurement("CARE_PLANS", "FY2025", 95), in: board.alliance,
                    by: try fixture.caller("finance-slam"))
            }
            await #expect(
                throws: LedgerError.exists("outcomes for FY2025 were already paid by \(approval.reference)")
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025", earned: nil))
            }
            await #expect(
                throws: LedgerError.exists(
                    "outcomes for FY2025 are paid: FY2025's outcome terms can no longer change")
            ) {
                try await board.propose(.outcomesSetTerms(terms))
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test func termsWithEveryRuleReadBackAsSet() async throws {
        try await BoardFixture.with { board in
            let terms = try OutcomeTerms(
                year: 2025, frequency: .month, pool: 12_000_00,
                measures: [
                    try OutcomeMeasure(
                        code: "WAITS", name: "Days from referral to first contact", unit: "days",
                        direction: .lower,
                        baseline: MeasureValue(31.25), target: MeasureValue(10), weight: 5000,
                        rule: .bands([
                            try PaymentBand(from: MeasureValue(20), factor: 2500),
                            try PaymentBand(from: MeasureValue(14.5), factor: 5000),
                            try PaymentBand(from: MeasureValue(10), factor: 10_000),
                        ]), reporter: "slam"),
                    try OutcomeMeasure(
                        code: "PLANS", name: "Care plans in place", unit: "%", direction: .higher,
                        target: MeasureValue(95), weight: 3000, rule: .threshold, reporter: "lambeth"),
                    try OutcomeMeasure(
                        code: "EMPLOYMENT", name: "People in work", unit: "people", direction: .higher,
                        baseline: MeasureValue(0), target: MeasureValue(40), weight: 2000,
                        rule: .linear(floor: MeasureValue(10), cap: MeasureValue(60)), reporter: "certitude"),
                ],
                shares: [
                    try OutcomeShare(partner: "slam", share: 6667),
                    try OutcomeShare(partner: "lambeth", share: 3333),
                ])
            let carried = try await Board.carry(
                .outcomesSetTerms(terms), in: board.alliance, pool: board.pool)
            let read = try await OutcomeBook(pool: board.pool).terms(year: 2025, in: board.alliance)
            #expect(read.decision == carried.reference)
            #expect(read.terms.measures == terms.measures)
            #expect(read.terms.frequency == .month && read.terms.pool == 12_000_00)
            #expect(carried.effect == .outcomeTerms(read.terms))
            // A month's pool is a twelfth of the year's.
            #expect(
                try await OutcomeBook(pool: board.pool).payment(for: "2025-04", in: board.alliance).pool
                    == 1_000_00)
        }
    }

    @Test func anApprovalWhoseFiguresChangeBeforeItCarriesFailsAndPaysNothing() async throws {
        try await BoardFixture.with { board in
            // The board's clock stands after the year, when every quarter can be paid.
            board.clock.set(BoardFixture.afterFY2025)
            let outcomes = OutcomeBook(pool: board.pool)
            let base = try WorkedExampleTests.o1Terms()
            let terms = try OutcomeTerms(
                year: 2025, frequency: .quarter, pool: base.pool, measures: base.measures, shares: base.shares
            )
            try await Board.carry(.outcomesSetTerms(terms), in: board.alliance, pool: board.pool)
            for (code, value) in [("CARE_PLANS", 86.0), ("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)] {
                try await Self.recordValidated(code, "FY2025-Q1", value, board: board)
            }
            let proposed = try await board.propose(.outcomePaymentsApprove(period: "FY2025-Q1", earned: nil))
            // A quarter's pool is a quarter of the year's: 300,000 of which 177,000 earned.
            #expect(proposed.action == .outcomePaymentsApprove(period: "FY2025-Q1", earned: 177_000_00))
            try await Self.recordValidated("CARE_PLANS", "FY2025-Q1", 88, board: board)
            var decision = proposed
            for partner in BoardFixture.partners {
                board.tick()
                decision = try await board.vote(.approve, partner, on: proposed)
            }
            #expect(decision.state == .failed)
            #expect(
                decision.failure
                    == "earned was 17700000 when \(decision.reference) was proposed but the measurements now earn 20100000: propose it again"
            )
            #expect(decision.effect == nil)
            #expect(try await outcomes.payment(for: "FY2025-Q1", in: board.alliance).posted == nil)
            // The next quarter is unmeasured: it cannot be approved yet, nor can a month.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.period", reason: "FY2025-Q2 has no measurement of CARE_PLANS yet")
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025-Q2", earned: nil))
            }
            await #expect(
                throws: LedgerError.invalidField(
                    "action.period",
                    reason:
                        "FY2025's outcomes are measured and paid by quarter, as FY2025-Q1 is: 2025-05 is not one of its periods"
                )
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "2025-05", earned: nil))
            }
        }
    }

    @Test func racingFinalApprovalsPayEachQuarterExactlyOnce() async throws {
        try await BoardFixture.with { board in
            // The board's clock stands after the year, when every quarter can be paid.
            board.clock.set(BoardFixture.afterFY2025)
            let outcomes = OutcomeBook(pool: board.pool)
            let base = try WorkedExampleTests.o1Terms()
            try await Board.carry(
                .outcomesSetTerms(
                    try OutcomeTerms(
                        year: 2025, frequency: .quarter, pool: base.pool, measures: base.measures,
                        shares: base.shares)), in: board.alliance, pool: board.pool)
            for quarter in 1...4 {
                let period = "FY2025-Q\(quarter)"
                for (code, value) in [("CARE_PLANS", 86.0), ("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)] {
                    try await Self.recordValidated(code, period, value, board: board)
                }
                let proposed = try await board.propose(.outcomePaymentsApprove(period: period, earned: nil))
                board.tick()
                let answers = try await board.approveAllAtOnce(proposed)
                #expect(answers.filter { $0 == "carried" }.count == 1, "\(answers)")
                let payment = try await outcomes.payment(for: period, in: board.alliance)
                #expect(payment.posted?.decision == proposed.reference)
            }
            let entries = try await board.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT count(*) AS n, sum(p.amount) AS total FROM journal_entries AS e
                    JOIN postings AS p ON p.alliance_id = e.alliance_id AND p.entry_sequence = e.sequence
                    WHERE e.alliance_id = \(board.alliance.id.rawValue) AND e.kind = 'outcome-payment'
                      AND p.amount > 0
                    """
                ).single()
            }
            // Four entries of 177,000 each: a quarter of the pool, 59% of it earned.
            #expect(try entries.decode("n", as: Int64.self) == 4)
            #expect(try entries.decode("total", as: Int64.self) == 4 * 177_000_00)
            #expect(try await Ledger(pool: board.pool).verify(board.alliance.id).isIntact)
        }
    }

    @Test func paymentsWaitForThePeriodToEndAndForTheRightFigure() async throws {
        try await BoardFixture.with { board in
            await #expect(
                throws: LedgerError.invalidField(
                    "action.period",
                    reason:
                        "names a year without terms: FY2025 has no outcome terms: an outcomes.setTerms decision must carry first"
                )
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025-Q1", earned: nil))
            }
            let base = try WorkedExampleTests.o1Terms()
            try await Board.carry(
                .outcomesSetTerms(
                    try OutcomeTerms(
                        year: 2025, frequency: .quarter, pool: base.pool, measures: base.measures,
                        shares: base.shares)), in: board.alliance, pool: board.pool)
            for (code, value) in [("CARE_PLANS", 86.0), ("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)] {
                try await Self.recordValidated(code, "FY2025-Q1", value, board: board)
            }
            // The board's clock stands on 1 May 2025, in the first quarter.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.period",
                    reason: "FY2025-Q1 has not ended: it can be paid from the day after 2025-06-30")
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025-Q1", earned: nil))
            }
            board.clock.set(Timestamp(microsecondsSince1970: 1_751_328_000_000_000))  // 2025-07-01
            await #expect(
                throws: LedgerError.invalidField(
                    "action.earned",
                    reason: "is 17700000 by the measurements of FY2025-Q1, not 17700001")
            ) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025-Q1", earned: 177_000_01))
            }
            let proposed = try await board.propose(
                .outcomePaymentsApprove(period: "FY2025-Q1", earned: 177_000_00))
            #expect(proposed.state == .open)
        }
    }

    @Test func measurementsAreRecordedByFinanceForMeasuresOfTheTermsInForce() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let outcomes = OutcomeBook(pool: board.pool)
            let before = try await fixture.snapshot()
            await #expect(
                throws: LedgerError.invalidField(
                    "period",
                    reason:
                        "names a year without terms: FY2025 has no outcome terms: an outcomes.setTerms decision must carry first"
                )
            ) {
                try await outcomes.record(
                    try Self.measurement("CARE_PLANS", "FY2025", 86), in: board.alliance,
                    by: try fixture.caller("finance-slam"))
            }
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms(year: 2029)), in: board.alliance,
                pool: board.pool)
            let afterTerms = try await fixture.snapshot()
            #expect(afterTerms != before)
            let refusals: [(MeasurementRequest, Caller, LedgerError)] = [
                (
                    try Self.measurement("CARE_PLANS", "FY2025", 86), try fixture.caller("board-slam"),
                    .forbidden("this needs the role finance")
                ),
                (
                    try Self.measurement("CARE_PLANS", "FY2025", 86), .commandLine,
                    .forbidden(
                        "only a finance person records outcome measurements; the operator has no partner")
                ),
                (
                    try Self.measurement("OUT_OF_AREA", "FY2025", 20), try fixture.caller("finance-slam"),
                    .forbidden(
                        "OUT_OF_AREA is reported by lambeth: only its finance people record it, not slam")
                ),
                (
                    try Self.measurement("BED_DAYS", "FY2025", 86), try fixture.caller("finance-slam"),
                    .invalidField(
                        "measure",
                        reason:
                            "BED_DAYS is not a measure of FY2025's outcome terms (CARE_PLANS, OUT_OF_AREA, OUTCOME_SCORES)"
                    )
                ),
                (
                    try Self.measurement("CARE_PLANS", "FY2025-Q2", 86), try fixture.caller("finance-slam"),
                    .invalidField(
                        "period",
                        reason:
                            "FY2025's outcomes are measured and paid by year, as FY2025 is: FY2025-Q2 is not one of its periods"
                    )
                ),
                (
                    try Self.measurement("CARE_PLANS", "FY2029", 86), try fixture.caller("finance-slam"),
                    .invalidField(
                        "period", reason: "FY2029 has not begun: it can be measured from 2029-04-01")
                ),
                (
                    try Self.measurement("CARE_PLANS", "2025-04-01..2026-03-31", 86),
                    try fixture.caller("finance-slam"),
                    .invalidField(
                        "period",
                        reason: "must be a financial year, a quarter or a month, not a range of days")
                ),
            ]
            for (request, caller, expected) in refusals {
                await #expect(throws: expected, "\(request.period) \(request.measure)") {
                    try await outcomes.record(request, in: board.alliance, by: caller)
                }
            }
            await #expect(throws: LedgerError.self) {
                try await outcomes.record(
                    try Self.measurement("CARE_PLANS", "fy2025", 86), in: board.alliance,
                    by: try fixture.caller("finance-slam"))
            }
            #expect(throws: LedgerError.self) {
                try Self.measurement("CARE_PLANS", "FY2025", 86, evidence: " ")
            }
            #expect(try await fixture.snapshot() == afterTerms)
        }
    }

    @Test func theDatabaseRefusesWhatTheLibraryRefuses() async throws {
        try await BoardFixture.with { board in
            let alliance = board.alliance.id.rawValue
            let set = try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            _ = try await OutcomeBook(pool: board.pool).record(
                try Self.measurement("CARE_PLANS", "FY2025", 86), in: board.alliance,
                by: try board.directory.caller("finance-slam"))
            let open = try await board.propose(nil)
            let boardMember = board.members["slam"]!.id
            let attempts: [PostgresQuery] = [
                // Terms, payments and settlements only through their functions, for carried
                // decisions of the right type.
                """
                INSERT INTO outcome_terms (alliance_id, decision_id, financial_year, frequency, pool)
                VALUES (\(alliance), \(open.id), 2026, 'year', 1)
                """,
                """
                SELECT outcome_set_terms(\(alliance), \(open.id), 2026, 'year', 1, '[]'::jsonb,
                                         '{}'::bigint[], '{}'::integer[])
                """,
                """
                SELECT outcome_set_terms(\(alliance), \(set.id), 2026, 'year', 1, '[]'::jsonb,
                                         '{}'::bigint[], '{}'::integer[])
                """,
                "SELECT outcome_payment_record(\(alliance), \(open.id), 2025, 'FY2025', 1, 0, NULL)",
                "SELECT outcome_payment_record(\(alliance), \(set.id), 2025, 'FY2025', 1, 0, NULL)",
                """
                INSERT INTO outcome_payments (alliance_id, decision_id, financial_year, period, terms_decision_id, pool, earned)
                VALUES (\(alliance), \(set.id), 2025, 'FY2025', \(set.id), 1, 0)
                """,
                """
                SELECT risk_share_settlement_record(\(alliance), \(open.id), 2025, 0, 0, 0, 0, NULL)
                """,
                // A measurement by someone without the finance role, of a measure the year does
                // not have, or for a period written any other way.
                """
                INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
                VALUES (\(alliance), 2025, 'FY2025', 'CARE_PLANS', 1, 'x', \(boardMember))
                """,
                """
                INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
                VALUES (\(alliance), 2025, 'FY2025', 'BED_DAYS', 1, 'x', \(board.directory.people["finance-slam"]!.id))
                """,
                """
                INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
                VALUES (\(alliance), 2025, 'fy2025', 'CARE_PLANS', 1, 'x', \(board.directory.people["finance-slam"]!.id))
                """,
                // Nothing is changed or deleted.
                "UPDATE outcome_measurements SET value = 99",
                "DELETE FROM outcome_measurements",
                "UPDATE outcome_measures SET weight = 0",
                "DELETE FROM outcome_shares",
                "UPDATE risk_share_partner_sides SET fee = 0",
            ]
            try await board.directory.expectDatabaseRefuses(attempts)
        }
    }

    @Test func actionsAreReadStrictlyAndWrittenBackTheSame() throws {
        func decode(_ json: String) throws -> DecisionAction {
            try JSONDecoder().decode(DecisionAction.self, from: Data(json.utf8))
        }
        let measure =
            #"{"code":"CARE_PLANS","name":"Care plans","unit":"%","direction":"higher","target":90,"weight":10000,"rule":{"type":"linear","floor":80}}"#
        let shares = #"[{"partner":"slam","share":10000}]"#
        let refusals: [(String, LedgerError)] = [
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure)],"shares":\#(shares),"extra":1}"#,
                .unknownField("extra")
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"frequency":"week","measures":[\#(measure)],"shares":\#(shares)}"#,
                .invalidField(
                    "frequency", reason: #"must be one of "year", "quarter", "month", not "week""#)
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure.replacingOccurrences(of: "\"floor\":80", with: "\"floor\":95"))],"shares":\#(shares)}"#,
                .invalidField(
                    "measures[0].rule.floor",
                    reason: "must be worse than the target 90 for a measure where higher is better, not 95")
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure.replacingOccurrences(of: "90", with: "90.00001"))],"shares":\#(shares)}"#,
                .invalidField(
                    "measures[0].target", reason: "may have at most four decimal places, not 90.00001")
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure.replacingOccurrences(of: "\"linear\"", with: "\"curve\""))],"shares":\#(shares)}"#,
                .invalidField(
                    "measures[0].rule.type",
                    reason: #"must be one of "threshold", "linear", "bands", not "curve""#)
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure.replacingOccurrences(of: "10000", with: "9000"))],"shares":\#(shares)}"#,
                .invalidField("measures", reason: "weights must sum to 10000 basis points, not 9000")
            ),
            (
                #"{"type":"outcomes.setTerms","year":"FY2025","pool":100,"measures":[\#(measure.replacingOccurrences(of: "\"target\":90", with: "\"target\":\"90\""))],"shares":\#(shares)}"#,
                .invalidField("measures[0].target", reason: "must be a number, such as 86.5")
            ),
            (
                #"{"type":"outcomePayments.approve","period":"Q3"}"#,
                .invalidField(
                    "period",
                    reason:
                        #"must name a financial year, quarter or month, such as FY2025, FY2025-Q3 or 2025-10, not "Q3""#
                )
            ),
            (
                #"{"type":"outcomePayments.approve","period":"FY2025","earned":1.5}"#,
                .invalidField(
                    "earned",
                    reason:
                        "must be a whole number of minor units (e.g. 123456 for 1234.56), written without "
                        + "a fraction or an exponent, and \(Validate.amountBeyondBound)")
            ),
            (#"{"type":"riskShare.settle","year":"FY2025","amount":1}"#, .unknownField("amount")),
            (
                #"{"type":"riskShare.setTerms","year":"FY2025","gain":\#(shares),"pain":\#(shares),"partnerSide":{"painBands":[{"upTo":1000,"share":5000}]}}"#,
                .invalidField(
                    "partnerSide.painBands",
                    reason: "must end with a band without upTo, which runs on without end")
            ),
            (
                #"{"type":"riskShare.setTerms","year":"FY2025","gain":\#(shares),"pain":\#(shares),"partnerSide":{"gainBands":[{"upTo":0,"share":5000},{"share":1}]}}"#,
                .invalidField(
                    "partnerSide.gainBands[0].upTo",
                    reason: "must be above zero basis points of target, not 0")
            ),
        ]
        for (json, expected) in refusals {
            #expect(throws: expected, "\(json)") { try decode(json) }
        }
        let terms = try WorkedExampleTests.o1Terms()
        let banded = try OutcomeMeasure(
            code: "WAITS", name: "Waits", unit: "days", direction: .lower, baseline: MeasureValue(31.5),
            target: MeasureValue(10), weight: 10_000,
            rule: .bands([
                try PaymentBand(from: MeasureValue(20), factor: 2500),
                try PaymentBand(from: MeasureValue(10), factor: 10_000),
            ]))
        let actions: [DecisionAction] = [
            .outcomesSetTerms(terms),
            .outcomesSetTerms(
                try OutcomeTerms(
                    year: 2025, frequency: .month, pool: 5, measures: [banded], shares: terms.shares)),
            .outcomePaymentsApprove(period: "FY2025-Q3", earned: 5),
            .outcomePaymentsApprove(period: "2025-10", earned: nil),
            .riskShareSettle(year: 2025, partnerSide: -45_000_000),
            .riskShareSetTerms(try WorkedExampleTests.r1()), .riskShareSetTerms(try WorkedExampleTests.r2()),
        ]
        for action in actions {
            #expect(try decode(String(decoding: try JSONEncoder().encode(action), as: UTF8.self)) == action)
        }
        // Left out, the partner side gives the whole difference to the partners.
        let plain = try decode(
            #"{"type":"riskShare.setTerms","year":"FY2025","gain":\#(shares),"pain":\#(shares)}"#)
        guard case .riskShareSetTerms(let plainTerms) = plain else {
            Issue.record("not terms")
            return
        }
        #expect(plainTerms.partnerSide == .whole)
    }
}
