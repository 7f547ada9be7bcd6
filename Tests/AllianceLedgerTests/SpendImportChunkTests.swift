import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// An import appends a chunk per transaction: other writers get in between chunks, an import
/// that stops part-way is recorded with exactly the rows that are in, and importing the file
/// again finishes it without recording a row twice.
@Suite(.timeLimit(.perTest)) struct SpendImportChunkTests {
    /// `count` good rows of slam, each with its own reference.
    static func file(_ count: Int) -> [UInt8] {
        var text = SpendImportTests.header
        for index in 1...count {
            text += "2025-06-0\(index % 9 + 1),slam,STAFF,1.00,Row \(index),Supplier,REF-\(index)\n"
        }
        return Array(text.utf8)
    }

    static func entries(_ fixture: DirectoryFixture) async throws -> Int64 {
        try await fixture.database.pool.withConnection { connection in
            try await connection.query(
                "SELECT count(*) AS entries FROM journal_entries WHERE alliance_id = \(fixture.alliance.id.rawValue)"
            ).single().decode("entries")
        }
    }

    @Test func aSpendRecordedDuringAnImportGetsInBetweenItsChunks() async throws {
        try await DirectoryFixture.with { fixture in
            let importer = SpendImporter(ledger: Ledger(pool: fixture.pool), rowsPerChunk: 20)
            let (posting, postingStarted) = AsyncStream<Void>.makeStream()
            let importing = Task {
                try await importer.importSpend(
                    from: MemoryByteChunks(Self.file(2000), chunkSize: 4096), into: fixture.alliance,
                    by: .commandLine, mode: .allOrNothing
                ) { progress in
                    if progress.phase == .posting { postingStarted.yield() }
                }
            }
            for await _ in posting { break }
            let single = try await SpendBook(ledger: Ledger(pool: fixture.pool)).record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 5, incurredOn: date(2025, 6, 1),
                    description: "recorded during the import", reference: "SINGLE"),
                in: fixture.alliance, by: .commandLine)
            let report = try await importing.value
            #expect(report.recorded == 2000)
            // Held for the whole import, the head would have put the spend after its last entry.
            let first = try #require(report.firstSequence)
            let last = try #require(report.lastSequence)
            #expect(single.id > first && single.id < last)
            #expect(last - first == 2000)
            #expect(try await Ledger(pool: fixture.pool).verify(fixture.alliance.id).isIntact)
        }
    }

    /// A reference recorded by hand between two chunks is a duplicate for the import however
    /// many chunks later its row comes, not only in the next chunk.
    @Test func aReferenceRecordedDuringAnImportIsADuplicateInAnyLaterChunk() async throws {
        try await DirectoryFixture.with { fixture in
            let importer = SpendImporter(ledger: Ledger(pool: fixture.pool), rowsPerChunk: 20)
            let (posting, postingStarted) = AsyncStream<Void>.makeStream()
            let importing = Task {
                try await importer.importSpend(
                    from: MemoryByteChunks(Self.file(2000), chunkSize: 4096), into: fixture.alliance,
                    by: .commandLine, mode: .allOrNothing
                ) { progress in
                    if progress.phase == .posting { postingStarted.yield() }
                }
            }
            for await _ in posting { break }
            // The file's last row, recorded by hand while the import's first chunks go in.
            _ = try await SpendBook(ledger: Ledger(pool: fixture.pool)).record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 100, incurredOn: date(2025, 6, 3),
                    description: "recorded by hand", reference: "REF-2000"),
                in: fixture.alliance, by: .commandLine)
            let report = try await importing.value
            #expect(report.recorded == 1999 && report.duplicates == 1)
            let recorded = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT count(*) AS n FROM journal_entries
                    WHERE alliance_id = \(fixture.alliance.id.rawValue) AND metadata ->> 'reference' = 'REF-2000'
                    """
                ).single().decode("n", as: Int64.self)
            }
            #expect(recorded == 1)
        }
    }

    @Test func anImportThatStopsPartWayKeepsItsChunksAndFinishesWhenImportedAgain() async throws {
        try await DirectoryFixture.with { fixture in
            let file = Self.file(250)
            let importer = SpendImporter(ledger: Ledger(pool: fixture.pool), rowsPerChunk: 40)
            // The journal refuses its 101st entry: the import's third chunk (entries 81–120)
            // rolls back, as a crash would leave it, and the two before it stay.
            try await fixture.database.pool.withConnection { connection in
                try await connection.execute(
                    """
                    CREATE FUNCTION test_refuse_101() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.sequence = 101 THEN RAISE EXCEPTION 'the machine stopped'; END IF;
                        RETURN NEW;
                    END $$
                    """)
                try await connection.execute(
                    """
                    CREATE TRIGGER test_refuse_101 BEFORE INSERT ON journal_entries
                        FOR EACH ROW EXECUTE FUNCTION test_refuse_101()
                    """)
            }
            await #expect(throws: PostgresError.self) {
                try await importer.importSpend(
                    from: MemoryByteChunks(file, chunkSize: 1000), into: fixture.alliance, by: .commandLine,
                    mode: .allOrNothing)
            }
            // Exactly the two chunks are in, and the record says which lines.
            #expect(try await Self.entries(fixture) == 80)
            let stopped = try await fixture.database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT id, appended_through_line, recorded, finished_at IS NULL AS unfinished
                    FROM spend_imports WHERE alliance_id = \(fixture.alliance.id.rawValue)
                    """
                ).single()
            }
            #expect(try stopped.decode("recorded", as: Int32.self) == 80)
            // Line 1 is the header: the 80th row is line 81.
            #expect(try stopped.decode("appended_through_line", as: Int32.self) == 81)
            #expect(try stopped.decode("unfinished", as: Bool.self))
            #expect(try await Ledger(pool: fixture.pool).verify(fixture.alliance.id).isIntact)

            // In the other mode, the unfinished import is named rather than started afresh.
            await #expect(throws: LedgerError.self) {
                try await importer.importSpend(
                    from: MemoryByteChunks(file, chunkSize: 1000), into: fixture.alliance, by: .commandLine,
                    mode: .skipInvalid)
            }
            try await fixture.database.pool.withConnection { connection in
                try await connection.execute("DROP TRIGGER test_refuse_101 ON journal_entries")
            }
            let finished = try await importer.importSpend(
                from: MemoryByteChunks(file, chunkSize: 1000), into: fixture.alliance, by: .commandLine,
                mode: .allOrNothing)
            #expect(finished.importID == (try stopped.decode("id", as: Int64.self)))
            #expect(finished.resumedAfterLine == 81)
            #expect(finished.recorded == 250 && finished.duplicates == 0 && finished.invalid == 0)
            #expect(finished.firstSequence == 1 && finished.lastSequence == 250)
            #expect(try await Self.entries(fixture) == 250)
            #expect(try await Ledger(pool: fixture.pool).verify(fixture.alliance.id).isIntact)
            // Finished, it is a file like any other: imported again, every row is a duplicate.
            let again = try await importer.importSpend(
                from: MemoryByteChunks(file, chunkSize: 1000), into: fixture.alliance, by: .commandLine,
                mode: .allOrNothing)
            #expect(again.recorded == 0 && again.duplicates == 250 && again.resumedAfterLine == nil)
            #expect(again.importID != finished.importID)
        }
    }

    @Test func anAllOrNothingImportWithABadRowLeavesNoRecord() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await SpendImportTests.importing(
                SpendImportTests.csv(
                    "2025-06-01,slam,STAFF,1.00,a,s,R1", "2025-06-01,nobody,STAFF,1.00,a,s,R2"),
                fixture)
            #expect(!report.committed && report.importID == nil)
            let records = try await fixture.database.pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS records FROM spend_imports").single()
                    .decode("records", as: Int64.self)
            }
            #expect(records == 0)
        }
    }

    @Test func theDatabaseKeepsAnImportsRecordMovingForwardOnly() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await SpendImportTests.importing(Self.file(3), fixture)
            let id = try #require(report.importID)
            try await fixture.pool.withConnection { connection in
                for change in [
                    "UPDATE spend_imports SET recorded = 1 WHERE id = \(id)",
                    "UPDATE spend_imports SET appended_through_line = 0 WHERE id = \(id)",
                    "DELETE FROM spend_imports WHERE id = \(id)",
                ] as [PostgresQuery] {
                    await #expect(throws: PostgresError.self) { try await connection.execute(change) }
                }
            }
        }
    }
}
