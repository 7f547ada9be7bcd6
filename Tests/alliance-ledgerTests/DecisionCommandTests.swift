import AllianceLedger
import Dates
import Foundation
import Postgres
import TestSupport
import Testing

/// `decision propose|vote|withdraw|show|list`, run as the operator runs them on behalf of board
/// members while the alliance is being set up, and as board members with their own tokens once
/// its first decision has carried, with every refusal's exit code and the books left as they were.
@Suite(.timeLimit(.perTest)) struct DecisionCommandTests {
    /// The three partners of the alliance `lambeth`, whose board members are
    /// `board@<partner>.example.org`.
    static let partners = ["certitude", "lambeth-council", "slam"]

    /// An alliance of three partners and two lines, a board member per partner, and a finance
    /// lead of SLaM who is not on the board. Answers each board member's token, by partner, issued
    /// by the operator while the alliance is set up.
    @discardableResult
    private static func setUp(_ database: TestDatabase) async throws -> [String: String] {
        let pool = database.makeServicePool(maximumConnections: 2)
        var tokens: [String: String] = [:]
        do {
            let directory = AllianceDirectory(pool: pool)
            let alliance = try await directory.create(
                try AllianceRequest(
                    slug: "lambeth", name: "Lambeth", contractStart: date(2025, 4, 1),
                    contractEnd: date(2030, 3, 31)))
            for slug in partners {
                try await directory.addPartner(
                    try PartnerRequest(slug: slug, name: slug, kind: .other), to: alliance)
                let member = try await directory.addPerson(
                    try PersonRequest(
                        name: "Board, \(slug)", email: "board@\(slug).example.org", partner: slug,
                        roles: [.board]),
                    to: alliance)
                tokens[slug] = try await TokenStore(pool: pool).issue(for: member)
            }
            try await directory.addPerson(
                try PersonRequest(
                    name: "Femi", email: "femi@slam.example.org", partner: "slam", roles: [.finance]),
                to: alliance)
            for code in ["STAFF", "PREMISES"] {
                try await directory.addBudgetLine(try BudgetLineRequest(code: code, name: code), to: alliance)
            }
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        return tokens
    }

    /// The command line on the test's database.
    private struct Tool: DatabaseTool {
        let environment: [String: String?]

        init(_ database: TestDatabase) {
            environment = ["DATABASE_URL": database.connectionString.rawValue]
        }

        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await run(arguments, prefix: [])
        }

        func run(_ arguments: [String], prefix: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments, environment: environment, prefix: prefix)
        }

        /// The alliance's decisions, newest first, as JSON objects.
        func decisions(_ filter: [String] = []) async throws -> [[String: Any]] {
            let page = try await json(["decision", "list", "--alliance", "lambeth"] + filter)
            return try #require(page["items"] as? [[String: Any]])
        }
    }

    private static func member(_ partner: String) -> [String] { ["--as", "board@\(partner).example.org"] }

    /// A file in the temporary directory holding `text`, removed by `body`'s end.
    private static func withFile<Value>(_ text: String, _ body: (String) async throws -> Value) async throws
        -> Value
    {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "decision-action-\(UUID().uuidString).json"
        ).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// An instant a day from now, as `--closes-at` takes it.
    private static var tomorrow: String {
        Timestamp(microsecondsSince1970: Timestamp(Date()).microsecondsSince1970 + 86_400_000_000).description
    }

    @Test func everyPartnerApprovesAndTheBudgetIsSet() async throws {
        try await TestDatabase.with { database in
            let tokens = try await Self.setUp(database)
            let tool = Tool(database)
            let alliance = ["--alliance", "lambeth"]
            let action = """
                {"type": "budget.set", "year": "FY2025", "lines": [
                    {"partner": "slam", "budgetLine": "STAFF", "amount": 125000000},
                    {"partner": "certitude", "budgetLine": "PREMISES", "amount": 2050050}
                ]}
                """
            let proposed = try await Self.withFile(action) { path in
                try await tool.json(
                    ["decision", "propose"] + alliance + Self.member("slam") + [
                        "--title", "Set the FY2025 budget", "--description", "As agreed in March.",
                        "--closes-at", Self.tomorrow, "--action-file", path,
                    ])
            }
            #expect(proposed["number"] as? String == "D-0001")
            #expect(proposed["state"] as? String == "open")
            #expect(proposed["proposer"] as? String == "board@slam.example.org")
            #expect(proposed["electorate"] as? [String] == Self.partners)
            let id = try #require(proposed["id"] as? Int64)

            // The decision is named by number or by id; the last approval carries it.
            for (index, partner) in Self.partners.enumerated() {
                let reference = index == 0 ? String(id) : "D-0001"
                let result = try await tool.run(
                    ["decision", "vote"] + alliance + Self.member(partner) + [reference, "--vote", "approve"])
                #expect(result.status == 0, "\(partner): \(result.standardError)")
                let carried = index == Self.partners.count - 1
                #expect(result.standardOutput.contains("state        \(carried ? "carried" : "open")"))
                #expect(result.standardOutput.contains("\(index + 1)/3 approve"), "\(result.standardOutput)")
                #expect(result.messages.contains { $0.contains(carried ? "is carried" : "approve") })
            }

            let table = try await tool.succeed(["decision", "show"] + alliance + ["D-0001"])
            for expected in [
                "number       D-0001", "state        carried", "proposer     board@slam.example.org",
                "rule         unanimity", "tally        3/3 approve",
                "action       budget.set: 2 figures for FY2025, total 1270500.50",
                "effect       set 2 budget figures for FY2025 (2 new, 0 changed)",
                "PARTNER", "board@certitude.example.org",
            ] {
                #expect(table.contains(expected), "\(expected) in\n\(table)")
            }
            #expect(!table.contains("Not voted"))

            let csv = try await tool.succeed(
                ["decision", "show"] + alliance + ["D-0001", "--format", "csv"])
            let rows = csv.split(separator: "\r\n")
            #expect(rows.first == "partner,person,vote,reason,cast_at,current")
            #expect(rows.count == 4)
            #expect(rows.dropFirst().allSatisfy { $0.contains(",approve,,") && $0.hasSuffix(",yes") })

            let shown = try await tool.json(["decision", "show"] + alliance + [String(id)])
            #expect(shown["state"] as? String == "carried")
            #expect((shown["votes"] as? [[String: Any]])?.count == 3)
            let effect = try #require(shown["effect"] as? [String: Any])
            #expect(effect["type"] as? String == "budget.set")
            #expect((effect["budgetChanges"] as? [[String: Any]])?.count == 2)
            #expect((shown["action"] as? [String: Any])?["year"] as? String == "FY2025")

            let budget = try await tool.succeed(
                ["budget", "show"] + alliance + ["--year", "FY2025", "--format", "csv"])
            #expect(
                budget
                    == crlf(
                        """
                        partner,budget_line,amount,decision
                        certitude,PREMISES,20500.50,D-0001
                        slam,STAFF,1250000.00,D-0001

                        """))

            // Closed: no more votes. (Now that a decision has carried, a board member votes with
            // their own token: the operator's --as is over.)
            let late = try await tool.run(
                ["decision", "vote"] + alliance + [
                    "--token", tokens["slam"] ?? "", "D-0001", "--vote", "abstain",
                ])
            #expect(late.status == 4, "\(late.standardError)")
            #expect(late.messages.contains { $0.contains("D-0001 is carried") })
        }
    }

    @Test func objectingNeedsAReasonAndAPartnerMayChangeItsVote() async throws {
        try await TestDatabase.with { database in
            try await Self.setUp(database)
            let tool = Tool(database)
            let alliance = ["--alliance", "lambeth"]
            _ = try await tool.succeed(
                ["decision", "propose"] + alliance + Self.member("certitude") + [
                    "--title", "Adopt the minutes",
                ])

            let silent = try await tool.run(
                ["decision", "vote"] + alliance + Self.member("slam") + ["D-0001", "--vote", "object"])
            #expect(silent.status == 5, "\(silent.standardError)")
            #expect(silent.messages.contains { $0.contains("reason is required to object") })
            let unchanged = try await tool.json(["decision", "show"] + alliance + ["D-0001"])
            #expect((unchanged["votes"] as? [Any])?.isEmpty == true)

            _ = try await tool.succeed(
                ["decision", "vote"] + alliance + Self.member("slam") + [
                    "D-0001", "--vote", "object", "--reason", "The minutes misquote the finance report",
                ])
            let changed = try await tool.succeed(
                ["decision", "vote"] + alliance + Self.member("slam") + ["D-0001", "--vote", "approve"])
            #expect(changed.contains("1/3 approve, 2 not voted"))
            #expect(changed.contains("Not voted: certitude, lambeth-council"))

            let votes = try await tool.succeed(
                ["decision", "show"] + alliance + ["D-0001", "--format", "csv"])
            let rows = votes.split(separator: "\r\n").map(String.init)
            #expect(rows.count == 3)
            #expect(
                rows[1].hasPrefix(
                    "slam,board@slam.example.org,object,The minutes misquote the finance report,"))
            #expect(rows[1].hasSuffix(",no"))
            #expect(rows[2].hasPrefix("slam,board@slam.example.org,approve,,"))
            #expect(rows[2].hasSuffix(",yes"))

            // Options that do not parse are usage errors; a closing time in the past is refused.
            let badVote = try await tool.run(
                ["decision", "vote"] + alliance + Self.member("slam") + ["D-0001", "--vote", "maybe"])
            #expect(badVote.status == 2)
            let badReference = try await tool.run(["decision", "show"] + alliance + ["D-1"])
            #expect(badReference.status == 2)
            #expect(badReference.standardError.contains("D-0001"))
            let missing = try await tool.run(["decision", "show"] + alliance + ["D-0042"])
            #expect(missing.status == 3)
            let past = try await tool.run(
                ["decision", "propose"] + alliance + Self.member("slam") + [
                    "--title", "Too late", "--closes-at", "2020-01-01T00:00:00Z",
                ])
            #expect(past.status == 5)
            #expect(past.messages.contains { $0.contains("closesAt must be in the future") })
            #expect(try await tool.decisions().count == 1)
        }
    }

    @Test func aBadActionFileIsNamedAndChangesNothing() async throws {
        try await TestDatabase.with { database in
            try await Self.setUp(database)
            let tool = Tool(database)
            let propose =
                ["decision", "propose", "--alliance", "lambeth"] + Self.member("slam") + [
                    "--title", "Budget",
                ]
            let cases: [(file: String, status: Int32, message: String)] = [
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1,"note":"x"}]}"#,
                    5, "lines[0].note is not a field of this request"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1},{"partner":"slam","budgetLine":"PREMISES","amount":-5}]}"#,
                    5, "lines[1].amount cannot be negative (-5)"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1},{"partner":"nobody","budgetLine":"STAFF","amount":1}]}"#,
                    5, "lines[1].partner: partner nobody does not exist in this alliance"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"TRAVEL","amount":1}]}"#,
                    5, "lines[0].budgetLine: budget line TRAVEL does not exist"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1.5}]}"#,
                    5, "lines[0].amount must be a whole number of minor units"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1e2}]}"#,
                    5, "lines[0].amount must be a whole number of minor units"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1,"amount":2}]}"#,
                    5, "lines[0].amount is given more than once in its object"
                ),
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1000000000001}]}"#,
                    5, "lines[0].amount must be at most 1000000000000 minor units"
                ),
                (#"{"type":"budget.set","year":"2025","lines":[]}"#, 5, "year must name a financial year"),
                (#"{"type":"budget.set","year":"FY2025"}"#, 5, "lines is required"),
                (#"{"type":"budget.set","year":"FY2025","lines":"all"}"#, 5, "lines must be an array"),
                (#"{"type":"budget.raise"}"#, 5, "type must be one of \"budget.set\""),
                (
                    #"{"type":"partner.remove","partner":"nobody","leftOn":"2026-03-31"}"#, 5,
                    "partner: partner nobody"
                ),
                (
                    #"{"type":"riskShare.setTerms","year":"FY2025","gain":[{"partner":"slam","share":6000}],"pain":[{"partner":"slam","share":10000}]}"#,
                    5, "gain shares must sum to 10000 basis points, not 6000"
                ),
                (
                    #"{"type":"partner.admit","partner":{"slug":"slam","name":"SLaM","kind":"nhs-provider"},"joinedOn":"2025-04-01"}"#,
                    4, "partner slam already exists"
                ),
                (
                    #"{"type":"partner.admit","partner":{"slug":"thamesreach","name":"Thames Reach","kind":"vcse"},"joinedOn":"2025-10-01"}"#,
                    5, "admin is required: the new partner's first admin"
                ),
                ("[]", 5, "the action must be a JSON object"),
                ("{\"type\": ", 5, "is not valid JSON"),
                ("", 5, "is not valid JSON"),
            ]
            for (file, status, message) in cases {
                let result = try await Self.withFile(file) { path in
                    try await tool.run(propose + ["--action-file", path])
                }
                #expect(result.status == status, "\(file): \(result.standardError)")
                #expect(
                    result.messages.contains { $0.contains("--action-file") && $0.contains(message) },
                    "\(file): \(result.messages)")
            }
            let absent = try await tool.run(propose + ["--action-file", "/nonexistent/action.json"])
            #expect(absent.status == 5)
            #expect(absent.messages.contains { $0.contains("/nonexistent/action.json: no such file") })
            #expect(try await tool.decisions().isEmpty)

            // `-` reads the action from standard input.
            let fromStandardInput = try await Self.withFile(
                #"{"type":"partner.admit","partner":{"slug":"thamesreach","name":"Thames Reach","kind":"vcse"},"joinedOn":"2025-10-01","admin":{"name":"Tom","email":"tom@thamesreach.example.org"}}"#
            ) { path in
                try await tool.run(
                    propose + ["--action-file", "-", "--format", "json"],
                    prefix: ["/bin/sh", "-c", "exec \"$0\" \"$@\" < '\(path)'"])
            }
            #expect(fromStandardInput.status == 0, "\(fromStandardInput.standardError)")
            let decision = try #require(
                try JSONSerialization.jsonObject(with: Data(fromStandardInput.standardOutput.utf8))
                    as? [String: Any])
            #expect((decision["action"] as? [String: Any])?["type"] as? String == "partner.admit")
            #expect(try await tool.decisions().count == 1)
        }
    }

    @Test func onlyTheProposerWithdrawsAndOnlyBoardMembersAct() async throws {
        try await TestDatabase.with { database in
            try await Self.setUp(database)
            let tool = Tool(database)
            let alliance = ["--alliance", "lambeth"]
            for title in ["First", "Second", "Third"] {
                _ = try await tool.succeed(
                    ["decision", "propose"] + alliance + Self.member("slam") + ["--title", title])
            }

            let stranger = try await tool.run(
                ["decision", "withdraw"] + alliance + Self.member("certitude") + ["D-0002"])
            #expect(stranger.status == 1, "\(stranger.standardError)")
            #expect(stranger.messages.contains { $0.contains("only the proposer of D-0002 may withdraw it") })

            let withdrawn = try await tool.json(
                ["decision", "withdraw"] + alliance + Self.member("slam") + ["D-0002"])
            #expect(withdrawn["state"] as? String == "withdrawn")
            let again = try await tool.run(
                ["decision", "withdraw"] + alliance + Self.member("slam") + ["D-0002"])
            #expect(again.status == 4, "\(again.standardError)")

            let unknown = try await tool.run(
                ["decision", "vote"] + alliance + [
                    "--as", "nobody@slam.example.org", "D-0001", "--vote", "approve",
                ])
            #expect(unknown.status == 3)
            #expect(unknown.messages.contains { $0.contains("nobody@slam.example.org does not exist") })
            let notBoard = try await tool.run(
                ["decision", "propose"] + alliance + ["--as", "femi@slam.example.org", "--title", "Mine"])
            #expect(notBoard.status == 1)
            #expect(notBoard.messages.contains { $0.contains("board") })
            // E-mail addresses are matched whatever their case.
            _ = try await tool.succeed(
                ["decision", "vote"] + alliance + [
                    "--as", "Board@Certitude.example.org", "D-0001", "--vote", "abstain",
                ])

            // Listing: newest first, filtered by state, a page at a time.
            let all = try await tool.decisions()
            #expect(all.compactMap { $0["number"] as? String } == ["D-0003", "D-0002", "D-0001"])
            #expect(
                try await tool.decisions(["--state", "open"]).compactMap { $0["number"] as? String } == [
                    "D-0003", "D-0001",
                ])
            #expect(
                try await tool.decisions(["--state", "withdrawn"]).compactMap { $0["title"] as? String } == [
                    "Second"
                ])
            #expect(try await tool.decisions(["--state", "carried"]).isEmpty)
            let firstPage = try await tool.json(
                ["decision", "list"] + alliance + ["--limit", "2", "--oldest-first"])
            #expect(
                (firstPage["items"] as? [[String: Any]])?.compactMap { $0["number"] as? String } == [
                    "D-0001", "D-0002",
                ])
            let cursor = try #require(firstPage["nextCursor"] as? String)
            let secondPage = try await tool.json(
                ["decision", "list"] + alliance + ["--limit", "2", "--oldest-first", "--cursor", cursor])
            #expect(
                (secondPage["items"] as? [[String: Any]])?.compactMap { $0["number"] as? String } == [
                    "D-0003"
                ])
            #expect(secondPage["nextCursor"] is NSNull)

            let csv = try await tool.succeed(
                ["decision", "list"] + alliance + ["--format", "csv", "--state", "open"])
            let rows = csv.split(separator: "\r\n").map(String.init)
            #expect(rows.first == "number,state,title,closes_at,tally")
            #expect(rows.dropFirst().first?.hasPrefix("D-0003,open,Third,") == true)
            #expect(rows.last?.hasPrefix("D-0001,open,First,") == true)
            #expect(rows.last?.hasSuffix(#","0/3 approve, 1 abstain, 2 not voted""#) == true, "\(rows)")
            let table = try await tool.succeed(["decision", "list"] + alliance)
            #expect(table.hasPrefix("NUMBER  STATE"))
            #expect(table.contains("withdrawn"))
            let badState = try await tool.run(["decision", "list"] + alliance + ["--state", "pending"])
            #expect(badState.status == 2)
        }
    }
}
