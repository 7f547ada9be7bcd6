import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The month totals statements are read from (SQL/0010) stay equal to the postings however
/// entries arrive: counted at once by default, or once at commit when a transaction that appends
/// in many statements asks for it (SQL/0012), as the spend import does.
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

    @Test func atCommitCountsNothingUntilTheTransactionCommitsThenEveryCell() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.month_totals = 'at-commit'")
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

    @Test func immediateConstraintsFoldAtOnceAndTheDefaultCountsEachStatement() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            try await fixture.pool.withTransaction { connection in
                try await connection.execute("SET LOCAL alliance_ledger.month_totals = 'at-commit'")
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
                    try await connection.execute("SET LOCAL alliance_ledger.month_totals = 'at-commit'")
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
            let report = try await SpendImporter(
                ledger: Ledger(pool: fixture.pool), chunkDuration: .seconds(600)
            )
            .importSpend(
                from: MemoryByteChunks(Array(text.utf8)), into: fixture.alliance, by: .commandLine,
                mode: .allOrNothing)
            #expect(report.recorded == SpendImporter.batchSize * 2 + 500)
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
