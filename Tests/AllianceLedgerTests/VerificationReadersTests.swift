import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The verifier reads the journal on more than one connection, all on its transaction's
/// snapshot, and checks the pages one at a time in order: what it reports is exactly what one
/// connection reading alone would have reported. Short pages (three entries) make a short
/// journal many pages, shared among the readers.
@Suite(.timeLimit(.perTest)) struct VerificationReadersTests {
    /// Posts `count` transfers of 1, 2, 3, … minor units.
    private func post(_ count: Int, to fixture: LedgerFixture, from first: Int64 = 1) async throws {
        for amount in first..<first + Int64(count) {
            _ = try await fixture.ledger.post(
                try fixture.transfer(amount, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: fixture.alliance)
        }
    }

    /// Fourteen pages read by three connections are checked in order and report what one
    /// connection reports: a page checked before the one before it would show as a gap in the
    /// sequence, a page of another snapshot as a link or a balance that does not hold.
    @Test func pagesReadOnSeveralConnectionsAreCheckedInOrder() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await post(40, to: fixture)
            let shared = try await fixture.ledger.verify(fixture.alliance, pageSize: 3, readers: 3) {
                readers in
                #expect(readers == 3)
            }
            #expect(shared.isIntact, "\(shared)")
            #expect(shared.entries == 40)
            let alone = try await fixture.ledger.verify(fixture.alliance, pageSize: 3, readers: 1) {
                readers in
                #expect(readers == 1)
            }
            #expect(shared == alone)
            #expect(try await fixture.ledger.verify(fixture.alliance) == alone)
        }
    }

    /// What commits once the readers share the snapshot is seen by none of them: not entries
    /// appended meanwhile, nor a superuser's edit of an entry on a page the second reader has
    /// yet to read. The next verification sees both, and names the edited entry.
    @Test func whatCommitsWhileTheReadersReadIsNotSeen() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await post(20, to: fixture)
            let before = try await fixture.ledger.verify(fixture.alliance)
            let owner = try await fixture.database.connect()
            try await owner.execute("SET session_replication_role = replica")
            let during = try await fixture.ledger.verify(fixture.alliance, pageSize: 3, readers: 2) {
                readers in
                #expect(readers == 2)
                try await post(3, to: fixture, from: 100)
                // Entry 17 is on the sixth page (16–18), which the second reader reads.
                try await owner.execute(
                    "UPDATE journal_entries SET description = 'edited' WHERE sequence = 17")
            }
            #expect(during.isIntact, "\(during)")
            #expect(during.entries == 20)
            #expect(during.headHash == before.headHash)

            let after = try await fixture.ledger.verify(fixture.alliance, pageSize: 3, readers: 2)
            #expect(after.entries == 23)
            #expect(after.firstMismatch?.sequence == 17)
            await owner.close()
        }
    }

    /// An entry a superuser edited is named by its sequence whichever reader read its page: 2
    /// is on the first page (the transaction's own connection), 5 on the second (the other).
    @Test(arguments: [2, 5] as [Int64])
    func anEditedEntryIsNamedWhicheverReaderReadIt(sequence: Int64) async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await post(12, to: fixture)
            let owner = try await fixture.database.connect()
            try await owner.execute("SET session_replication_role = replica")
            try await owner.execute(
                "UPDATE postings SET amount = amount + 1 WHERE entry_sequence = \(sequence) AND line = 1")
            try await owner.execute(
                "UPDATE postings SET amount = amount - 1 WHERE entry_sequence = \(sequence) AND line = 2")
            let report = try await fixture.ledger.verify(fixture.alliance, pageSize: 3, readers: 2) {
                readers in
                #expect(readers == 2)
            }
            #expect(report.entries == 12)
            #expect(report.firstMismatch?.sequence == sequence)
            #expect(report.firstMismatch?.problem.contains("hash") == true)
            #expect(report.balanceDrifts.count == 2)
            await owner.close()
        }
    }

    /// A pool that cannot spare a second connection verifies on the transaction's own, at
    /// once: with one connection in all, and with two of which another caller holds one.
    @Test func aPoolWithoutASpareConnectionVerifiesOnOne() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await post(10, to: fixture)
            for size in [1, 2] {
                let pool = fixture.database.makeServicePool(maximumConnections: size)
                let ledger = Ledger(pool: pool)
                let report = try await ledger.verify(fixture.alliance, pageSize: 3, readers: 2) { readers in
                    #expect(readers == 1, "pool of \(size)")
                }
                #expect(report.isIntact && report.entries == 10)
                #expect(await pool.statistics.leased == 0)
                await pool.close()
            }
        }
    }

    /// Whichever read ends first, pages are checked in order, and a reader starts a page only
    /// once the page `readers` before it has been taken for checking: no more than `readers`
    /// pages are ever read ahead.
    @Test(arguments: [1, 2, 3])
    func pagesAreCheckedInOrderWhicheverReadEndsFirst(readers: Int) async throws {
        let checked = Counter()
        let readAhead = Counter()
        var ranges: [ClosedRange<Int64>] = []
        try await LedgerStore.forEachPage(
            from: 1, through: 50, pageSize: 4, readers: readers,
            read: { reader, range in
                let page = Int((range.lowerBound - 1) / 4)
                #expect(reader == page % readers)
                readAhead.raise(to: page - checked.current)
                // Later pages of a round often end first.
                try await Task.sleep(for: .milliseconds((page * 7) % 5))
                return range
            },
            check: { range in
                ranges.append(range)
                checked.increment()
            })
        #expect(ranges.count == 13)
        #expect(ranges.first == 1...4 && ranges.last == 49...50)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 == $1.lowerBound })
        #expect(readAhead.current <= readers)
    }

    /// The first page holds `firstPageSize` entries and each next one twice as many, up to the
    /// page size, with no sequence left out or read twice.
    @Test func pagesGrowFromTheFirstPageSizeToThePageSize() async throws {
        var ranges: [ClosedRange<Int64>] = []
        try await LedgerStore.forEachPage(
            from: 1, through: 20, pageSize: 4, firstPageSize: 1, readers: 2,
            read: { _, range in range }, check: { ranges.append($0) })
        #expect(ranges == [1...1, 2...3, 4...7, 8...11, 12...15, 16...19, 20...20])
    }

    /// A publication's verification of a journal longer than a page (2,100 entries: pages of
    /// 250, 500, 1,000 and 350 shared between two readers) passes, and names an entry a
    /// superuser edited on the second reader's page.
    @Test func aPublicationVerifiesALongJournalOnTwoReaders() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            // Posted from 21 tasks at once, which the journal writer records in batches.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<21 {
                    group.addTask { try await post(100, to: fixture, from: Int64(task) * 100 + 1) }
                }
                try await group.waitForAll()
            }
            let head: Int64 = 2100
            let verified = try await fixture.pool.withTransaction(.repeatableRead) { connection in
                try await Statements.verifyJournal(
                    since: nil, through: head, in: fixture.alliance, on: connection, pool: fixture.pool)
            }
            #expect(verified == head)

            let owner = try await fixture.database.connect()
            try await owner.execute("SET session_replication_role = replica")
            try await owner.execute("UPDATE journal_entries SET description = 'edited' WHERE sequence = 500")
            await #expect {
                try await fixture.pool.withTransaction(.repeatableRead) { connection in
                    try await Statements.verifyJournal(
                        since: nil, through: head, in: fixture.alliance, on: connection, pool: fixture.pool)
                }
            } throws: { error in
                "\(error)".contains("entry 500")
            }
            #expect(await fixture.pool.statistics.leased == 0)
            await owner.close()
        }
    }
}
