import Foundation
import TestSupport
import Testing

/// Bodies read as docs/http-api.md and the OpenAPI document say, not as a lenient reader would.
@Suite(.timeLimit(.perTest)) struct StrictJSONRoutesTests {
    typealias SetUp = AllianceSetUp

    /// JSON as documented: a key twice in one object, a fraction or exponent where a whole
    /// number of minor units belongs, and a charset other than UTF-8 are refused, not guessed at.
    @Test func jsonIsReadStrictly() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let finance = try board.setUp.token("finance-slam")
            let before = try await api.database.stateSnapshot()
            try await api.post(
                "\(SetUp.base)/spend",
                #"{"partner":"slam","partner":"certitude","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                token: finance
            ).expectProblem(422, "/problems/invalid-field", field: "partner")
            try await api.post(
                "\(SetUp.base)/decisions",
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","#
                    + #""lines":[{"partner":"slam","budgetLine":"STAFF","amount":1,"amount":2}]}}"#,
                token: try board.token("slam")
            ).expectProblem(422, "/problems/invalid-field", field: "action.lines[0].amount")
            for amount in ["1.0", "1e2", "100E0", "1.5"] {
                try await api.post("\(SetUp.base)/spend", SetUp.spend(amount: amount), token: finance)
                    .expectProblem(422, "/problems/invalid-field", field: "amount")
            }
            try await api.post(
                "\(SetUp.base)/decisions",
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","#
                    + #""lines":[{"partner":"slam","budgetLine":"STAFF","amount":1e3}]}}"#,
                token: try board.token("slam")
            ).expectProblem(422, "/problems/invalid-field", field: "action.lines[0].amount")
            for charset in ["iso-8859-1", "utf-16", "\"latin1\""] {
                try await api.post(
                    "\(SetUp.base)/spend", SetUp.spend(), token: finance,
                    headers: ["Content-Type": "application/json; charset=\(charset)"]
                ).expectProblem(415, "/problems/unsupported-media-type")
            }
            #expect(try await api.database.stateSnapshot() == before)
            for (charset, reference) in [("utf-8", "U-1"), ("\"UTF-8\"", "U-2")] {
                let answer = try await api.post(
                    "\(SetUp.base)/spend", SetUp.spend(reference: reference), token: finance,
                    headers: ["Content-Type": "application/json; charset=\(charset)"])
                #expect(answer.status == 201, "\(charset): \(answer.body)")
            }
        }
    }
}
