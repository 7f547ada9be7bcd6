import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// The command line under separation of duties (issue 13): the operator sets an alliance up and
/// acts for people with `--as` only until its first carried decision; afterwards a command acts
/// as a person only with that person's token, checked as the HTTP service checks it, and within
/// that person's rights. People, roles and tokens are each partner's admins' business, and every
/// governing act is in a governance log that `audit list` reads and `audit verify` checks.
@Suite(.timeLimit(.perTest)) struct SeparationOfDutiesCommandTests {
    /// The command line on the test's database.
    private struct Tool: DatabaseTool {
        let environment: [String: String?]
        let database: TestDatabase

        init(_ database: TestDatabase) {
            self.database = database
            environment = ["DATABASE_URL": database.connectionString.rawValue]
        }

        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments, environment: environment)
        }

        /// Runs with the token in `ALLIANCE_LEDGER_TOKEN` instead of `--token`.
        func run(_ arguments: [String], tokenInEnvironment token: String) async throws -> CommandRunner.Result
        {
            try await CommandRunner.run(
                arguments, environment: environment.merging(["ALLIANCE_LEDGER_TOKEN": token]) { $1 })
        }

        /// Refused with `status` and a message containing `message`, with nothing printed on
        /// standard output and nothing changed in the database.
        func refuse(
            _ arguments: [String], status: Int32, _ message: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let before = try await state()
            let result = try await run(arguments)
            #expect(
                result.status == status, "\(arguments): \(result.standardError)",
                sourceLocation: sourceLocation)
            #expect(
                result.messages.contains { $0.contains(message) }, "\(arguments): \(result.messages)",
                sourceLocation: sourceLocation)
            #expect(result.standardOutput.isEmpty, sourceLocation: sourceLocation)
            #expect(try await state() == before, sourceLocation: sourceLocation)
        }

        /// The books and directory, and the governance log's length and head.
        func state() async throws -> String {
            let log = try await database.pool.withConnection { connection in
                try await connection.query(
                    "SELECT count(*)::text || '/' || coalesce(max(sequence), 0)::text AS log FROM governance_log"
                ).single().decode("log", as: String.self)
            }
            return try await database.stateSnapshot() + "/" + log
        }

        /// Adds a person and answers their id.
        func addPerson(
            _ name: String, _ email: String, partner: String, roles: [String], as token: String? = nil,
            alliance: String = "lambeth"
        ) async throws -> Int64 {
            let person = try await json(
                [
                    "person", "add", "--alliance", alliance, "--name", name, "--email", email, "--partner",
                    partner,
                ]
                    + roles.flatMap { ["--role", $0] } + (token.map { ["--token", $0] } ?? []))
            return try #require(person["id"] as? Int64)
        }

        /// Issues a token for the person and answers it with its id, which only standard error
        /// carries: standard output is the token alone, as it always was.
        func issueToken(for person: Int64, as token: String? = nil, alliance: String = "lambeth")
            async throws -> (id: Int64, token: String)
        {
            let result = try await run(
                ["token", "issue", "--alliance", alliance, "--person", String(person), "--format", "csv"]
                    + (token.map { ["--token", $0] } ?? []))
            #expect(result.status == 0, "\(result.standardError)")
            let lines = result.standardOutput.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 2 && lines[0] == "token", "\(result.standardOutput)")
            let issued = try #require(
                result.messages.first { $0.hasPrefix("issued token ") }, "\(result.messages)")
            let id = try #require(Int64(issued.dropFirst("issued token ".count).prefix { $0.isNumber }))
            return (id, try #require(lines.last))
        }
    }

    /// The alliance `lambeth` set up by the operator through the command line: partners SLaM and
    /// Certitude, the line STAFF, each partner's first admin with a token from the operator, and
    /// each admin's board member and finance lead, with tokens from their admin.
    private struct Lambeth {
        var people: [String: Int64] = [:]
        var tokens: [String: (id: Int64, token: String)] = [:]

        func token(_ key: String) -> String { tokens[key]?.token ?? "" }

        static func setUp(_ tool: Tool) async throws -> Lambeth {
            let alliance = ["--alliance", "lambeth"]
            _ = try await tool.succeed([
                "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                "--contract-start",
                "2025-04-01", "--contract-end", "2030-03-31",
            ])
            for (slug, kind) in [("slam", "nhs-provider"), ("certitude", "vcse")] {
                _ = try await tool.succeed(
                    ["partner", "add"] + alliance + ["--slug", slug, "--name", slug, "--kind", kind])
            }
            _ = try await tool.succeed(["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"])
            var lambeth = Lambeth()
            for (key, partner) in [("ada", "slam"), ("chloe", "certitude")] {
                let id = try await tool.addPerson(
                    key, "\(key)@\(partner).example.org", partner: partner, roles: ["admin"])
                lambeth.people[key] = id
                lambeth.tokens[key] = try await tool.issueToken(for: id)
            }
            for (key, partner, role, admin) in [
                ("sam", "slam", "board", "ada"), ("femi", "slam", "finance", "ada"),
                ("cat", "certitude", "board", "chloe"), ("fin", "certitude", "finance", "chloe"),
            ] {
                let id = try await tool.addPerson(
                    key, "\(key)@\(partner).example.org", partner: partner, roles: [role],
                    as: lambeth.token(admin))
                lambeth.people[key] = id
                lambeth.tokens[key] = try await tool.issueToken(for: id, as: lambeth.token(admin))
            }
            return lambeth
        }

        /// D-0001, proposed and voted with `--as` while the alliance is set up: its carrying
        /// closes the operator's window.
        func carryFirstDecision(_ tool: Tool) async throws {
            let alliance = ["--alliance", "lambeth"]
            _ = try await tool.succeed(
                ["decision", "propose"] + alliance + [
                    "--as", "sam@slam.example.org", "--title", "Adopt the terms",
                ])
            for member in ["sam@slam.example.org", "cat@certitude.example.org"] {
                _ = try await tool.succeed(
                    ["decision", "vote"] + alliance + ["--as", member, "D-0001", "--vote", "approve"])
            }
        }
    }

    /// Runs `body` on Lambeth in a database of its own, with D-0001 carried if asked.
    private static func withLambeth(
        carryingFirstDecision: Bool, _ body: (Tool, Lambeth) async throws -> Void
    ) async throws {
        try await TestDatabase.with { database in
            let tool = Tool(database)
            let lambeth = try await Lambeth.setUp(tool)
            if carryingFirstDecision { try await lambeth.carryFirstDecision(tool) }
            try await body(tool, lambeth)
        }
    }

    @Test func asWorksUntilTheFirstCarriedDecisionAndTokensAfterIt() async throws {
        try await Self.withLambeth(carryingFirstDecision: false) { tool, lambeth in
            let alliance = ["--alliance", "lambeth"]

            // Set-up: the operator acts for board members with --as, and a board member may
            // already use their own token.
            let proposed = try await tool.json(
                ["decision", "propose"] + alliance + [
                    "--as", "sam@slam.example.org", "--title", "Adopt the terms",
                ])
            #expect(proposed["proposer"] as? String == "sam@slam.example.org")
            _ = try await tool.succeed(
                ["decision", "vote"] + alliance + [
                    "--as", "sam@slam.example.org", "D-0001", "--vote", "approve",
                ])

            // Who acts must be said once: not both --as and a token, and not neither.
            try await tool.refuse(
                ["decision", "vote"] + alliance + [
                    "--as", "cat@certitude.example.org", "--token", lambeth.token("cat"), "D-0001", "--vote",
                    "approve",
                ], status: 2, "--as and --token exclude each other")
            try await tool.refuse(
                ["decision", "vote"] + alliance + ["D-0001", "--vote", "approve"], status: 2,
                "this acts as a board member: give their token with --token")

            let carried = try await tool.run(
                ["decision", "vote"] + alliance + [
                    "--token", lambeth.token("cat"), "D-0001", "--vote", "approve",
                ])
            #expect(carried.status == 0, "\(carried.standardError)")
            #expect(carried.messages.contains { $0.contains("D-0001 is carried") })

            // The window has closed: --as is refused, whoever it names, and nothing changes.
            try await tool.refuse(
                ["decision", "propose"] + alliance + ["--as", "sam@slam.example.org", "--title", "Another"],
                status: 1, "lambeth is no longer being set up (its first decision has carried)")
            try await tool.refuse(
                ["decision", "propose"] + alliance + [
                    "--as", "nobody@slam.example.org", "--title", "Another",
                ],
                status: 1, "act with your own token: --token <token> or ALLIANCE_LEDGER_TOKEN")
            try await tool.refuse(
                ["decision", "propose"] + alliance + ["--title", "The operator's own"], status: 2,
                "or, while lambeth is being set up, --as <email>")

            // A token acts as its holder, by the flag or by the environment.
            let second = try await tool.json(
                ["decision", "propose"] + alliance + [
                    "--token", lambeth.token("sam"), "--title", "Meet monthly",
                ])
            #expect(second["number"] as? String == "D-0002")
            let fromEnvironment = try await tool.run(
                ["decision", "vote"] + alliance + ["D-0002", "--vote", "abstain"],
                tokenInEnvironment: lambeth.token("cat"))
            #expect(fromEnvironment.status == 0, "\(fromEnvironment.standardError)")
            #expect(fromEnvironment.standardOutput.contains("cat@certitude.example.org"))

            // A finance lead's token cannot vote; the library says why.
            try await tool.refuse(
                ["decision", "vote"] + alliance + [
                    "--token", lambeth.token("femi"), "D-0002", "--vote", "approve",
                ],
                status: 1, "this needs the role board")
        }
    }

    @Test func aTokenActsAsItsHolderWithinTheirPartnerOnly() async throws {
        try await Self.withLambeth(carryingFirstDecision: false) { tool, lambeth in
            let alliance = ["--alliance", "lambeth"]
            func spend(_ partner: String, reference: String) -> [String] {
                ["spend", "record"] + alliance + [
                    "--partner", partner, "--line", "STAFF", "--amount", "1200.00", "--incurred-on",
                    "2025-05-14",
                    "--description", "Agency nurses", "--reference", reference,
                ]
            }
            // During set-up the operator records spend itself.
            let operatorSpend = try await tool.json(spend("slam", reference: "INV-0"))
            #expect(operatorSpend["recordedBy"] as? String == "operator")
            try await lambeth.carryFirstDecision(tool)

            // Afterwards it may not: Femi, SLaM's finance lead, records SLaM's spend with her token.
            try await tool.refuse(
                spend("slam", reference: "INV-1"), status: 1,
                "the operator may record spend only while lambeth is being set up")
            let recorded = try await tool.json(
                spend("slam", reference: "INV-1") + ["--token", lambeth.token("femi")])
            #expect(recorded["recordedBy"] as? String == "femi@slam.example.org")
            let id = try #require(recorded["id"] as? Int64)

            // Not Certitude's, not with a board member's token, and not as the operator.
            try await tool.refuse(
                spend("certitude", reference: "INV-2") + ["--token", lambeth.token("femi")], status: 1,
                "femi@slam.example.org acts for slam, not certitude")
            try await tool.refuse(
                spend("slam", reference: "INV-2") + ["--token", lambeth.token("sam")], status: 1,
                "this needs the role finance")
            try await tool.refuse(
                ["spend", "reverse", String(id), "--reason", "Duplicate"] + alliance, status: 1,
                "the operator may reverse spend only while lambeth is being set up")
            try await tool.refuse(
                ["spend", "reverse", String(id), "--reason", "Duplicate", "--token", lambeth.token("fin")]
                    + alliance, status: 1, "fin@certitude.example.org acts for certitude, not slam")
            _ = try await tool.succeed(
                ["spend", "reverse", String(id), "--reason", "Duplicate", "--token", lambeth.token("femi")]
                    + alliance)

            // The operator no longer sets up partners, lines or people; no person does it either.
            try await tool.refuse(
                ["partner", "add"] + alliance + [
                    "--slug", "lambeth-council", "--name", "Council", "--kind", "other",
                ],
                status: 1, "only while lambeth is being set up")
            try await tool.refuse(
                ["line", "add"] + alliance + [
                    "--code", "PREMISES", "--name", "Premises", "--token", lambeth.token("ada"),
                ],
                status: 1, "only the operator may add budget lines")
            try await tool.refuse(
                ["person", "add"] + alliance + [
                    "--name", "Zed", "--email", "zed@slam.example.org", "--partner", "slam", "--role",
                    "finance",
                ], status: 1, "the operator may add people only while lambeth is being set up")

            // Tokens that do not identify anyone here are refused before anything is looked at,
            // and no message repeats the token.
            let forged = "alt_" + String(repeating: "A", count: 43)
            try await tool.refuse(
                spend("slam", reference: "INV-3") + ["--token", forged], status: 1,
                "--token: the token is unknown or revoked")
            let fromEnvironment = try await tool.run(
                ["spend", "list"] + alliance, tokenInEnvironment: "not-a-token")
            #expect(fromEnvironment.status == 1)
            #expect(
                fromEnvironment.messages == [
                    "alliance-ledger: error: ALLIANCE_LEDGER_TOKEN: the token is not one this service issued"
                ])
            #expect(!fromEnvironment.standardError.contains("not-a-token"))
            let elsewhere = try await tool.run([
                "spend", "list", "--alliance", "nowhere", "--token", lambeth.token("femi"),
            ])
            #expect(elsewhere.status == 3, "\(elsewhere.standardError)")

            // A token of another alliance is refused in this one.
            _ = try await tool.succeed(["alliance", "create", "--slug", "croydon", "--name", "Croydon"])
            _ = try await tool.succeed(
                [
                    "partner", "add", "--alliance", "croydon", "--slug", "slam", "--name", "SLaM", "--kind",
                    "nhs-provider",
                ])
            let stranger = try await tool.addPerson(
                "Stranger", "femi@slam.example.org", partner: "slam", roles: ["finance"], alliance: "croydon")
            let strangerToken = try await tool.issueToken(for: stranger, alliance: "croydon").token
            try await tool.refuse(
                spend("slam", reference: "INV-4") + ["--token", strangerToken], status: 1,
                "--token: this token belongs to another alliance, not lambeth")

            let listed = try await tool.json(
                ["spend", "list"] + alliance + ["--token", lambeth.token("femi")])
            #expect((listed["items"] as? [[String: Any]])?.count == 2)
            #expect(try await tool.succeed(["journal", "verify"] + alliance).contains("none"))
        }
    }

    @Test func eachPartnersAdminManagesItsOwnPeopleAndTokens() async throws {
        try await Self.withLambeth(carryingFirstDecision: true) { tool, lambeth in
            let alliance = ["--alliance", "lambeth"]
            let ada = ["--token", lambeth.token("ada")]
            let chloe = ["--token", lambeth.token("chloe")]
            let femi = String(lambeth.people["femi"] ?? 0)
            let sam = String(lambeth.people["sam"] ?? 0)

            // Ada adds to SLaM, not to Certitude.
            let added = try await tool.addPerson(
                "Priya", "priya@slam.example.org", partner: "slam", roles: ["finance"],
                as: lambeth.token("ada"))
            try await tool.refuse(
                ["person", "add"] + alliance + ada + [
                    "--name", "Zed", "--email", "zed@certitude.example.org", "--partner", "certitude",
                    "--role",
                    "board",
                ], status: 1, "the people of certitude are their own partner's business")

            // Roles are set to exactly those given, by the person's own partner's admin.
            let roles = try await tool.json(
                ["person", "roles", femi] + alliance + ada + ["--role", "finance", "--role", "auditor"])
            #expect(roles["roles"] as? [String] == ["auditor", "finance"])
            let back = try await tool.succeed(
                ["person", "roles", femi, "--role", "finance", "--format", "csv"] + alliance + ada)
            #expect(back.contains(",femi@slam.example.org,slam,finance,\r\n"), "\(back)")
            try await tool.refuse(
                ["person", "roles", femi, "--role", "board"] + alliance + chloe, status: 1,
                "chloe@certitude.example.org is an admin of certitude")
            try await tool.refuse(
                ["person", "roles", femi, "--role", "board"] + alliance, status: 1,
                "the operator may change roles only while lambeth is being set up")
            try await tool.refuse(
                ["person", "roles", femi, "--role", "boss"] + alliance + ada, status: 2,
                "Please provide one of 'admin', 'finance', 'board' or 'auditor'")
            try await tool.refuse(
                ["person", "roles", "9999", "--role", "finance"] + alliance + ada, status: 3, "9999")

            // Tokens: Ada issues one for her own people, not for Certitude's, and the operator
            // issues none now.
            let priya = try await tool.issueToken(for: added, as: lambeth.token("ada"))
            try await tool.refuse(
                ["token", "issue", "--person", String(lambeth.people["cat"] ?? 0)] + alliance + ada,
                status: 1,
                "the people of certitude are their own partner's business")
            try await tool.refuse(
                ["token", "issue", "--person", String(added)] + alliance, status: 1,
                "the operator may issue tokens (beyond the first of someone appointed by decision) only while"
            )
            try await tool.refuse(
                ["token", "issue", "--operator"] + ada, status: 1, "only the operator issues operator tokens")

            // Revoking: the holder their own; an admin their partner's; no one another partner's.
            try await tool.refuse(
                ["token", "revoke", String(priya.id)] + alliance + chloe, status: 1,
                "chloe@certitude.example.org is an admin of certitude")
            try await tool.refuse(
                ["token", "revoke", String(lambeth.tokens["sam"]?.id ?? 0)] + alliance + [
                    "--token", priya.token,
                ],
                status: 1, "this needs the role admin")
            let own = try await tool.run(
                ["token", "revoke", String(priya.id)] + alliance + ["--token", priya.token])
            #expect(own.status == 0, "\(own.standardError)")
            #expect(own.messages.contains("revoked token \(priya.id)"))
            try await tool.refuse(
                ["spend", "list"] + alliance + ["--token", priya.token], status: 1,
                "--token: the token is unknown or revoked")
            _ = try await tool.succeed(
                ["token", "revoke", String(lambeth.tokens["femi"]?.id ?? 0)] + alliance + ada)
            // The operator revokes any token: an incident.
            _ = try await tool.succeed(
                ["token", "revoke", String(lambeth.tokens["fin"]?.id ?? 0)] + alliance)
            try await tool.refuse(["token", "revoke", "9999"] + alliance + ada, status: 3, "9999")

            // Removing Sam ends his roles and revokes his token; he stays in the list, marked.
            try await tool.refuse(
                ["person", "remove", sam] + alliance + chloe, status: 1, "is an admin of certitude")
            let removed = try await tool.run(["person", "remove", sam, "--format", "json"] + alliance + ada)
            #expect(removed.status == 0, "\(removed.standardError)")
            #expect(removed.messages.contains { $0.contains("every role ended, every token revoked") })
            let person = try #require(
                try JSONSerialization.jsonObject(with: Data(removed.standardOutput.utf8)) as? [String: Any])
            #expect(person["roles"] as? [String] == [])
            #expect(person["removedAt"] is String)
            try await tool.refuse(
                ["decision", "propose"] + alliance + ["--token", lambeth.token("sam"), "--title", "Mine"],
                status: 1,
                "--token: the token is unknown or revoked")
            try await tool.refuse(["person", "remove", sam] + alliance + ada, status: 4, "was removed")
            let people = try await tool.succeed(["person", "list", "--format", "csv"] + alliance + ada)
            #expect(people.contains(",sam@slam.example.org,slam,,20"), "\(people)")

            // People's addresses are for admins and auditors: a board member's token lists none.
            try await tool.refuse(
                ["person", "list"] + alliance + ["--token", lambeth.token("cat")], status: 1,
                "this needs the role admin or auditor")
        }
    }

    @Test func theGovernanceLogShowsAWalkthroughInOrderAndVerifies() async throws {
        try await Self.withLambeth(carryingFirstDecision: true) { tool, lambeth in
            let alliance = ["--alliance", "lambeth"]
            _ = try await tool.succeed(
                [
                    "person", "roles", String(lambeth.people["femi"] ?? 0), "--role", "finance", "--role",
                    "auditor",
                    "--token", lambeth.token("ada"),
                ] + alliance)

            let page = try await tool.json(["audit", "list", "--oldest-first", "--limit", "1000"] + alliance)
            let records = try #require(page["items"] as? [[String: Any]])
            #expect(page["nextCursor"] is NSNull)
            #expect(records.compactMap { $0["sequence"] as? Int64 } == Array(1...Int64(records.count)))
            let kinds = records.compactMap { $0["kind"] as? String }
            // The operator's set-up, the admins' people and tokens, the decision and its votes.
            let setUp: [String] = ["alliance.created", "partner.added", "partner.added", "budgetLine.added"]
            let appointment: [String] = ["person.added", "role.granted", "token.issued"]
            let decision: [String] = ["decision.proposed", "vote.cast", "vote.cast", "decision.closed"]
            var expected = setUp
            for _ in 1...6 { expected += appointment }
            #expect(kinds == expected + decision + ["role.granted"], "\(kinds)")
            let actors = records.compactMap { $0["actor"] as? [String: Any] }
            #expect(actors.prefix(10).allSatisfy { $0["kind"] as? String == "operator" })
            #expect(actors[10]["kind"] as? String == "person")
            #expect(actors[10]["partner"] as? String == "slam")
            #expect(actors[10]["person"] as? Int64 == lambeth.people["ada"])
            #expect(actors[10]["token"] as? Int64 == lambeth.tokens["ada"]?.id)
            let closed = try #require(records.first { $0["kind"] as? String == "decision.closed" })
            #expect((closed["details"] as? [String: Any])?["decision"] as? String == "D-0001")
            #expect((records.last?["details"] as? [String: Any])?["role"] as? String == "auditor")

            // The table names people by address; newest first by default, a page at a time.
            let table = try await tool.run(["audit", "list", "--limit", "2"] + alliance)
            #expect(table.status == 0, "\(table.standardError)")
            let rows = table.standardOutput.split(separator: "\n").map(String.init)
            #expect(rows.first?.hasPrefix("SEQUENCE  RECORDED AT") == true)
            #expect(rows.count == 3)
            #expect(rows[1].contains("role.granted") && rows[1].contains("ada@slam.example.org (person "))
            #expect(rows[1].contains("role=auditor"))
            #expect(table.messages.contains { $0.contains("more records: repeat with --cursor") })
            let csv = try await tool.succeed(
                ["audit", "list", "--oldest-first", "--limit", "1", "--format", "csv"] + alliance)
            #expect(csv.hasPrefix("sequence,recorded_at,kind,actor,partner,details,request_id\r\n1,"))
            #expect(csv.contains(",alliance.created,operator,,"))

            // Auditors and admins read it with their tokens; a finance lead or board member not.
            _ = try await tool.succeed(["audit", "list", "--token", lambeth.token("femi")] + alliance)
            _ = try await tool.succeed(["audit", "verify", "--token", lambeth.token("chloe")] + alliance)
            try await tool.refuse(
                ["audit", "list", "--token", lambeth.token("cat")] + alliance, status: 1,
                "this needs the role admin or auditor")
            try await tool.refuse(
                ["audit", "verify", "--token", lambeth.token("fin")] + alliance, status: 1,
                "this needs the role admin or auditor")

            let verified = try await tool.json(["audit", "verify"] + alliance)
            #expect(verified["ok"] as? Bool == true)
            #expect(verified["records"] as? Int == records.count)
            #expect((verified["headHash"] as? String) == records.last?["hash"] as? String)

            // Tampered with by someone who owns the database: the record is named, exit code 1.
            let owner = try await tool.database.connect()
            try await owner.execute("ALTER TABLE governance_log DISABLE TRIGGER governance_log_append_only")
            try await owner.execute(
                """
                UPDATE governance_log SET details = jsonb_set(details, '{role}', '"admin"')
                WHERE sequence = 12 AND kind = 'role.granted'
                """)
            await owner.close()
            let tampered = try await tool.run(["audit", "verify"] + alliance)
            #expect(tampered.status == 1)
            #expect(tampered.standardOutput.contains("record 12: its hash does not match its content"))
            #expect(
                tampered.messages.contains { $0.contains("the governance log of lambeth does not verify") })
        }
    }
}
