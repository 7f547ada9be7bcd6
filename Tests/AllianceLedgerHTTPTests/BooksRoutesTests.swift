import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Reading the books over HTTP: budgets, balances, the journal and its verification; and the
/// idempotency of creating requests that are not journal entries.
@Suite(.timeLimit(.perTest)) struct BooksRoutesTests {
    typealias SetUp = AllianceSetUp

    @Test func budgetsOfAFinancialYear() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let board = try setUp.token("board-slam")
            let empty = try await api.get("\(SetUp.base)/budgets?year=FY2025", token: board)
            #expect(empty.body == #"{"lines":[],"year":"FY2025"}"#)

            // Budgets change only through a carried decision.
            let pool = api.database.makeServicePool()
            let alliance = try await AllianceDirectory(pool: pool).find(slug: SetUp.slug)
            try await Board.carry(
                .budgetSet(
                    year: 2025,
                    figures: [
                        try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 250_000_00),
                        try BudgetSetting(partner: "lambeth", budgetLine: "PREMISES", amount: 40_000_00),
                    ]), in: alliance, pool: pool)
            await pool.close()
            let year = try await api.get("\(SetUp.base)/budgets?year=FY2025", token: board).json()
            #expect(year["year"] as? String == "FY2025")
            let lines = try #require(year["lines"] as? [[String: Any]])
            #expect(lines.map { $0["partner"] as? String } == ["lambeth", "slam"])
            #expect(lines.map { $0["budgetLine"] as? String } == ["PREMISES", "STAFF"])
            #expect(lines.map { $0["amount"] as? Int } == [40_000_00, 250_000_00])
            #expect(lines.allSatisfy { $0["decision"] as? String == "D-0001" })
            #expect(
                try await api.get("\(SetUp.base)/budgets?year=FY2026", token: board).json()["lines"] as? [Any]
                    != nil)

            try await api.get("\(SetUp.base)/budgets", token: board).expectProblem(
                400, "/problems/invalid-query", field: "year")
            try await api.get("\(SetUp.base)/budgets?year=2025-10", token: board)
                .expectProblem(400, "/problems/invalid-query", field: "year")
            try await api.get("\(SetUp.base)/budgets?year=fy2025", token: board)
                .expectProblem(400, "/problems/invalid-query", field: "year")
        }
    }

    @Test func journalBalancesAndVerificationForAuditors() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            for (index, day) in ["2025-05-01", "2025-06-01", "2025-07-01"].enumerated() {
                try await api.create(
                    "\(SetUp.base)/spend",
                    SetUp.spend(amount: "\(100 * (index + 1))", incurredOn: day, reference: "R\(index)"),
                    token: finance)
            }
            let auditor = try setUp.token("auditor")
            let journal = try await api.get("\(SetUp.base)/journal?kind=spend&limit=2", token: auditor)
            #expect(journal.status == 200, "\(journal.body)")
            let first = try journal.items()
            #expect(first.map { $0["effectiveOn"] as? String } == ["2025-05-01", "2025-06-01"])
            #expect(first.allSatisfy { ($0["postings"] as? [Any])?.count == 2 })
            let cursor = try #require(try journal.json()["nextCursor"] as? String)
            let rest = try await api.get(
                "\(SetUp.base)/journal?kind=spend&limit=2&cursor=\(cursor)", token: auditor)
            #expect(try rest.items().map { $0["effectiveOn"] as? String } == ["2025-07-01"])
            #expect(try rest.json()["nextCursor"] is NSNull)
            let june = try await api.get(
                "\(SetUp.base)/journal?account=partner:slam:cost:STAFF&from=2025-06-01&to=2025-06-30",
                token: try setUp.token("admin"))
            #expect(try june.items().count == 1)
            try await api.get("\(SetUp.base)/journal?kind=gift", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "kind")
            try await api.get("\(SetUp.base)/journal?from=yesterday", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "from")
            try await api.get("\(SetUp.base)/journal?account=no%20spaces", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "account")

            let asOf = try await api.get("\(SetUp.base)/balances?asOf=2025-06-30", token: auditor).json()
            #expect(asOf["asOf"] as? String == "2025-06-30")
            let accounts = try #require(asOf["accounts"] as? [[String: Any]])
            let staff = try #require(accounts.first { $0["code"] as? String == "partner:slam:cost:STAFF" })
            #expect(staff["balance"] as? Int == 300)
            #expect(staff["type"] as? String == "expense")

            let verify = try await api.get("\(SetUp.base)/verify", token: auditor).json()
            #expect(verify["ok"] as? Bool == true)
            #expect(verify["entries"] as? Int == 3)
            #expect((verify["headHash"] as? String)?.count == 64)
            #expect(verify["firstMismatch"] is NSNull)
        }
    }

    @Test func creatingRequestsAreIdempotentPerKey() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let admin = try setUp.token("admin")
            // Partners and lines are the operator's to add while the alliance is set up.
            let root = api.operatorToken
            let body = #"{"slug":"newcomer","name":"Newcomer CIC","kind":"vcse"}"#
            let key = ["Idempotency-Key": "partner-newcomer"]
            let first = try await api.post("\(SetUp.base)/partners", body, token: root, headers: key)
            #expect(first.status == 201)
            let again = try await api.post("\(SetUp.base)/partners", body, token: root, headers: key)
            #expect(again.status == 201)
            #expect(again.headers["idempotent-replayed"] == "true")
            #expect(again.body == first.body)
            try await api.post(
                "\(SetUp.base)/partners", #"{"slug":"other","name":"Other","kind":"vcse"}"#, token: root,
                headers: key
            ).expectProblem(422, "/problems/idempotency-key-reused")

            // A failed request releases its key: nothing was created, so a retry may run.
            let lineKey = ["Idempotency-Key": "line-it"]
            try await api.post(
                "\(SetUp.base)/budget-lines", #"{"code":"it","name":"IT"}"#, token: root, headers: lineKey
            )
            .expectProblem(422, "/problems/invalid-field", field: "code")
            try await api.post(
                "\(SetUp.base)/budget-lines", #"{"code":"it","name":"IT"}"#, token: root, headers: lineKey
            ).expectProblem(422, "/problems/invalid-field", field: "code")

            // A token is never kept, so its retry cannot be answered again. The admin issues it for
            // a person of their own partner.
            let path = "\(SetUp.base)/people/\(setUp.personIDs["auditor"] ?? 0)/tokens"
            let tokenKey = ["Idempotency-Key": "auditor-token"]
            let issued = try await api.post(path, "{}", token: admin, headers: tokenKey)
            #expect(issued.status == 201)
            try await api.post(path, "{}", token: admin, headers: tokenKey).expectProblem(
                409, "/problems/token-shown-once")
            let stored: Int64 = try await api.database.pool.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) AS n FROM http_idempotency_keys WHERE response_body IS NULL AND status IS NOT NULL"
                ).single().decode("n")
            }
            #expect(stored == 1)
        }
    }
}
