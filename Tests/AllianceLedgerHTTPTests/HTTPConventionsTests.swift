import AllianceLedger
import Foundation
import Logging
import Postgres
import TestSupport
import Testing

/// What every operation does the same way: a request id on every answer and in every problem,
/// one access-log line per request that never holds a token, `Location` on what was created,
/// tokens never cached, the caller judged before the query, and readiness that keeps the
/// database's errors to the log.
@Suite(.timeLimit(.perTest)) struct HTTPConventionsTests {
    typealias SetUp = AllianceSetUp

    @Test func everyAnswerAndEveryProblemCarriesTheRequestID() async throws {
        try await APIHarness.with { api in
            let first = try await api.get("/healthz", token: nil)
            let second = try await api.get("/healthz", token: nil)
            let firstID = try #require(first.headers["x-request-id"])
            #expect(!firstID.isEmpty && second.headers["x-request-id"] != firstID)

            // A client's own id is used, so that its logs and ours meet.
            let traced = try await api.request(
                "GET", "/healthz", headers: ["X-Request-ID": "trace-7f3a.9:b_c"])
            #expect(traced.headers["x-request-id"] == "trace-7f3a.9:b_c")
            // One that could forge a log line or is too long is replaced by one of ours.
            for insane in ["two words", "<script>", String(repeating: "a", count: 129)] {
                let answer = try await api.request("GET", "/healthz", headers: ["X-Request-ID": insane])
                let id = try #require(answer.headers["x-request-id"])
                #expect(id != insane && !id.isEmpty)
            }

            for answer in [
                try await api.get("/v1/alliances/nowhere", token: nil),
                try await api.get("/nothing-here", token: nil),
                try await api.request("DELETE", "/healthz"),
            ] {
                #expect(answer.status >= 400)
                let id = try #require(answer.headers["x-request-id"])
                #expect(try answer.json()["requestId"] as? String == id, "\(answer.body)")
            }
            let mine = try await api.request(
                "GET", "/v1/alliances/nowhere", headers: ["X-Request-ID": "client-1"])
            try mine.expectProblem(401, "/problems/unauthenticated")
            #expect(try mine.json()["requestId"] as? String == "client-1")
        }
    }

    @Test func eachRequestIsLoggedOnceByRouteAndCallerAndNeverWithItsToken() async throws {
        let capture = LogCapture()
        try await APIHarness.with(logger: capture.logger()) { api in
            let created = try await api.post(
                "/v1/alliances", #"{"slug":"logged","name":"Logged Alliance"}"#, token: api.operatorToken,
                headers: ["X-Request-ID": "create-1"])
            #expect(created.status == 201)
            _ = try await api.request(
                "GET", "/v1/alliances/logged", token: api.operatorToken, headers: ["X-Request-ID": "read-1"])
            _ = try await api.request(
                "GET", "/v1/alliances/logged", token: "alt_not-a-real-token",
                headers: ["X-Request-ID": "read-2"])
            let operatorTokenID: Int64 = try await api.database.pool.withConnection { connection in
                try await connection.query("SELECT id FROM api_tokens WHERE alliance_id IS NULL").single()
                    .decode("id")
            }

            let lines = capture.all.filter { $0.message == "request" }
            #expect(lines.count == 3, "\(lines.map(\.text))")
            let byID = Dictionary(grouping: lines) { $0.metadata["hb.request.id"] ?? "" }
            let create = try #require(byID["create-1"]?.first)
            #expect(create.metadata["http.method"] == "POST")
            #expect(create.metadata["http.route"] == "/v1/alliances")
            #expect(create.metadata["http.status"] == "201")
            #expect(create.metadata["caller"] == "operator-token:\(operatorTokenID)")
            #expect(Double(create.metadata["http.duration_ms"] ?? "") != nil)
            let read = try #require(byID["read-1"]?.first)
            #expect(read.metadata["http.route"] == "/v1/alliances/{alliance}", "the template, not the path")
            let refused = try #require(byID["read-2"]?.first)
            #expect(refused.metadata["http.status"] == "401" && refused.metadata["caller"] == "anonymous")
            for record in capture.all {
                #expect(
                    !record.text.contains(api.operatorToken) && !record.text.contains("alt_not-a-real-token"))
            }
        }
    }

    /// Each 201 says where the thing it made is read, and reading it there gives it back.
    @Test func createdThingsAreWhereLocationSays() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let admin = try setUp.token("admin")
            func created(_ path: String, _ body: String, token: String, at expected: String) async throws
                -> APIHarness.Answer
            {
                let answer = try await api.post(path, body, token: token)
                #expect(answer.status == 201, "\(path): \(answer.body)")
                #expect(answer.headers["location"] == expected, "\(path)")
                return answer
            }
            func readBack(_ answer: APIHarness.Answer, token: String) async throws {
                let location = try #require(answer.headers["location"])
                let read = try await api.get(location, token: token)
                #expect(read.status == 200, "\(location): \(read.body)")
                #expect(read.body == answer.body, "\(location)")
            }

            let alliance = try await created(
                "/v1/alliances", #"{"slug":"second","name":"Second Alliance"}"#, token: api.operatorToken,
                at: "/v1/alliances/second")
            try await readBack(alliance, token: api.operatorToken)
            // Partners and lines are the operator's while the alliance is set up; a person is their
            // partner's admin's.
            let partner = try await created(
                "\(SetUp.base)/partners", #"{"slug":"newcomer","name":"Newcomer CIC","kind":"vcse"}"#,
                token: api.operatorToken, at: "\(SetUp.base)/partners/newcomer")
            try await readBack(partner, token: admin)
            let line = try await created(
                "\(SetUp.base)/budget-lines", #"{"code":"PEER","name":"Peer support"}"#,
                token: api.operatorToken,
                at: "\(SetUp.base)/budget-lines/PEER")
            try await readBack(line, token: admin)
            let person = try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"Nia","email":"nia@example.org","partner":"sel-icb","roles":["auditor"]}"#,
                token: admin)
            let personID = try #require(try person.json()["id"] as? Int)
            #expect(person.headers["location"] == "\(SetUp.base)/people/\(personID)")
            try await readBack(person, token: admin)

            // A token is shown once and never cached; where it lives shows it without the secret.
            let token = try await api.post("\(SetUp.base)/people/\(personID)/tokens", "{}", token: admin)
            #expect(token.status == 201)
            #expect(token.headers["cache-control"] == "no-store")
            let tokenLocation = try #require(token.headers["location"])
            #expect(tokenLocation.hasPrefix("\(SetUp.base)/people/\(personID)/tokens/"))
            let record = try await api.get(tokenLocation, token: admin).json()
            #expect(record["person"] as? Int == personID && record["revokedAt"] is NSNull)
            #expect(
                record["token"] == nil
                    && "\(record["id"] ?? "")" == tokenLocation.split(separator: "/").last.map(String.init))

            let board = try setUp.token("board-slam")
            let decision = try await created(
                "\(SetUp.base)/decisions", #"{"title":"Minutes of June"}"#, token: board,
                at: "\(SetUp.base)/decisions/D-0001")
            try await readBack(decision, token: board)
            let vote = try await created(
                "\(SetUp.base)/decisions/D-0001/votes", #"{"vote":"approve"}"#, token: board,
                at: "\(SetUp.base)/decisions/D-0001")
            try await readBack(vote, token: board)

            let finance = try setUp.token("finance-slam")
            let spend = try await api.post("\(SetUp.base)/spend", SetUp.spend(), token: finance)
            let spendID = try #require(try spend.json()["id"] as? Int)
            #expect(spend.headers["location"] == "\(SetUp.base)/spend/\(spendID)")
            try await readBack(spend, token: finance)
            let reversal = try await api.post(
                "\(SetUp.base)/spend/\(spendID)/reversal", #"{"reason":"Belongs to June"}"#, token: finance)
            let sequence = try #require(try reversal.json()["sequence"] as? Int)
            #expect(reversal.headers["location"] == "\(SetUp.base)/journal/\(sequence)")
            try await readBack(reversal, token: try setUp.token("auditor"))

            // What a location names that does not exist is not found.
            try await api.get("\(SetUp.base)/partners/nobody", token: admin).expectProblem(
                404, "/problems/partner-not-found")
            try await api.get("\(SetUp.base)/budget-lines/NONE", token: admin).expectProblem(
                404, "/problems/budget-line-not-found")
            try await api.get("\(SetUp.base)/people/999999", token: admin).expectProblem(
                404, "/problems/person-not-found")
            try await api.get("\(SetUp.base)/people/\(personID)/tokens/999999", token: admin).expectProblem(
                404, "/problems/token-not-found")
            try await api.get("\(SetUp.base)/journal/999999", token: admin).expectProblem(
                404, "/problems/entry-not-found")
            try await api.get("\(SetUp.base)/outcomes/measurements/999999", token: admin).expectProblem(
                404, "/problems/measurement-not-found")
            // People's e-mail addresses and tokens are not for every role.
            try await api.get("\(SetUp.base)/people/\(personID)", token: board).expectProblem(
                403, "/problems/forbidden")
            try await api.get(tokenLocation, token: try setUp.token("auditor")).expectProblem(
                403, "/problems/forbidden")
        }
    }

    /// A caller without a valid token learns nothing, not even that its query is malformed.
    @Test func theCallerIsJudgedBeforeTheQuery() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            for path in [
                "\(SetUp.base)/partners?limit=0", "\(SetUp.base)/spend?period=someday",
                "\(SetUp.base)/journal?misspelt=1", "\(SetUp.base)/budgets",
            ] {
                try await api.get(path, token: nil).expectProblem(401, "/problems/unauthenticated")
                try await api.get(path, token: "alt_unknown").expectProblem(401, "/problems/unauthenticated")
            }
            try await api.get("\(SetUp.base)/partners?limit=0", token: try setUp.token("admin"))
                .expectProblem(
                    400, "/problems/invalid-query", field: "limit")
        }
    }

    @Test func readinessKeepsTheDatabaseErrorToTheLog() async throws {
        let capture = LogCapture()
        let pool = try TestCluster.unreachablePool(maximumConnections: 1)
        try await APIHarness.serving(pool, logger: capture.logger()) { port in
            let ready = try await HTTPProbe.request(port: port, path: "/readyz")
            let answer = APIHarness.Answer(status: ready.status, headers: ready.headers, body: ready.body)
            try answer.expectProblem(503, "/problems/database-unavailable")
            let id = try #require(answer.headers["x-request-id"])
            for detail in ["nonexistent-alliance-ledger", "socket", "No such file"] {
                #expect(!answer.body.contains(detail), "\(answer.body)")
            }
            #expect(try answer.json()["detail"] as? String == nil || answer.body.contains(id))
            let logged = capture.all.filter { $0.level == .error && $0.metadata["hb.request.id"] == id }
            #expect(
                logged.contains { $0.text.contains("nonexistent-alliance-ledger") }, "\(logged.map(\.text))")
        }
        await pool.close()
    }
}
