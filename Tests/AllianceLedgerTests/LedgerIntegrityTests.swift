import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The invariants under stress and attack: concurrent writers, a superuser editing rows behind
/// the triggers, and writes that bypass the Swift checks to reach the database's own.
@Suite(.timeLimit(.perTest)) struct LedgerIntegrityTests {
    /// Bank test: 16 tasks post random transfers among 20 accounts for a few seconds. At every
    /// sampled moment the balances sum to zero and no floor is crossed, the chain verifies, and
    /// in the end the journal holds exactly the acknowledged entries.
    @Test func bankTest() async throws {
        let floored = (1...10).map { ("alliance:cash:\($0)", AccountType.asset, Int64?.some(0)) }
        let open = (1...9).map { ("partner:p\($0):cost:STAFF", AccountType.expense, Int64?.none) }
        let accounts = floored + open + [("alliance:opening", AccountType.equity, nil)]
        try await LedgerFixture.with(accounts: accounts) { fixture in
            for index in 1...10 {
                _ = try await fixture.ledger.post(
                    try fixture.transfer(
                        1_000_000, from: "alliance:opening", to: "alliance:cash:\(index)", kind: .opening),
                    to: fixture.alliance)
            }
            let codes = accounts.map(\.0)
            let acknowledged = Counter()
            let refusedAtFloor = Counter()
            // A fixed amount of work rather than a time limit, so a busy machine makes the test
            // slower, never weaker.
            let writers = 16
            let attemptsPerWriter = 20
            let finishedWriters = Counter()
            let sampler = Task {
                try await sample(fixture, atLeast: 3, until: { finishedWriters.current == writers })
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        defer { finishedWriters.increment() }
                        var random = SplitMix(seed: UInt64(writer) + 1)
                        for _ in 0..<attemptsPerWriter {
                            let from = codes[Int(random.next() % UInt64(codes.count))]
                            var to = codes[Int(random.next() % UInt64(codes.count))]
                            if to == from { to = codes[(codes.firstIndex(of: from)! + 1) % codes.count] }
                            let amount = Int64(random.next() % 50_000) + 1
                            do {
                                let posted = try await fixture.ledger.post(
                                    try fixture.transfer(amount, from: from, to: to), to: fixture.alliance)
                                #expect(!posted.replayed)
                                acknowledged.increment()
                            } catch LedgerError.floorCrossed {
                                refusedAtFloor.increment()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let samples = try await sampler.value
            #expect(samples >= 3)
            #expect(acknowledged.current + refusedAtFloor.current == writers * attemptsPerWriter)
            #expect(acknowledged.current > 100)
            let report = try await fixture.ledger.verify(fixture.alliance)
            #expect(report.isIntact, "\(report)")
            #expect(report.entries == Int64(acknowledged.current + 10))
            try await assertBooksBalance(fixture)
        }
    }

    /// Samples the books while writers run, at least `minimum` times: one snapshot per sample.
    private func sample(
        _ fixture: LedgerFixture, atLeast minimum: Int, until finished: @Sendable () -> Bool
    ) async throws -> Int {
        var samples = 0
        while samples < minimum || !finished() {
            try await assertBooksBalance(fixture)
            let report = try await fixture.ledger.verify(fixture.alliance)
            #expect(report.isIntact, "\(report)")
            samples += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        return samples
    }

    private func assertBooksBalance(_ fixture: LedgerFixture) async throws {
        let row = try await fixture.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT coalesce(sum(balance), 0)::bigint AS total,
                       count(*) FILTER (WHERE floor IS NOT NULL AND balance * normal_side < floor) AS crossed
                FROM account_balances
                """
            ).single()
        }
        #expect(try row.decode("total", as: Int64.self) == 0)
        #expect(try row.decode("crossed", as: Int64.self) == 0)
    }

    @Test func verifyNamesTheEntryASuperuserEdited() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            for amount in [100, 200, 300, 400, 500] as [Int64] {
                _ = try await fixture.ledger.post(
                    try fixture.transfer(amount, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                    to: fixture.alliance)
            }
            let owner = try await fixture.database.connect()
            try await owner.execute("SET session_replication_role = replica")
            try await owner.execute(
                "UPDATE postings SET amount = amount + 1 WHERE entry_sequence = 3 AND line = 1")
            try await owner.execute(
                "UPDATE postings SET amount = amount - 1 WHERE entry_sequence = 3 AND line = 2")

            let edited = try await fixture.ledger.verify(fixture.alliance)
            #expect(!edited.isIntact)
            #expect(edited.firstMismatch?.sequence == 3)
            #expect(edited.firstMismatch?.problem.contains("hash") == true)
            #expect(
                Set(edited.balanceDrifts.map(\.account.rawValue)) == [
                    "partner:slam:cost:STAFF", "partner:slam:funding",
                ])

            // Editing the balances to match hides nothing: the hash still names the entry.
            try await owner.execute(
                "UPDATE account_balances SET balance = balance + 1 WHERE account_id = (SELECT id FROM accounts WHERE code = 'partner:slam:cost:STAFF')"
            )
            try await owner.execute(
                "UPDATE account_balances SET balance = balance - 1 WHERE account_id = (SELECT id FROM accounts WHERE code = 'partner:slam:funding')"
            )
            let consistent = try await fixture.ledger.verify(fixture.alliance)
            #expect(consistent.balanceDrifts.isEmpty)
            #expect(consistent.firstMismatch?.sequence == 3)

            // Removing the last entry breaks the head.
            try await owner.execute("DELETE FROM postings WHERE entry_sequence = 5")
            try await owner.execute("DELETE FROM journal_entries WHERE sequence = 5")
            let truncated = try await fixture.ledger.verify(fixture.alliance)
            #expect(truncated.headProblem != nil)
            await owner.close()
        }
    }

    /// The verifier hashes entries from the stored bytes: metadata, descriptions and names in
    /// any script, with every character JSON escapes, verify; a superuser's edit of the metadata
    /// or of a posting's account is named.
    @Test func verifyReadsEveryStoredTextAsWrittenAndNamesAnEditedOne() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            let awkward = "Ünïcödé \"quoted\" back\\slash /slash\nnew line\ttab \u{1} 😀 中文 e\u{301}"
            for (index, metadata) in [
                [:], ["supplier": awkward], [awkward: "key", "a": "", "ü": "é", "z": "😀"],
                ["reference": String(repeating: "é", count: 1000)],
            ].enumerated() {
                _ = try await fixture.ledger.post(
                    try EntryRequest(
                        kind: .spend, effectiveOn: LedgerFixture.day, description: "\(awkward) \(index)",
                        metadata: metadata,
                        postings: [
                            .init(try fixture.code("partner:slam:cost:STAFF"), 100 + Int64(index)),
                            .init(try fixture.code("partner:slam:funding"), -100 - Int64(index)),
                        ],
                        recordedBy: "finance@slam", idempotencyKey: "awkward-\(index)"),
                    to: fixture.alliance)
            }
            let report = try await fixture.ledger.verify(fixture.alliance)
            #expect(report.isIntact && report.entries == 4)

            let owner = try await fixture.database.connect()
            try await owner.execute("SET session_replication_role = replica")
            try await owner.execute(
                "UPDATE journal_entries SET metadata = jsonb_set(metadata, '{z}', '\"😁\"') WHERE sequence = 3"
            )
            let edited = try await fixture.ledger.verify(fixture.alliance)
            #expect(edited.firstMismatch?.sequence == 3)
            #expect(edited.firstMismatch?.problem.contains("hash") == true)

            // Metadata that is not an object of strings, past the check that refuses it (an
            // append's: SQL/0027; the replica role runs no trigger).
            try await owner.execute(
                "UPDATE journal_entries SET metadata = '{\"supplier\": 1}' WHERE sequence = 2")
            #expect(try await fixture.ledger.verify(fixture.alliance).firstMismatch?.sequence == 2)

            // A posting moved to an account that does not exist (foreign keys off) is named, not
            // a crash of the check.
            try await owner.execute(
                "UPDATE postings SET account_id = 999999 WHERE entry_sequence = 1 AND line = 1")
            let moved = try await fixture.ledger.verify(fixture.alliance)
            #expect(moved.firstMismatch?.sequence == 1)
            await owner.close()
        }
    }

    @Test func theServiceRoleCannotChangeHistory() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            _ = try await fixture.ledger.post(
                try fixture.transfer(100, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                to: fixture.alliance)
            let service = try await PostgresConnection.connect(
                fixture.database.configuration(role: Ledger.serviceRole))
            let forbidden: [PostgresQuery] = [
                "UPDATE journal_entries SET description = 'edited'",
                "DELETE FROM postings",
                "TRUNCATE postings",
                "TRUNCATE journal_entries CASCADE",
                "INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount) SELECT alliance_id, 1, 9, account_id, 1 FROM account_balances LIMIT 1",
                "UPDATE account_balances SET balance = 0",
                "UPDATE journal_heads SET sequence = 0",
                "UPDATE accounts SET floor = NULL",
            ]
            for statement in forbidden {
                let error = await #expect(throws: PostgresError.self, "\(statement)") {
                    try await service.execute(statement)
                }
                #expect(
                    error?.sqlState == .insufficientPrivilege, "\(statement): \(String(describing: error))")
            }
            await service.close()

            // The owner is stopped by the triggers instead.
            let owner = try await fixture.database.connect()
            let ownerForbidden: [PostgresQuery] = [
                "UPDATE journal_entries SET description = 'edited'",
                "DELETE FROM postings",
                "TRUNCATE postings",
                "UPDATE account_balances SET balance = 0",
                "UPDATE journal_heads SET sequence = 0",
                "DELETE FROM accounts",
                // The guards run once per statement (SQL/0019): a direct change is refused
                // however many rows it names, none included.
                "UPDATE account_month_totals SET net = net",
                "UPDATE account_balances SET balance = balance WHERE false",
                "INSERT INTO journal_tree_tiles (alliance_id, tier, index, hashes) SELECT alliance_id, 12, 0, hashes FROM journal_tree_tiles LIMIT 1",
                "INSERT INTO governance_tree_tiles (alliance_id, tier, index, hashes) SELECT alliance_id, 12, 0, hashes FROM journal_tree_tiles LIMIT 1",
                "UPDATE journal_tree_tiles SET hashes = hashes || hashes WHERE false",
            ]
            for statement in ownerForbidden {
                let error = await #expect(throws: PostgresError.self, "\(statement)") {
                    try await owner.execute(statement)
                }
                #expect(
                    error?.sqlState == .insufficientPrivilege, "\(statement): \(String(describing: error))")
            }
            await owner.close()
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }

    /// Postings written on their own, by the owner past the service role's privileges, are
    /// refused by the postings trigger whether they name an entry that has its postings already
    /// or none at all, in a small statement (checked entry by entry) and a large one (checked in
    /// one query, SQL/0018 and SQL/0019), and nothing is written.
    @Test func postingsComeOnlyWithTheirEntry() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            let first = try await fixture.ledger.post(
                try fixture.transfer(100, from: "partner:slam:funding", to: "alliance:bank"),
                to: fixture.alliance)
            let before = try await fixture.snapshot()
            let account = first.entry.postings[0].accountID
            let owner = try await fixture.database.connect()
            // Pairs of +1 and -1 on lines from 10, so that every entry's postings still balance.
            for (entry, count) in [(Int64(1), 2), (Int64(1), 64), (Int64(99), 2), (Int64(99), 64)] {
                let error = await #expect(throws: PostgresError.self, "entry \(entry), \(count) postings") {
                    try await owner.execute(
                        """
                        INSERT INTO postings (alliance_id, entry_sequence, line, account_id, amount)
                        SELECT \(fixture.alliance.rawValue), \(entry), 9 + n, \(account),
                               CASE WHEN n % 2 = 0 THEN -1 ELSE 1 END
                        FROM generate_series(1, \(Int64(count))) AS n
                        """)
                }
                #expect(
                    error?.constraint == "postings_with_their_entry",
                    "entry \(entry), \(count) postings: \(String(describing: error))")
                #expect(try await fixture.snapshot() == before)
            }
            await owner.close()
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }

    /// The unique keys most entries leave empty index only the entries that have one
    /// (SQL/0026): an imported spend has no idempotency key and only a reversal reverses.
    /// `theDatabaseRefusesWhatSwiftWouldHave` shows both still refuse a repeat, by these names.
    @Test func keysAndReversalLinksAreIndexedOnlyWhereSet() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await fixture.database.pool.withConnection { connection in
                let definitions = try await connection.query(
                    """
                    SELECT indexname, indexdef FROM pg_indexes
                    WHERE tablename = 'journal_entries'
                      AND indexname IN ('journal_entries_idempotency_key', 'journal_entries_reverses_key')
                    """
                ).map {
                    (try $0.decode("indexname", as: String.self), try $0.decode("indexdef", as: String.self))
                }
                let byName = Dictionary(uniqueKeysWithValues: definitions)
                #expect(byName.count == 2)
                for (name, column) in [
                    ("journal_entries_idempotency_key", "idempotency_key"),
                    ("journal_entries_reverses_key", "reverses"),
                ] {
                    let definition = byName[name] ?? ""
                    #expect(definition.hasPrefix("CREATE UNIQUE INDEX \(name) "), "\(definition)")
                    #expect(definition.hasSuffix("WHERE (\(column) IS NOT NULL)"), "\(definition)")
                }
            }
        }
    }

    /// The metadata CHECK takes an object whose every value is a string, and nothing else: its
    /// test (an inlinable jsonpath since SQL/0019) answers as SQL/0002's did.
    @Test func metadataIsAnObjectOfStrings() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            let samples: [(String, Bool)] = [
                ("{}", true), (#"{"a": "b"}"#, true), (#"{"a": "", "c": "d"}"#, true),
                (#"{"a": 1}"#, false), (#"{"a": null}"#, false), (#"{"a": true}"#, false),
                (#"{"a": ["x"]}"#, false), (#"{"a": []}"#, false), (#"{"a": {}}"#, false),
                (#"{"a": {"b": "c"}}"#, false), (#"{"a": "b", "z": [1]}"#, false), ("[]", false),
                (#"["a"]"#, false), (#""x""#, false), ("1", false), ("null", false),
            ]
            try await fixture.database.pool.withConnection { connection in
                for (json, flat) in samples {
                    let answer: Bool = try await connection.query(
                        "SELECT ledger_is_flat_text_object(\(json)::jsonb) AS flat"
                    ).single().decode("flat")
                    #expect(answer == flat, "\(json)")
                }
            }
        }
    }

    /// The database's checks hold on their own: entries built by hand, bypassing the Swift
    /// checks, are refused by the triggers and constraints, and nothing is written.
    @Test func theDatabaseRefusesWhatSwiftWouldHave() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            let first = try await fixture.ledger.post(
                try fixture.transfer(100, from: "partner:slam:funding", to: "alliance:bank", key: "k1"),
                to: fixture.alliance)
            _ = try await fixture.ledger.reverse(
                try ReversalRequest(
                    sequence: 1, reason: "x", effectiveOn: LedgerFixture.day, recordedBy: "x"),
                in: fixture.alliance)
            let before = try await fixture.snapshot()
            let bank = first.entry.postings[0]
            let funding = first.entry.postings[1]
            let cases: [(String, (inout HandEntry) -> Void)] = [
                ("journal_entries_two_postings", { $0.postings = [(bank.accountID, 5)] }),
                (
                    "journal_entries_balanced",
                    { $0.postings = [(bank.accountID, 5), (funding.accountID, -4)] }
                ),
                ("account_balances_floor", { $0.postings = [(bank.accountID, -5), (funding.accountID, 5)] }),
                ("postings_account_exists", { $0.postings = [(bank.accountID, 5), (999_999, -5)] }),
                ("journal_entries_gap_free", { $0.sequence += 1 }),
                ("journal_entries_chain_link", { $0.previousHash = Digest(Array(repeating: 7, count: 32)) }),
                ("journal_entries_idempotency_key", { $0.idempotencyKey = "k1" }),
                (
                    "journal_entries_reverses_key",
                    {
                        $0.kind = "reversal"
                        $0.reverses = 1
                        $0.postings = [(bank.accountID, -100), (funding.accountID, 100)]
                    }
                ),
                (
                    "journal_entries_no_reversal_of_reversal",
                    {
                        $0.kind = "reversal"
                        $0.reverses = 2
                        $0.postings = [(bank.accountID, 100), (funding.accountID, -100)]
                    }
                ),
                ("postings_amount_nonzero", { $0.postings = [(bank.accountID, 0), (funding.accountID, 0)] }),
                // The checks of an entry's own values (table constraints until SQL/0027).
                ("journal_entries_kind", { $0.kind = "gift" }),
                ("journal_entries_description_length", { $0.description = "" }),
                ("journal_entries_recorded_by_length", { $0.recordedBy = "" }),
                ("journal_entries_idempotency_key_length", { $0.idempotencyKey = "" }),
                (
                    "journal_entries_hash_sizes",
                    { $0.requestHash = "\\x" + String(repeating: "01", count: 31) }
                ),
                ("journal_entries_metadata_flat", { $0.metadata = #"{"supplier": 1}"# }),
                ("journal_entries_spend_supplier_type", { $0.metadata = #"{"supplierType": "person"}"# }),
                ("journal_entries_spend_irrecoverable_vat", { $0.metadata = #"{"irrecoverableVat": "01"}"# }),
                ("journal_entries_spend_supplier_id", { $0.metadata = #"{"supplierId": "0123 4567"}"# }),
                ("journal_entries_spend_expense_type", { $0.metadata = #"{"expenseTypeLabel": "Agency"}"# }),
                (
                    "journal_entries_recorded_in_order",
                    { $0.recordedAt = Timestamp(microsecondsSince1970: 0) }
                ),
                (
                    "journal_entries_recorded_not_ahead",
                    {
                        $0.recordedAt = Timestamp(
                            microsecondsSince1970: $0.recordedAt.microsecondsSince1970 + 3_600_000_000)
                    }
                ),
            ]
            // Alone, and after 40 good entries in the same statement: the triggers check a
            // statement of 32 entries or more in one query (SQL/0018), a smaller one entry by
            // entry. (After the good entries the bank has enough to pay 5.) And in bulk, where
            // balances move at commit (SQL/0023): the floor and the accounts are judged there.
            for bulk in [false, true] {
                for fillers in [0, 40] {
                    for (constraint, edit) in cases
                    where fillers == 0 || constraint != "account_balances_floor" {
                        let error = await #expect(throws: PostgresError.self, "\(constraint)") {
                            try await HandEntry.append(edit, after: fillers, bulk: bulk, fixture: fixture)
                        }
                        #expect(
                            error?.constraint == constraint,
                            "\(constraint) after \(fillers), bulk \(bulk): \(String(describing: error))")
                        #expect(try await fixture.snapshot() == before, "\(constraint) changed the books")
                    }
                }
            }
            // A reversal that does not mirror its original, once the original is free to reverse.
            let second = try await fixture.ledger.post(
                try fixture.transfer(50, from: "partner:slam:funding", to: "alliance:bank"),
                to: fixture.alliance)
            for fillers in [0, 40] {
                let mirror = await #expect(throws: PostgresError.self) {
                    try await HandEntry.append(
                        {
                            $0.kind = "reversal"
                            $0.reverses = second.entry.sequence
                            $0.postings = [(bank.accountID, -49), (funding.accountID, 49)]
                        }, after: fillers, fixture: fixture)
                }
                #expect(mirror?.constraint == "journal_entries_reversal_mirrors", "after \(fillers)")
            }
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }
    /// A statement of 32 entries or more is checked as a whole first, each alliance's run of
    /// entries by one query (SQL/0028), and entry by entry only where that finds something out
    /// of order: two alliances' runs of 40 in one statement go in with both heads moved; one
    /// broken entry in either run, or a posting for an entry outside the statement's, is refused
    /// by the name the entry-by-entry checks give it, and nothing is written.
    @Test func largeStatementsAreCheckedRunByRun() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            let other = try await AllianceDirectory(pool: fixture.pool).create(
                slug: "north-kent", name: "North Kent Alliance"
            ).id
            for (code, type, floor) in LedgerTests.accounts {
                try await fixture.ledger.openAccount(
                    try AccountCode(code), type: type, floor: floor, in: other)
            }
            let alliances = [fixture.alliance, other]
            func heads() async throws -> [Int64: Int64] {
                try await fixture.database.pool.withConnection { connection in
                    Dictionary(
                        uniqueKeysWithValues: try await connection.query(
                            "SELECT alliance_id, sequence, hash FROM journal_heads ORDER BY alliance_id"
                        ).map {
                            #expect(try $0.decode("hash", as: Digest.self) == HandEntry.madeUpHash)
                            return (
                                try $0.decode("alliance_id", as: Int64.self),
                                try $0.decode("sequence", as: Int64.self)
                            )
                        })
                }
            }
            try await HandEntry.appendRuns(of: 40, to: alliances, fixture: fixture)
            #expect(try await heads() == [fixture.alliance.rawValue: 40, other.rawValue: 40])
            let before = try await fixture.snapshot()
            let inTheMiddle: [(String, (inout HandEntry) -> Void)] = [
                ("journal_entries_chain_link", { $0.previousHash = Digest(Array(repeating: 7, count: 32)) }),
                ("journal_entries_two_postings", { $0.postings = [$0.postings[0]] }),
                ("journal_entries_two_postings", { $0.postings = [] }),
                (
                    "journal_entries_balanced",
                    { $0.postings = [($0.postings[0].0, 5), ($0.postings[1].0, -4)] }
                ),
                (
                    "journal_entries_recorded_in_order",
                    { $0.recordedAt = Timestamp(microsecondsSince1970: 0) }
                ),
                (
                    "journal_entries_recorded_not_ahead",
                    {
                        $0.recordedAt = Timestamp(
                            microsecondsSince1970: $0.recordedAt.microsecondsSince1970 + 3_600_000_000)
                    }
                ),
            ]
            for broken in alliances {
                var cases = inTheMiddle.map { (constraint, edit) in
                    (constraint, 20, edit)
                }
                cases.append(("journal_entries_gap_free", 39, { $0.sequence += 1 }))
                for (constraint, place, edit) in cases {
                    let error = await #expect(throws: PostgresError.self, "\(constraint)") {
                        try await HandEntry.appendRuns(of: 40, to: alliances, fixture: fixture) {
                            alliance, index, entry in
                            if alliance == broken && index == place { edit(&entry) }
                        }
                    }
                    #expect(
                        error?.constraint == constraint,
                        "\(constraint) in \(broken): \(String(describing: error))")
                    #expect(try await fixture.snapshot() == before, "\(constraint) changed the books")
                }
                // Postings for the entry before the run (there already) and after it (nowhere).
                for offset: Int64 in [-40, 1] {
                    let error = await #expect(throws: PostgresError.self) {
                        try await HandEntry.appendRuns(
                            of: 40, to: alliances, fixture: fixture,
                            strays: { lastOfRuns in
                                lastOfRuns.filter { $0.alliance == broken.rawValue }.flatMap { last in
                                    let sequence = last.sequence + offset
                                    return [
                                        (last.alliance, sequence, last.postings[0].0, Int64(1)),
                                        (last.alliance, sequence, last.postings[1].0, Int64(-1)),
                                    ]
                                }
                            })
                    }
                    #expect(
                        error?.constraint == "postings_with_their_entry",
                        "\(offset): \(String(describing: error))")
                    #expect(try await fixture.snapshot() == before)
                }
            }
            try await HandEntry.appendRuns(of: 40, to: alliances, fixture: fixture)
            #expect(try await heads() == [fixture.alliance.rawValue: 80, other.rawValue: 80])
            for alliance in alliances {
                let bank = try await fixture.ledger.balances(in: alliance).first {
                    $0.account.code.rawValue == "alliance:bank"
                }
                #expect(bank?.balance == 80)
            }
        }
    }
}

/// An entry assembled by hand and appended through `ledger_append` as the service role, with
/// a correct chain link and hash unless a test edits them; optionally after `fillers` good
/// entries (the bank's funding moving 1) in the same statement, and in `bulk`, a transaction
/// that moves balances and counts month totals at commit, as an import's chunk does.
struct HandEntry {
    var alliance: Int64
    var sequence: Int64
    var kind = "spend"
    var effectiveOn = LedgerFixture.day
    var description = "by hand"
    var recordedBy = "hand"
    var metadata = "{}"
    /// In bytea's text form, so that a test can make it the wrong size.
    var requestHash = "\\x" + String(repeating: "01", count: 32)
    var previousHash: Digest
    var recordedAt: Timestamp
    var idempotencyKey: String?
    var reverses: Int64?
    var postings: [(Int64, Int64)] = []

    static func append(
        _ edit: (inout HandEntry) -> Void, after fillers: Int = 0, bulk: Bool = false, fixture: LedgerFixture
    ) async throws {
        try await fixture.pool.withTransaction { connection in
            if bulk { try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'") }
            let head = try await connection.query(
                """
                SELECT alliance_id, sequence, hash, clock
                FROM ledger_lock_heads(\([fixture.alliance.rawValue])::bigint[], false)
                """
            ).single()
            // The fillers, then the entry under test, which starts with no postings.
            var entries = try await run(of: fillers + 1, continuing: head, on: connection)
            entries[fillers].postings = []
            edit(&entries[fillers])
            try await call(entries, on: connection)
        }
    }

    /// `count` good entries (the bank's funding moving 1) continuing the head `ledger_lock_heads`
    /// answered with, recorded at its clock.
    private static func run(of count: Int, continuing head: PostgresRow, on connection: PostgresConnection)
        async throws -> [HandEntry]
    {
        let alliance = try head.decode("alliance_id", as: Int64.self)
        let headSequence = try head.decode("sequence", as: Int64.self)
        let headHash = try head.decode("hash", as: Digest.self)
        let clock = try head.decode("clock", as: Timestamp.self)
        let accounts = try await connection.query(
            """
            SELECT a.id FROM accounts AS a WHERE a.alliance_id = \(alliance)
                AND a.code IN ('alliance:bank', 'partner:slam:funding') ORDER BY a.code
            """
        ).map { try $0.decode("id", as: Int64.self) }
        return (0..<Int64(count)).map { index in
            HandEntry(
                alliance: alliance, sequence: headSequence + 1 + index,
                previousHash: index == 0 ? headHash : madeUpHash, recordedAt: clock,
                postings: [(accounts[0], 1), (accounts[1], -1)])
        }
    }

    /// Every entry's hash, made up: the database checks the chain's links, not how the hashes
    /// were made (``Ledger/verify(_:)`` does; no test verifies a journal these entries are in).
    static let madeUpHash = Digest(Array(repeating: 1, count: 32))

    /// One statement appending `count` good entries (the bank's funding moving 1) to each of
    /// `alliances`, in a transaction that holds their heads; `edit` may change any entry, by its
    /// alliance and place in its run (from 0), and `strays` adds postings of its own.
    static func appendRuns(
        of count: Int, to alliances: [AllianceID], fixture: LedgerFixture,
        edit: (AllianceID, Int, inout HandEntry) -> Void = { _, _, _ in },
        strays: (_ lastOfRuns: [HandEntry]) -> [(
            alliance: Int64, sequence: Int64, account: Int64, amount: Int64
        )] = {
            _ in []
        }
    ) async throws {
        try await fixture.pool.withTransaction { connection in
            var entries: [HandEntry] = []
            var lastOfRuns: [HandEntry] = []
            for head in try await connection.query(
                """
                SELECT alliance_id, sequence, hash, clock
                FROM ledger_lock_heads(\(alliances.map(\.rawValue))::bigint[], false)
                """)
            {
                var run = try await run(of: count, continuing: head, on: connection)
                for index in run.indices {
                    edit(AllianceID(run[index].alliance), index, &run[index])
                }
                entries += run
                lastOfRuns += run.suffix(1)
            }
            try await call(entries, strays: strays(lastOfRuns), on: connection)
        }
    }

    /// `ledger_append` with `entries`, their postings numbered from line 1, and `strays` on lines
    /// from 100.
    private static func call(
        _ entries: [HandEntry],
        strays: [(alliance: Int64, sequence: Int64, account: Int64, amount: Int64)] = [],
        on connection: PostgresConnection
    ) async throws {
        let postings =
            entries.flatMap { entry in
                entry.postings.enumerated().map {
                    (entry.alliance, entry.sequence, Int16($0.offset + 1), $0.element.0, $0.element.1)
                }
            }
            + strays.enumerated().map {
                (
                    $0.element.alliance, $0.element.sequence, Int16(100 + $0.offset), $0.element.account,
                    $0.element.amount
                )
            }
        try await connection.execute(
            """
            SELECT ledger_append(
                \(entries.map(\.alliance))::bigint[], \(entries.map(\.sequence))::bigint[],
                \(entries.map(\.kind))::text[], \(entries.map(\.effectiveOn))::date[],
                \(entries.map(\.recordedAt))::timestamptz[], \(entries.map(\.recordedBy))::text[],
                \(entries.map(\.description))::text[], \(entries.map(\.metadata))::jsonb[],
                \(entries.map(\.idempotencyKey))::text[], \(entries.map(\.requestHash))::text[]::bytea[],
                \(entries.map(\.reverses))::bigint[], \(entries.map(\.previousHash))::bytea[],
                \(entries.map { _ in madeUpHash })::bytea[],
                \(postings.map(\.0))::bigint[], \(postings.map(\.1))::bigint[],
                \(postings.map(\.2))::smallint[], \(postings.map(\.3))::bigint[],
                \(postings.map(\.4))::bigint[])
            """)
    }
}
