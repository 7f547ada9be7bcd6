import AllianceLedger
import Dates
import Foundation
import Postgres
import TestSupport

/// An alliance with accounts, and a ledger on the service role, in a test's own database.
struct LedgerFixture {
    let database: TestDatabase
    let pool: PostgresPool
    let ledger: Ledger
    let alliance: AllianceID

    static let day = date(2025, 5, 14)

    static func with(
        accounts: [(String, AccountType, Int64?)] = [],
        _ body: (LedgerFixture) async throws -> Void
    ) async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool()
            let alliance = try await AllianceDirectory(pool: pool).create(
                slug: "south-london", name: "South London Mental Health Alliance")
            let ledger = Ledger(pool: pool)
            for (code, type, floor) in accounts {
                try await ledger.openAccount(try AccountCode(code), type: type, floor: floor, in: alliance.id)
            }
            let fixture = LedgerFixture(database: database, pool: pool, ledger: ledger, alliance: alliance.id)
            do {
                try await body(fixture)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    func code(_ text: String) throws -> AccountCode { try AccountCode(text) }

    /// A balanced two-line entry moving `amount` from `credit` to `debit`.
    func transfer(
        _ amount: Int64, from credit: String, to debit: String, key: String? = nil,
        kind: EntryKind = .spend, on day: CalendarDate = LedgerFixture.day, by person: String = "finance@slam"
    ) throws -> EntryRequest {
        try EntryRequest(
            kind: kind, effectiveOn: day, description: "transfer of \(amount)",
            metadata: ["supplier": "Acme Ltd"],
            postings: [.init(try code(debit), amount), .init(try code(credit), -amount)],
            recordedBy: person, idempotencyKey: key)
    }

    func balance(_ text: String) async throws -> Int64 {
        let balances = try await ledger.balances(in: alliance)
        return balances.first { $0.account.code.rawValue == text }?.balance ?? 0
    }

    /// The journal's size, the head and every balance: what a refused write must leave alone.
    func snapshot() async throws -> String {
        try await database.pool.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM journal_entries)::text || '/' ||
                       (SELECT count(*) FROM postings)::text || '/' ||
                       (SELECT string_agg(sequence::text || ':' || encode(hash, 'hex'), ',') FROM journal_heads) || '/' ||
                       coalesce((SELECT string_agg(account_id::text || '=' || balance::text, ',' ORDER BY account_id)
                                 FROM account_balances), '') AS state
                """)
            return try rows.single().decode("state")
        }
    }
}
