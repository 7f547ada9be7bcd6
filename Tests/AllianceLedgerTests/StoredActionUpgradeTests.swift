import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// A database made by the schema before SQL/0016, whose decisions hold their actions as wire
/// JSON, upgrades in place with `migrate`: every row of every table kept (decisions, votes,
/// entries, budgets, people, the governance log), the journal and the governance log verifying,
/// balances unchanged, each action reading back as the value it was proposed as, and an open
/// decision of before still carrying. And the database refuses an action stored amiss.
@Suite(.timeLimit(.perTest)) struct StoredActionUpgradeTests {
    /// The decisions of the old database, in order: title, the action as the old code stored it
    /// (its wire JSON, `type` and all), and the value it must read back as.
    static func decisions() throws -> [(title: String, wire: String?, action: DecisionAction?)] {
        [
            (
                "Budget",
                #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","#
                    + #""amount":100000},{"partner":"lambeth","budgetLine":"STAFF","amount":50000}]}"#,
                .budgetSet(
                    year: 2025,
                    figures: [
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 100_000),
                        try BudgetSetting(partner: "lambeth", budgetLine: "STAFF", amount: 50_000),
                    ])
            ),
            (
                "Admit Mind",
                #"{"type":"partner.admit","partner":{"slug":"mind","name":"Mind","kind":"vcse"},"#
                    + #""joinedOn":"2025-06-01","admin":null}"#,
                .partnerAdmit(
                    try PartnerRequest(slug: "mind", name: "Mind", kind: .vcse), joinedOn: date(2025, 6, 1),
                    admin: nil)
            ),
            (
                "Settle", #"{"type":"riskShare.settle","year":"FY2025","partnerSide":null}"#,
                .riskShareSettle(year: 2025, partnerSide: nil)
            ),
            (
                "Stand aside",
                #"{"type":"alliance.setSettings","abstention":"stands-aside","localTransparencyThreshold":null,"#
                    + #""centralTransparencyThreshold":null}"#,
                .allianceSetSettings(try AllianceSettings(abstention: .standsAside))
            ),
            ("Minutes", nil, nil),
        ]
    }

    @Test func aDatabaseOfTheSchemaBeforeUpgradesInPlace() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let all = try SchemaMigrator.allianceLedger()
            _ = try await SchemaMigrator(migrations: all.migrations.filter { $0.version < 16 }).migrate(
                database.pool)
            let service = database.makeServicePool(maximumConnections: 2)
            do {
                try await upgrade(database, service: service, migrator: all)
            } catch {
                await service.close()
                throw error
            }
            await service.close()
        }
    }

    private func upgrade(_ database: TestDatabase, service: PostgresPool, migrator: SchemaMigrator)
        async throws
    {
        // The directory and the spend through the library, whose tables 0016 leaves alone.
        let directory = AllianceDirectory(pool: service)
        let alliance = try await directory.create(
            try AllianceRequest(
                slug: "upgraded", name: "Upgraded Alliance", contractStart: date(2025, 4, 1),
                contractEnd: date(2030, 3, 31)))
        try await directory.addBudgetLine(try BudgetLineRequest(code: "STAFF", name: "Staff"), to: alliance)
        for slug in ["slam", "lambeth"] {
            try await directory.addPartner(
                try PartnerRequest(slug: slug, name: slug, kind: .other), to: alliance)
            _ = try await directory.addPerson(
                try PersonRequest(
                    name: "Board \(slug)", email: "board@\(slug).example", partner: slug, roles: [.board]),
                to: alliance)
        }
        let auditor = try await directory.addPerson(
            try PersonRequest(
                name: "Auditor", email: "auditor@slam.example", partner: "slam", roles: [.auditor]),
            to: alliance)
        let spend = SpendBook(ledger: Ledger(pool: service))
        for (partner, amount) in [("slam", Int64(12_345)), ("lambeth", 6_789)] {
            _ = try await spend.record(
                try SpendRequest(
                    partner: partner, budgetLine: "STAFF", amount: amount, incurredOn: date(2025, 5, 14),
                    description: "Agency cover"),
                in: alliance, by: .commandLine)
        }
        // The decisions as the code before 0016 wrote them, through the functions it called.
        try await database.pool.withConnection { owner in
            for decision in try Self.decisions() {
                try await owner.execute(
                    """
                    SELECT decision_open(\(alliance.id.rawValue), \(decision.title), '', \(decision.wire)::jsonb,
                        (SELECT id FROM people WHERE email = 'board@slam.example'), now(), now() + interval '1 day')
                    """)
            }
        }
        try await vote("slam", on: 1, in: database)
        try await vote("lambeth", on: 1, in: database)
        try await vote("slam", on: 4, in: database)
        try await database.pool.withTransaction(.readCommitted) { owner in
            try await owner.execute(
                "UPDATE decisions SET state = 'carried', closed_at = now() WHERE alliance_id = \(alliance.id.rawValue) AND number = 1"
            )
            guard case .budgetSet(let year, let figures) = try Self.decisions()[0].action else { return }
            let id = try await owner.query(
                "SELECT id FROM decisions WHERE alliance_id = \(alliance.id.rawValue) AND number = 1"
            ).single().decode("id", as: Int64.self)
            try await Budgets.apply(
                figures, year: year, decision: id, reference: "D-0001", in: alliance.id, on: owner)
            try await owner.execute(
                """
                UPDATE decisions SET state = 'withdrawn', closed_at = now(), withdrawn_by = proposer_id
                WHERE alliance_id = \(alliance.id.rawValue) AND number = 5
                """)
        }

        let ledger = Ledger(pool: service)
        let balances = try await ledger.balances(in: alliance.id)
        let tables = try await fingerprints(database)
        let decisionRows = try await decisionColumns(database)
        let budgets = try await Budgets(pool: service).history(year: 2025, in: alliance.id)

        _ = try await migrator.migrate(database.pool)

        // Tables that later migrations add (spend_imports, SQL/0017) start empty and are not
        // compared; nor are the trees' nodes, which SQL/0024 carries into tiles (TreeTileTests
        // checks the roots they make; the journal and the log verify below).
        let kept = tables.filter { !$0.key.hasSuffix("_tree_nodes") }
        #expect(
            try await fingerprints(database).filter { kept.keys.contains($0.key) } == kept,
            "every other table as it was, row for row")
        #expect(
            try await decisionColumns(database) == decisionRows, "every decision as it was, but its action")
        #expect(try await ledger.balances(in: alliance.id) == balances)
        #expect(try await Budgets(pool: service).history(year: 2025, in: alliance.id) == budgets)
        let journal = try await ledger.verify(alliance.id)
        #expect(journal.entries == 2 && journal.firstMismatch == nil && journal.balanceDrifts.isEmpty)
        let log = try await GovernanceLog(pool: service).verify(
            alliance.id, by: Caller(identity: .person(auditor), tokenID: nil))
        #expect(log.ok)
        // Each action as stored now: its type and format in columns, its fields less `type`.
        try await database.pool.withConnection { owner in
            for (index, decision) in try Self.decisions().enumerated() {
                let row = try await owner.query(
                    """
                    SELECT action_type, action_format,
                           (action || jsonb_build_object('type', action_type)) = \(decision.wire)::jsonb AS same,
                           action ? 'type' AS typed
                    FROM decisions WHERE alliance_id = \(alliance.id.rawValue) AND number = \(Int32(index + 1))
                    """
                ).single()
                #expect(try row.decode("action_type", as: String?.self) == decision.action?.type)
                #expect(try row.decode("action_format", as: Int16?.self) == decision.action.map { _ in 1 })
                #expect(try row.decode("same", as: Bool?.self) ?? (decision.wire == nil), "\(decision.title)")
                #expect(try row.decode("typed", as: Bool?.self) != true)
            }
        }

        // The library reads every decision back as it was proposed, with its votes.
        let decisions = Decisions(pool: service)
        let read = try await decisions.list(in: alliance, page: try PageRequest(order: .oldestFirst)).items
        #expect(read.map(\.title) == (try Self.decisions().map(\.title)))
        #expect(read.map(\.action) == (try Self.decisions().map(\.action)))
        #expect(read.map(\.state) == [.carried, .open, .open, .open, .withdrawn])
        #expect(read.map { $0.votes.count } == [2, 0, 0, 1, 0])
        guard case .budgetChanges(2025, let changes) = read[0].effect else {
            Issue.record("D-0001's effect is \(String(describing: read[0].effect))")
            return
        }
        #expect(changes.map(\.amount) == [50_000, 100_000] || changes.map(\.amount) == [100_000, 50_000])
        // An open decision of before carries under the new code, and applies its action.
        let members = try await Board.boardMembers(in: alliance, pool: service)
        let carried = try await decisions.vote(
            .approve, on: .number(4), in: alliance, by: Board.caller(try #require(members["lambeth"])))
        #expect(carried.state == .carried)
        #expect(carried.effect == .settingsChanged(try AllianceSettings(abstention: .standsAside)))
        // And a new one is stored in the new form.
        let budget = try await Board.carry(
            .budgetSet(
                year: 2025, figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 7)]),
            in: alliance, pool: service)
        #expect(budget.state == .carried)
        #expect(try await ledger.verify(alliance.id).firstMismatch == nil)
    }

    /// The database holds the stored form's rules as well as the library: a known type, all
    /// three parts or none, fields without `type`, and nothing of it changing once open.
    @Test func theDatabaseRefusesAnActionStoredAmiss() async throws {
        try await BoardFixture.with { fixture in
            let settings = try AllianceSettings(abstention: .standsAside)
            let open = try await fixture.propose(.allianceSetSettings(settings))
            let owner = fixture.directory.database.pool
            let proposer = try #require(fixture.members["slam"]).id
            for (type, format, body, constraint): (String?, Int16?, String?, String) in [
                ("budget.delete", 1, "{}", "decisions_action_type_fkey"),
                ("riskShare.settle", nil, #"{"year":"FY2025"}"#, "decisions_action_stored"),
                (
                    "riskShare.settle", 1, #"{"type":"riskShare.settle","year":"FY2025"}"#,
                    "decisions_action_fields"
                ),
                ("riskShare.settle", 0, #"{"year":"FY2025"}"#, "decisions_action_format_positive"),
            ] {
                let error = await #expect(throws: PostgresError.self, "\(constraint)") {
                    try await owner.withConnection { connection in
                        try await connection.execute(
                            """
                            SELECT decision_open(\(fixture.alliance.id.rawValue), 'Amiss', '', \(type), \(format),
                                                 \(body)::jsonb, \(proposer), now(), now() + interval '1 day')
                            """)
                    }
                }
                #expect(error?.violates(constraint: constraint) == true, "\(String(describing: error))")
            }
            for change: PostgresQuery in [
                "UPDATE decisions SET action_format = 2 WHERE id = \(open.id)",
                "UPDATE decisions SET action = action || '{\"abstention\": \"blocks\"}' WHERE id = \(open.id)",
                "UPDATE decisions SET action_type = 'budget.set' WHERE id = \(open.id)",
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await owner.withConnection { try await $0.execute(change) }
                }
                #expect(error?.sqlState == .insufficientPrivilege, "\(String(describing: error))")
            }
            let read = try await fixture.decisions.decision(.id(open.id), in: fixture.alliance)
            #expect(read.action == .allianceSetSettings(settings))
        }
    }

    /// A board member's approval, as the old code cast it: under the appointment the decision
    /// opened with.
    private func vote(_ partner: String, on number: Int32, in database: TestDatabase) async throws {
        try await database.pool.withConnection { owner in
            try await owner.execute(
                """
                INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, appointment_id, vote, cast_at)
                SELECT d.alliance_id, d.id, b.partner_id, r.person_id, b.appointment_id, 'approve', now()
                FROM decisions AS d
                JOIN decision_board AS b ON b.alliance_id = d.alliance_id AND b.decision_id = d.id
                JOIN partners AS p ON p.alliance_id = b.alliance_id AND p.id = b.partner_id AND p.slug = \(partner)
                JOIN person_roles AS r ON r.alliance_id = b.alliance_id AND r.grant_id = b.appointment_id
                WHERE d.number = \(number)
                """)
        }
    }

    /// Every table but `decisions` (and the migrations' own records), row for row.
    private func fingerprints(_ database: TestDatabase) async throws -> [String: String] {
        try await database.pool.withConnection { owner in
            let tables = try await owner.query(
                """
                SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                  AND tablename NOT IN ('decisions', 'schema_migrations', 'decision_action_types')
                ORDER BY tablename
                """
            ).map { try $0.decode("tablename", as: String.self) }
            var prints: [String: String] = [:]
            for table in tables {
                prints[table] = try await owner.query(
                    """
                    SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS print
                    FROM \(identifier: table) AS t
                    """
                ).single().decode("print")
            }
            return prints
        }
    }

    /// Every column of every decision but those that hold its action.
    private func decisionColumns(_ database: TestDatabase) async throws -> [String] {
        try await database.pool.withConnection { owner in
            try await owner.query(
                """
                SELECT (to_jsonb(d) - 'action' - 'action_type' - 'action_format')::text AS row
                FROM decisions AS d ORDER BY id
                """
            ).map { try $0.decode("row", as: String.self) }
        }
    }
}
