import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// No one person acts for two partners: a partner's people are its own admins' business, the
/// operator steps back at the first carried decision, votes need a live board appointment, and
/// every governing act is in the alliance's hash-chained governance log. The database holds
/// each rule as well as the library.
@Suite(.timeLimit(.perTest)) struct SeparationOfDutiesTests {
    /// What a tester did as a sock puppet of every partner, step by step: each step is refused
    /// and changes nothing.
    @Test func anAdminOfOnePartnerCannotActForAnother() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let admin = try fixture.caller("admin")
            let alliance = board.alliance
            // The admin may make themselves a board member and finance lead of their own partner.
            let adminPerson = try await fixture.directory.setRoles(
                [.admin, .board, .finance], of: try #require(fixture.people["admin"]).id, in: alliance,
                by: admin)
            let puppeteer = Caller(identity: .person(adminPerson), tokenID: nil)
            let before = try await fixture.snapshot()

            // A board member (or finance lead) for another partner.
            for partner in ["slam", "lambeth", "certitude", "thamesreach"] {
                await #expect(throws: LedgerError.self) {
                    try await fixture.directory.addPerson(
                        try PersonRequest(
                            name: "Puppet", email: "puppet.\(partner)@example.org", partner: partner,
                            roles: [.board]),
                        to: alliance, by: puppeteer)
                }
            }
            // A token for another partner's board member.
            let slamBoard = try #require(fixture.people["board-slam"])
            await #expect(throws: LedgerError.self) {
                try await TokenStore(pool: board.pool).issue(for: slamBoard, by: puppeteer)
            }
            // Roles for another partner's person.
            await #expect(throws: LedgerError.self) {
                try await fixture.directory.setRoles(
                    [.board, .admin], of: slamBoard.id, in: alliance, by: puppeteer)
            }
            await #expect(throws: LedgerError.self) {
                try await fixture.directory.removePerson(slamBoard.id, in: alliance, by: puppeteer)
            }
            // Spend in another partner's books.
            await #expect(throws: LedgerError.self) {
                try await SpendBook(ledger: Ledger(pool: board.pool)).record(
                    try SpendRequest(
                        partner: "lambeth", budgetLine: "STAFF", amount: 100, incurredOn: date(2025, 5, 14),
                        description: "Not ours"),
                    in: alliance, by: puppeteer)
            }
            #expect(try await fixture.snapshot() == before)

            // A budget of £9,999,999,999 for their own partner, then votes as the others.
            let greedy = try await board.decisions.propose(
                try DecisionProposal(
                    title: "Everything to us", closesAt: board.later(3600),
                    action: .budgetSet(
                        year: 2025,
                        figures: [
                            try BudgetSetting(
                                partner: "sel-icb", budgetLine: "STAFF", amount: 999_999_999_900)
                        ]
                    )),
                in: alliance, by: puppeteer)
            for partner in ["slam", "lambeth", "certitude", "thamesreach"] {
                board.tick()
                await #expect(throws: LedgerError.self) {
                    try await board.decisions.vote(
                        .approve, on: .id(greedy.id), in: alliance, by: puppeteer, for: partner)
                }
            }
            board.tick()
            let own = try await board.decisions.vote(
                .approve, on: .id(greedy.id), in: alliance, by: puppeteer)
            #expect(own.state == .open && own.tally.approve == 1)
        }
    }

    @Test func theOperatorStepsBackAtTheFirstCarriedDecision() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let alliance = board.alliance
            let tokens = TokenStore(pool: board.pool)
            #expect(try await AllianceSetup.isOpen(alliance.id, pool: board.pool))
            // While set up, the operator adds people of any partner and issues their tokens.
            let early = try await fixture.directory.addPerson(
                try PersonRequest(
                    name: "Early", email: "early@example.org", partner: "certitude", roles: [.finance]),
                to: alliance)
            let earlyToken = try await tokens.issue(for: early)

            try await Board.carry(nil, title: "The alliance is set up", in: alliance, pool: board.pool)
            #expect(try await AllianceSetup.isOpen(alliance.id, pool: board.pool) == false)
            let before = try await fixture.snapshot()
            let refusals: [(String, @Sendable () async throws -> Void)] = [
                (
                    "add a person",
                    {
                        try await fixture.directory.addPerson(
                            try PersonRequest(
                                name: "Late", email: "late@example.org", partner: "slam", roles: [.board]),
                            to: alliance)
                    }
                ),
                (
                    "change roles",
                    {
                        _ = try await fixture.directory.setRoles(
                            [.board], of: early.id, in: alliance, by: .commandLine)
                    }
                ),
                (
                    "add a partner",
                    {
                        try await fixture.directory.addPartner(
                            try PartnerRequest(slug: "late", name: "Late CIC", kind: .vcse), to: alliance)
                    }
                ),
                (
                    "add a budget line",
                    {
                        try await fixture.directory.addBudgetLine(
                            try BudgetLineRequest(code: "LATE", name: "Late"), to: alliance)
                    }
                ),
                ("issue a token", { _ = try await tokens.issue(for: early) }),
                (
                    "record spend",
                    {
                        _ = try await SpendBook(ledger: Ledger(pool: board.pool)).record(
                            try SpendRequest(
                                partner: "slam", budgetLine: "STAFF", amount: 100,
                                incurredOn: date(2025, 5, 14),
                                description: "By the operator"),
                            in: alliance, by: .commandLine)
                    }
                ),
            ]
            for (what, attempt) in refusals {
                let refusal = await #expect(throws: LedgerError.self, "\(what)") { try await attempt() }
                #expect("\(refusal.map { "\($0)" } ?? "")".contains("being set up"), "\(what)")
            }
            #expect(try await fixture.snapshot() == before)
            // An incident: the operator still revokes any token.
            let caller = try await tokens.authenticate(earlyToken)
            let revoked = try await tokens.revoke(
                try #require(caller.tokenID), in: alliance, by: .commandLine)
            #expect(revoked.revokedAt != nil)
        }
    }

    @Test func aPartnerAdmittedByDecisionGetsItsAdminByDecision() async throws {
        try await BoardFixture.with { board in
            let alliance = board.alliance
            let admitted = try await Board.carry(
                .partnerAdmit(
                    try PartnerRequest(slug: "mind", name: "Lambeth and Southwark Mind", kind: .vcse),
                    joinedOn: date(2025, 10, 1),
                    admin: try Appointee(name: "Maya", email: "maya@mind.example")),
                in: alliance, pool: board.pool)
            #expect(admitted.state == .carried)
            let people = try await board.directory.directory.people(in: alliance.id)
            let maya = try #require(people.first { $0.email == "maya@mind.example" })
            #expect(maya.partner == "mind" && maya.roles == [.admin])

            // The operator issues the appointee's first token, and no second.
            let tokens = TokenStore(pool: board.pool)
            let token = try await tokens.issue(for: maya)
            await #expect(throws: LedgerError.self) { try await tokens.issue(for: maya) }
            // With it, Maya runs her own partner: its board member, their token.
            let mayaCaller = try await tokens.authenticate(token)
            let member = try await board.directory.directory.addPerson(
                try PersonRequest(name: "Moe", email: "moe@mind.example", partner: "mind", roles: [.board]),
                to: alliance, by: mayaCaller)
            _ = try await tokens.issue(for: member, by: mayaCaller)
            // … and nobody else's.
            await #expect(throws: LedgerError.self) {
                try await board.directory.directory.addPerson(
                    try PersonRequest(
                        name: "Sly", email: "sly@slam.example", partner: "slam", roles: [.board]),
                    to: alliance, by: mayaCaller)
            }
            // A proposal to admit a partner must name its first admin.
            await #expect(
                throws: LedgerError.invalidField(
                    "action.admin",
                    reason: "is required: the new partner's first admin, {\"name\", \"email\"}")
            ) {
                try await board.propose(
                    .partnerAdmit(
                        try PartnerRequest(slug: "headless", name: "Headless", kind: .other),
                        joinedOn: date(2025, 10, 1), admin: nil))
            }
        }
    }

    @Test func aPartnerWithoutAnAdminGetsOneByDecisionAndAnAuditorNeedsNoPartner() async throws {
        try await BoardFixture.with { board in
            let alliance = board.alliance
            // Certitude has no admin; sel-icb has one already.
            await #expect(throws: LedgerError.self) {
                try await board.propose(
                    .partnerAppointAdmin(
                        partner: "sel-icb", person: try Appointee(name: "Sam", email: "sam@sel.example")))
            }
            let appointed = try await Board.carry(
                .partnerAppointAdmin(
                    partner: "certitude", person: try Appointee(name: "Cat", email: "cat@certitude.example")),
                in: alliance, pool: board.pool)
            guard case .personAppointed(_, let cat) = appointed.effect else {
                Issue.record("no appointment: \(String(describing: appointed.effect))")
                return
            }
            #expect(cat.partner == "certitude" && cat.roles == [.admin])

            let auditor = try await Board.carry(
                .auditorAppoint(try Appointee(name: "Ext Auditor", email: "audit@nao.example")), in: alliance,
                pool: board.pool)
            guard case .personAppointed(_, let external) = auditor.effect else {
                Issue.record("no appointment: \(String(describing: auditor.effect))")
                return
            }
            #expect(external.partner == nil && external.roles == [.auditor])
            let token = try await TokenStore(pool: board.pool).issue(for: external)
            let caller = try await TokenStore(pool: board.pool).authenticate(token)
            try caller.require([.auditor], in: alliance.id)

            let line = try await Board.carry(
                .budgetLineAdd(try BudgetLineRequest(code: "PEER", name: "Peer support")), in: alliance,
                pool: board.pool)
            #expect(line.state == .carried)
            #expect(
                try await board.directory.directory.budgetLine("PEER", in: alliance.id).name == "Peer support"
            )
            let accounts = try await Ledger(pool: board.pool).accounts(in: alliance.id).map(\.code.rawValue)
            #expect(accounts.contains("partner:slam:cost:PEER"))

            let settings = try await Board.carry(
                .allianceSetSettings(try AllianceSettings(abstention: .standsAside)), in: alliance,
                pool: board.pool)
            #expect(settings.state == .carried)
            #expect(try await board.directory.directory.find(slug: alliance.slug).abstention == .standsAside)
        }
    }

    /// A vote is cast under a board appointment that held when the decision opened and still
    /// holds: a removed member cannot vote, and nor can one appointed after it opened.
    @Test func aVoteNeedsALiveAppointment() async throws {
        try await BoardFixture.with { board in
            let alliance = board.alliance
            let decision = try await board.propose(title: "Who may vote", closingInSeconds: 600)
            let slamBoard = try #require(board.members["slam"])
            // Still setting up: the operator removes slam's only board member.
            _ = try await board.directory.directory.removePerson(slamBoard.id, in: alliance, by: .commandLine)
            let late = try await board.directory.directory.addPerson(
                try PersonRequest(name: "Late", email: "late@slam.example", partner: "slam", roles: [.board]),
                to: alliance)
            board.tick()
            let refusal = await #expect(throws: LedgerError.self) {
                try await board.decisions.vote(
                    .approve, on: .id(decision.id), in: alliance, by: Board.caller(late))
            }
            #expect("\(refusal.map { "\($0)" } ?? "")".contains("when D-0001 opened"))
            for partner in ["sel-icb", "lambeth", "certitude", "thamesreach"] {
                board.tick()
                try await board.vote(.approve, partner, on: decision)
            }
            // Slam cannot vote, so the decision lapses at its closing time.
            board.clock.advance(seconds: 3600)
            #expect(try await board.decisions.decision(.id(decision.id), in: alliance).state == .lapsed)
            // The removed member's token and roles are gone.
            let removed = try await board.directory.directory.person(slamBoard.id, in: alliance.id)
            #expect(removed.roles.isEmpty && removed.removedAt != nil)
        }
    }

    /// Every governing act lands in the log, in order, with who did it; the chain the database
    /// wrote is recomputed here independently, and any edit is found.
    @Test func theGovernanceLogRecordsEveryActAndItsChainVerifies() async throws {
        try await BoardFixture.with { board in
            let alliance = board.alliance
            let log = GovernanceLog(pool: board.pool)
            let decision = try await Board.carry(
                .budgetSet(
                    year: 2025,
                    figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 1_000)]),
                in: alliance, pool: board.pool)
            #expect(decision.state == .carried)
            // A reason the database and the library must write alike: quotes, a backslash, a
            // newline, a control character, an accent.
            let objected = try await board.propose(title: "Escapes")
            board.tick()
            try await board.vote(.object, "slam", on: objected, reason: "Not \"yet\" \\ — é\nnext\u{1F}")
            let records = try await log.records(
                in: alliance.id, page: try PageRequest(limit: 1000, order: .oldestFirst), by: .commandLine
            ).items
            let kinds = records.map(\.kind)
            #expect(kinds.first == "alliance.created")
            #expect(kinds.filter { $0 == "partner.added" }.count == 5)
            #expect(kinds.filter { $0 == "budgetLine.added" }.count == 2)
            #expect(kinds.contains("person.added") && kinds.contains("role.granted"))
            #expect(
                Array(kinds.suffix(10)) == [
                    "decision.proposed", "vote.cast", "vote.cast", "vote.cast", "vote.cast", "vote.cast",
                    "budget.changed", "decision.closed", "decision.proposed", "vote.cast",
                ])
            #expect(records.last?.details["reason"] == "Not \"yet\" \\ — é\nnext\u{1F}")
            #expect(records.map(\.sequence) == Array(1...Int64(records.count)))
            let closed = records[records.count - 3]
            #expect(closed.details["decision"] == "D-0001" && closed.details["state"] == "carried")
            #expect(closed.actor.kind == "person" && closed.actor.partner != nil)
            let change = records[records.count - 4]
            #expect(change.actor.kind == "decision" && change.details["amount"] == "1000")
            #expect(records.allSatisfy { $0.hash == $0.expectedHash })

            let verified = try await log.verify(alliance.id, by: .commandLine)
            #expect(
                verified.ok && verified.records == Int64(records.count)
                    && verified.headHash == records.last?.hash)

            // An edit behind the database's back is found, at the record edited.
            try await board.directory.database.pool.withConnection { owner in
                try await owner.execute(
                    "ALTER TABLE governance_log DISABLE TRIGGER governance_log_append_only")
                try await owner.execute(
                    """
                    UPDATE governance_log SET details = jsonb_set(details, '{amount}', '"999999"')
                    WHERE kind = 'budget.changed'
                    """)
            }
            let tampered = try await log.verify(alliance.id, by: .commandLine)
            #expect(tampered.firstMismatch?.sequence == change.sequence)
        }
    }

    @Test func theDatabaseRefusesWhatTheLibraryRefuses() async throws {
        try await BoardFixture.with { board in
            let fixture = board.directory
            let alliance = board.alliance.id.rawValue
            let admin = try #require(fixture.people["admin"]).id
            let slamFinance = try #require(fixture.people["finance-slam"]).id
            let slamBoard = try #require(board.members["slam"]).id
            let open = try await board.propose(title: "Open for votes")
            try await fixture.expectDatabaseRefuses([
                // A role granted by an admin of another partner, or by the migration.
                """
                INSERT INTO role_grants (alliance_id, person_id, role, grantor, grantor_person_id)
                VALUES (\(alliance), \(slamFinance), 'board', 'admin', \(admin))
                """,
                "INSERT INTO role_grants (alliance_id, person_id, role, grantor) VALUES (\(alliance), \(slamFinance), 'board', 'migration')",
                // A role granted by a decision that did not appoint it.
                """
                INSERT INTO role_grants (alliance_id, person_id, role, grantor, grantor_decision_id)
                VALUES (\(alliance), \(slamFinance), 'admin', 'decision', \(open.id))
                """,
                // A vote under an appointment the decision did not open with, or someone else's.
                """
                INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, appointment_id, vote, cast_at)
                SELECT \(alliance), \(open.id), p.partner_id, \(slamFinance), g.id, 'approve', now()
                FROM people AS p, role_grants AS g
                WHERE p.alliance_id = \(alliance) AND p.id = \(slamFinance) AND g.alliance_id = \(alliance)
                  AND g.person_id = \(slamBoard) AND g.role = 'board'
                """,
                // The log: only through its function, never as the migration, never edited.
                """
                INSERT INTO governance_log (alliance_id, sequence, kind, actor, details, recorded_at, hash)
                VALUES (\(alliance), 999, 'forged.record', 'service', '{}', now(), '\\x00')
                """,
                "SELECT governance_append(\(alliance), 'role.granted', 'migration', NULL, NULL, '{}', NULL)",
                "UPDATE governance_log SET kind = 'forged.record'",
                "DELETE FROM governance_log",
                // People, tokens: no edits, no un-revoking.
                "UPDATE people SET name = 'Someone else' WHERE alliance_id = \(alliance)",
                "UPDATE api_tokens SET token_hash = token_hash",
            ])
            try await Board.carry(nil, in: board.alliance, pool: board.pool)
            try await fixture.expectDatabaseRefuses([
                // After set-up: partners and lines only by decision, roles never by the operator.
                """
                INSERT INTO partners (alliance_id, slug, name, kind, joined_on)
                VALUES (\(alliance), 'late', 'Late CIC', 'vcse', '2025-06-01')
                """,
                "INSERT INTO budget_lines (alliance_id, code, name) VALUES (\(alliance), 'LATE', 'Late')",
                "INSERT INTO role_grants (alliance_id, person_id, role, grantor) VALUES (\(alliance), \(slamFinance), 'board', 'operator')",
                """
                INSERT INTO api_tokens (alliance_id, person_id, token_hash, issuer)
                VALUES (\(alliance), \(slamFinance), '\\x\(String(repeating: "ab", count: 32))', 'operator')
                """,
                "UPDATE alliances SET abstention = 'stands-aside' WHERE id = \(alliance)",
            ])
        }
    }

    /// A database from before: its roles start the log (granted by "the migration"), its votes
    /// name their appointments, and its tokens keep working.
    @Test func theMigrationCarriesPeopleRolesVotesAndTokensForward() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let all = try SchemaMigrator.allianceLedger()
            _ = try await SchemaMigrator(migrations: all.migrations.filter { $0.version < 9 }).migrate(
                database.pool)
            try await database.pool.withConnection { owner in
                for statement: PostgresQuery in [
                    "INSERT INTO alliances (slug, name) VALUES ('before', 'Before 0.5')",
                    """
                    INSERT INTO partners (alliance_id, slug, name, kind, joined_on)
                    SELECT id, 'slam', 'SLaM', 'nhs-provider', '2025-04-01' FROM alliances
                    """,
                    """
                    INSERT INTO people (alliance_id, name, email, partner_id)
                    SELECT alliance_id, 'Bo', 'bo@slam.example', id FROM partners
                    """,
                    """
                    INSERT INTO person_roles (alliance_id, person_id, role)
                    SELECT alliance_id, id, r FROM people, unnest(ARRAY['admin', 'board']) AS r
                    """,
                    """
                    INSERT INTO api_tokens (alliance_id, person_id, token_hash)
                    SELECT alliance_id, id, sha256(convert_to('alt_from-before', 'UTF8')) FROM people
                    """,
                    """
                    SELECT decision_open(alliance_id, 'Before', '', NULL, id, now(), now() + interval '1 day')
                    FROM people
                    """,
                    """
                    INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, vote, cast_at)
                    SELECT p.alliance_id, d.id, p.partner_id, p.id, 'approve', now() FROM people AS p, decisions AS d
                    """,
                ] {
                    try await owner.execute(statement)
                }
            }
            _ = try await all.migrate(database.pool)
            let facts = try await database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT (SELECT string_agg(role || ':' || grantor, ',' ORDER BY role) FROM role_grants) AS grants,
                           (SELECT count(*) FROM decision_votes WHERE appointment_id IS NOT NULL) AS linked,
                           (SELECT string_agg(kind || ':' || actor, ',' ORDER BY sequence) FROM governance_log) AS log
                    """
                ).single()
            }
            #expect(try facts.decode("grants", as: String.self) == "admin:migration,board:migration")
            #expect(try facts.decode("linked", as: Int64.self) == 1)
            #expect(
                try facts.decode("log", as: String.self) == "role.granted:migration,role.granted:migration")
            let service = database.makeServicePool(maximumConnections: 2)
            let caller = try await TokenStore(pool: service).authenticate("alt_from-before")
            guard case .person(let bo) = caller.identity else {
                Issue.record("the token names no person")
                await service.close()
                return
            }
            #expect(bo.roles == [.admin, .board] && bo.partner == "slam")
            let alliance = try await AllianceDirectory(pool: service).find(slug: "before")
            #expect(try await GovernanceLog(pool: service).verify(alliance.id, by: .commandLine).ok)
            await service.close()
        }
    }

    /// The database hashes a record over the canonical JSON that `governance_canonical` writes
    /// (SQL/0009), the library over what ``CanonicalJSON`` writes: the two are the same bytes for
    /// every text a record's details can hold, every control character included, so `audit
    /// verify` finds every hash the database made.
    @Test func theDatabaseAndTheLibraryWriteTheSameCanonicalJSON() async throws {
        try await DirectoryFixture.with { fixture in
            let alliance = fixture.alliance.id
            let texts = [
                String((1..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }), "\"\\/ '<>&",
                "\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}", "\u{E9} e\u{301} \u{20AC} \u{FB33}",
                "\u{1F600} \u{10000} \u{10FFFF}",
                "", "line\r\nbreak\ttab",
            ]
            for (index, text) in texts.enumerated() {
                let details = String(
                    decoding: try JSONValue.object([
                        (key: "text", value: .string(text)), (key: "index", value: .string(String(index))),
                        (key: "aUpper", value: "Upper"),
                    ]).canonicalBytes(), as: UTF8.self)
                _ = try await fixture.database.pool.withConnection { connection in
                    try await connection.query(
                        """
                        SELECT governance_append(\(alliance.rawValue), 'test.canonical', 'operator', NULL, NULL,
                                                 \(details)::jsonb, \("req-\(index)"))
                        """)
                }
            }
            let rows = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT governance_canonical(\(alliance.rawValue), sequence, kind, actor, actor_person_id,
                               actor_partner, actor_token_id, details, request_id, recorded_at, previous_hash)
                               AS canonical,
                           \(GovernanceLog.columns)
                    FROM governance_log WHERE alliance_id = \(alliance.rawValue) AND kind = 'test.canonical'
                    ORDER BY sequence
                    """)
            }
            #expect(rows.count == texts.count)
            for row in rows {
                let record = try GovernanceLog.record(row, alliance: alliance)
                let canonical = try row.decode("canonical", as: String.self)
                #expect(Array(record.canonicalJSON.utf8) == Array(canonical.utf8))
                #expect(record.expectedHash == record.hash)
                #expect(CanonicalJSON.isCanonical(Array(canonical.utf8)))
            }
            #expect(try await GovernanceLog(pool: fixture.pool).verify(alliance, by: .commandLine).ok)
        }
    }

    @Test func canonicalJSONEscapesAsRFC8785AndSortsByCodeUnits() throws {
        let record = GovernanceRecord(
            alliance: AllianceID(3), sequence: 2, kind: "vote.cast",
            actor: .init(kind: "person", person: 7, partner: "slam", token: nil),
            details: ["reason": "line\nbreak \"quoted\" \\ tab\t\u{1}é", "decision": "D-0001", "B": "upper"],
            requestID: "req-1", recordedAt: Timestamp(microsecondsSince1970: 1_746_100_800_000_001),
            previousHash: Digest(Array(repeating: 0xAB, count: 32)),
            hash: Digest(Array(repeating: 0, count: 32)))
        let actor = #"{"actor":{"kind":"person","partner":"slam","person":7,"token":null},"alliance":3,"#
        let details =
            #""details":{"B":"upper","decision":"D-0001","reason":"line\nbreak \"quoted\" \\ tab\t\u0001é"},"#
        let hash = String(repeating: "ab", count: 32)
        let rest =
            #""kind":"vote.cast","previousHash":""# + hash
            + #"","recordedAt":"2025-05-01T12:00:00.000001Z","requestId":"req-1","sequence":2}"#
        #expect(record.canonicalJSON == actor + details + rest)
    }
}
