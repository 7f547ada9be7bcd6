import Crypto
import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The statements worked case, computed by hand to the penny.
///
/// Budgets for FY2025 (April to March), carried by D-0001 on 1 May 2025: slam STAFF
/// £120,000.00, lambeth PREMISES £10,000.01. D-0002 raises slam STAFF to £132,000.00 on
/// 15 September 2025. A month's budget is the year's figure in force at the month's end in
/// twelfths, earlier months taking the remainder pennies:
/// - slam STAFF: April–August £10,000.00 a month, September–March £11,000.00: £127,000.00 in all;
/// - lambeth PREMISES: £833.34 April–August (five remainder pennies), £833.33 after.
///
/// Spend: slam STAFF £5,000.00 on 10 April, £3,000.00 on 20 May (reversed in December 2026,
/// which counts in May), £2,500.00 on 1 September; lambeth PREMISES £1,234.56 on 30 June.
///
/// | period    | row              | budget        | actual     | variance      |
/// |-----------|------------------|---------------|------------|---------------|
/// | FY2025-Q1 | slam STAFF       | 30,000.00     | 5,000.00   | 25,000.00     |
/// | FY2025-Q1 | lambeth PREMISES | 2,500.02      | 1,234.56   | 1,265.46      |
/// | FY2025-Q1 | total            | 32,500.02     | 6,234.56   | 26,265.46     |
/// | FY2025    | slam STAFF       | 127,000.00    | 7,500.00   | 119,500.00    |
/// | FY2025    | lambeth PREMISES | 10,000.01     | 1,234.56   | 8,765.45      |
/// | FY2025    | total            | 137,000.01    | 8,734.56   | 128,265.45    |
/// | 2025-09   | slam STAFF       | 11,000.00     | 2,500.00   | 8,500.00      |
///
/// Year to date at the end of Q1: the full year as it stood on 30 June is £130,000.01
/// (D-0002 had not carried), of which £123,765.45 remains.
struct StatementFixture {
    let board: BoardFixture
    let statements: Statements
    let spend: SpendBook
    /// Spend ids by their letter in the worked case.
    var entries: [String: Int64] = [:]

    static func with(_ body: (StatementFixture) async throws -> Void) async throws {
        try await BoardFixture.with { board in
            var fixture = StatementFixture(
                board: board, statements: Statements(pool: board.pool),
                spend: SpendBook(ledger: Ledger(pool: board.pool)))
            try await fixture.carry(
                .budgetSet(
                    year: 2025,
                    figures: [
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 120_000_00),
                        try BudgetSetting(partner: "lambeth", budgetLine: "PREMISES", amount: 10_000_01),
                    ]))
            board.clock.set(timestamp(2025, 9, 15))
            try await fixture.carry(
                .budgetSet(
                    year: 2025,
                    figures: [try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 132_000_00)]))
            fixture.entries["A"] = try await fixture.record(5_000_00, "slam", "STAFF", date(2025, 4, 10), "A")
            fixture.entries["B"] = try await fixture.record(3_000_00, "slam", "STAFF", date(2025, 5, 20), "B")
            fixture.entries["C"] = try await fixture.record(2_500_00, "slam", "STAFF", date(2025, 9, 1), "C")
            fixture.entries["D"] = try await fixture.record(
                1_234_56, "lambeth", "PREMISES", date(2025, 6, 30), "D")
            _ = try await fixture.spend.reverse(
                try #require(fixture.entries["B"]), reason: "Invoice paid twice", in: board.alliance,
                by: try board.directory.caller("finance-slam"))
            try await body(fixture)
        }
    }

    var alliance: Alliance { board.alliance }

    func carry(_ action: DecisionAction) async throws {
        var decision = try await board.propose(action)
        for partner in BoardFixture.partners {
            board.tick()
            decision = try await board.vote(.approve, partner, on: decision)
        }
        #expect(decision.state == .carried, "\(decision.failure ?? "")")
    }

    func record(_ amount: Int64, _ partner: String, _ line: String, _ day: CalendarDate, _ reference: String)
        async throws -> Int64
    {
        try await spend.record(
            try SpendRequest(
                partner: partner, budgetLine: line, amount: amount, incurredOn: day,
                description: "Invoice \(reference)",
                reference: reference),
            in: alliance,
            by: try board.directory.caller(partner == "slam" ? "finance-slam" : "finance-lambeth")
        ).id
    }

    func preview(_ period: String) async throws -> Statement {
        try await statements.preview(period, in: alliance, by: try board.directory.caller("auditor"))
    }

    func publish(_ period: String, supersedes: String? = nil, reason: String? = nil) async throws
        -> StatementListing
    {
        try await statements.publish(
            try PublicationRequest(period: period, supersedes: supersedes, reason: reason),
            origin: "ledger.example.org/alliances/\(alliance.slug)", in: alliance,
            by: try board.directory.caller("finance-slam"))
    }

    static func timestamp(_ year: Int, _ month: Int, _ day: Int) -> Timestamp {
        let days = Int64(date(year, month, day).daysSince1970)
        return Timestamp(microsecondsSince1970: (days * 86_400 + 12 * 3600) * 1_000_000)
    }
}

extension Statement.BudgetSection {
    func row(_ partner: String, _ line: String) -> Statement.BudgetRow? {
        rows.first { $0.partner == partner && $0.budgetLine == line }
    }
}

@Suite(.timeLimit(.perTest)) struct StatementTests {
    @Test func budgetAgainstActualMatchesTheWorkedCaseToThePenny() async throws {
        try await StatementFixture.with { fixture in
            let quarter = try await fixture.preview("FY2025-Q1")
            #expect(quarter.number == nil && quarter.previousHash == nil)
            #expect(quarter.period.from == date(2025, 4, 1) && quarter.period.to == date(2025, 6, 30))
            let staff = try #require(quarter.budget.row("slam", "STAFF"))
            #expect([staff.budget, staff.actual, staff.variance] == [30_000_00, 5_000_00, 25_000_00])
            #expect(staff.decisions == ["D-0001"])
            #expect(staff.yearOriginal == 120_000_00 && staff.yearRevised == 132_000_00)
            let premises = try #require(quarter.budget.row("lambeth", "PREMISES"))
            #expect([premises.budget, premises.actual, premises.variance] == [2_500_02, 1_234_56, 1_265_46])
            #expect(
                [quarter.budget.total.budget, quarter.budget.total.actual, quarter.budget.total.variance]
                    == [32_500_02, 6_234_56, 26_265_46])
            #expect(quarter.budget.byPartner.map(\.key) == ["lambeth", "slam"])
            #expect(quarter.budget.byLine.first { $0.key == "STAFF" }?.actual == 5_000_00)

            // The year to date at the end of Q1 carries the full year as it stood then.
            let toDate = quarter.yearToDate
            #expect(toDate.from == date(2025, 4, 1) && toDate.to == date(2025, 6, 30))
            #expect(toDate.total.fullYear == 130_000_01)
            #expect(try #require(toDate.total.fullYear) - toDate.total.actual == 123_765_45)
            #expect(toDate.row("slam", "STAFF")?.fullYear == 120_000_00)

            let year = try await fixture.preview("FY2025")
            let yearStaff = try #require(year.budget.row("slam", "STAFF"))
            #expect(
                [yearStaff.budget, yearStaff.actual, yearStaff.variance] == [
                    127_000_00, 7_500_00, 119_500_00,
                ])
            #expect(yearStaff.decisions == ["D-0001", "D-0002"])
            #expect(year.budget.row("lambeth", "PREMISES")?.budget == 10_000_01)
            #expect(
                [year.budget.total.budget, year.budget.total.actual, year.budget.total.variance]
                    == [137_000_01, 8_734_56, 128_265_45])

            let september = try await fixture.preview("2025-09")
            #expect(
                september.budget.row("slam", "STAFF").map { [$0.budget, $0.actual, $0.variance] } == [
                    11_000_00, 2_500_00, 8_500_00,
                ])
            #expect(september.budget.row("lambeth", "PREMISES")?.budget == 833_33)
            // The reversal recorded in December 2026 counts in May 2025, the month of what it reverses.
            let may = try await fixture.preview("2025-05")
            #expect(may.budget.row("slam", "STAFF")?.actual == 0)
            let range = try await fixture.preview("2025-04..2025-08")
            #expect(range.budget.row("lambeth", "PREMISES")?.budget == 4_166_70, "five months at £833.34")
            #expect(range.period.name == "2025-04..2025-08")
        }
    }

    @Test func spendDecisionsAndIntegrityAreCounted() async throws {
        try await StatementFixture.with { fixture in
            let quarter = try await fixture.preview("FY2025-Q1")
            let staff = try #require(quarter.spend.rows.first { $0.partner == "slam" })
            #expect(
                [staff.entries, staff.entriesTotal, staff.reversals, staff.reversalsTotal, staff.net] == [
                    2, 8_000_00, 1, -3_000_00, 5_000_00,
                ])
            #expect(quarter.spend.total.net == 6_234_56)
            #expect(quarter.spend.total.entries == 3)

            // Both budget decisions concern FY2025, whenever they closed.
            #expect(quarter.decisions.map(\.number) == ["D-0001", "D-0002"])
            let first = try #require(quarter.decisions.first)
            #expect(first.votes.count == 5 && first.votes.allSatisfy { $0.vote == "approve" })

            let integrity = quarter.integrity
            #expect(integrity.trialBalance == 0)
            #expect(integrity.entries == 5 && integrity.headSequence == 5 && integrity.treeSize == 5)
            let entries = try await Ledger(pool: fixture.board.pool).entries(
                in: fixture.alliance.id, page: try PageRequest(limit: 100, order: .oldestFirst)
            ).items
            #expect(integrity.headHash == entries.last?.hash.description)
            // The root, computed by RFC 9162's own recursion, independently of the stored subtrees.
            var reference = ReferenceMerkleTree(leaves: entries.map(\.hash.bytes))
            #expect(integrity.treeRoot == reference.root(treeSize: entries.count).description)
            #expect(integrity.governanceTreeSize > 0)
            #expect(quarter.header.basis.contains("recorded up to entry 5"))
            #expect(quarter.header.basis.contains("Accruals and commitments are not included"))
        }
    }

    @Test func publishingFreezesNumbersAndChainsAndARestatementSaysWhy() async throws {
        try await StatementFixture.with { fixture in
            let first = try await fixture.publish("FY2025")
            #expect(first.number == "S-0001" && first.previousHash == nil && first.state == .published)
            let stored = try await fixture.statements.body("S-0001", in: fixture.alliance.id)
            #expect(stored.hash == first.hash)
            #expect(Array(SHA256.hash(data: stored.bytes)) == stored.hash.bytes)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(stored.bytes)) as? [String: Any])
            #expect(json["format"] as? String == "alliance-ledger-statement/1")
            #expect(json["number"] as? String == "S-0001")
            #expect((json["integrity"] as? [String: Any])?["verifiedThrough"] != nil)
            for key in [
                "header", "period", "budget", "yearToDate", "spend", "outcomes", "riskShare", "decisions",
                "commentary",
            ] {
                #expect(json.keys.contains(key), "\(key)")
            }

            // A preview reports the point the last publication verified the journal through.
            let preview = try await fixture.preview("FY2025")
            #expect(preview.integrity.verifiedThrough?.sequence == 5)
            #expect(preview.integrity.verifiedThrough?.at == first.publishedAt)

            // A period with a statement needs a restatement, naming it, with a reason.
            await #expect(throws: LedgerError.self) { _ = try await fixture.publish("FY2025") }
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.publish("FY2025", supersedes: "S-0009", reason: "Late invoice")
            }
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.publish("FY2025", supersedes: "S-0001")
            }

            let late = try await fixture.record(99_99, "slam", "STAFF", date(2025, 12, 1), "E")
            let second = try await fixture.publish("FY2025", supersedes: "S-0001", reason: "A late invoice")
            #expect(second.number == "S-0002" && second.previousHash == first.hash)
            #expect(second.supersedes == "S-0001" && second.reason == "A late invoice")
            let restated = try JSONDecoder().decode(
                Restated.self,
                from: Data(try await fixture.statements.body("S-0002", in: fixture.alliance.id).bytes))
            #expect(restated.restates?.changes.map(\.sequence) == [late])
            #expect(restated.budget.total.actual == 8_734_56 + 99_99)
            let listed = try await fixture.statements.list(in: fixture.alliance.id)
            #expect(listed.map(\.number) == ["S-0002", "S-0001"])
            #expect(listed.map(\.state) == [.published, .superseded])

            // A month publishes on its own chain position; an unended period does not.
            let month = try await fixture.publish("2025-06")
            #expect(month.number == "S-0003" && month.previousHash == second.hash)
            await #expect(throws: LedgerError.self) { _ = try await fixture.publish("FY2099") }
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.publish("2025-04-01..2025-04-15")
            }
            await #expect(throws: LedgerError.self) { _ = try await fixture.publish("2026-02..2026-05") }
        }
    }

    @Test func aFinanceLeadsCommentaryIsFrozenWithTheStatement() async throws {
        try await StatementFixture.with { fixture in
            let slam = try fixture.board.directory.caller("finance-slam")
            _ = try await fixture.statements.comment(
                "Agency cover", on: "FY2025", partner: "slam", budgetLine: "STAFF", in: fixture.alliance,
                by: slam)
            let latest = try await fixture.statements.comment(
                "Agency cover while posts were vacant", on: "FY2025", partner: "slam", budgetLine: "STAFF",
                in: fixture.alliance, by: slam)
            #expect(latest.by == "finance-slam@example.org")
            // Another partner's finance lead, or an auditor, has no say on slam's variance.
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.statements.comment(
                    "Not mine", on: "FY2025", partner: "slam", budgetLine: "STAFF", in: fixture.alliance,
                    by: try fixture.board.directory.caller("finance-lambeth"))
            }
            let statement = try await fixture.preview("FY2025")
            #expect(statement.commentary.map(\.text) == ["Agency cover while posts were vacant"])
            #expect(try await fixture.preview("FY2025-Q1").commentary.isEmpty)
        }
    }

    @Test func theDatabaseRefusesAnyChangeToAPublishedStatement() async throws {
        try await StatementFixture.with { fixture in
            _ = try await fixture.publish("FY2025")
            try await fixture.board.directory.expectDatabaseRefuses([
                "UPDATE statements SET body = body || '\\x20'::bytea",
                "UPDATE statements SET reason = 'edited'",
                "DELETE FROM statements",
                "INSERT INTO statements SELECT * FROM statements",
                "UPDATE journal_tree_tiles SET hashes = hashes",
                "DELETE FROM account_month_totals",
            ])
        }
    }

    @Test func aTrialBalanceThatIsNotZeroPublishesNothing() async throws {
        try await StatementFixture.with { fixture in
            // Corrupt a copy: as the owner, with triggers off, unbalance one entry.
            try await fixture.board.directory.database.pool.withConnection { connection in
                try await connection.execute("SET session_replication_role = replica")
                try await connection.execute(
                    "UPDATE postings SET amount = amount + 1 WHERE entry_sequence = 1 AND line = 1")
                try await connection.execute(
                    "UPDATE account_balances SET balance = balance + 1 WHERE account_id = (SELECT account_id FROM postings WHERE entry_sequence = 1 AND line = 1)"
                )
                try await connection.execute("RESET session_replication_role")
            }
            let preview = try await fixture.preview("FY2025")
            #expect(preview.integrity.trialBalance == 1)
            await #expect(throws: LedgerError.self) { _ = try await fixture.publish("FY2025") }
            #expect(try await fixture.statements.list(in: fixture.alliance.id).isEmpty)
        }
    }

    /// Publishing verifies the journal since the last statement, entry by entry and leaf by
    /// leaf, and the stored tree against the root the last statement published: each edit a
    /// superuser could make is refused by name, and nothing is published.
    @Test func aPublicationRefusesAJournalOrTreeThatDoesNotVerify() async throws {
        try await StatementFixture.with { fixture in
            let pool = fixture.board.directory.database.pool
            func asSuperuser(_ statements: [PostgresQuery]) async throws {
                try await pool.withConnection { connection in
                    try await connection.execute("SET session_replication_role = replica")
                    for statement in statements { try await connection.execute(statement) }
                    try await connection.execute("RESET session_replication_role")
                }
            }
            func refusal(supersedes: String? = nil) async -> String? {
                do {
                    _ = try await fixture.publish(
                        "FY2025", supersedes: supersedes, reason: supersedes.map { _ in "Again" })
                    return nil
                } catch LedgerError.journalDoesNotVerify(let reason) {
                    return reason
                } catch {
                    return "another error: \(error)"
                }
            }
            let leafEdit: PostgresQuery =
                "UPDATE journal_tree_tiles SET hashes = overlay(hashes PLACING sha256(substring(hashes FROM 97 FOR 32)) FROM 97) WHERE tier = 0 AND index = 0"
            try await asSuperuser([leafEdit])
            #expect(await refusal() == "entry 3 is not the tree's leaf 2")
            try await asSuperuser([
                "UPDATE journal_tree_tiles AS t SET hashes = overlay(t.hashes PLACING sha256('\\x00'::bytea || e.hash) FROM 97) FROM journal_entries AS e WHERE t.tier = 0 AND t.index = 0 AND e.sequence = 3 AND e.alliance_id = t.alliance_id"
            ])
            try await asSuperuser([
                "UPDATE journal_entries SET description = description || '.' WHERE sequence = 4"
            ])
            #expect(await refusal() == "entry 4's hash does not match its content or postings")
            try await asSuperuser([
                "UPDATE journal_entries SET description = left(description, -1) WHERE sequence = 4"
            ])
            #expect(try await fixture.statements.list(in: fixture.alliance.id).isEmpty)

            // The first four leaves' subtree is one of the two that make the root of five: the
            // first tile's seventh hash (leaves 0 and 1, their node, 2 and 3, theirs, then it).
            _ = try await fixture.publish("FY2025")
            try await asSuperuser([
                "UPDATE journal_tree_tiles SET hashes = overlay(hashes PLACING sha256(substring(hashes FROM 193 FOR 32)) FROM 193) WHERE tier = 0 AND index = 0"
            ])
            #expect(
                await refusal(supersedes: "S-0001")
                    == "the journal's tree at 5 entries no longer has the root S-0001 published")
            #expect(try await fixture.statements.list(in: fixture.alliance.id).count == 1)
        }
    }

    @Test func everyPartnersBoardCoSignsTheCheckpoint() async throws {
        try await StatementFixture.with { fixture in
            let board = fixture.board
            let listing = try await fixture.publish("FY2025")
            let checkpoint = try await fixture.statements.checkpoint("S-0001", in: fixture.alliance.id)
            let body = try await fixture.statements.body("S-0001", in: fixture.alliance.id)
            let lines = checkpoint.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 7 && lines[6].isEmpty)
            #expect(lines[0] == "ledger.example.org/alliances/\(fixture.alliance.slug)")
            #expect(lines[1] == "5")
            #expect(lines[3] == "statement S-0001 sha256:\(body.hash)")
            #expect(lines[4].hasPrefix("governance "))
            // The files line: the hash of the statement's SHA256SUMS, so a signature covers them.
            let sums = try #require(
                try await fixture.statements.file("SHA256SUMS", of: "S-0001", in: fixture.alliance.id))
            #expect(lines[5] == "files sha256:\(sums.hash)")

            var keys: [String: Curve25519.Signing.PrivateKey] = [:]
            for partner in BoardFixture.partners {
                let key = Curve25519.Signing.PrivateKey()
                keys[partner] = key
                _ = try await fixture.statements.registerKey(
                    key.publicKey.rawRepresentation.base64EncodedString(), for: partner, in: fixture.alliance,
                    by: try board.member(partner))
            }
            func sign(_ partner: String, with key: Curve25519.Signing.PrivateKey, bytes: String = checkpoint)
                async throws -> StatementListing
            {
                try await fixture.statements.sign(
                    "S-0001", key: key.publicKey.rawRepresentation.base64EncodedString(),
                    signature: try key.signature(for: Data(bytes.utf8)).base64EncodedString(),
                    in: fixture.alliance,
                    by: try board.member(partner))
            }
            let slam = try #require(keys["slam"])
            // Another partner's key, an unregistered key, other bytes: refused, nothing stored.
            await #expect(throws: LedgerError.self) { _ = try await sign("lambeth", with: slam) }
            await #expect(throws: LedgerError.self) {
                _ = try await sign("slam", with: Curve25519.Signing.PrivateKey())
            }
            await #expect(throws: LedgerError.self) {
                _ = try await sign("slam", with: slam, bytes: checkpoint + " ")
            }
            // A finance lead is not the board.
            await #expect(throws: LedgerError.self) {
                _ = try await fixture.statements.registerKey(
                    Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString(),
                    for: "slam",
                    in: fixture.alliance, by: try board.directory.caller("finance-slam"))
            }
            #expect(try await fixture.statements.signatures("S-0001", in: fixture.alliance.id).isEmpty)

            // A revoked key no longer signs.
            let thamesKeys = try await fixture.statements.keys(of: "thamesreach", in: fixture.alliance.id)
            _ = try await fixture.statements.revokeKey(
                try #require(thamesKeys.first).id, of: "thamesreach", in: fixture.alliance,
                by: try board.member("thamesreach"))
            await #expect(throws: LedgerError.self) {
                _ = try await sign("thamesreach", with: try #require(keys["thamesreach"]))
            }
            let fresh = Curve25519.Signing.PrivateKey()
            keys["thamesreach"] = fresh
            _ = try await fixture.statements.registerKey(
                fresh.publicKey.rawRepresentation.base64EncodedString(), for: "thamesreach",
                in: fixture.alliance,
                by: try board.member("thamesreach"))

            var latest = listing
            for partner in BoardFixture.partners {
                #expect(!latest.cosignedByAll)
                latest = try await sign(partner, with: try #require(keys[partner]))
            }
            #expect(latest.cosignedByAll)
            #expect(latest.signatures.map(\.partner).sorted() == BoardFixture.partners.sorted())
            // Signatures never change the frozen statement.
            #expect(try await fixture.statements.body("S-0001", in: fixture.alliance.id) == body)
        }
    }
}

/// What a restatement's body is read back as.
private struct Restated: Decodable {
    struct Budget: Decodable {
        struct Total: Decodable { let actual: Int64 }
        let total: Total
    }
    struct Restates: Decodable {
        struct Change: Decodable { let sequence: Int64 }
        let changes: [Change]
    }
    let budget: Budget
    let restates: Restates?
}
