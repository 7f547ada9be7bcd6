import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The journal against a real PostgreSQL: balanced entries, balances, the chain, reversals,
/// idempotency, listing and verification.
@Suite(.timeLimit(.perTest)) struct LedgerTests {
    static let accounts: [(String, AccountType, Int64?)] = [
        ("partner:slam:funding", .liability, nil),
        ("partner:slam:cost:STAFF", .expense, nil),
        ("partner:slam:cost:PREMISES", .expense, nil),
        ("alliance:bank", .asset, 0),
    ]

    @Test func postsEntriesThatChainAndMoveBalances() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let first = try await fixture.ledger.post(
                try fixture.transfer(123_456, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: fixture.alliance)
            #expect(!first.replayed)
            #expect(first.entry.sequence == 1)
            #expect(first.entry.previousHash == EntryEncoding.genesisHash(fixture.alliance))
            #expect(first.entry.postings.map(\.amount) == [123_456, -123_456])
            #expect(first.entry.metadata == ["supplier": "Acme Ltd"])

            let second = try await fixture.ledger.post(
                try fixture.transfer(500, from: "partner:slam:funding", to: "partner:slam:cost:PREMISES"),
                to: fixture.alliance)
            #expect(second.entry.sequence == 2)
            #expect(second.entry.previousHash == first.entry.hash)

            #expect(try await fixture.balance("partner:slam:cost:STAFF") == 123_456)
            #expect(try await fixture.balance("partner:slam:funding") == -123_956)
            let trial = try await fixture.ledger.trialBalance(in: fixture.alliance)
            #expect(trial.isBalanced && trial.totalDebits == 123_956)

            // What was returned is exactly what was stored.
            #expect(try await fixture.ledger.entry(1, in: fixture.alliance) == first.entry)
            let report = try await fixture.ledger.verify(fixture.alliance)
            #expect(report.isIntact && report.entries == 2 && report.headHash == second.entry.hash)
        }
    }

    @Test func theGenesisHashIsTheDatabasesToo() async throws {
        try await LedgerFixture.with { fixture in
            let stored = try await fixture.pool.withConnection { connection in
                try await connection.query(
                    "SELECT hash FROM journal_heads WHERE alliance_id = \(fixture.alliance.rawValue)"
                )
                .single().decode("hash", as: Digest.self)
            }
            #expect(stored == EntryEncoding.genesisHash(fixture.alliance))
        }
    }

    @Test func everyRefusedWriteChangesNothing() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let posted = try await fixture.ledger.post(
                try fixture.transfer(1000, from: "partner:slam:funding", to: "alliance:bank"),
                to: fixture.alliance)
            let before = try await fixture.snapshot()
            let funding = try fixture.code("partner:slam:funding")
            let bank = try fixture.code("alliance:bank")

            // Refused before reaching the books.
            #expect(throws: LedgerError.unbalanced(total: 1)) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "x",
                    postings: [.init(bank, 2), .init(funding, -1)], recordedBy: "a")
            }
            #expect(throws: LedgerError.tooFewPostings(count: 1)) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "x",
                    postings: [.init(bank, 0)], recordedBy: "a")
            }
            #expect(throws: LedgerError.zeroAmount(line: 2)) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "x",
                    postings: [.init(bank, 5), .init(funding, 0), .init(funding, -5)], recordedBy: "a")
            }
            #expect(
                throws: LedgerError.invalidField(
                    "postings[0].amount", reason: Validate.amountBeyondBound)
            ) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "x",
                    postings: [.init(bank, .max), .init(bank, 1), .init(funding, .min)], recordedBy: "a")
            }
            #expect(
                throws: LedgerError.invalidField(
                    "postings[1].amount", reason: Validate.amountBeyondBound)
            ) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "x",
                    postings: [
                        .init(bank, 1), .init(funding, -Money.maximumAmount - 1),
                        .init(bank, Money.maximumAmount),
                    ],
                    recordedBy: "a")
            }
            #expect(throws: LedgerError.self) {
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "  ",
                    postings: [.init(bank, 1), .init(funding, -1)], recordedBy: "a")
            }

            // Refused by the books.
            let refusals: [(EntryRequest, LedgerError)] = [
                (
                    try fixture.transfer(5, from: "partner:slam:funding", to: "partner:nobody:cost:X"),
                    .accountNotFound(try fixture.code("partner:nobody:cost:X"))
                ),
                (
                    try fixture.transfer(1001, from: "alliance:bank", to: "partner:slam:cost:STAFF"),
                    .floorCrossed(account: bank, balance: -1, floor: 0)
                ),
            ]
            for (request, expected) in refusals {
                await #expect(throws: expected) {
                    try await fixture.ledger.post(request, to: fixture.alliance)
                }
                #expect(try await fixture.snapshot() == before)
            }

            let reversal = try await fixture.ledger.reverse(
                try ReversalRequest(
                    sequence: posted.entry.sequence, reason: "wrong partner",
                    effectiveOn: LedgerFixture.day, recordedBy: "finance@slam"), in: fixture.alliance)
            let afterReversal = try await fixture.snapshot()
            await #expect(throws: LedgerError.alreadyReversed(sequence: 1, by: reversal.entry.sequence)) {
                try await fixture.ledger.reverse(
                    try ReversalRequest(
                        sequence: 1, reason: "again", effectiveOn: LedgerFixture.day, recordedBy: "x"),
                    in: fixture.alliance)
            }
            await #expect(throws: LedgerError.cannotReverseReversal(sequence: reversal.entry.sequence)) {
                try await fixture.ledger.reverse(
                    try ReversalRequest(
                        sequence: reversal.entry.sequence, reason: "undo",
                        effectiveOn: LedgerFixture.day, recordedBy: "x"), in: fixture.alliance)
            }
            await #expect(throws: LedgerError.entryNotFound(sequence: 99)) {
                try await fixture.ledger.reverse(
                    try ReversalRequest(
                        sequence: 99, reason: "x", effectiveOn: LedgerFixture.day, recordedBy: "x"),
                    in: fixture.alliance)
            }
            #expect(try await fixture.snapshot() == afterReversal)
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }

    @Test func aReversalMirrorsTheOriginalExactly() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let original = try await fixture.ledger.post(
                try EntryRequest(
                    kind: .spend, effectiveOn: LedgerFixture.day, description: "three-way split",
                    postings: [
                        .init(try fixture.code("partner:slam:cost:STAFF"), 700),
                        .init(try fixture.code("partner:slam:cost:PREMISES"), 300),
                        .init(try fixture.code("partner:slam:funding"), -1000),
                    ], recordedBy: "finance@slam"), to: fixture.alliance)
            let reversal = try await fixture.ledger.reverse(
                try ReversalRequest(
                    sequence: original.entry.sequence, reason: "posted to the wrong year",
                    effectiveOn: LedgerFixture.day.adding(days: 3), recordedBy: "finance@slam"),
                in: fixture.alliance)
            #expect(reversal.entry.kind == .reversal && reversal.entry.reverses == original.entry.sequence)
            #expect(reversal.entry.description == "posted to the wrong year")
            #expect(reversal.entry.postings.map(\.amount) == [-700, -300, 1000])
            #expect(reversal.entry.postings.map(\.account) == original.entry.postings.map(\.account))
            for balance in try await fixture.ledger.balances(in: fixture.alliance) {
                #expect(balance.balance == 0)
            }
            // As of the day before the reversal took effect, the spend still shows.
            let asOf = try await fixture.ledger.balances(in: fixture.alliance, asOf: LedgerFixture.day)
            #expect(asOf.first { $0.account.code.rawValue == "partner:slam:cost:STAFF" }?.balance == 700)
        }
    }

    @Test func concurrentReversalsOfOneEntryReverseItOnce() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let original = try await fixture.ledger.post(
                try fixture.transfer(10, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: fixture.alliance)
            let outcomes = await withTaskGroup(of: Result<PostedEntry, any Error>.self) { group in
                for attempt in 0..<8 {
                    group.addTask {
                        do {
                            return .success(
                                try await fixture.ledger.reverse(
                                    try ReversalRequest(
                                        sequence: original.entry.sequence, reason: "race \(attempt)",
                                        effectiveOn: LedgerFixture.day, recordedBy: "finance@slam"),
                                    in: fixture.alliance))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            for outcome in outcomes {
                if case .failure(let error) = outcome {
                    guard case LedgerError.alreadyReversed(1, _) = error else {
                        Issue.record("unexpected \(error)")
                        continue
                    }
                }
            }
            #expect(try await fixture.balance("partner:slam:cost:STAFF") == 0)
        }
    }

    /// 50 posts with one key, all at once: one entry, and 50 identical answers. The same key
    /// with another body is a conflict.
    @Test func fiftyConcurrentPostsWithOneKeyRecordOnce() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let request = try fixture.transfer(
                4200, from: "partner:slam:funding", to: "partner:slam:cost:STAFF", key: "invoice-0042")
            let answers = try await withThrowingTaskGroup(of: PostedEntry.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await fixture.ledger.post(request, to: fixture.alliance) }
                }
                return try await group.reduce(into: [PostedEntry]()) { $0.append($1) }
            }
            #expect(answers.count == 50)
            #expect(Set(answers.map(\.entry)).count == 1)
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(try await fixture.balance("partner:slam:cost:STAFF") == 4200)

            let later = try await fixture.ledger.post(request, to: fixture.alliance)
            #expect(later.replayed && later.entry == answers[0].entry)

            let different = try fixture.transfer(
                4201, from: "partner:slam:funding", to: "partner:slam:cost:STAFF", key: "invoice-0042")
            await #expect(throws: LedgerError.idempotencyConflict(key: "invoice-0042", sequence: 1)) {
                try await fixture.ledger.post(different, to: fixture.alliance)
            }
            let entries = try await fixture.ledger.entries(in: fixture.alliance)
            #expect(entries.items.count == 1)
        }
    }

    @Test func listingPagesThroughEntriesWithFilters() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            for index in 1...25 {
                let to = index % 5 == 0 ? "partner:slam:cost:PREMISES" : "partner:slam:cost:STAFF"
                _ = try await fixture.ledger.post(
                    try fixture.transfer(
                        Int64(index), from: "partner:slam:funding", to: to,
                        kind: index == 1 ? .opening : .spend, on: LedgerFixture.day.adding(days: index)),
                    to: fixture.alliance)
            }
            var sequences: [Int64] = []
            var page = try PageRequest(limit: 10)
            while true {
                let result = try await fixture.ledger.entries(in: fixture.alliance, page: page)
                sequences += result.items.map(\.sequence)
                guard let next = result.nextCursor else { break }
                page = try PageRequest(limit: 10, cursor: next)
            }
            #expect(sequences == Array((1...25).reversed()))

            let oldest = try await fixture.ledger.entries(
                in: fixture.alliance, page: try PageRequest(limit: 3, order: .oldestFirst))
            #expect(oldest.items.map(\.sequence) == [1, 2, 3])
            let premises = try await fixture.ledger.entries(
                in: fixture.alliance,
                matching: JournalFilter(account: try fixture.code("partner:slam:cost:PREMISES")))
            #expect(premises.items.map(\.sequence) == [25, 20, 15, 10, 5])
            let openings = try await fixture.ledger.entries(
                in: fixture.alliance, matching: JournalFilter(kinds: [.opening]))
            #expect(openings.items.map(\.sequence) == [1])
            let window = try await fixture.ledger.entries(
                in: fixture.alliance,
                matching: JournalFilter(
                    effectiveFrom: LedgerFixture.day.adding(days: 3),
                    effectiveTo: LedgerFixture.day.adding(days: 5)))
            #expect(window.items.map(\.sequence) == [5, 4, 3])

            await #expect(throws: LedgerError.self) {
                try await fixture.ledger.entries(
                    in: fixture.alliance, page: try PageRequest(cursor: "not-a-cursor"))
            }
            #expect(throws: LedgerError.self) { try PageRequest(limit: 0) }
            #expect(throws: LedgerError.self) { try PageRequest(limit: 1001) }
        }
    }

    @Test func alliancesHaveSeparateChains() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            let other = try await AllianceDirectory(pool: fixture.pool).create(slug: "north", name: "North")
            try await fixture.ledger.openAccount(
                try fixture.code("partner:a:funding"), type: .liability, in: other.id)
            try await fixture.ledger.openAccount(
                try fixture.code("partner:a:cost:STAFF"), type: .expense, in: other.id)
            _ = try await fixture.ledger.post(
                try fixture.transfer(1, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: fixture.alliance)
            let theirs = try await fixture.ledger.post(
                try fixture.transfer(2, from: "partner:a:funding", to: "partner:a:cost:STAFF"), to: other.id)
            #expect(theirs.entry.sequence == 1)
            #expect(theirs.entry.previousHash == EntryEncoding.genesisHash(other.id))
            // An alliance cannot post to another alliance's accounts.
            await #expect(throws: LedgerError.accountNotFound(try fixture.code("partner:slam:funding"))) {
                try await fixture.ledger.post(
                    try fixture.transfer(3, from: "partner:slam:funding", to: "partner:a:cost:STAFF"),
                    to: other.id)
            }
            #expect(try await fixture.ledger.verify(other.id).isIntact)
        }
    }

    @Test func accountsAreValidatedAndUnique() async throws {
        try await LedgerFixture.with(accounts: Self.accounts) { fixture in
            #expect(throws: LedgerError.self) { try AccountCode("has space") }
            #expect(throws: LedgerError.self) { try AccountCode("a::b") }
            #expect(throws: LedgerError.self) { try AccountCode(String(repeating: "a", count: 201)) }
            await #expect(throws: LedgerError.accountExists(try fixture.code("alliance:bank"))) {
                try await fixture.ledger.openAccount(
                    try fixture.code("alliance:bank"), type: .asset, in: fixture.alliance)
            }
            await #expect(throws: LedgerError.self) {
                try await fixture.ledger.openAccount(
                    try fixture.code("alliance:petty"), type: .asset, floor: 5, in: fixture.alliance)
            }
            let accounts = try await fixture.ledger.accounts(in: fixture.alliance)
            #expect(accounts.map(\.code.rawValue) == Self.accounts.map(\.0).sorted())
        }
    }
}
