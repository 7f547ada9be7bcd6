import AllianceLedger
import Foundation
import Hummingbird
import Postgres
import TestSupport
import Testing

@testable import AllianceLedgerHTTP

/// Spend imports over HTTP: a CSV body streamed into one transaction, per-row errors with line
/// numbers, both modes, no duplicates on re-import, and the same role rules as recording.
@Suite(.timeLimit(.perTest)) struct ImportRoutesTests {
    typealias SetUp = AllianceSetUp
    static let header = "date,partner,budget_line,amount,description,supplier,reference\n"
    static let path = "\(SetUp.base)/spend/imports"

    func importCSV(_ setUp: SetUp, _ csv: String, mode: String? = nil, token: String) async throws
        -> APIHarness.Answer
    {
        try await setUp.api.request(
            "POST", Self.path + (mode.map { "?mode=\($0)" } ?? ""), json: csv, token: token,
            headers: ["Content-Type": "text/csv"])
    }

    @Test func aFileIsImportedOnceAndItsBadRowsAreNamed() async throws {
        try await SetUp.with { setUp in
            let finance = try setUp.token("finance-slam")
            let good =
                Self.header + "2025-05-14,slam,STAFF,1234.56,Agency staff,Acme,INV-1\n"
                + "2025-06-01,slam,PREMISES,99.5,Rent,\"Landlord, Ltd\",INV-2\n"
            let imported = try await importCSV(setUp, good, token: finance)
            #expect(imported.status == 200, "\(imported.body)")
            let report = try imported.json()
            #expect(report["rows"] as? Int == 2)
            #expect(report["recorded"] as? Int == 2)
            #expect(report["duplicates"] as? Int == 0)
            #expect(report["invalid"] as? Int == 0)
            #expect(report["committed"] as? Bool == true)
            #expect(report["errors"] as? [Any] != nil)
            let spend = try await setUp.api.get("\(SetUp.base)/spend?partner=slam", token: finance).items()
            #expect(spend.map { $0["amount"] as? Int } == [9950, 123_456])
            #expect(spend.map { $0["supplier"] as? String } == ["Landlord, Ltd", "Acme"])

            let again = try await importCSV(setUp, good, token: finance).json()
            #expect(again["recorded"] as? Int == 0)
            #expect(again["duplicates"] as? Int == 2)

            // All or nothing (the default): one bad row, nothing recorded, every bad row named.
            let before = try await setUp.api.database.stateSnapshot()
            let mixed =
                Self.header + "2025-07-01,slam,STAFF,10.00,ok,Acme,INV-3\n"
                + "2025-07-02,slam,STAFF,-5,negative,Acme,INV-4\n"
                + "2025-07-03,certitude,STAFF,7.00,not ours,Acme,INV-5\n"
                + "2025-07-04,slam,TRAVEL,7.00,no line,Acme,INV-6\n"
            let rejected = try await importCSV(setUp, mixed, token: finance)
            try rejected.expectProblem(422, "/problems/import-rejected")
            let rejectedReport = try #require(try rejected.json()["report"] as? [String: Any])
            #expect(rejectedReport["committed"] as? Bool == false)
            #expect(rejectedReport["recorded"] as? Int == 0)
            #expect(rejectedReport["invalid"] as? Int == 3)
            let lines = (rejectedReport["errors"] as? [[String: Any]] ?? []).compactMap { $0["line"] as? Int }
            #expect(lines == [3, 4, 5])
            #expect(try await setUp.api.database.stateSnapshot() == before)

            // Skip invalid: the good row is recorded, the bad ones reported.
            let skipped = try await importCSV(setUp, mixed, mode: "skip-invalid", token: finance)
            #expect(skipped.status == 200, "\(skipped.body)")
            #expect(try skipped.json()["recorded"] as? Int == 1)
            #expect(try skipped.json()["invalid"] as? Int == 3)
            let verify = try await setUp.api.get("\(SetUp.base)/verify", token: try setUp.token("auditor"))
                .json()
            #expect(verify["ok"] as? Bool == true)
            #expect(verify["entries"] as? Int == 3)
        }
    }

    @Test func badImportsAreRefusedAndChangeNothing() async throws {
        try await SetUp.with { setUp in
            let finance = try setUp.token("finance-slam")
            let row = Self.header + "2025-05-14,slam,STAFF,1.00,x,y,R-1\n"
            let before = try await setUp.api.database.stateSnapshot()
            try await importCSV(setUp, row, token: try setUp.token("board-slam"))
                .expectProblem(403, "/problems/forbidden")
            try await importCSV(setUp, row, token: "alt_nope").expectProblem(401, "/problems/unauthenticated")
            try await importCSV(setUp, row, mode: "best-effort", token: finance)
                .expectProblem(400, "/problems/invalid-query", field: "mode")
            try await setUp.api.request(
                "POST", Self.path, json: row, token: finance, headers: ["Content-Type": "application/json"]
            ).expectProblem(415, "/problems/unsupported-media-type")
            try await importCSV(setUp, "when,who,what\n2025-05-14,slam,1\n", token: finance)
                .expectProblem(422, "/problems/invalid-field", field: "body")
            #expect(try await setUp.api.database.stateSnapshot() == before)
        }
    }

    @Test func aRetriedImportWithTheSameKeyAnswersTheFirstReport() async throws {
        try await SetUp.with { setUp in
            let finance = try setUp.token("finance-slam")
            let file =
                Self.header + "2025-05-14,slam,STAFF,12.00,x,y,K-1\n2025-05-15,slam,STAFF,13.00,x,y,K-2\n"
            let key = ["Content-Type": "text/csv", "Idempotency-Key": "import-may"]
            let first = try await setUp.api.request(
                "POST", Self.path, json: file, token: finance, headers: key)
            #expect(first.status == 200, "\(first.body)")
            #expect(first.headers["idempotent-replayed"] == nil)
            let again = try await setUp.api.request(
                "POST", Self.path, json: file, token: finance, headers: key)
            #expect(again.status == 200)
            #expect(again.headers["idempotent-replayed"] == "true")
            #expect(again.body == first.body)
            #expect(try again.json()["recorded"] as? Int == 2)
            let other = Self.header + "2025-05-16,slam,STAFF,14.00,x,y,K-3\n"
            try await setUp.api.request("POST", Self.path, json: other, token: finance, headers: key)
                .expectProblem(422, "/problems/idempotency-key-reused")
            #expect(try await setUp.api.get("\(SetUp.base)/spend", token: finance).items().count == 2)
        }
    }

    @Test func anUploadPastTheLimitIsRefused() async throws {
        let (body, source) = RequestBody.makeStream()
        let feeding = Task {
            for _ in 0..<4 { await source.yield(ByteBuffer(repeating: 65, count: 1000)) }
            source.finish()
        }
        var chunks = LimitedBody(body: body, limit: 2500).makeAsyncIterator()
        var seen = 0
        await #expect(throws: Problem.self) {
            while let chunk = try await chunks.next() { seen += chunk.count }
        }
        #expect(seen == 2000)
        feeding.cancel()
    }
}
