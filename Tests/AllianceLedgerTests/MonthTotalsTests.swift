import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import AllianceLedger

/// The month totals statements are read from (SQL/0010) stay equal to the postings however
/// entries arrive: counted at once by default, or once at commit when a transaction that appends
/// in many statements asks for it (SQL/0012), as the spend import does; the balances then move
/// at commit too, once each (SQL/0023).
@Suite(.timeLimit(.perTest)) struct MonthTotalsTests {
    static let accounts: [(String, AccountType, Int64?)] = [
        ("partner:slam:cost:STAFF", .expense, nil), ("partner:slam:funding", .liability, nil),
    ]

    /// Cells where the month totals and the postings, summed afresh, disagree (a reversal counted
    /// in the month of what it reverses); none when the totals are right.
    static func disagreements(in fixture: LedgerFixture) async throws -> Int64 {
        try await fixture.database.pool.withConnection { connection in
            try await connection.query(
                """
                WITH fresh AS (
                    SELECT p.alliance_id, p.account_id,
                           date_trunc('month', coalesce(r.effective_on, e.effective_on))::date AS month, e.kind,
                           sum(p.amount)::bigint AS net, count(*)::integer AS postings
                    FROM postings AS p
                    JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
                    LEFT JOIN journal_entries AS r ON r.alliance_id = e.alliance_id AND r.sequence = e.reverses
                    GROUP BY 1, 2, 3, 4),
                kept AS (SELECT alliance_id, account_id, month, kind, net, postings FROM account_month_totals)
                SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) AS missing)
                     + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) AS extra) AS cells
                """
            ).single().decode("cells", as: Int64.self)
        }
    }

    static func cells(_ connection: PostgresConnection) async throws -> Int64 {
        try await connection.query("SELECT count(*) AS cells FROM account_month_totals").single()
            .decode("cells", as: Int64.self)
    }

    /// Three entries in three statements of one transaction, over two months.
    static func appendThree(_ fixture: LedgerFixture, on connection: PostgresConnection) async throws {
        for (amount, day) in [(1000, date(2025, 5, 14)), (250, date(2025, 5, 20)), (75, date(2025, 6, 2))] {
            _ = try await LedgerStore.append(
                try fixture.transfer(
                    Int64(amount), from: "partner:slam:funding", to: "partner:slam:cost:STAFF", on: day),
                to: fixture.alliance, on: connection)
        }
    }

    /// A reversal counts in the month of the entry it reverses, folded at commit too (where
    /// SQL/0028 looks the original up for reversals alone), alone in its statement and after 40
    /// other entries in it.
    @Test func aReversalFoldedAtCommitCountsInItsOriginalsMonth() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            for fillers in [0, 40] {
                let original = try await fixture.ledger.post(
                    try fixture.transfer(100, from: "partner:slam:funding", to: "alliance:bank"),
                    to: fixture.alliance)
                try await HandEntry.append(
                    {
                        $0.kind = "reversal"
                        $0.reverses = original.entry.sequence
                        $0.effectiveOn = date(2025, 6, 2)
                        $0.postings = original.entry.postings.map { ($0.accountID, -$0.amount) }
                    }, after: fillers, bulk: true, fixture: fixture)
                #expect(try await Self.disagreements(in: fixture) == 0, "after \(fillers)")
            }
            let june = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) AS cells FROM account_month_totals WHERE month = '2025-06-01' AND kind = 'reversal'"
                ).single().decode("cells", as: Int64.self)
            }
            #expect(june == 0)
        }
    }

    @Test func atCommitCountsNothingUntilTheTransactionCommitsThenEveryCell() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
                try await Self.appendThree(fixture, on: connection)
                #expect(try await Self.cells(connection) == 0)
            }
            #expect(try await Self.disagreements(in: fixture) == 0)
            let cells = try await fixture.database.pool.withConnection { try await Self.cells($0) }
            // Two accounts × two months, all of kind spend.
            #expect(cells == 4)
            let pending = try await fixture.database.pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS n FROM month_totals_pending").single()
                    .decode("n", as: Int64.self)
            }
            #expect(pending == 0)
        }
    }

    /// The noted ranges' table, which every appending transaction empties, keeps its pages
    /// through a VACUUM (SQL/0029): giving them back took a lock every writer waited for, held
    /// across a flush of the WAL.
    @Test func vacuumKeepsThePendingRangesPages() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
                try await Self.appendThree(fixture, on: connection)
            }
            try await fixture.database.pool.withConnection { connection in
                try await connection.execute("VACUUM month_totals_pending")
                let rows = try await connection.query("SELECT count(*) AS n FROM month_totals_pending")
                    .single()
                    .decode("n", as: Int64.self)
                let bytes = try await connection.query(
                    "SELECT pg_relation_size('month_totals_pending') AS bytes"
                ).single().decode("bytes", as: Int64.self)
                #expect(rows == 0)
                #expect(bytes > 0)
                // And the other small tables every write updates in place.
                var kept: Set<String> = []
                for row in try await connection.query(
                    """
                    SELECT c.relname FROM pg_class AS c, pg_options_to_table(c.reloptions) AS o
                    WHERE o.option_name = 'vacuum_truncate' AND NOT o.option_value::boolean
                    """)
                {
                    kept.insert(try row.decode("relname"))
                }
                #expect(
                    kept == [
                        "month_totals_pending", "journal_heads", "account_balances", "account_month_totals",
                        "journal_tree_tiles",
                    ])
            }
        }
    }

    /// Every balance of the alliance by account code, as the transaction sees them.
    static func balances(_ fixture: LedgerFixture, on connection: PostgresConnection) async throws -> [String:
        Int64]
    {
        var balances: [String: Int64] = [:]
        for row in try await connection.query(
            """
            SELECT a.code, b.balance FROM account_balances AS b
            JOIN accounts AS a ON a.alliance_id = b.alliance_id AND a.id = b.account_id
            WHERE b.alliance_id = \(fixture.alliance.rawValue)
            """)
        {
            balances[try row.decode("code")] = try row.decode("balance")
        }
        return balances
    }

    /// How many balance rows have been updated on this connection: this transaction's updates
    /// and, in PostgreSQL 15, those of earlier transactions whose statistics the session has
    /// not yet reported. Only the difference between two reads in one transaction means
    /// anything.
    static func balanceUpdates(_ connection: PostgresConnection) async throws -> Int64 {
        try await connection.query(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'account_balances'::regclass"
        ).single().decode("n_tup_upd", as: Int64.self)
    }

    @Test func atCommitMovesEachBalanceOnceWhenTheTransactionCommits() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let untouched = ["partner:slam:cost:STAFF": Int64(0), "partner:slam:funding": 0]
            let moved = ["partner:slam:cost:STAFF": Int64(1325), "partner:slam:funding": -1325]
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
                let before = try await Self.balanceUpdates(connection)
                try await Self.appendThree(fixture, on: connection)
                #expect(try await Self.balances(fixture, on: connection) == untouched)
                let appended = try await Self.balanceUpdates(connection)
                #expect(appended - before == 0)
                // Folds now, as the commit would: two accounts, one update each for three entries.
                try await connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
                #expect(try await Self.balances(fixture, on: connection) == moved)
                let folded = try await Self.balanceUpdates(connection)
                #expect(folded - before == 2)
            }
            let committed = try await fixture.database.pool.withConnection { connection in
                try await Self.balances(fixture, on: connection)
            }
            #expect(committed == moved)
            // The default moves them with every statement.
            try await fixture.pool.withTransaction { connection in
                let before = try await Self.balanceUpdates(connection)
                try await Self.appendThree(fixture, on: connection)
                let after = try await Self.balanceUpdates(connection)
                #expect(after - before == 6)
            }
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }

    @Test func immediateConstraintsFoldAtOnceAndTheDefaultCountsEachStatement() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
                try await connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
                try await Self.appendThree(fixture, on: connection)
                #expect(try await Self.cells(connection) == 4)
            }
            #expect(try await Self.disagreements(in: fixture) == 0)
            try await fixture.pool.withTransaction { connection in
                try await Self.appendThree(fixture, on: connection)
            }
            #expect(try await Self.disagreements(in: fixture) == 0)
        }
    }

    @Test func aRolledBackTransactionLeavesNoRangeAndNoCount() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            struct Abandon: Error {}
            await #expect(throws: Abandon.self) {
                try await fixture.pool.withTransaction { connection in
                    try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
                    try await Self.appendThree(fixture, on: connection)
                    throw Abandon()
                }
            }
            #expect(try await Self.disagreements(in: fixture) == 0)
            let left = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    "SELECT (SELECT count(*) FROM month_totals_pending) + (SELECT count(*) FROM account_month_totals) AS n"
                ).single().decode("n", as: Int64.self)
            }
            #expect(left == 0)
        }
    }

    @Test func theServiceCannotNoteOrDropARangeItself() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            for attempt: PostgresQuery in [
                "INSERT INTO month_totals_pending (alliance_id, first_sequence, last_sequence) VALUES (1, 1, 1)",
                "DELETE FROM month_totals_pending", "SELECT * FROM month_totals_pending",
            ] {
                await #expect(throws: PostgresError.self, "\(attempt)") {
                    try await fixture.pool.withConnection { connection in
                        try await connection.execute(attempt)
                    }
                }
            }
        }
    }

    /// A range moves balances: not even the owner may note one by hand.
    @Test func onlyTheLedgersTriggersNoteARange() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let error = await #expect(throws: PostgresError.self) {
                try await fixture.database.pool.withConnection { connection in
                    try await connection.execute(
                        "INSERT INTO month_totals_pending (alliance_id, first_sequence, last_sequence) VALUES (\(fixture.alliance.rawValue), 1, 1)"
                    )
                }
            }
            #expect(error?.message.contains("changes only through the ledger's own triggers") == true)
        }
    }

    @Test func aLargeImportCountsEveryCellOnce() async throws {
        try await DirectoryFixture.with { fixture in
            var text = SpendImportTests.header
            // Three ledger_append batches (SpendImporter.batchSize) over two months and two lines.
            for index in 1...(SpendImporter.batchSize * 2 + 500) {
                text +=
                    "2025-0\(index % 2 == 0 ? 6 : 7)-01,slam,\(index % 3 == 0 ? "PREMISES" : "STAFF"),1.0\(index % 10),Row \(index),,REF-\(index)\n"
            }
            // One chunk, so one transaction: the cells are counted at its commit. (A chunk that
            // stops after its time counts its cells at its own commit, once per chunk.)
            // The chunk's balance updates, counted in its transaction once it has folded (the
            // last transaction begun before the import completes is its one chunk's).
            let balanceUpdates = Mutex<(before: Int64?, after: Int64?)>((nil, nil))
            let report = try await fixture.pool.withConnection { connection in
                try await SpendImporter(ledger: Ledger(pool: fixture.pool), chunkDuration: .seconds(600))
                    .importSpend(
                        from: MemoryByteChunks(Array(text.utf8)), into: fixture.alliance, by: .commandLine,
                        mode: .allOrNothing, on: connection,
                        eachTransaction: { connection in
                            let updates = try await Self.balanceUpdates(connection)
                            balanceUpdates.withLock { $0.before = updates }
                        },
                        completing: { connection, _ in
                            try await connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
                            let updates = try await Self.balanceUpdates(connection)
                            balanceUpdates.withLock { $0.after = updates }
                        })
            }
            #expect(report.recorded == SpendImporter.batchSize * 2 + 500)
            // Slam's funding and its two lines' costs, once each, though three batches moved them.
            let (before, after) = balanceUpdates.withLock { $0 }
            #expect(before != nil && after != nil)
            #expect((after ?? 0) - (before ?? 0) == 3)
            let (disagreements, updates) = try await fixture.database.pool.withConnection { connection in
                let cells = try await connection.query(
                    """
                    WITH fresh AS (
                        SELECT p.account_id, date_trunc('month', e.effective_on)::date AS month,
                               sum(p.amount)::bigint AS net, count(*)::integer AS postings
                        FROM postings AS p
                        JOIN journal_entries AS e ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
                        GROUP BY 1, 2)
                    SELECT count(*) AS n FROM (
                        SELECT * FROM fresh
                        EXCEPT SELECT account_id, month, net, postings FROM account_month_totals) AS missing
                    """
                ).single().decode("n", as: Int64.self)
                // Each cell was written once, at commit, never updated batch after batch: in this
                // new database every version ever written still sits where it was put, so an
                // updated cell would leave its live version past the first row count's offsets.
                let updated = try await connection.query(
                    """
                    SELECT count(*) AS n FROM account_month_totals
                    WHERE (ctid::text::point)[0] <> 0
                       OR (ctid::text::point)[1] > (SELECT count(*) FROM account_month_totals)
                    """
                ).single().decode("n", as: Int64.self)
                return (cells, updated)
            }
            #expect(disagreements == 0)
            #expect(updates == 0)
        }
    }
}
