import AllianceLedger
import Foundation
import TestSupport
import Testing

/// Spend over HTTP: finance leads record and reverse their own partner's spend; everyone in the
/// alliance reads it; every bad request is a problem that changes nothing.
@Suite(.timeLimit(.perTest)) struct SpendRoutesTests {
    typealias SetUp = AllianceSetUp

    @Test func recordReadListAndReverse() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let recorded = try await api.create("\(SetUp.base)/spend", SetUp.spend(), token: finance)
            let id = try #require(recorded["id"] as? Int)
            #expect(recorded["sequence"] as? Int == id)
            #expect((recorded["hash"] as? String)?.count == 64)
            #expect(recorded["amount"] as? Int == 123_456)
            #expect(recorded["partner"] as? String == "slam")
            #expect(recorded["budgetLine"] as? String == "STAFF")
            #expect(recorded["incurredOn"] as? String == "2025-05-14")
            #expect(recorded["recordedBy"] as? String == "finance-slam@example.org")
            #expect(recorded["reversedBy"] is NSNull)

            try await api.create(
                "\(SetUp.base)/spend",
                SetUp.spend(line: "PREMISES", amount: "5000", incurredOn: "2025-11-02", reference: "INV-2"),
                token: finance)
            try await api.create(
                "\(SetUp.base)/spend", SetUp.spend(partner: "lambeth", amount: "700", reference: "L-1"),
                token: try setUp.token("finance-lambeth"))

            let board = try setUp.token("board-slam")
            let shown = try await api.get("\(SetUp.base)/spend/\(id)", token: board)
            #expect(try shown.json()["description"] as? String == "Agency staff, May")
            #expect(try await api.get("\(SetUp.base)/spend", token: board).items().count == 3)
            #expect(
                try await api.get("\(SetUp.base)/spend?partner=slam", token: board).items().map {
                    $0["amount"] as? Int
                }
                    == [5000, 123_456])
            #expect(
                try await api.get("\(SetUp.base)/spend?partner=slam&line=STAFF", token: board).items().count
                    == 1)
            #expect(
                try await api.get("\(SetUp.base)/spend?period=FY2025-Q3", token: board).items()
                    .map { $0["reference"] as? String } == ["INV-2"])
            #expect(try await api.get("\(SetUp.base)/spend?period=2025-05", token: board).items().count == 2)
            let firstPage = try await api.get("\(SetUp.base)/spend?limit=2", token: board)
            #expect(try firstPage.items().count == 2)
            let cursor = try #require(try firstPage.json()["nextCursor"] as? String)
            #expect(
                try await api.get("\(SetUp.base)/spend?limit=2&cursor=\(cursor)", token: board).items().count
                    == 1)
            try await api.get("\(SetUp.base)/spend?period=fy2025", token: board)
                .expectProblem(400, "/problems/invalid-query", field: "period")
            try await api.get("\(SetUp.base)/spend?partner=nobody", token: board)
                .expectProblem(404, "/problems/partner-not-found")
            // Query values are percent-decoded once: %2525 is the text "%25", not "%".
            let encoded = try await api.get("\(SetUp.base)/spend?partner=%2525", token: board)
            try encoded.expectProblem(404, "/problems/partner-not-found")
            #expect(try encoded.json()["detail"] as? String == "partner %25 does not exist in this alliance")
            try await api.get("\(SetUp.base)/spend?line=TRAVEL", token: board)
                .expectProblem(404, "/problems/budget-line-not-found")

            let reversal = try await api.create(
                "\(SetUp.base)/spend/\(id)/reversal", #"{"reason":"Invoice was for June"}"#, token: finance)
            #expect(reversal["kind"] as? String == "reversal")
            #expect(reversal["reverses"] as? Int == id)
            #expect(reversal["description"] as? String == "Invoice was for June")
            let reversalID = try #require(reversal["sequence"] as? Int)
            #expect(
                try await api.get("\(SetUp.base)/spend/\(id)", token: board).json()["reversedBy"] as? Int
                    == reversalID)

            try await api.post("\(SetUp.base)/spend/\(id)/reversal", #"{"reason":"again"}"#, token: finance)
                .expectProblem(409, "/problems/already-reversed")
            try await api.post(
                "\(SetUp.base)/spend/\(reversalID)/reversal", #"{"reason":"x"}"#, token: finance
            )
            .expectProblem(404, "/problems/spend-not-found")
            try await api.get("\(SetUp.base)/spend/424242", token: board).expectProblem(
                404, "/problems/spend-not-found")
            try await api.get("\(SetUp.base)/spend/zero", token: board).expectProblem(
                404, "/problems/spend-not-found")

            let balances = try await api.get("\(SetUp.base)/balances", token: try setUp.token("auditor"))
            let byCode = Dictionary(
                uniqueKeysWithValues: try #require(try balances.json()["accounts"] as? [[String: Any]])
                    .map { ($0["code"] as? String ?? "", $0["balance"] as? Int) })
            #expect(byCode["partner:slam:cost:STAFF"] == 0)
            #expect(byCode["partner:slam:cost:PREMISES"] == 5000)
            #expect(byCode["partner:slam:funding"] == -5000)
            #expect(byCode["partner:lambeth:cost:STAFF"] == 700)
        }
    }

    /// The optional fields of the transparency files, over HTTP: recorded and read back, or
    /// refused naming the field; and imported as optional columns.
    @Test func theTransparencyFieldsAreRecordedImportedAndChecked() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let body =
                #"{"partner":"slam","budgetLine":"STAFF","amount":3000000,"incurredOn":"2025-07-01","#
                + #""description":"Agency staff","supplier":"Acme Staffing Ltd","reference":"E","#
                + #""expenseType":{"code":"5201","label":"Agency staff"},"supplierType":"company","#
                + #""supplierId":"01234567","irrecoverableVat":600000}"#
            let recorded = try await api.create("\(SetUp.base)/spend", body, token: finance)
            #expect(
                recorded["expenseType"] as? [String: String] == ["code": "5201", "label": "Agency staff"])
            #expect(recorded["supplierType"] as? String == "company")
            #expect(recorded["supplierId"] as? String == "01234567")
            #expect(recorded["irrecoverableVat"] as? Int == 600_000)
            let plain = try await api.create(
                "\(SetUp.base)/spend", SetUp.spend(reference: "P"), token: finance)
            #expect(plain["expenseType"] is NSNull && plain["supplierType"] is NSNull)
            #expect(plain["irrecoverableVat"] is NSNull && plain["supplierId"] as? String == "")

            for (json, field) in [
                (#""supplierType":"person""#, "supplierType"),
                (#""supplierType":"individual","supplierId":"01234567""#, "supplierId"),
                (#""supplierId":"01234567""#, "supplierId"),
                (#""irrecoverableVat":-1"#, "irrecoverableVat"),
                (#""irrecoverableVat":1.5"#, "irrecoverableVat"),
                (#""expenseType":{"label":"x"}"#, "expenseType.code"),
                (#""expenseType":{"code":"5201","colour":"red"}"#, "expenseType.colour"),
            ] {
                let bad =
                    #"{"partner":"slam","budgetLine":"STAFF","amount":100,"incurredOn":"2025-07-01","#
                    + #""description":"x","reference":"BAD","# + json + "}"
                let answer = try await api.post("\(SetUp.base)/spend", bad, token: finance)
                #expect(answer.status == 422, "\(json): \(answer.body)")
                #expect(try answer.json()["field"] as? String == field, "\(json): \(answer.body)")
            }

            let csv =
                "date,partner,budget_line,amount,description,supplier,reference,supplier_type,irrecoverable_vat\n"
                + "2025-07-02,slam,STAFF,600,Peer support,Jo Bloggs,F,individual,0\n"
            let imported = try await api.request(
                "POST", "\(SetUp.base)/spend/imports", json: csv, token: finance,
                headers: ["Content-Type": "text/csv"])
            #expect(imported.status == 200, "\(imported.body)")
            let sequence = try #require(try imported.json()["lastSequence"] as? Int)
            let read = try await api.get("\(SetUp.base)/spend/\(sequence)", token: finance).json()
            #expect(read["supplierType"] as? String == "individual" && read["irrecoverableVat"] as? Int == 0)
        }
    }

    @Test func onlyFinanceLeadsRecordAndOnlyForTheirOwnPartner() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let before = try await api.database.stateSnapshot()
            for key in ["board-slam", "auditor", "admin"] {
                try await api.post("\(SetUp.base)/spend", SetUp.spend(), token: try setUp.token(key))
                    .expectProblem(403, "/problems/forbidden")
            }
            try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(), token: try setUp.token("finance-lambeth")
            )
            .expectProblem(403, "/problems/forbidden")
            try await api.post("\(SetUp.base)/spend", SetUp.spend(), token: nil)
                .expectProblem(401, "/problems/unauthenticated")
            #expect(try await api.database.stateSnapshot() == before)

            let spend = try await api.create(
                "\(SetUp.base)/spend", SetUp.spend(), token: try setUp.token("finance-slam"))
            let id = try #require(spend["id"] as? Int)
            let afterSpend = try await api.database.stateSnapshot()
            for key in ["finance-lambeth", "board-slam", "auditor"] {
                try await api.post(
                    "\(SetUp.base)/spend/\(id)/reversal", #"{"reason":"not mine"}"#,
                    token: try setUp.token(key)
                )
                .expectProblem(403, "/problems/forbidden")
            }
            for path in ["balances", "journal", "verify"] {
                for key in ["finance-slam", "board-slam"] {
                    try await api.get("\(SetUp.base)/\(path)", token: try setUp.token(key))
                        .expectProblem(403, "/problems/forbidden")
                }
            }
            #expect(try await api.database.stateSnapshot() == afterSpend)
        }
    }

    @Test(
        arguments: [
            // Unknown names: 404, naming what is unknown.
            (
                #"{"partner":"nobody","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                404, "/problems/partner-not-found", nil
            ),
            (
                #"{"partner":"slam","budgetLine":"TRAVEL","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                404, "/problems/budget-line-not-found", nil
            ),
            // Amounts: positive whole minor units within 64 bits.
            (SetUp.spend(amount: "0"), 422, "/problems/invalid-field", "amount"),
            (SetUp.spend(amount: "-100"), 422, "/problems/invalid-field", "amount"),
            (SetUp.spend(amount: "12.5"), 422, "/problems/invalid-field", "amount"),
            (SetUp.spend(amount: "9223372036854775808"), 422, "/problems/invalid-field", "amount"),
            (SetUp.spend(amount: "\"100\""), 422, "/problems/invalid-field", "amount"),
            // Dates: real days inside the contract.
            (SetUp.spend(incurredOn: "2024-12-31"), 422, "/problems/invalid-field", "incurredOn"),
            (SetUp.spend(incurredOn: "2030-04-01"), 422, "/problems/invalid-field", "incurredOn"),
            (SetUp.spend(incurredOn: "2025-02-30"), 422, "/problems/invalid-field", "incurredOn"),
            (SetUp.spend(incurredOn: "14/05/2025"), 422, "/problems/invalid-field", "incurredOn"),
            // Shape: missing, mistyped, null, over-long and unknown fields.
            (
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14"}"#,
                422, "/problems/invalid-field", "description"
            ),
            (
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":null}"#,
                422, "/problems/invalid-field", "description"
            ),
            (
                #"{"partner":7,"budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                422, "/problems/invalid-field", "partner"
            ),
            (
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"\#(String(repeating: "x", count: 1001))"}"#,
                422, "/problems/invalid-field", "description"
            ),
            (
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"x","vat":20}"#,
                422, "/problems/unknown-field", "vat"
            ),
            (#"[1,2,3]"#, 400, "/problems/malformed-json", nil),
            // Not JSON at all.
            (#"{"partner":"slam","#, 400, "/problems/malformed-json", nil),
        ] as [(String, Int, String, String?)])
    func badSpendIsRefusedAndChangesNothing(body: String, status: Int, type: String, field: String?)
        async throws
    {
        try await SetUp.with { setUp in
            let before = try await setUp.api.database.stateSnapshot()
            let answer = try await setUp.api.post(
                "\(SetUp.base)/spend", body, token: try setUp.token("finance-slam"))
            try answer.expectProblem(status, type, field: field)
            #expect(try await setUp.api.database.stateSnapshot() == before)
        }
    }

    @Test func bodiesMustBeJSONAndSmall() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let before = try await api.database.stateSnapshot()
            try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(), token: finance, headers: ["Content-Type": "text/plain"]
            )
            .expectProblem(415, "/problems/unsupported-media-type")
            let huge = #"{"description":"\#(String(repeating: "x", count: 70_000))"}"#
            try await api.post("\(SetUp.base)/spend", huge, token: finance).expectProblem(
                413, "/problems/body-too-large")
            #expect(try await api.database.stateSnapshot() == before)
        }
    }

    @Test func aRetriedSpendWithTheSameKeyIsRecordedOnce() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let key = ["Idempotency-Key": "7b0c6a52-spend-1"]
            let first = try await api.post("\(SetUp.base)/spend", SetUp.spend(), token: finance, headers: key)
            #expect(first.status == 201)
            #expect(first.headers["idempotent-replayed"] == nil)
            let again = try await api.post("\(SetUp.base)/spend", SetUp.spend(), token: finance, headers: key)
            #expect(again.status == 201)
            #expect(again.headers["idempotent-replayed"] == "true")
            #expect(try again.json()["id"] as? Int == (try first.json()["id"] as? Int))
            #expect(try await api.get("\(SetUp.base)/spend", token: finance).items().count == 1)

            try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(amount: "999"), token: finance, headers: key
            )
            .expectProblem(422, "/problems/idempotency-key-reused")
            // Keys are the caller's own: another finance lead's same key is a new request.
            let other = try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(partner: "lambeth", reference: "L-9"),
                token: try setUp.token("finance-lambeth"), headers: key)
            #expect(other.status == 201)
            #expect(other.headers["idempotent-replayed"] == nil)
            try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(), token: finance, headers: ["Idempotency-Key": ""]
            )
            .expectProblem(422, "/problems/invalid-field", field: "Idempotency-Key")
        }
    }
}
