import AllianceLedger
import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a client sees when the service dies between committing what it asked for and
/// answering: the same request retried with its `Idempotency-Key` gets the answer the first
/// one would have had, and the books hold the thing once.
@Suite(.timeLimit(.perTest)) struct CrashRecoveryTests {
    @Test func aDecisionCommittedByAServiceKilledBeforeAnsweringIsStoredOnce() async throws {
        try await TestDatabase.with { database in
            let operatorToken = try await TokenStore(pool: database.pool).issueOperatorToken()
            let arguments = ["--database-url", database.connectionString.rawValue, "--log-level", "notice"]
            var service = try await ServiceProcess(arguments)
            let board = try await Self.setUp(port: service.port, operatorToken: operatorToken)

            for round in 1...3 {
                let key = "proposal-\(round)"
                let proposal = #"{"title":"Round \#(round)","description":"Kill the service mid-answer"}"#
                // The proposal is sent; as soon as its decision is visible in the database, the
                // service is killed: the client may or may not have had its answer.
                let port = service.port
                let sent = Task {
                    try? await HTTPProbe.request(
                        "POST", port: port, path: "/v1/alliances/crash/decisions", body: proposal,
                        headers: Self.headers(board, key: key))
                }
                let committed = try await Self.waitForDecision(round, in: database)
                #expect(committed.answers == committed.decisions, "the answer commits with the decision")
                try await service.stop(with: SIGKILL)
                _ = await sent.value

                service = try await ServiceProcess(arguments)
                let retried = try await HTTPProbe.request(
                    "POST", port: service.port, path: "/v1/alliances/crash/decisions", body: proposal,
                    headers: Self.headers(board, key: key))
                #expect(retried.status == 201, "\(retried.body)")
                #expect(retried.headers["idempotent-replayed"] == "true")
                #expect(retried.headers["location"] == "/v1/alliances/crash/decisions/D-000\(round)")
                #expect(retried.body.contains(#""number":"D-000\#(round)""#), "\(retried.body)")
                #expect(
                    try await Self.counts(in: database) == (decisions: Int64(round), answers: Int64(round)))
            }
            try await service.stop(with: SIGTERM)
        }
    }

    private static func headers(_ token: String, key: String) -> [String: String] {
        ["Authorization": "Bearer \(token)", "Content-Type": "application/json", "Idempotency-Key": key]
    }

    /// An alliance of one partner and a board member of it, set up over HTTP; the board
    /// member's token.
    private static func setUp(port: Int, operatorToken: String) async throws -> String {
        let headers = ["Authorization": "Bearer \(operatorToken)", "Content-Type": "application/json"]
        func post(_ path: String, _ body: String) async throws -> String {
            let answer = try await HTTPProbe.request(
                "POST", port: port, path: path, body: body, headers: headers)
            #expect(answer.status == 201, "\(path): \(answer.body)")
            return answer.body
        }
        _ = try await post("/v1/alliances", #"{"slug":"crash","name":"Crash Test Alliance"}"#)
        _ = try await post(
            "/v1/alliances/crash/partners", #"{"slug":"trust","name":"Trust","kind":"nhs-provider"}"#)
        let person = try await post(
            "/v1/alliances/crash/people",
            #"{"name":"Bo","email":"bo@trust.example","partner":"trust","roles":["board"]}"#)
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(person.utf8)) as? [String: Any])?["id"] as? Int)
        let issued = try await post("/v1/alliances/crash/people/\(id)/tokens", "{}")
        return try #require(
            (try JSONSerialization.jsonObject(with: Data(issued.utf8)) as? [String: Any])?["token"] as? String
        )
    }

    /// Polls until `count` decisions are committed; the decisions and stored answers then, read
    /// in one statement so that both come from one snapshot.
    private static func waitForDecision(_ count: Int, in database: TestDatabase) async throws
        -> (decisions: Int64, answers: Int64)
    {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let found = try await counts(in: database)
            if found.decisions >= count { return found }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw CancellationError()
    }

    private static func counts(in database: TestDatabase) async throws -> (decisions: Int64, answers: Int64) {
        try await database.pool.withConnection { connection in
            let row = try await connection.query(
                """
                SELECT (SELECT count(*) FROM decisions) AS decisions,
                       (SELECT count(*) FROM http_idempotency_keys
                        WHERE key LIKE 'proposal-%' AND status IS NOT NULL) AS answers
                """
            ).single()
            return (try row.decode("decisions"), try row.decode("answers"))
        }
    }
}
