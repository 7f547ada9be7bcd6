import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// `outcome terms|measure record|measure list|measure validate|measure reject|payment` and
/// `risk-share show`, on terms that a
/// carried decision set, with measurements recorded through the command line by a finance
/// person with their own token, every refusal's exit code, and the books left as they were.
@Suite(.timeLimit(.perTest)) struct OutcomeCommandTests {
    /// The three partners of the alliance `lambeth`, each with a board member
    /// `board@<partner>.example.org`; Femi of SLaM is its finance person.
    static let partners = ["certitude", "lambeth-council", "slam"]

    /// The alliance, and the tokens of Femi (`femi`) and of SLaM's board member (`board`), which
    /// the operator issued while the alliance was set up: once the terms' decision has carried,
    /// people act with their own tokens.
    private struct Setting {
        let alliance: Alliance
        let tokens: [String: String]
    }

    /// An alliance of three partners and one line, a board member per partner and a finance
    /// person who is not on the board.
    private static func setUp(_ database: TestDatabase) async throws -> Setting {
        try await withPool(database) { pool in
            let directory = AllianceDirectory(pool: pool)
            let alliance = try await directory.create(
                try AllianceRequest(
                    slug: "lambeth", name: "Lambeth", contractStart: date(2025, 4, 1),
                    contractEnd: date(2030, 3, 31)))
            try await directory.addBudgetLine(
                try BudgetLineRequest(code: "STAFF", name: "Staff"), to: alliance)
            for slug in partners {
                try await directory.addPartner(
                    try PartnerRequest(slug: slug, name: slug, kind: .other), to: alliance)
                try await directory.addPerson(
                    try PersonRequest(
                        name: "Board, \(slug)", email: "board@\(slug).example.org", partner: slug,
                        roles: [.board]),
                    to: alliance)
            }
            let femi = try await directory.addPerson(
                try PersonRequest(
                    name: "Femi", email: "femi@slam.example.org", partner: "slam", roles: [.finance]),
                to: alliance)
            // Ada, the Council's finance lead, reviews SLaM's figures.
            let ada = try await directory.addPerson(
                try PersonRequest(
                    name: "Ada", email: "ada@lambeth-council.example.org", partner: "lambeth-council",
                    roles: [.finance]),
                to: alliance)
            let tokens = TokenStore(pool: pool)
            let board = try #require(try await Board.boardMembers(in: alliance, pool: pool)["slam"])
            return Setting(
                alliance: alliance,
                tokens: [
                    "femi": try await tokens.issue(for: femi), "board": try await tokens.issue(for: board),
                    "ada": try await tokens.issue(for: ada),
                ])
        }
    }

    /// Runs `body` with a pool on the test's database, closing it whatever happens.
    private static func withPool<Value>(
        _ database: TestDatabase, _ body: (PostgresPool) async throws -> Value
    ) async throws -> Value {
        let pool = database.makeServicePool(maximumConnections: 2)
        do {
            let value = try await body(pool)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }

    /// A whole number of the measure's unit.
    private static func value(_ units: Int64) throws -> MeasureValue {
        try MeasureValue(tenThousandths: units * MeasureValue.scale)
    }

    /// The worked example O1: a pool of £1,200,000 paid for the year on three linear measures,
    /// each reported by SLaM.
    static func workedExampleO1() throws -> OutcomeTerms {
        func linear(_ code: String, _ name: String, weight: Int, floor: Int64, target: Int64) throws
            -> OutcomeMeasure
        {
            try OutcomeMeasure(
                code: code, name: name, unit: "%", direction: .higher, target: try value(target),
                weight: weight,
                rule: .linear(floor: try value(floor), cap: nil), reporter: "slam")
        }
        return try OutcomeTerms(
            year: 2025, frequency: .year, pool: 120_000_000,
            measures: [
                try linear(
                    "CARE_PLANS", "Care plans reviewed within 12 months", weight: 4000, floor: 80,
                    target: 90),
                try linear(
                    "BED_DAYS", "Reduction in out-of-area bed-days", weight: 3500, floor: 5, target: 20),
                try linear(
                    "OUTCOME_SCORES", "People with improved outcome scores", weight: 2500, floor: 45,
                    target: 60),
            ],
            shares: [
                try OutcomeShare(partner: "slam", share: 5000),
                try OutcomeShare(partner: "lambeth-council", share: 3000),
                try OutcomeShare(partner: "certitude", share: 2000),
            ])
    }

    /// The command line on the test's database.
    private struct Tool: DatabaseTool {
        let environment: [String: String?]
        /// Femi's token, as `--token`.
        let finance: [String]
        /// Ada's token.
        let reviewer: String

        init(_ database: TestDatabase, _ setting: Setting) {
            environment = ["DATABASE_URL": database.connectionString.rawValue]
            finance = ["--token", setting.tokens["femi"] ?? ""]
            reviewer = setting.tokens["ada"] ?? ""
        }

        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments + ["--alliance", "lambeth"], environment: environment)
        }

        /// Refused with `status` and a message containing `message`.
        func refuse(
            _ arguments: [String], status: Int32, _ message: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let result = try await run(arguments)
            #expect(
                result.status == status, "\(arguments): \(result.standardError)",
                sourceLocation: sourceLocation)
            #expect(
                result.standardError.contains(message), "\(arguments): \(result.standardError)",
                sourceLocation: sourceLocation)
            #expect(result.standardOutput.isEmpty, sourceLocation: sourceLocation)
        }

        /// Every measurement of a period, as JSON objects.
        func measurements(_ period: String) async throws -> [[String: Any]] {
            try #require(
                try await json(["outcome", "measure", "list", "--period", period])["items"]
                    as? [[String: Any]])
        }

        /// `outcome measure validate|reject <id>` with Ada's token.
        func review(_ verdict: String, _ id: Int, _ options: [String] = []) -> [String] {
            ["outcome", "measure", verdict, String(id), "--token", reviewer] + options
        }

        func record(
            _ measure: String, _ value: String, period: String = "FY2025", evidence: String = "Report"
        )
            -> [String]
        {
            ["outcome", "measure", "record"] + finance + [
                "--measure", measure, "--period", period, "--value", value, "--evidence", evidence,
            ]
        }
    }

    @Test func theWorkedExampleO1IsMeasuredAndPaid() async throws {
        try await TestDatabase.with { database in
            let setting = try await Self.setUp(database)
            let alliance = setting.alliance
            let tool = Tool(database, setting)
            let terms = try await Self.withPool(database) { pool in
                try await Board.carry(.outcomesSetTerms(try Self.workedExampleO1()), in: alliance, pool: pool)
            }
            #expect(terms.state == .carried)

            // The terms, with the decision that set them.
            let table = try await tool.succeed(["outcome", "terms", "--year", "FY2025"])
            for expected in [
                "year    FY2025", "set by  D-0001", "pool    1,200,000.00", "paid    yearly: FY2025",
                "CODE            NAME", "CARE_PLANS      Care plans reviewed within 12 months",
                "   40%  linear: 0% at 80, 100% at 90", "   35%  linear: 0% at 5, 100% at 20",
                "   25%  linear: 0% at 45, 100% at 60", "PARTNER          SHARE", "lambeth-council    30%",
                "slam               50%",
            ] {
                #expect(table.contains(expected), "\(expected) in\n\(table)")
            }
            let inForce = try await tool.json(["outcome", "terms", "--year", "FY2025"])
            #expect(inForce["decision"] as? String == "D-0001")
            let json = try #require(inForce["terms"] as? [String: Any])
            #expect(json["year"] as? String == "FY2025")
            #expect(json["frequency"] as? String == "year")
            #expect(json["pool"] as? Int64 == 120_000_000)
            let measures = try #require(json["measures"] as? [[String: Any]])
            #expect(
                measures.compactMap { $0["code"] as? String } == ["CARE_PLANS", "BED_DAYS", "OUTCOME_SCORES"])
            #expect(measures.compactMap { $0["weight"] as? Int } == [4000, 3500, 2500])
            #expect(measures.compactMap { $0["target"] as? Int } == [90, 20, 60])
            let rules = measures.compactMap { $0["rule"] as? [String: Any] }
            #expect(rules.compactMap { $0["type"] as? String } == ["linear", "linear", "linear"])
            #expect(rules.compactMap { $0["floor"] as? Int } == [80, 5, 45])
            #expect(rules.allSatisfy { $0["cap"] is NSNull })
            let csv = try await tool.succeed(["outcome", "terms", "--year", "FY2025", "--format", "csv"])
            #expect(csv.hasPrefix("code,name,unit,better,baseline,target,weight,rule\r\nCARE_PLANS,"))
            #expect(
                csv.contains(
                    #"BED_DAYS,Reduction in out-of-area bed-days,%,higher,,20,35%,"linear: 0% at 5, 100% at 20""#
                ))

            // Nothing measured yet: nothing earned.
            let unmeasured = try await tool.succeed(["outcome", "payment", "--period", "FY2025"])
            #expect(
                unmeasured.contains("measured   not yet: CARE_PLANS, BED_DAYS, OUTCOME_SCORES"),
                "\(unmeasured)")
            #expect(unmeasured.contains("earned     0.00"))
            let empty = try await tool.run(["outcome", "measure", "list", "--period", "FY2025"])
            #expect(empty.status == 0)
            #expect(
                empty.standardOutput
                    == "ID  MEASURE  PERIOD  VALUE  EVIDENCE  RECORDED BY  RECORDED AT  CURRENT  STATE  REVIEWED BY\n"
            )
            #expect(empty.messages.contains("no measurements of FY2025 yet"))

            // Femi records the year's results; a first care-plan figure is corrected by a later one.
            let first = try await tool.json(tool.record("CARE_PLANS", "84", evidence: "Q4 extract"))
            #expect(first["measure"] as? String == "CARE_PLANS")
            #expect(first["value"] as? Int == 84)
            #expect(first["current"] as? Bool == true)
            #expect(first["recordedBy"] as? String == "femi@slam.example.org")
            #expect(first["state"] as? String == "provisional")
            // Ada of the Council rejects it; Femi cannot review SLaM's own figure.
            let firstID = try #require(first["id"] as? Int)
            try await tool.refuse(
                ["outcome", "measure", "validate", String(firstID)] + tool.finance, status: 1,
                "measurement \(firstID) of CARE_PLANS is slam's own figure")
            try await tool.refuse(
                tool.review("reject", firstID, ["--reason", " "]), status: 5, "--reason: cannot be empty")
            let rejected = try await tool.run(
                tool.review("reject", firstID, ["--reason", "Excludes reviews entered late"]))
            #expect(rejected.status == 0, "\(rejected.standardError)")
            #expect(rejected.standardOutput.contains("rejected  ada@lambeth-council.example.org"))
            #expect(rejected.messages.contains("rejected measurement \(firstID): CARE_PLANS for FY2025, 84"))
            try await tool.refuse(
                tool.review("validate", firstID), status: 4,
                "measurement \(firstID) was already rejected by lambeth-council")
            let corrected = try await tool.run(
                tool.record("CARE_PLANS", "86", evidence: "Year-end extract, reviews entered late included"))
            #expect(corrected.status == 0, "\(corrected.standardError)")
            #expect(corrected.standardOutput.hasPrefix("ID  MEASURE     PERIOD  VALUE  EVIDENCE"))
            #expect(corrected.standardOutput.contains("CARE_PLANS  FY2025     86  Year-end extract"))
            #expect(
                corrected.messages.contains {
                    $0.hasPrefix("recorded CARE_PLANS for FY2025: 86 (measurement ")
                })
            _ = try await tool.succeed(tool.record("BED_DAYS", "20"))
            _ = try await tool.succeed(tool.record("OUTCOME_SCORES", "40", evidence: "DIALOG, 412 reviews"))

            // Provisional figures earn nothing until Ada validates them.
            let pending = try await tool.succeed(["outcome", "payment", "--period", "FY2025"])
            #expect(pending.contains("earned     0.00"), "\(pending)")
            #expect(
                pending.contains(
                    "validated  not yet: CARE_PLANS (provisional), BED_DAYS (provisional), OUTCOME_SCORES (provisional)"
                ), "\(pending)")
            for item in try await tool.measurements("FY2025") where item["current"] as? Bool == true {
                let validated = try await tool.json(
                    tool.review("validate", try #require(item["id"] as? Int), ["--note", "Checked"]))
                #expect(validated["state"] as? String == "validated")
                #expect((validated["review"] as? [String: Any])?["partner"] as? String == "lambeth-council")
            }

            let listed = try await tool.measurements("FY2025")
            #expect(
                listed.compactMap { $0["measure"] as? String } == [
                    "BED_DAYS", "CARE_PLANS", "CARE_PLANS", "OUTCOME_SCORES",
                ])
            #expect(listed.compactMap { $0["value"] as? Int } == [20, 84, 86, 40])
            #expect(listed.compactMap { $0["current"] as? Bool } == [true, false, true, true])
            let listTable = try await tool.succeed(["outcome", "measure", "list", "--period", "FY2025"])
            let rows = listTable.split(separator: "\n").map(String.init)
            #expect(rows.count == 5)
            #expect(
                rows[2].contains("CARE_PLANS") && rows[2].contains("Q4 extract")
                    && rows[2].hasSuffix("no       rejected   ada@lambeth-council.example.org"))
            #expect(
                rows[3].contains("CARE_PLANS")
                    && rows[3].hasSuffix("yes      validated  ada@lambeth-council.example.org"))
            let listCSV = try await tool.succeed([
                "outcome", "measure", "list", "--period", "FY2025", "--format", "csv",
            ])
            #expect(
                listCSV.hasPrefix(
                    "id,measure,period,value,evidence,recorded_by,recorded_at,current,state,reviewed_by\r\n"))
            #expect(
                listCSV.contains(#",OUTCOME_SCORES,FY2025,40,"DIALOG, 412 reviews",femi@slam.example.org,"#))

            // O1: attainment 60%, 100% and 0%; earned 708,000 and unearned 492,000 of 1,200,000.
            let payment = try await tool.succeed(["outcome", "payment", "--period", "FY2025"])
            for expected in [
                "period     FY2025", "terms      D-0001", "pool       1,200,000.00", "earned     708,000.00",
                "unearned   492,000.00", "measured   every measure", "validated  every measurement",
                "posted     no",
                "MEASURE         UNIT  WEIGHT  TARGET  ACTUAL  ATTAINMENT      EARNED  STATE",
                "CARE_PLANS      %        40%      90      86         60%  288,000.00  validated",
                "BED_DAYS        %        35%      20      20        100%  420,000.00  validated",
                "OUTCOME_SCORES  %        25%      60      40          0%        0.00  validated",
                "PARTNER          SHARE      AMOUNT", "slam               50%  354,000.00",
                "lambeth-council    30%  212,400.00", "certitude          20%  141,600.00",
            ] {
                #expect(payment.contains(expected), "\(expected) in\n\(payment)")
            }
            let paymentJSON = try await tool.json(["outcome", "payment", "--period", "FY2025"])
            #expect(paymentJSON["period"] as? String == "FY2025")
            #expect(paymentJSON["year"] as? String == "FY2025")
            #expect(paymentJSON["termsDecision"] as? String == "D-0001")
            #expect(paymentJSON["pool"] as? Int64 == 120_000_000)
            #expect(paymentJSON["earned"] as? Int64 == 70_800_000)
            #expect(paymentJSON["unearned"] as? Int64 == 49_200_000)
            #expect(paymentJSON["measured"] as? Bool == true)
            #expect(paymentJSON["posted"] is NSNull)
            let results = try #require(paymentJSON["measures"] as? [[String: Any]])
            #expect(results.compactMap { $0["actual"] as? Int } == [86, 20, 40])
            #expect(results.compactMap { $0["attainment"] as? Int } == [6000, 10_000, 0])
            #expect(results.compactMap { $0["earned"] as? Int64 } == [28_800_000, 42_000_000, 0])
            let allocations = try #require(paymentJSON["allocations"] as? [[String: Any]])
            #expect(
                allocations.compactMap { $0["partner"] as? String } == [
                    "certitude", "lambeth-council", "slam",
                ])
            #expect(
                allocations.compactMap { $0["amount"] as? Int64 } == [14_160_000, 21_240_000, 35_400_000])
            let paymentCSV = try await tool.succeed([
                "outcome", "payment", "--period", "FY2025", "--format", "csv",
            ])
            #expect(
                paymentCSV
                    == crlf(
                        """
                        measure,unit,weight,target,actual,attainment,earned,state
                        CARE_PLANS,%,40%,90,86,60%,288000.00,validated
                        BED_DAYS,%,35%,20,20,100%,420000.00,validated
                        OUTCOME_SCORES,%,25%,60,40,0%,0.00,validated

                        """))

            // The board approves the year's payment (FY2025 has ended); it is posted, and the
            // year's measurements can no longer change.
            let approval = try await Self.withPool(database) { pool in
                try await Board.carry(
                    .outcomePaymentsApprove(period: "FY2025", earned: nil), in: alliance, pool: pool)
            }
            #expect(approval.state == .carried, "\(approval.failure ?? "")")
            let posted = try await tool.json(["outcome", "payment", "--period", "FY2025"])
            let posting = try #require(posted["posted"] as? [String: Any])
            #expect(posting["decision"] as? String == "D-0002")
            let entry = try #require(posting["entry"] as? Int64)
            let postedTable = try await tool.succeed(["outcome", "payment", "--period", "FY2025"])
            #expect(postedTable.contains("posted     yes: D-0002 at "))
            #expect(postedTable.contains(", entry \(entry)\n"))
            let shown = try await tool.succeed(["decision", "show", "D-0002"])
            #expect(
                shown.contains(
                    "action    outcomePayments.approve: pay FY2025's outcomes, 708000.00 earned"))
            #expect(
                shown.contains(
                    "effect    paid 708000.00 of 1200000.00 for FY2025 (492000.00 unearned): "
                        + "certitude 141600.00, lambeth-council 212400.00, slam 354000.00 (entry \(entry))"),
                "\(shown)")
            let termsShown = try await tool.succeed(["decision", "show", "D-0001"])
            #expect(
                termsShown.contains(
                    "action    outcomes.setTerms: FY2025, a pool of 1200000.00 paid yearly; "
                        + "measures CARE_PLANS 40%, BED_DAYS 35%, OUTCOME_SCORES 25%; "), "\(termsShown)")
            #expect(
                termsShown.contains(
                    "effect    set FY2025's outcome terms: 3 measures, a pool of 1200000.00 paid yearly, shared by 3 partners"
                ))

            try await tool.refuse(
                tool.record("OUTCOME_SCORES", "61"), status: 4,
                "outcomes for FY2025 were paid by D-0002: their measurements can no longer change")
            #expect(try await tool.measurements("FY2025").count == 4)
        }
    }

    @Test func badInputIsRefusedWithItsExitCodeAndChangesNothing() async throws {
        try await TestDatabase.with { database in
            let setting = try await Self.setUp(database)
            let alliance = setting.alliance
            let tool = Tool(database, setting)

            // No terms yet.
            try await tool.refuse(
                ["outcome", "terms", "--year", "FY2025"], status: 3,
                "FY2025 has no outcome terms: an outcomes.setTerms decision must carry first")
            try await tool.refuse(
                ["outcome", "payment", "--period", "FY2025"], status: 3, "FY2025 has no outcome terms")
            try await tool.refuse(tool.record("CARE_PLANS", "86"), status: 5, "FY2025 has no outcome terms")
            try await tool.refuse(
                ["risk-share", "show", "--year", "FY2025"], status: 3,
                "FY2025 has no risk/reward terms: a riskShare.setTerms decision must carry first")

            try await Self.withPool(database) { pool in
                _ = try await Board.carry(
                    .outcomesSetTerms(try Self.workedExampleO1()), in: alliance, pool: pool)
            }
            let cases: [(arguments: [String], status: Int32, message: String)] = [
                (
                    tool.record("CARE_PLAN", "86"), 5,
                    "--measure: CARE_PLAN is not a measure of FY2025's outcome terms (CARE_PLANS, BED_DAYS, OUTCOME_SCORES)"
                ),
                (
                    tool.record("CARE_PLANS", "86", period: "FY2025-Q2"), 5,
                    "--period: FY2025's outcomes are measured and paid by year, as FY2025 is: FY2025-Q2 is not one of its periods"
                ),
                (
                    tool.record("CARE_PLANS", "86", period: "FY2025-Q5"), 5,
                    "--period: \"FY2025-Q5\" is not a period"
                ),
                (tool.record("CARE_PLANS", "86", period: "FY2026"), 5, "FY2026 has no outcome terms"),
                (tool.record("CARE_PLANS", "86", evidence: " "), 5, "--evidence: cannot be empty"),
                (
                    tool.record("CARE_PLANS", "86.12345"), 2,
                    "--value must be a decimal number with at most four decimal places, not 86.12345"
                ),
                (tool.record("CARE_PLANS", "86,5"), 2, "--value must be a decimal number"),
                (tool.record("CARE_PLANS", "8.65e1"), 2, "--value must be a decimal number"),
                (tool.record("CARE_PLANS", "86."), 2, "--value must be a decimal number"),
                (tool.record("CARE_PLANS", ".5"), 2, "--value must be a decimal number"),
                (tool.record("CARE_PLANS", "nan"), 2, "--value must be a decimal number"),
                (tool.record("CARE_PLANS", "100000000000.0001"), 2, "--value must be within ±100000000000"),
                (
                    [
                        "outcome", "measure", "record", "--measure", "CARE_PLANS", "--period", "FY2025",
                        "--value", "86",
                        "--evidence", "Report",
                    ], 2, "this acts as a finance person: give their token with --token"
                ),
                (
                    [
                        "outcome", "measure", "record", "--token", setting.tokens["board"] ?? "", "--measure",
                        "CARE_PLANS",
                        "--period", "FY2025", "--value", "86", "--evidence", "Report",
                    ], 1,
                    "board@slam.example.org: this needs the role finance"
                ),
                // The terms' decision has carried: the operator no longer acts for Femi.
                (
                    [
                        "outcome", "measure", "record", "--as", "femi@slam.example.org", "--measure",
                        "CARE_PLANS",
                        "--period", "FY2025", "--value", "86", "--evidence", "Report",
                    ], 1,
                    "--as femi@slam.example.org: lambeth is no longer being set up"
                ),
                (["outcome", "terms", "--year", "2025"], 5, "--year: \"2025\" is not a period"),
                (["outcome", "terms", "--year", "FY2025-Q1"], 5, "--year:"),
                (["outcome", "terms", "--year", "FY2026"], 3, "FY2026 has no outcome terms"),
                (
                    ["outcome", "payment", "--period", "2025-04"], 5,
                    "--period: FY2025's outcomes are measured and paid by year"
                ),
                (
                    ["outcome", "payment", "--period", "2025-04-01..2025-06-30"], 5,
                    "--period: must be a financial year, a quarter or a month"
                ),
                (["outcome", "payment"], 2, "Missing expected argument '--period <period>'"),
                (
                    ["outcome", "measure", "list", "--period", "FY25"], 5,
                    "--period: \"FY25\" is not a period"
                ),
                (["risk-share", "show", "--year", "FY2025"], 3, "FY2025 has no risk/reward terms"),
                (["risk-share", "show", "--year", "last"], 5, "--year:"),
            ]
            for (arguments, status, message) in cases {
                try await tool.refuse(arguments, status: status, message)
            }
            let elsewhere = try await CommandRunner.run(
                ["outcome", "terms", "--alliance", "nowhere", "--year", "FY2025"],
                environment: tool.environment)
            #expect(elsewhere.status == 3)
            #expect(elsewhere.messages.contains { $0.contains("alliance nowhere does not exist") })
            #expect(try await tool.measurements("FY2025").isEmpty)

            // Values are read exactly from their text, to the fourth decimal place, whatever the
            // sign or leading zeros.
            _ = try await tool.succeed(tool.record("CARE_PLANS", "86.1234"))
            _ = try await tool.succeed(tool.record("BED_DAYS", "007.50"))
            _ = try await tool.succeed(
                ["outcome", "measure", "record"] + tool.finance + [
                    "--measure", "OUTCOME_SCORES", "--period", "FY2025", "--value=-0.0001", "--evidence",
                    "Report",
                ])
            let stored = try await Self.withPool(database) { pool in
                try await OutcomeBook(pool: pool).measurements(of: "FY2025", in: alliance)
            }
            #expect(stored.map(\.measure) == ["BED_DAYS", "CARE_PLANS", "OUTCOME_SCORES"])
            #expect(stored.map(\.value.tenThousandths) == [75_000, 861_234, -1])
            let table = try await tool.succeed([
                "outcome", "measure", "list", "--period", "FY2025", "--format", "csv",
            ])
            #expect(table.contains(",BED_DAYS,FY2025,7.5,"))
            #expect(table.contains(",CARE_PLANS,FY2025,86.1234,"))
            #expect(table.contains(",OUTCOME_SCORES,FY2025,-0.0001,"))
        }
    }

    @Test func riskShareShowsTheYearAsItStandsAndAsSettled() async throws {
        try await TestDatabase.with { database in
            let setting = try await Self.setUp(database)
            let alliance = setting.alliance
            let tool = Tool(database, setting)
            // A target of 1,500,000.00 and an actual cost of 1,400,000.00: a gain of 100,000.00,
            // 6.67% of target. The partner side has half of the first 5% of target (37,500.00) and
            // a quarter beyond (6,250.00), capped at 40,000.00; Certitude's part is capped at
            // 5,000.00, and the 3,000.00 over goes to SLaM and Lambeth by their shares.
            // Each partner's finance lead records its spend: once the budget's decision has
            // carried, the operator may not.
            let financeLeads = try await Self.withPool(database) { pool in
                let directory = AllianceDirectory(pool: pool)
                var leads: [String: Caller] = [:]
                for partner in ["lambeth-council", "certitude"] {
                    leads[partner] = Board.caller(
                        try await directory.addPerson(
                            try PersonRequest(
                                name: "Finance, \(partner)", email: "finance@\(partner).example.org",
                                partner: partner, roles: [.finance]), to: alliance))
                }
                leads["slam"] = try await directory.people(in: alliance.id).first {
                    $0.email == "femi@slam.example.org"
                }.map(Board.caller)
                return leads
            }
            try await Self.withPool(database) { pool in
                let budget = try await Board.carry(
                    .budgetSet(
                        year: 2025,
                        figures: [
                            try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 100_000_000),
                            try BudgetSetting(
                                partner: "lambeth-council", budgetLine: "STAFF", amount: 30_000_000),
                            try BudgetSetting(partner: "certitude", budgetLine: "STAFF", amount: 20_000_000),
                        ]), in: alliance, pool: pool)
                #expect(budget.state == .carried)
                let book = SpendBook(ledger: Ledger(pool: pool))
                for (partner, amount) in [
                    ("slam", 90_000_000), ("lambeth-council", 29_000_000), ("certitude", 21_000_000),
                ] {
                    _ = try await book.record(
                        try SpendRequest(
                            partner: partner, budgetLine: "STAFF", amount: Int64(amount),
                            incurredOn: date(2025, 9, 30),
                            description: "Payroll, FY2025", supplier: "Payroll",
                            reference: "\(partner)-FY2025"),
                        in: alliance, by: try #require(financeLeads[partner]))
                }
                let shares = [("slam", 5000), ("lambeth-council", 3000), ("certitude", 2000)]
                let terms = try await Board.carry(
                    .riskShareSetTerms(
                        try RiskShareTerms(
                            year: 2025,
                            gain: try shares.map {
                                try RiskShare(
                                    partner: $0.0, share: $0.1, cap: $0.0 == "certitude" ? 500_000 : nil)
                            },
                            pain: try shares.map { try RiskShare(partner: $0.0, share: $0.1) },
                            partnerSide: try RiskSharePartnerSide(
                                gainBands: [
                                    try RiskShareBand(upTo: 500, share: 5000),
                                    try RiskShareBand(upTo: nil, share: 2500),
                                ],
                                gainCap: 4_000_000, fee: 10_000_000))), in: alliance, pool: pool)
                #expect(terms.state == .carried, "\(terms.failure ?? "")")
            }

            let table = try await tool.succeed(["risk-share", "show", "--year", "FY2025"])
            for expected in [
                "year                     FY2025", "terms                    D-0002",
                "target                   1,500,000.00 (the year's budgets)",
                "actual                   1,400,000.00 (the year's net spend)",
                "difference               100,000.00 (an underspend: a gain)",
                "partner side before cap  43,750.00", "partner side             40,000.00",
                "owner side               60,000.00", "fee                      100,000.00",
                "partners receive         140,000.00", "owner pays               1,540,000.00",
                "settled                  no",
                "PARTNER          SHARE       CAP     AMOUNT  CAPPED",
                "certitude          20%  5,000.00   5,000.00  yes",
                "lambeth-council    30%            13,125.00  no",
                "slam               50%            21,875.00  no",
            ] {
                #expect(table.contains(expected), "\(expected) in\n\(table)")
            }
            #expect(!table.contains("unallocated"))
            let csv = try await tool.succeed(["risk-share", "show", "--year", "FY2025", "--format", "csv"])
            #expect(
                csv
                    == crlf(
                        """
                        partner,share,cap,amount,capped
                        certitude,20%,5000.00,5000.00,yes
                        lambeth-council,30%,,13125.00,no
                        slam,50%,,21875.00,no

                        """))
            let statement = try await tool.json(["risk-share", "show", "--year", "FY2025"])
            #expect(statement["year"] as? String == "FY2025")
            #expect(statement["termsDecision"] as? String == "D-0002")
            #expect(statement["target"] as? Int64 == 150_000_000)
            #expect(statement["actual"] as? Int64 == 140_000_000)
            #expect(statement["difference"] as? Int64 == 10_000_000)
            #expect(statement["partnerSideBeforeCap"] as? Int64 == 4_375_000)
            #expect(statement["partnerSide"] as? Int64 == 4_000_000)
            #expect(statement["ownerSide"] as? Int64 == 6_000_000)
            #expect(statement["fee"] as? Int64 == 10_000_000)
            #expect(statement["partnersReceive"] as? Int64 == 14_000_000)
            #expect(statement["ownerPays"] as? Int64 == 154_000_000)
            #expect(statement["unallocated"] as? Int64 == 0)
            #expect(statement["settled"] is NSNull)
            let allocations = try #require(statement["allocations"] as? [[String: Any]])
            #expect(allocations.compactMap { $0["amount"] as? Int64 } == [500_000, 1_312_500, 2_187_500])
            #expect(allocations.compactMap { $0["capped"] as? Bool } == [true, false, false])
            #expect((statement["terms"] as? [String: Any])?["year"] as? String == "FY2025")

            let termsShown = try await tool.succeed(["decision", "show", "D-0002"])
            #expect(
                termsShown.contains(
                    "; partner side: gain 50% up to 5% of target, 25% beyond, capped at 40000.00; pain 100%; fee 100000.00"
                ), "\(termsShown)")

            // Settled by the board: the figures are the settled ones, whatever is spent later.
            let settlement = try await Self.withPool(database) { pool in
                let settled = try await Board.carry(
                    .riskShareSettle(year: 2025, partnerSide: nil), in: alliance, pool: pool)
                _ = try await SpendBook(ledger: Ledger(pool: pool)).record(
                    try SpendRequest(
                        partner: "slam", budgetLine: "STAFF", amount: 1_000_000,
                        incurredOn: date(2026, 3, 31),
                        description: "A late invoice", supplier: "Agency", reference: "LATE-1"),
                    in: alliance, by: try #require(financeLeads["slam"]))
                return settled
            }
            #expect(settlement.state == .carried, "\(settlement.failure ?? "")")
            let settled = try await tool.json(["risk-share", "show", "--year", "FY2025"])
            #expect(settled["actual"] as? Int64 == 140_000_000)
            let posting = try #require(settled["settled"] as? [String: Any])
            #expect(posting["decision"] as? String == "D-0003")
            let entry = try #require(posting["entry"] as? Int64)
            let settledTable = try await tool.succeed(["risk-share", "show", "--year", "FY2025"])
            #expect(settledTable.contains("settled                  yes: D-0003 at "))
            let shown = try await tool.succeed(["decision", "show", "D-0003"])
            #expect(
                shown.contains("action    riskShare.settle: FY2025, the partners gain 40000.00"),
                "\(shown)")
            #expect(
                shown.contains(
                    "effect    settled FY2025's underspend of 100000.00: the partners gain 40000.00, "
                        + "the owner side keeps 60000.00 (entry \(entry))"), "\(shown)")
        }
    }
}
