import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Bulk import of spend from CSV: every good row becomes the entry `SpendBook.record` posts,
/// every bad one is reported by line, and nothing is half done.
@Suite(.timeLimit(.perTest)) struct SpendImportTests {
    static let header = "date,partner,budget_line,amount,description,supplier,reference\n"

    static func csv(_ lines: String...) -> [UInt8] {
        Array((header + lines.map { $0 + "\n" }.joined()).utf8)
    }

    static func importing(
        _ bytes: [UInt8], _ fixture: DirectoryFixture, by caller: Caller = .commandLine,
        mode: SpendImportMode = .allOrNothing, chunkSize: Int = FileByteChunks.defaultChunkSize
    ) async throws -> SpendImportReport {
        try await SpendImporter(ledger: Ledger(pool: fixture.pool)).importSpend(
            from: MemoryByteChunks(bytes, chunkSize: chunkSize), into: fixture.alliance, by: caller,
            mode: mode)
    }

    static func balances(_ fixture: DirectoryFixture) async throws -> [String: Int64] {
        var balances: [String: Int64] = [:]
        for balance in try await Ledger(pool: fixture.pool).balances(in: fixture.alliance.id)
        where balance.balance != 0 {
            balances[balance.account.code.rawValue] = balance.balance
        }
        return balances
    }

    @Test func postsEachRowAsTheSpendEntryRecordingWouldPost() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await Self.importing(
                Self.csv(
                    "2025-05-14,slam,STAFF,1234.56,Agency nurses,Acme Staffing,INV-1",
                    "2025-05-15,slam,PREMISES,10,\"Rent, May\",Landlord,INV-2",
                    "2025-06-01,lambeth,STAFF,0.01,Tea,,L-1"),
                fixture)
            #expect(
                report
                    == SpendImportReport(
                        mode: .allOrNothing, rows: 3, recorded: 3, duplicates: 0, invalid: 0, errors: [],
                        committed: true, firstSequence: 1, lastSequence: 3, importID: 1))
            #expect(
                try await Self.balances(fixture) == [
                    "partner:slam:cost:STAFF": 123_456, "partner:slam:cost:PREMISES": 1000,
                    "partner:slam:funding": -124_456, "partner:lambeth:cost:STAFF": 1,
                    "partner:lambeth:funding": -1,
                ])
            let book = SpendBook(ledger: Ledger(pool: fixture.pool))
            let spend = try await book.spend(2, in: fixture.alliance.id)
            #expect(spend.partner == "slam")
            #expect(spend.budgetLine == "PREMISES")
            #expect(spend.amount == 1000)
            #expect(spend.incurredOn == date(2025, 5, 15))
            #expect(spend.description == "Rent, May")
            #expect(spend.supplier == "Landlord")
            #expect(spend.reference == "INV-2")
            #expect(spend.recordedBy == "operator")

            // The same shape as a spend recorded one at a time, whose request hash is the same.
            let single = try await book.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "PREMISES", amount: 1000, incurredOn: date(2025, 5, 15),
                    description: "Rent, May", supplier: "Landlord", reference: "INV-2"),
                in: fixture.alliance, by: .commandLine)
            let imported = try await book.ledger.entry(2, in: fixture.alliance.id)
            let recorded = try await book.ledger.entry(single.id, in: fixture.alliance.id)
            #expect(imported.requestHash == recorded.requestHash)
            #expect(imported.metadata == recorded.metadata)
            #expect(imported.postings.map(\.account) == recorded.postings.map(\.account))
            #expect(imported.effectiveOn == recorded.effectiveOn)

            let verification = try await book.ledger.verify(fixture.alliance.id)
            #expect(verification.isIntact)
            #expect(verification.entries == 4)
        }
    }

    @Test func allOrNothingPostsNothingWhenARowIsBad() async throws {
        try await DirectoryFixture.with { fixture in
            let before = try await fixture.snapshot()
            let report = try await Self.importing(
                Self.csv(
                    "2025-05-14,slam,STAFF,1.00,a,s,R1",
                    "2025-05-14,slam,STAFF,-1.00,a,s,R2",
                    "2025-05-14,slam,PEER,1.00,a,s,R3",
                    "2025-05-14,slam,STAFF,2.00,a,s,R4"),
                fixture)
            #expect(!report.committed)
            #expect(report.rows == 4)
            #expect(report.recorded == 0)
            #expect(report.invalid == 2)
            #expect(report.firstSequence == nil)
            #expect(
                report.errors == [
                    SpendImportRowError(
                        line: 3, reason: "amount -1.00 is negative; it must be more than zero"),
                    SpendImportRowError(line: 4, reason: "budget line PEER does not exist in this alliance"),
                ])
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test func skipInvalidPostsTheGoodRowsAndReportsTheBad() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await Self.importing(
                Self.csv(
                    "2025-05-14,slam,STAFF,1.00,a,s,R1",
                    "2025-05-14,nobody,STAFF,1.00,a,s,R2",
                    "not,a,spend,line",
                    "2025-05-14,slam,STAFF,2.00,a,s,R4"),
                fixture, mode: .skipInvalid)
            #expect(report.committed)
            #expect(report.rows == 4)
            #expect(report.recorded == 2)
            #expect(report.invalid == 2)
            #expect(report.errors.map(\.line) == [3, 4])
            #expect(report.errors[0].reason == "partner nobody does not exist in this alliance")
            #expect(report.errors[1].reason == "the line has 4 fields, not 7")
            #expect(report.firstSequence == 1)
            #expect(report.lastSequence == 2)
            #expect(try await Self.balances(fixture)["partner:slam:cost:STAFF"] == 300)
        }
    }

    @Test func importingAgainRecordsNothingTwice() async throws {
        try await DirectoryFixture.with { fixture in
            let file = Self.csv(
                "2025-05-14,slam,STAFF,1.00,a,s,R1", "2025-05-14,lambeth,STAFF,1.00,a,s,R1",
                "2025-05-15,slam,STAFF,3.00,a,s,R2")
            let first = try await Self.importing(file, fixture)
            #expect(first.recorded == 3)
            let balances = try await Self.balances(fixture)
            let again = try await Self.importing(file, fixture)
            #expect(
                again
                    == SpendImportReport(
                        mode: .allOrNothing, rows: 3, recorded: 0, duplicates: 3, invalid: 0, errors: [],
                        committed: true, firstSequence: nil, lastSequence: nil, importID: 2))
            #expect(try await Self.balances(fixture) == balances)
            // A spend recorded one at a time counts too; a new reference in the file is recorded.
            _ = try await SpendBook(ledger: Ledger(pool: fixture.pool)).record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 9, incurredOn: date(2025, 5, 1),
                    description: "x", reference: "R3"),
                in: fixture.alliance, by: .commandLine)
            let third = try await Self.importing(
                Self.csv("2025-05-14,slam,STAFF,1.00,a,s,R3", "2025-05-14,slam,STAFF,1.00,a,s,R4"), fixture)
            #expect(third.duplicates == 1)
            #expect(third.recorded == 1)
            #expect(third.firstSequence == 5)
        }
    }

    @Test func aReferenceRepeatedInTheFileIsABadRowNamingTheFirst() async throws {
        try await DirectoryFixture.with { fixture in
            let report = try await Self.importing(
                Self.csv(
                    "2025-05-14,slam,STAFF,1.00,a,s,R1", "2025-05-14,lambeth,STAFF,1.00,a,s,R1",
                    "2025-05-15,slam,STAFF,3.00,b,s,R1"),
                fixture, mode: .skipInvalid)
            #expect(report.recorded == 2)
            #expect(
                report.errors == [
                    SpendImportRowError(line: 4, reason: "reference R1 of partner slam repeats line 2")
                ])
        }
    }

    @Test func aFinanceLeadImportsForTheirOwnPartnerOnly() async throws {
        try await DirectoryFixture.with { fixture in
            let file = Self.csv("2025-05-14,slam,STAFF,1.00,a,s,R1", "2025-05-14,lambeth,STAFF,1.00,a,s,R1")
            let report = try await Self.importing(
                file, fixture, by: try fixture.caller("finance-slam"), mode: .skipInvalid)
            #expect(report.recorded == 1)
            #expect(
                report.errors == [
                    SpendImportRowError(
                        line: 3, reason: "finance-slam@example.org acts for slam, not lambeth")
                ])
            let entry = try await Ledger(pool: fixture.pool).entry(1, in: fixture.alliance.id)
            #expect(entry.recordedBy == "finance-slam@example.org")
            // Someone without the finance role imports nothing, not even a duplicate check.
            let before = try await fixture.snapshot()
            await #expect(throws: LedgerError.forbidden("this needs the role finance")) {
                try await Self.importing(file, fixture, by: try fixture.caller("board-slam"))
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test func reportsMembershipContractAndDirectoryProblems() async throws {
        try await DirectoryFixture.with { fixture in
            try await fixture.directory.addPartner(
                try PartnerRequest(
                    slug: "newcomer", name: "Newcomer", kind: .vcse, joinedOn: date(2026, 1, 1)),
                to: fixture.alliance)
            let report = try await Self.importing(
                Self.csv(
                    "2025-12-31,newcomer,STAFF,1.00,a,s,R1",
                    "2030-04-01,slam,STAFF,1.00,a,s,R2",
                    "2025-05-14,nobody,NOPE,1.00,a,s,R3",
                    "2026-01-01,newcomer,STAFF,1.00,a,s,R4"),
                fixture)
            #expect(!report.committed)
            #expect(
                report.errors == [
                    SpendImportRowError(
                        line: 2, reason: "date 2025-12-31 is outside newcomer's membership (from 2026-01-01)"),
                    SpendImportRowError(
                        line: 3,
                        reason: "date 2030-04-01 is outside the contract's dates (2025-04-01 to 2030-03-31)"),
                    SpendImportRowError(
                        line: 4,
                        reason:
                            "partner nobody does not exist in this alliance; budget line NOPE does not exist in this alliance"
                    ),
                ])
            #expect(try await Self.balances(fixture).isEmpty)
        }
    }

    @Test func aBadHeaderOrAFailingReadLeavesNothing() async throws {
        try await DirectoryFixture.with { fixture in
            let before = try await fixture.snapshot()
            await #expect(throws: SpendCSVError.badHeader(reason: "column 3 is \"line\", not budget_line")) {
                try await Self.importing(
                    Array(
                        "date,partner,line,amount,description,supplier,reference\n2025-05-14,slam,STAFF,1,a,s,R\n"
                            .utf8),
                    fixture)
            }
            await #expect(throws: SpendCSVError.missingHeader) { try await Self.importing([], fixture) }
            await #expect(
                throws: SpendCSVError.unreadable(
                    path: "/nonexistent.csv", reason: "No such file or directory")
            ) {
                try await SpendImporter(ledger: Ledger(pool: fixture.pool)).importSpend(
                    from: FileByteChunks(path: "/nonexistent.csv"), into: fixture.alliance, by: .commandLine,
                    mode: .skipInvalid)
            }
            // Rows already posted in the transaction go when a later read fails.
            struct Broken: Error, Equatable {}
            let good = Self.csv("2025-05-14,slam,STAFF,1.00,a,s,R1")
            let failing = AsyncThrowingStream<[UInt8], any Error> { continuation in
                continuation.yield(good)
                continuation.finish(throwing: Broken())
            }
            await #expect(throws: Broken()) {
                try await SpendImporter(ledger: Ledger(pool: fixture.pool)).importSpend(
                    from: failing, into: fixture.alliance, by: .commandLine, mode: .skipInvalid)
            }
            #expect(try await fixture.snapshot() == before)
            // The connection is fine afterwards, and an import works.
            #expect(try await Self.importing(good, fixture).recorded == 1)
        }
    }

    /// A few thousand rows through small chunks, in several batches: the rows stream through
    /// the COPY and the cursor, the chain holds across batches, and progress is reported.
    @Test func streamsManyRowsInBatches() async throws {
        try await DirectoryFixture.with { fixture in
            let partners = ["sel-icb", "slam", "lambeth", "certitude", "thamesreach"]
            var text = Self.header
            var total: Int64 = 0
            let rowCount = 3000
            for index in 1...rowCount {
                let pence = Int64(index % 997 + 1)
                total += pence
                text +=
                    "2025-\(index % 2 == 0 ? "06" : "07")-0\(index % 9 + 1),\(partners[index % 5]),"
                    + "\(index % 3 == 0 ? "PREMISES" : "STAFF"),\(Money.format(pence, currency: "GBP")),"
                    + "\"Row \(index), with a comma\",\"Supplier \\ \"\"Q\"\"\tLtd\",REF-\(index)\n"
            }
            let seen = Counter()
            let report = try await SpendImporter(ledger: Ledger(pool: fixture.pool)).importSpend(
                from: MemoryByteChunks(Array(text.utf8), chunkSize: 4096), into: fixture.alliance,
                by: .commandLine,
                mode: .allOrNothing
            ) { progress in
                seen.increment()
                precondition(progress.rowsChecked <= progress.rowsToCheck)
            }
            #expect(report.recorded == rowCount)
            #expect(report.lastSequence == Int64(rowCount))
            #expect(seen.current > 10)
            let balances = try await Self.balances(fixture)
            #expect(balances.filter { $0.key.hasSuffix(":funding") }.values.reduce(0, +) == -total)
            #expect(try await Ledger(pool: fixture.pool).verify(fixture.alliance.id).isIntact)
            let spend = try await SpendBook(ledger: Ledger(pool: fixture.pool)).spend(
                1234, in: fixture.alliance.id)
            #expect(spend.description == "Row 1234, with a comma")
            #expect(spend.supplier == "Supplier \\ \"Q\"\tLtd")

            // The planner's statistics count the imported entries at once (SQL/0020), not when
            // autovacuum next looks; a few more entries than that are left to autovacuum.
            try await fixture.pool.withConnection { connection in
                let counted = try await connection.query(
                    """
                    SELECT c.relname, c.reltuples::bigint AS rows FROM pg_class AS c
                    WHERE c.oid IN ('journal_entries'::regclass, 'postings'::regclass)
                    """
                ).map { (try $0.decode("relname", as: String.self), try $0.decode("rows", as: Int64.self)) }
                #expect(
                    Dictionary(uniqueKeysWithValues: counted) == ["journal_entries": 3000, "postings": 6000])
                // And the month totals the import added to (SQL/0021), which statements read.
                let totals = try await connection.query(
                    """
                    SELECT (SELECT reltuples::bigint FROM pg_class WHERE oid = 'account_month_totals'::regclass)
                               AS counted,
                           (SELECT count(*) FROM account_month_totals) AS stored
                    """
                ).single()
                #expect(try totals.decode("stored", as: Int64.self) > 0)
                #expect(
                    try totals.decode("counted", as: Int64.self) == totals.decode("stored", as: Int64.self))
                let refreshed = try await connection.query(
                    "SELECT ledger_refresh_statistics(300) AS refreshed"
                )
                .single().decode("refreshed", as: Bool.self)
                #expect(!refreshed, "300 entries are fewer than 50 + 10% of 3000")
            }
        }
    }

    @Test func metadataTravelsAsJSONWhateverItsCharacters() throws {
        let metadata = [
            "supplier": "Smith & \"Sons\" \\ Ltd\t☃\u{1}\n/", "reference": "", "partner": "slam",
            "budgetLine": "é𝄞",
        ]
        let json = LedgerStore.metadataJSON(metadata)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) == metadata)
        #expect(LedgerStore.metadataJSON([:]) == "{}")
    }

    @Test func theReportEncodesAsTheWireFormat() throws {
        let report = SpendImportReport(
            mode: .skipInvalid, rows: 3, recorded: 1, duplicates: 1, invalid: 1,
            errors: [SpendImportRowError(line: 3, reason: "amount is empty")], committed: true,
            firstSequence: 7,
            lastSequence: 7, importID: 4, resumedAfterLine: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(
            String(decoding: try encoder.encode(report), as: UTF8.self)
                == #"{"committed":true,"duplicates":1,"errors":[{"line":3,"reason":"amount is empty"}],"#
                + #""firstSequence":7,"importId":4,"invalid":1,"lastSequence":7,"mode":"skip-invalid","recorded":1,"#
                + #""resumedAfterLine":null,"rows":3}"#
        )
    }
}
