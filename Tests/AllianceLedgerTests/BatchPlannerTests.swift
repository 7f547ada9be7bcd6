import Dates
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The planner alone, with no database: what each request of a batch gets.
@Suite(.timeLimit(.perTest)) struct BatchPlannerTests {
    let alliance = AllianceID(7)
    let day = date(2025, 6, 1)
    let now = Timestamp(microsecondsSince1970: 1_748_736_000_123_456)

    private func account(
        _ id: Int64, _ code: String, _ type: AccountType, floor: Int64? = nil, balance: Int64 = 0
    )
        throws -> (AccountCode, AccountState)
    {
        let code = try AccountCode(code)
        return (code, AccountState(id: id, code: code, type: type, floor: floor, balance: balance))
    }

    private func planner(
        recordedKeys: [String: RecordedKey] = [:], targets: [Int64: ReversalTarget] = [:]
    ) throws -> BatchPlanner {
        BatchPlanner(
            alliance: alliance, headSequence: 41, headHash: Digest(Array(repeating: 9, count: 32)),
            lastRecordedAt: Timestamp(microsecondsSince1970: 0), recordedAt: now,
            accounts: Dictionary(uniqueKeysWithValues: [
                try account(1, "bank", .asset, floor: 0, balance: 100),
                try account(2, "funding", .liability),
                try account(3, "cost", .expense),
            ]),
            recordedKeys: recordedKeys, targets: targets)
    }

    private func post(_ amount: Int64, _ debit: String, _ credit: String, key: String? = nil) throws
        -> AppendRequest
    {
        .post(
            try EntryRequest(
                kind: .spend, effectiveOn: day, description: "d",
                postings: [.init(try AccountCode(debit), amount), .init(try AccountCode(credit), -amount)],
                recordedBy: "p", idempotencyKey: key))
    }

    @Test func appendedEntriesChainFromTheHead() throws {
        var planner = try planner()
        let plan = planner.plan([try post(10, "cost", "funding"), try post(20, "cost", "funding")])
        #expect(plan.outcomes == [.appended(0), .appended(1)])
        #expect(plan.entries.map(\.sequence) == [42, 43])
        #expect(plan.entries[0].previousHash == Digest(Array(repeating: 9, count: 32)))
        #expect(plan.entries[1].previousHash == plan.entries[0].hash)
        #expect(plan.entries.allSatisfy { $0.recordedAt == now })
        #expect(planner.headSequence == 43 && planner.headHash == plan.entries[1].hash)
        #expect(planner.accounts[try AccountCode("cost")]?.balance == 30)
    }

    @Test func floorsApplyToTheRunningBalance() throws {
        var planner = try planner()
        // 60 then 60 out of a bank holding 100: each fits alone, the second does not after the first.
        let plan = planner.plan([
            try post(60, "cost", "bank"), try post(60, "cost", "bank"), try post(40, "cost", "bank"),
        ])
        #expect(plan.outcomes[0] == .appended(0))
        #expect(
            plan.outcomes[1]
                == .refused(.floorCrossed(account: try AccountCode("bank"), balance: -20, floor: 0)))
        #expect(plan.outcomes[2] == .appended(1))
        // A refusal takes no sequence number.
        #expect(plan.entries.map(\.sequence) == [42, 43])
    }

    @Test func keysRepeatWithinTheBatchAndAgainstTheJournal() throws {
        let same = try post(5, "cost", "funding", key: "a")
        let old = try post(5, "cost", "funding", key: "old")
        var planner = try planner(recordedKeys: [
            "old": RecordedKey(sequence: 3, requestHash: old.requestHash(alliance: alliance))
        ])
        let plan = planner.plan([
            same, same, try post(6, "cost", "funding", key: "a"),
            old, try post(7, "cost", "funding", key: "old"),
        ])
        #expect(plan.outcomes[0] == .appended(0))
        #expect(plan.outcomes[1] == .replayOfAppended(0))
        #expect(plan.outcomes[2] == .refused(.idempotencyConflict(key: "a", sequence: 42)))
        #expect(plan.outcomes[3] == .replayOfRecorded(sequence: 3))
        #expect(plan.outcomes[4] == .refused(.idempotencyConflict(key: "old", sequence: 3)))
        #expect(plan.entries.count == 1)
    }

    @Test func aRefusedRequestDoesNotClaimItsKey() throws {
        var planner = try planner()
        let plan = planner.plan([
            try post(500, "cost", "bank", key: "k"), try post(50, "cost", "bank", key: "k"),
        ])
        #expect(
            plan.outcomes[0]
                == .refused(.floorCrossed(account: try AccountCode("bank"), balance: -400, floor: 0)))
        #expect(plan.outcomes[1] == .appended(0))
    }

    @Test func reversalsWithinABatchAndOfRecordedEntries() throws {
        let cost = try AccountCode("cost")
        let funding = try AccountCode("funding")
        let recorded = ReversalTarget(
            sequence: 5, kind: .spend, reversedBy: nil,
            postings: [
                Posting(line: 1, accountID: 3, account: cost, amount: 9),
                Posting(line: 2, accountID: 2, account: funding, amount: -9),
            ])
        let alreadyReversed = ReversalTarget(
            sequence: 6, kind: .spend, reversedBy: 8, postings: recorded.postings)
        let aReversal = ReversalTarget(
            sequence: 8, kind: .reversal, reversedBy: nil, postings: recorded.postings)
        var planner = try planner(targets: [5: recorded, 6: alreadyReversed, 8: aReversal])
        func reverse(_ sequence: Int64) throws -> AppendRequest {
            .reverse(try ReversalRequest(sequence: sequence, reason: "r", effectiveOn: day, recordedBy: "p"))
        }
        let plan = planner.plan([
            try reverse(5), try reverse(5), try reverse(6), try reverse(8), try reverse(99),
            try post(3, "cost", "funding"), try reverse(43), try reverse(43),
        ])
        #expect(plan.outcomes[0] == .appended(0))
        #expect(plan.entries[0].postings.map(\.amount) == [-9, 9] && plan.entries[0].reverses == 5)
        #expect(plan.outcomes[1] == .refused(.alreadyReversed(sequence: 5, by: 42)))
        #expect(plan.outcomes[2] == .refused(.alreadyReversed(sequence: 6, by: 8)))
        #expect(plan.outcomes[3] == .refused(.cannotReverseReversal(sequence: 8)))
        #expect(plan.outcomes[4] == .refused(.entryNotFound(sequence: 99)))
        #expect(plan.outcomes[5] == .appended(1))
        #expect(plan.outcomes[6] == .appended(2))
        #expect(plan.entries[2].reverses == 43)
        #expect(plan.outcomes[7] == .refused(.alreadyReversed(sequence: 43, by: 44)))
        #expect(planner.accounts[cost]?.balance == -9)
    }

    @Test func unknownAccountsAreRefused() throws {
        var planner = try planner()
        let plan = planner.plan([try post(1, "cost", "elsewhere")])
        #expect(plan.outcomes == [.refused(.accountNotFound(try AccountCode("elsewhere")))])
    }

    @Test func balancesThatWouldOverflowAreRefused() throws {
        // One amount is bounded (Money.maximumAmount), so only a balance already near the end
        // of 64 bits can overflow: the planner still refuses what would.
        var planner = BatchPlanner(
            alliance: alliance, headSequence: 41, headHash: Digest(Array(repeating: 9, count: 32)),
            lastRecordedAt: Timestamp(microsecondsSince1970: 0), recordedAt: now,
            accounts: Dictionary(uniqueKeysWithValues: [
                try account(2, "funding", .liability, balance: .min + 10),
                try account(3, "cost", .expense, balance: .max - 10),
            ]),
            recordedKeys: [:], targets: [:])
        let plan = planner.plan([try post(10, "cost", "funding"), try post(1, "cost", "funding")])
        #expect(plan.outcomes == [.appended(0), .refused(.amountOverflow)])
    }
}

/// The canonical encoding: fixed, documented, and sensitive to every field.
@Suite(.timeLimit(.perTest)) struct EntryEncodingTests {
    static let content = EntryContent(
        alliance: AllianceID(1), sequence: 1, kind: .spend,
        effectiveOn: date(2025, 5, 14),
        recordedAt: Timestamp(microsecondsSince1970: 1_747_216_800_000_001),
        recordedBy: "finance@slam.nhs.uk",
        description: "Agency staff, May", metadata: ["supplier": "Acme Ltd", "reference": "INV-0042"],
        idempotencyKey: "spend-0042", requestHash: Digest(Array(repeating: 0xAB, count: 32)), reverses: nil,
        previousHash: EntryEncoding.genesisHash(AllianceID(1)),
        postings: [
            Posting(
                line: 1, accountID: 11, account: AccountCode(trusted: "partner:slam:cost:STAFF"),
                amount: 123_456),
            Posting(
                line: 2, accountID: 12, account: AccountCode(trusted: "partner:slam:funding"),
                amount: -123_456),
        ])

    /// Golden values, cross-checked against an independent implementation of the documented
    /// encoding (a few lines of Python's hashlib and struct). If one changes, every recorded
    /// hash changes with it: a change here needs a new encoding version, not an edit.
    @Test func goldenVectors() {
        #expect(
            EntryEncoding.genesisHash(AllianceID(1)).description
                == "d33da9c70644596dee09b9e4757f17a8f40e3d78a039e4ae068cb0a9e2b91bc7")
        #expect(
            EntryEncoding.hash(Self.content).description
                == "72b64259a4a5131fc27be9d739f419b84747f3740225c8088f79820fe4855aa4")
    }

    @Test func everyFieldChangesTheHash() throws {
        let base = EntryEncoding.hash(Self.content)
        let c = Self.content
        let variants: [EntryContent] = [
            with(c, sequence: 2), with(c, kind: .opening),
            with(c, effectiveOn: c.effectiveOn.adding(days: 1)),
            with(c, recordedAt: Timestamp(microsecondsSince1970: c.recordedAt.microsecondsSince1970 + 1)),
            with(c, recordedBy: "someone else"), with(c, description: "Agency staff, June"),
            with(c, metadata: ["supplier": "Acme Ltd"]), with(c, idempotencyKey: .some(nil)),
            with(c, reverses: 9), with(c, previousHash: Digest(Array(repeating: 0, count: 32))),
            with(
                c,
                postings: [
                    c.postings[0],
                    Posting(line: 2, accountID: 12, account: c.postings[1].account, amount: -123_455),
                ]),
        ]
        for variant in variants {
            #expect(EntryEncoding.hash(variant) != base)
        }
        // Metadata order does not matter; its content does.
        #expect(
            EntryEncoding.hash(with(c, metadata: ["reference": "INV-0042", "supplier": "Acme Ltd"])) == base)
        // Length prefixes keep field boundaries: moving a character between fields changes the hash.
        #expect(
            EntryEncoding.hash(with(c, recordedBy: "finance@slam.nhs.ukA", description: "gency staff, May"))
                != base)
    }

    private func with(
        _ c: EntryContent, sequence: Int64? = nil, kind: EntryKind? = nil, effectiveOn: CalendarDate? = nil,
        recordedAt: Timestamp? = nil, recordedBy: String? = nil, description: String? = nil,
        metadata: [String: String]? = nil, idempotencyKey: String?? = .none, reverses: Int64? = nil,
        previousHash: Digest? = nil, postings: [Posting]? = nil
    ) -> EntryContent {
        EntryContent(
            alliance: c.alliance, sequence: sequence ?? c.sequence, kind: kind ?? c.kind,
            effectiveOn: effectiveOn ?? c.effectiveOn, recordedAt: recordedAt ?? c.recordedAt,
            recordedBy: recordedBy ?? c.recordedBy, description: description ?? c.description,
            metadata: metadata ?? c.metadata, idempotencyKey: idempotencyKey ?? c.idempotencyKey,
            requestHash: c.requestHash, reverses: reverses ?? c.reverses,
            previousHash: previousHash ?? c.previousHash,
            postings: postings ?? c.postings)
    }
}
