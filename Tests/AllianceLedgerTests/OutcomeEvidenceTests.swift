import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Outcome evidence people can trust: each measure is recorded by the partner that reports it,
/// every figure is validated or rejected by someone of another partner or an auditor before it
/// is paid on, and a measure may set its target per period.
@Suite(.timeLimit(.perTest)) struct OutcomeEvidenceTests {
    static func measurement(_ code: String, _ period: String, _ value: Double) throws -> MeasurementRequest {
        try OutcomeTests.measurement(code, period, value)
    }

    /// Every refusal of a review is a clear error that changes nothing: a figure of one's own
    /// partner, a board member, the operator, a rejection without a reason, a second review and a
    /// superseded figure.
    @Test func reviewsAreRefusedToOwnPartnersAndToThoseWithoutTheRole() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let outcomes = OutcomeBook(pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            let first = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 85), in: board.alliance,
                by: try fixture.caller("finance-slam"))
            let before = try await fixture.snapshot()
            let refusals: [(Caller, String, LedgerError)] = [
                (
                    try fixture.caller("finance-slam"), "Looks right",
                    .forbidden(
                        "measurement \(first.id) of CARE_PLANS is slam's own figure: a finance person of another partner or an auditor must validate it"
                    )
                ),
                (try fixture.caller("board-slam"), "", .forbidden("this needs the role auditor or finance")),
                (try fixture.caller("admin"), "", .forbidden("this needs the role auditor or finance")),
                (
                    .commandLine, "",
                    .forbidden(
                        "only a finance person of another partner or an auditor reviews a measurement; the operator does not"
                    )
                ),
            ]
            for (caller, note, expected) in refusals {
                await #expect(throws: expected) {
                    try await outcomes.validate(first.id, note: note, in: board.alliance, by: caller)
                }
            }
            await #expect(throws: LedgerError.invalidField("reason", reason: "cannot be empty")) {
                try await outcomes.reject(
                    first.id, reason: " ", in: board.alliance, by: try fixture.caller("auditor"))
            }
            await #expect(throws: LedgerError.measurementNotFound(999_999)) {
                try await outcomes.validate(999_999, in: board.alliance, by: try fixture.caller("auditor"))
            }
            #expect(try await fixture.snapshot() == before)

            // Rejected once, a figure stays rejected; the correction starts provisional and the
            // superseded figure is never reviewed again.
            let rejected = try await outcomes.reject(
                first.id, reason: "Excludes reviews entered late", in: board.alliance,
                by: try fixture.caller("finance-lambeth"))
            #expect(rejected.state == .rejected && rejected.review?.note == "Excludes reviews entered late")
            #expect(rejected.review?.partner == "lambeth" && rejected.review?.role == .finance)
            await #expect(
                throws: LedgerError.exists(
                    "measurement \(first.id) was already rejected by lambeth: a correction is a new measurement"
                )
            ) {
                try await outcomes.validate(first.id, in: board.alliance, by: try fixture.caller("auditor"))
            }
            let correction = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 86), in: board.alliance,
                by: try fixture.caller("finance-slam"))
            #expect(correction.state == .provisional && correction.current)
            let payment = try await outcomes.payment(for: "FY2025", in: board.alliance)
            #expect(payment.results[0].latest?.id == correction.id && payment.results[0].actual == nil)
            #expect(payment.earned == 0)
            let validated = try await outcomes.validate(
                correction.id, note: "Re-run report", in: board.alliance, by: try fixture.caller("auditor"))
            #expect(validated.state == .validated && validated.review?.reviewedBy == "auditor@example.org")
            await #expect(
                throws: LedgerError.exists(
                    "measurement \(correction.id) was already validated by sel-icb: a correction is a new measurement"
                )
            ) {
                try await outcomes.reject(
                    correction.id, reason: "Second thoughts", in: board.alliance,
                    by: try fixture.caller("finance-lambeth"))
            }
            let again = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 87), in: board.alliance,
                by: try fixture.caller("finance-slam"))
            let latest = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 88), in: board.alliance,
                by: try fixture.caller("finance-slam"))
            await #expect(
                throws: LedgerError.exists(
                    "measurement \(again.id) of CARE_PLANS for FY2025 is superseded by a later correction: reject the latest"
                )
            ) {
                try await outcomes.reject(
                    again.id, reason: "Late", in: board.alliance, by: try fixture.caller("auditor"))
            }

            // Every recording and review is in the governance log.
            let log = try await board.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT kind, actor_partner, details ->> 'measurement' AS measurement FROM governance_log
                    WHERE alliance_id = \(board.alliance.id.rawValue) AND kind LIKE 'measurement.%'
                    ORDER BY sequence
                    """
                ).map { row in
                    "\(try row.decode("kind", as: String.self)) \(try row.decode("actor_partner", as: String?.self) ?? "-") \(try row.decode("measurement", as: String.self))"
                }
            }
            #expect(
                log == [
                    "measurement.recorded slam \(first.id)", "measurement.rejected lambeth \(first.id)",
                    "measurement.recorded slam \(correction.id)",
                    "measurement.validated sel-icb \(correction.id)",
                    "measurement.recorded slam \(again.id)", "measurement.recorded slam \(latest.id)",
                ])
        }
    }

    /// An approval proposed on validated figures fails, paying nothing, when a correction is
    /// recorded before it carries: the correction is provisional. Proposing one is refused
    /// meanwhile, naming the measure.
    @Test func approvingWithAPendingCorrectionIsRefused() async throws {
        try await BoardFixture.with { board in
            board.clock.set(BoardFixture.afterFY2025)
            let outcomes = OutcomeBook(pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            for (code, value) in [("CARE_PLANS", 86.0), ("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)] {
                try await OutcomeTests.recordValidated(code, "FY2025", value, board: board)
            }
            let proposed = try await board.propose(.outcomePaymentsApprove(period: "FY2025", earned: nil))
            #expect(proposed.action == .outcomePaymentsApprove(period: "FY2025", earned: 708_000_00))
            let correction = try await outcomes.record(
                try Self.measurement("OUT_OF_AREA", "FY2025", 19), in: board.alliance,
                by: try board.directory.caller("finance-lambeth"))
            let reason =
                "FY2025's latest measurement of OUT_OF_AREA (\(correction.id)) is provisional: it must be validated before the payment is approved"
            await #expect(throws: LedgerError.invalidField("action.period", reason: reason)) {
                try await board.propose(.outcomePaymentsApprove(period: "FY2025", earned: nil))
            }
            var decision = proposed
            for partner in BoardFixture.partners {
                board.tick()
                decision = try await board.vote(.approve, partner, on: proposed)
            }
            #expect(decision.state == .failed)
            #expect(decision.failure == "period " + reason)
            #expect(try await outcomes.payment(for: "FY2025", in: board.alliance).posted == nil)
        }
    }

    /// A statement shows each measure's latest measurement with its state, the partner that
    /// reported it and who reviewed it; only validated figures earn.
    @Test func statementsShowEachMeasurementsStateReporterAndReviewer() async throws {
        try await BoardFixture.with { board in
            let outcomes = OutcomeBook(pool: board.pool)
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            let carePlans = try await outcomes.record(
                try Self.measurement("CARE_PLANS", "FY2025", 86), in: board.alliance,
                by: try board.directory.caller("finance-slam"))
            _ = try await outcomes.validate(
                carePlans.id, in: board.alliance, by: try board.directory.caller("finance-lambeth"))
            try await OutcomeTests.recordValidated("OUT_OF_AREA", "FY2025", 20, board: board)
            let scores = try await outcomes.record(
                try Self.measurement("OUTCOME_SCORES", "FY2025", 50), in: board.alliance,
                by: try board.directory.caller("finance-lambeth"))
            _ = try await outcomes.reject(
                scores.id, reason: "Wrong cohort", in: board.alliance,
                by: try board.directory.caller("auditor"))
            let statement = try await Statements(pool: board.pool).preview(
                "FY2025", in: board.alliance, by: try board.directory.caller("auditor"))
            let lines = try #require(statement.outcomes.periods.first).measures
            #expect(lines.map(\.state) == ["validated", "validated", "rejected"])
            #expect(lines.map(\.reporter) == ["slam", "lambeth", "lambeth"])
            #expect(
                lines.map(\.reviewer) == [
                    Statement.Reviewer(kind: "finance", partner: "lambeth"),
                    Statement.Reviewer(kind: "auditor", partner: "sel-icb"),
                    Statement.Reviewer(kind: "auditor", partner: "sel-icb"),
                ])
            #expect(lines.map(\.measurement) == ["86", "20", "50"])
            #expect(lines.map(\.earned) == [288_000_00, 420_000_00, 0])
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let json = String(decoding: try encoder.encode(lines[0]), as: UTF8.self)
            #expect(json.contains(#""reviewer":{"kind":"finance","partner":"lambeth"}"#), "\(json)")
        }
    }

    /// An auditor appointed by decision belongs to no partner, and validates any partner's figure.
    @Test func anAuditorAppointedByDecisionValidates() async throws {
        try await BoardFixture.with { board in
            try await Board.carry(
                .outcomesSetTerms(try WorkedExampleTests.o1Terms()), in: board.alliance, pool: board.pool)
            let appointed = try await Board.carry(
                .auditorAppoint(try Appointee(name: "Ext Auditor", email: "audit@nao.example")),
                in: board.alliance, pool: board.pool)
            guard case .personAppointed(_, let external) = appointed.effect else {
                Issue.record("no appointment: \(String(describing: appointed.effect))")
                return
            }
            let outcomes = OutcomeBook(pool: board.pool)
            let recorded = try await outcomes.record(
                try Self.measurement("OUT_OF_AREA", "FY2025", 20), in: board.alliance,
                by: try board.directory.caller("finance-lambeth"))
            let validated = try await outcomes.validate(
                recorded.id, note: "Sampled ten placements", in: board.alliance,
                by: Caller(identity: .person(external), tokenID: nil))
            #expect(validated.state == .validated)
            #expect(validated.review?.partner == nil && validated.review?.role == .auditor)
            #expect(validated.review?.reviewedBy == "audit@nao.example")
        }
    }

    /// New terms name every measure's reporter; the library refuses terms without, and the
    /// database refuses a measurement, or a review, that breaks a rule.
    @Test func theRulesHoldInTheLibraryAndTheDatabase() async throws {
        try await BoardFixture.with { board in
            let base = try WorkedExampleTests.o1Terms()
            let unnamed = try OutcomeTerms(
                year: 2025, frequency: .year, pool: base.pool,
                measures: try base.measures.map { measure in
                    try OutcomeMeasure(
                        code: measure.code, name: measure.name, unit: measure.unit,
                        direction: measure.direction,
                        target: measure.target, weight: measure.weight, rule: measure.rule)
                }, shares: base.shares)
            await #expect(
                throws: LedgerError.invalidField(
                    "action.measures",
                    reason:
                        "CARE_PLANS names no reporter: each measure names the partner whose finance people record it"
                )
            ) {
                try await board.propose(.outcomesSetTerms(unnamed))
            }
            let set = try await Board.carry(.outcomesSetTerms(base), in: board.alliance, pool: board.pool)
            let alliance = board.alliance.id.rawValue
            let people = board.directory.people
            let slam = try #require(people["finance-slam"]).id
            let lambeth = try #require(people["finance-lambeth"]).id
            let boardSlam = try #require(people["board-slam"]).id
            let auditor = try #require(people["auditor"]).id
            let recorded = try await OutcomeBook(pool: board.pool).record(
                try Self.measurement("CARE_PLANS", "FY2025", 86), in: board.alliance,
                by: try board.directory.caller("finance-slam"))
            try await board.directory.expectDatabaseRefuses([
                // slam does not report OUT_OF_AREA.
                """
                INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
                VALUES (\(alliance), 2025, 'FY2025', 'OUT_OF_AREA', 1, 'x', \(slam))
                """,
                // Nobody reviews their own partner's figure; a board member reviews nothing; only
                // the migration validates as the migration; a rejection has a reason.
                """
                INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer, reviewed_by, reviewer_role)
                VALUES (\(alliance), \(recorded.id), 'validated', '', 'person', \(slam), 'finance')
                """,
                """
                INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer, reviewed_by, reviewer_role)
                VALUES (\(alliance), \(recorded.id), 'validated', '', 'person', \(boardSlam), 'finance')
                """,
                """
                INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer, reviewed_by, reviewer_role)
                VALUES (\(alliance), \(recorded.id), 'validated', '', 'person', \(lambeth), 'auditor')
                """,
                """
                INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer)
                VALUES (\(alliance), \(recorded.id), 'validated', '', 'migration')
                """,
                """
                INSERT INTO outcome_measurement_reviews (alliance_id, measurement_id, verdict, note, reviewer, reviewed_by, reviewer_role)
                VALUES (\(alliance), \(recorded.id), 'rejected', ' ', 'person', \(auditor), 'auditor')
                """,
                // New terms name reporters: the function refuses measures without one.
                """
                SELECT outcome_set_terms(\(alliance), \(set.id), 2026, 'year', 1,
                    '[{"code":"X","position":0,"name":"X","unit":"%","direction":"higher","target":1,"weight":10000,"rule":"threshold"}]'::jsonb,
                    '{}'::bigint[], '{}'::integer[])
                """,
                "UPDATE outcome_measurement_reviews SET verdict = 'rejected'",
                "DELETE FROM outcome_measurement_reviews",
                "DELETE FROM outcome_measure_periods",
            ])
        }
    }

    /// A measure may set its target and floor per quarter; each quarter's attainment uses its
    /// own figures. CARE_PLANS (40% of a 300,000.00 quarter, so 120,000.00 available) aims at
    /// 85 from a floor of 80 in Q1 and at 88 from 80 in Q2: 86 reaches Q1's target (all of
    /// 120,000.00) and is three quarters of the way in Q2 ((86 − 80) / (88 − 80) = 0.75, so
    /// 90,000.00). OUT_OF_AREA at its target earns 105,000.00 and OUTCOME_SCORES below its
    /// floor nothing: Q1 earns 225,000.00 and Q2 195,000.00.
    @Test func targetsPerPeriodUseEachPeriodsOwnFigures() async throws {
        try await BoardFixture.with { board in
            board.clock.set(BoardFixture.afterFY2025)
            let base = try WorkedExampleTests.o1Terms()
            func value(_ number: Double) throws -> MeasureValue { try MeasureValue(number) }
            let trajectory: [(String, Double, Double)] = [
                ("FY2025-Q1", 85, 80), ("FY2025-Q2", 88, 80), ("FY2025-Q3", 90, 82), ("FY2025-Q4", 92, 85),
            ]
            let carePlans = try OutcomeMeasure(
                code: "CARE_PLANS", name: "Care plans reviewed within 12 months", unit: "%",
                direction: .higher,
                target: value(90), weight: 4000, rule: .linear(floor: value(80), cap: nil), reporter: "slam",
                periods: try trajectory.map { period, target, floor in
                    PeriodFigures(
                        period: period, target: try value(target),
                        rule: .linear(floor: try value(floor), cap: nil))
                })
            let terms = try OutcomeTerms(
                year: 2025, frequency: .quarter, pool: base.pool,
                measures: [carePlans] + base.measures.dropFirst(), shares: base.shares)
            // Every period of the year, once each, or none.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.measures",
                    reason:
                        "CARE_PLANS must set its figures for every period of FY2025, once each: FY2025-Q1, FY2025-Q2, FY2025-Q3, FY2025-Q4"
                )
            ) {
                let shifted = try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher, target: value(90),
                    weight: 4000, rule: .linear(floor: value(80), cap: nil), reporter: "slam",
                    periods: try ["FY2025-Q1", "FY2025-Q2", "FY2025-Q3", "FY2026-Q1"].map {
                        PeriodFigures(
                            period: $0, target: try value(90), rule: .linear(floor: try value(80), cap: nil))
                    })
                _ = try await board.propose(
                    .outcomesSetTerms(
                        try OutcomeTerms(
                            year: 2025, frequency: .quarter, pool: base.pool,
                            measures: [shifted] + base.measures.dropFirst(), shares: base.shares)))
            }
            #expect(throws: LedgerError.self) {
                try OutcomeTerms(
                    year: 2025, frequency: .quarter, pool: base.pool,
                    measures: [
                        try OutcomeMeasure(
                            code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher,
                            target: value(90),
                            weight: 4000, rule: .linear(floor: value(80), cap: nil), reporter: "slam",
                            periods: [
                                PeriodFigures(
                                    period: "FY2025-Q1", target: try value(90),
                                    rule: .linear(floor: try value(80), cap: nil))
                            ])
                    ] + base.measures.dropFirst(), shares: base.shares)
            }
            #expect(throws: LedgerError.self) {
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans", unit: "%", direction: .higher, target: value(90),
                    weight: 4000, rule: .linear(floor: value(80), cap: nil), reporter: "slam",
                    periods: [
                        PeriodFigures(
                            period: "FY2025-Q1", target: try value(80),
                            rule: .linear(floor: try value(85), cap: nil))
                    ])
            }

            let carried = try await Board.carry(
                .outcomesSetTerms(terms), in: board.alliance, pool: board.pool)
            #expect(carried.state == .carried)
            let read = try await OutcomeBook(pool: board.pool).terms(year: 2025, in: board.alliance)
            #expect(read.terms.measures == terms.measures)
            for period in ["FY2025-Q1", "FY2025-Q2"] {
                for (code, number) in [("CARE_PLANS", 86.0), ("OUT_OF_AREA", 20.0), ("OUTCOME_SCORES", 40.0)]
                {
                    try await OutcomeTests.recordValidated(code, period, number, board: board)
                }
            }
            let first = try await OutcomeBook(pool: board.pool).payment(for: "FY2025-Q1", in: board.alliance)
            let second = try await OutcomeBook(pool: board.pool).payment(for: "FY2025-Q2", in: board.alliance)
            #expect(first.pool == 300_000_00 && second.pool == 300_000_00)
            #expect(first.results[0].measure.target == (try value(85)))
            #expect(second.results[0].measure.target == (try value(88)))
            #expect(first.results.map(\.attainment) == [10_000, 10_000, 0])
            #expect(second.results.map(\.attainment) == [7500, 10_000, 0])
            #expect(first.results.map(\.earned) == [120_000_00, 105_000_00, 0])
            #expect(second.results.map(\.earned) == [90_000_00, 105_000_00, 0])
            #expect(first.earned == 225_000_00 && second.earned == 195_000_00)
            let approval = try await Board.carry(
                .outcomePaymentsApprove(period: "FY2025-Q2", earned: nil), in: board.alliance,
                pool: board.pool)
            #expect(approval.action == .outcomePaymentsApprove(period: "FY2025-Q2", earned: 195_000_00))
            #expect(approval.state == .carried)
        }
    }

    /// A measure's `reporter` and `periods` are read strictly, each period under the measure's
    /// own rule, and written back the same.
    @Test func reportersAndPeriodsAreReadStrictlyAndWrittenBackTheSame() throws {
        func decode(_ json: String) throws -> DecisionAction {
            try JSONDecoder().decode(DecisionAction.self, from: Data(json.utf8))
        }
        func terms(_ periods: String, rule: String = #"{"type":"linear","floor":80}"#) -> String {
            #"{"type":"outcomes.setTerms","year":"FY2025","frequency":"quarter","pool":400,"measures":[{"code":"CARE_PLANS","name":"Care plans","unit":"%","direction":"higher","target":90,"weight":10000,"rule":\#(rule),"reporter":"slam","periods":\#(periods)}],"shares":[{"partner":"slam","share":10000}]}"#
        }
        let quarters = (1...4).map { #"{"period":"FY2025-Q\#($0)","target":\#(84 + 2 * $0),"floor":80}"# }
        let action = try decode(terms("[" + quarters.joined(separator: ",") + "]"))
        guard case .outcomesSetTerms(let read) = action else {
            Issue.record("not terms: \(action)")
            return
        }
        let measure = try #require(read.measures.first)
        #expect(measure.reporter == "slam")
        #expect(measure.periods.map(\.period) == ["FY2025-Q1", "FY2025-Q2", "FY2025-Q3", "FY2025-Q4"])
        #expect(measure.figures(for: "FY2025-Q2").target == (try MeasureValue(88)))
        #expect(measure.figures(for: "FY2025-Q2").attainment(of: try MeasureValue(84)) == 5000)
        #expect(try decode(String(decoding: try JSONEncoder().encode(action), as: UTF8.self)) == action)
        let refusals: [(String, LedgerError)] = [
            (
                terms(#"[{"period":"FY2025-Q1","target":86,"floor":80,"bands":[]}]"#),
                .invalidField("measures[0].periods[0].bands", reason: "is not part of a linear rule")
            ),
            (
                terms(#"[{"period":"FY2025-Q1","target":86,"floor":90}]"#),
                .invalidField(
                    "measures[0].periods[0].floor",
                    reason: "must be worse than the target 86 for a measure where higher is better, not 90")
            ),
            (
                terms(#"[{"period":"FY2025-Q1","target":86,"floor":80,"note":1}]"#),
                .unknownField("measures[0].periods[0].note")
            ),
            (
                terms(#"[{"period":"Q1","target":86,"floor":80}]"#),
                .invalidField(
                    "measures[0].periods[0].period",
                    reason: "must name an outcome period such as FY2025-Q1 or 2025-04, not \"Q1\"")
            ),
        ]
        for (json, expected) in refusals {
            #expect(throws: expected, "\(json)") { try decode(json) }
        }
        // A linear rule's period needs its floor, as the rule itself does.
        #expect(throws: DecodingError.self) { try decode(terms(#"[{"period":"FY2025-Q1","target":86}]"#)) }
    }

    /// A database from before: terms whose measures name no reporter keep working (any
    /// partner's finance person records them), and the measurements already recorded count as
    /// validated by the migration, which the governance log records.
    @Test func theMigrationCarriesTermsAndMeasurementsForward() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let all = try SchemaMigrator.allianceLedger()
            _ = try await SchemaMigrator(migrations: all.migrations.filter { $0.version < 15 }).migrate(
                database.pool)
            try await database.pool.withConnection { owner in
                for statement: PostgresQuery in [
                    "INSERT INTO alliances (slug, name, contract_start, contract_end) VALUES ('before', 'Before', '2025-04-01', '2030-03-31')",
                    """
                    INSERT INTO partners (alliance_id, slug, name, kind, joined_on)
                    SELECT id, p.slug, p.slug, 'other', '2025-04-01' FROM alliances, unnest(ARRAY['slam', 'lambeth']) AS p (slug)
                    """,
                    """
                    INSERT INTO people (alliance_id, name, email, partner_id)
                    SELECT alliance_id, slug, slug || '@example.org', id FROM partners
                    """,
                    """
                    INSERT INTO role_grants (alliance_id, person_id, role, grantor)
                    SELECT alliance_id, id, 'finance', 'operator' FROM people
                    """,
                    """
                    INSERT INTO decisions (alliance_id, number, title, description, action, proposer_id, proposed_at,
                                           closes_at, abstention, state, closed_at)
                    SELECT alliance_id, 1, 'Terms', '', '{"type":"outcomes.setTerms"}', id, now() - interval '1 day',
                           now() + interval '1 day', 'blocks', 'carried', now()
                    FROM people WHERE email = 'slam@example.org'
                    """,
                    """
                    SELECT outcome_set_terms(d.alliance_id, d.id, 2025, 'year', 100000,
                        '[{"code":"CARE_PLANS","position":0,"name":"Care plans","unit":"%","direction":"higher","target":900000,"weight":10000,"rule":"threshold"}]'::jsonb,
                        ARRAY[p.id], ARRAY[10000])
                    FROM decisions AS d JOIN partners AS p ON p.alliance_id = d.alliance_id AND p.slug = 'slam'
                    """,
                    """
                    INSERT INTO outcome_measurements (alliance_id, financial_year, period, measure, value, evidence, recorded_by)
                    SELECT alliance_id, 2025, 'FY2025', 'CARE_PLANS', 920000, 'Report', id FROM people
                    WHERE email = 'slam@example.org'
                    """,
                ] {
                    try await owner.execute(statement)
                }
            }
            _ = try await all.migrate(database.pool)
            let service = database.makeServicePool(maximumConnections: 2)
            do {
                let alliance = try await AllianceDirectory(pool: service).find(slug: "before")
                let outcomes = OutcomeBook(pool: service)
                let terms = try await outcomes.terms(year: 2025, in: alliance)
                #expect(terms.terms.measures.map(\.reporter) == [nil])
                let before = try await outcomes.measurements(of: "FY2025", in: alliance)
                #expect(before.map(\.state) == [.validated])
                #expect(before.first?.review?.reviewedBy == nil && before.first?.review?.role == nil)
                let payment = try await outcomes.payment(for: "FY2025", in: alliance)
                #expect(payment.validated && payment.earned == 100_000)
                let log = try await service.withConnection { connection in
                    try await connection.query(
                        """
                        SELECT kind || ':' || actor || ':' || (details ->> 'measurement') AS line FROM governance_log
                        WHERE alliance_id = \(alliance.id.rawValue) AND kind LIKE 'measurement.%'
                        """
                    ).map { try $0.decode("line", as: String.self) }
                }
                #expect(log == ["measurement.validated:migration:\(before[0].id)"])
                #expect(try await GovernanceLog(pool: service).verify(alliance.id, by: .commandLine).ok)
                // A measure of the old terms names no reporter: lambeth's finance person records
                // it too, and slam's validates lambeth's figure.
                let people = try await AllianceDirectory(pool: service).people(in: alliance.id)
                func caller(_ partner: String) throws -> Caller {
                    Caller(
                        identity: .person(try #require(people.first { $0.partner == partner })), tokenID: nil)
                }
                let correction = try await outcomes.record(
                    try Self.measurement("CARE_PLANS", "FY2025", 88), in: alliance, by: try caller("lambeth"))
                #expect(correction.state == .provisional && correction.reporter == "lambeth")
                let validated = try await outcomes.validate(
                    correction.id, in: alliance, by: try caller("slam"))
                #expect(validated.state == .validated && validated.review?.partner == "slam")
            } catch {
                await service.close()
                throw error
            }
            await service.close()
        }
    }
}
