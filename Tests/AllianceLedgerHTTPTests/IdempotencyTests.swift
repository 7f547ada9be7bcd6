import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedgerHTTP

/// The one idempotency mechanism of creating requests that are not journal entries: keys bare
/// or quoted, each caller's own (a person, or one operator token), one answer however many
/// retries race, answers pruned only after their retention, and stored answers carried
/// forward by the migration that brought the mechanism in.
@Suite(.timeLimit(.perTest)) struct IdempotencyTests {
    typealias SetUp = AllianceSetUp

    @Test func aKeyIsReadBareOrAsAQuotedString() {
        #expect(IdempotencyKey.normalised("abc") == "abc")
        #expect(
            IdempotencyKey.normalised("8e03978e-40d5-43e8-bc93-6894a57f9324")
                == "8e03978e-40d5-43e8-bc93-6894a57f9324")
        #expect(IdempotencyKey.normalised(#""abc""#) == "abc")
        #expect(IdempotencyKey.normalised(#""a\"b""#) == #"a"b"#)
        #expect(IdempotencyKey.normalised(#""a\\b""#) == #"a\b"#)
        #expect(IdempotencyKey.normalised(String(repeating: "k", count: 128)) != nil)
        #expect(IdempotencyKey.normalised("\"" + String(repeating: "k", count: 128) + "\"") != nil)
        for refused in [
            "", #""""#, #""abc"#, #""a b""#, "a b", #""a\nb""#, #""a"b""#, #""abc\""#, "é",
            String(repeating: "k", count: 129), "\"" + String(repeating: "k", count: 129) + "\"",
        ] {
            #expect(IdempotencyKey.normalised(refused) == nil, "\(refused)")
        }
    }

    @Test func aQuotedKeyAndItsBareFormAreOneKey() async throws {
        try await SetUp.with { setUp in
            let board = try setUp.token("board-slam")
            let path = "\(SetUp.base)/decisions"
            let body = #"{"title":"Quoted or not"}"#
            let first = try await setUp.api.post(
                path, body, token: board, headers: ["Idempotency-Key": #""prop-1""#])
            #expect(first.status == 201 && first.headers["idempotent-replayed"] == nil)
            let again = try await setUp.api.post(
                path, body, token: board, headers: ["Idempotency-Key": "prop-1"])
            #expect(again.status == 201 && again.headers["idempotent-replayed"] == "true")
            #expect(again.body == first.body && again.headers["location"] == first.headers["location"])
            try await setUp.api.post(path, body, token: board, headers: ["Idempotency-Key": #""prop 1""#])
                .expectProblem(422, "/problems/invalid-field", field: "Idempotency-Key")
        }
    }

    /// Until now every operator token shared one set of keys.
    @Test func everyOperatorTokenHasItsOwnKeys() async throws {
        try await APIHarness.with { api in
            let other = try await TokenStore(pool: api.database.pool).issueOperatorToken()
            let key = ["Idempotency-Key": "new-alliance"]
            let first = try await api.post(
                "/v1/alliances", #"{"slug":"first","name":"First"}"#, token: api.operatorToken, headers: key)
            #expect(first.status == 201)
            let second = try await api.post(
                "/v1/alliances", #"{"slug":"second","name":"Second"}"#, token: other, headers: key)
            #expect(second.status == 201 && second.headers["idempotent-replayed"] == nil, "\(second.body)")
            let replayed = try await api.post(
                "/v1/alliances", #"{"slug":"second","name":"Second"}"#, token: other, headers: key)
            #expect(replayed.headers["idempotent-replayed"] == "true" && replayed.body == second.body)
        }
    }

    /// However many copies of one request race, one decision is made and one answer stored;
    /// a copy that arrives while the first runs is told so, and one after it gets its answer.
    @Test func racingCopiesOfOneRequestMakeOneThing() async throws {
        try await SetUp.with { setUp in
            let board = try setUp.token("board-slam")
            let api = setUp.api
            let answers = try await withThrowingTaskGroup(of: APIHarness.Answer.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await api.post(
                            "\(SetUp.base)/decisions", #"{"title":"Raced"}"#, token: board,
                            headers: ["Idempotency-Key": "raced"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let made = answers.filter { $0.status == 201 && $0.headers["idempotent-replayed"] == nil }
            let replayed = answers.filter { $0.status == 201 && $0.headers["idempotent-replayed"] == "true" }
            let running = answers.filter { $0.status == 409 }
            #expect(
                made.count == 1 && made.count + replayed.count + running.count == 12,
                "\(answers.map(\.status))")
            #expect(replayed.allSatisfy { $0.body == made.first?.body })
            for answer in running { try answer.expectProblem(409, "/problems/request-in-progress") }
            let stored: (decisions: Int64, answers: Int64) = try await api.database.pool.withConnection {
                connection in
                let row = try await connection.query(
                    """
                    SELECT (SELECT count(*) FROM decisions) AS decisions,
                           (SELECT count(*) FROM http_idempotency_keys WHERE key = 'raced') AS answers
                    """
                ).single()
                return (try row.decode("decisions"), try row.decode("answers"))
            }
            #expect(stored == (decisions: 1, answers: 1))
        }
    }

    /// Answers go after their retention, never within an hour, and only through the
    /// database's own function: the service can neither change nor delete one itself.
    @Test func answersArePrunedAfterTheirRetentionAndNeverWithinAnHour() async throws {
        try await TestDatabase.with { database in
            try await database.pool.withConnection { owner in
                for (key, age) in [("week-old", "8 days"), ("hours-old", "2 hours"), ("fresh", "10 minutes")]
                {
                    try await owner.execute(
                        """
                        INSERT INTO http_idempotency_keys (principal, key, request_hash, completed_at, status, response_body)
                        VALUES ('person:1', \(key), \(Data(repeating: 1, count: 32)), now() - \(age)::interval, 201, '\\x7b7d')
                        """)
                }
            }
            func keys() async throws -> [String] {
                try await database.pool.withConnection { connection in
                    try await connection.query("SELECT key FROM http_idempotency_keys ORDER BY key").map {
                        try $0.decode("key", as: String.self)
                    }
                }
            }
            let service = database.makeServicePool(maximumConnections: 2)
            let answers = IdempotentCreations(pool: service)
            let sweep = BackgroundSweep(
                decisions: Decisions(pool: service), interval: .seconds(60), logger: TestCluster.logger,
                idempotency: (answers, retention: .seconds(7 * 24 * 3600)))
            #expect(await sweep.once() == 0)
            #expect(try await keys() == ["fresh", "hours-old"])
            #expect(try await answers.prune(retentionSeconds: 3600) == 1)
            #expect(try await keys() == ["fresh"])
            await #expect(throws: PostgresError.self) { try await answers.prune(retentionSeconds: 3599) }

            for statement: PostgresQuery in [
                "DELETE FROM http_idempotency_keys", "UPDATE http_idempotency_keys SET status = 200",
                "TRUNCATE http_idempotency_keys",
            ] {
                let refusal = await #expect(throws: PostgresError.self) {
                    try await service.withConnection { try await $0.execute(statement) }
                }
                #expect(refusal?.sqlState == .insufficientPrivilege, "\(statement)")
            }
            // Not even the owner removes an answer younger than an hour, or changes one.
            for statement: PostgresQuery in [
                "DELETE FROM http_idempotency_keys WHERE key = 'fresh'",
                "UPDATE http_idempotency_keys SET status = 200",
            ] {
                await #expect(throws: PostgresError.self, "\(statement)") {
                    try await database.pool.withConnection { try await $0.execute(statement) }
                }
            }
            #expect(try await keys() == ["fresh"])
            await service.close()
        }
    }

    /// A database migrated before 0007 keeps what it can of its stored answers.
    @Test func theMigrationCarriesStoredAnswersForward() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let all = try SchemaMigrator.allianceLedger()
            let before = try SchemaMigrator(migrations: all.migrations.filter { $0.version < 7 })
            _ = try await before.migrate(database.pool)
            try await database.pool.withConnection { connection in
                let rows: [(principal: String, key: String, completed: Bool, body: String)] = [
                    ("person:1", "plain", true, "plain"),
                    ("person:1", #""quoted""#, true, "quoted"),
                    ("person:1", #""both""#, true, "quoted both"),
                    ("person:1", "both", true, "bare both"),
                    ("person:2", #""esc\"aped""#, true, "escaped"),
                    ("person:2", "pending", false, ""),
                    ("operator", "shared", true, "operator"),
                ]
                for row in rows {
                    try await connection.execute(
                        """
                        INSERT INTO http_idempotency_keys (principal, key, request_hash, completed_at, status, response_body)
                        VALUES (\(row.principal), \(row.key), \(Data(repeating: 7, count: 32)),
                                CASE WHEN \(row.completed) THEN now() END, CASE WHEN \(row.completed) THEN 201 END,
                                CASE WHEN \(row.completed) THEN convert_to(\(row.body), 'UTF8') END)
                        """)
                }
            }
            _ = try await all.migrate(database.pool)
            let kept = try await database.pool.withConnection { connection in
                try await connection.query(
                    """
                    SELECT principal || ' ' || key || ' ' || convert_from(response_body, 'UTF8') AS row
                    FROM http_idempotency_keys ORDER BY principal, key
                    """
                ).map { try $0.decode("row", as: String.self) }
            }
            #expect(
                kept == [
                    "person:1 both bare both", "person:1 plain plain", "person:1 quoted quoted",
                    #"person:2 esc"aped escaped"#,
                ])
        }
    }
}
