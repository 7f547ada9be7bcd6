import Foundation
import Postgres
import TestSupport
import Testing

/// Two `serve` processes on one database behave as one. Each instance here has everything a
/// process has of its own (its pool, journal writer, credential cache, statement publisher,
/// background sweep and import admission) and shares only the database; the tests send the
/// same thing to both at once and count what was stored.
@Suite(.timeLimit(.perTest)) struct ManyInstancesTests {
    typealias Answer = APIHarness.Answer

    /// A second instance of the service on `api`'s database, for `body`.
    static func withSecondInstance(
        of api: APIHarness, decisionSweepInterval: Duration = .seconds(30),
        credentialLifetime: Duration = .zero,
        _ body: @escaping @Sendable (APIHarness) async throws -> Void
    ) async throws {
        let pool = api.database.makeServicePool()
        do {
            try await APIHarness.serving(
                pool, decisionSweepInterval: decisionSweepInterval, credentialLifetime: credentialLifetime
            ) { port in
                try await body(
                    APIHarness(database: api.database, port: port, operatorToken: api.operatorToken))
            }
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }

    /// `request` sent to both instances at once.
    static func atOnce(
        _ first: APIHarness, _ second: APIHarness,
        _ request: @escaping @Sendable (APIHarness) async throws -> Answer
    ) async throws -> [Answer] {
        async let one = request(first)
        async let other = request(second)
        return try await [one, other]
    }

    /// Sends `request` again while the other instance still holds its key (409
    /// request-in-progress), as a client is told to.
    static func untilNotInProgress(
        _ request: @escaping @Sendable () async throws -> Answer
    ) async throws -> Answer {
        var answer = try await request()
        for _ in 0..<100 where answer.status == 409 && answer.body.contains("/problems/request-in-progress") {
            try await Task.sleep(for: .milliseconds(20))
            answer = try await request()
        }
        return answer
    }

    static func count(_ sql: PostgresQuery, in database: TestDatabase) async throws -> Int {
        try await database.pool.withConnection { connection in
            Int(try await connection.query(sql).single().decode("count", as: Int64.self))
        }
    }

    /// One Idempotency-Key sent to both instances at the same moment records once, for spend
    /// (the journal writers of both race for the entry) and for a proposal (the idempotent
    /// answers' table); both callers end with the same answer.
    @Test func aKeySentToTwoInstancesAtOnceRecordsOnce() async throws {
        try await AllianceSetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let board = try setUp.token("board-slam")
            try await Self.withSecondInstance(of: api) { second in
                for round in 0..<8 {
                    let spend = AllianceSetUp.spend(amount: "\(1000 + round)", reference: "RACE-\(round)")
                    let spent = try await Self.atOnce(api, second) { instance in
                        try await Self.untilNotInProgress {
                            try await instance.post(
                                "\(AllianceSetUp.base)/spend", spend, token: finance,
                                headers: ["Idempotency-Key": "race-spend-\(round)"])
                        }
                    }
                    #expect(spent.map(\.status) == [201, 201], "\(spent.map(\.body))")
                    #expect(try spent[0].json()["id"] as? Int == (try spent[1].json()["id"] as? Int))
                    #expect(spent.filter { $0.headers["idempotent-replayed"] == "true" }.count == 1)

                    let proposal = #"{"title":"Race \#(round)","description":"Sent to both instances"}"#
                    let proposed = try await Self.atOnce(api, second) { instance in
                        try await Self.untilNotInProgress {
                            try await instance.post(
                                "\(AllianceSetUp.base)/decisions", proposal, token: board,
                                headers: ["Idempotency-Key": "race-decision-\(round)"])
                        }
                    }
                    #expect(proposed.map(\.status) == [201, 201], "\(proposed.map(\.body))")
                    #expect(try proposed[0].json()["id"] as? Int == (try proposed[1].json()["id"] as? Int))
                }
            }
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM journal_entries WHERE metadata->>'reference' LIKE 'RACE-%'",
                    in: api.database) == 8)
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM decisions WHERE title LIKE 'Race %'", in: api.database)
                    == 8)
        }
    }

    /// One file imported through both instances at the same moment is recorded once: the
    /// second import finds the first's rows and counts them as duplicates.
    @Test func aFileImportedThroughTwoInstancesAtOnceIsRecordedOnce() async throws {
        try await AllianceSetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            var csv = ImportRoutesTests.header
            for row in 1...200 {
                csv += "2025-06-\(10 + row % 18),slam,STAFF,\(row).25,Agency staff,Acme,IMP-\(row)\n"
            }
            let file = csv
            try await Self.withSecondInstance(of: api) { second in
                let imported = try await Self.atOnce(api, second) { instance in
                    try await instance.request(
                        "POST", "\(AllianceSetUp.base)/spend/imports", json: file, token: finance,
                        headers: ["Content-Type": "text/csv"])
                }
                #expect(imported.map(\.status) == [200, 200], "\(imported.map(\.body))")
                let recorded = try imported.map { try $0.json()["recorded"] as? Int ?? -1 }
                let duplicates = try imported.map { try $0.json()["duplicates"] as? Int ?? -1 }
                #expect(
                    recorded.sorted() == [0, 200] && duplicates.sorted() == [0, 200],
                    "\(imported.map(\.body))")
            }
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM journal_entries WHERE metadata->>'reference' LIKE 'IMP-%'",
                    in: api.database) == 200)
        }
    }

    /// Asked of both instances at the same moment, a period's statement is published once, and
    /// a publication in the background is carried out once, by whichever publisher takes it.
    @Test func twoInstancesAskedToPublishOnePeriodPublishOnce() async throws {
        try await GovernedSetUp.with { governed in
            let api = governed.api
            try await StatementRoutesTests.books(governed)
            let finance = try governed.setUp.token("finance-slam")
            try await Self.withSecondInstance(of: api) { second in
                let published = try await Self.atOnce(api, second) { instance in
                    try await instance.post(
                        "\(AllianceSetUp.base)/statements", #"{"period":"FY2025"}"#, token: finance)
                }
                #expect(published.map(\.status).sorted() == [201, 409], "\(published.map(\.body))")

                let asked = try await Self.atOnce(api, second) { instance in
                    try await instance.post(
                        "\(AllianceSetUp.base)/statements", #"{"period":"FY2025-Q1"}"#, token: finance,
                        headers: ["Prefer": "respond-async"])
                }
                #expect(asked.map(\.status).sorted() == [202, 409], "\(asked.map(\.body))")
                let accepted = try #require(asked.first { $0.status == 202 })
                let status = try #require(accepted.headers["location"])
                var state = "pending"
                let deadline = ContinuousClock.now + .seconds(60)
                while state == "pending" && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                    state = try await second.get(status, token: finance).json()["state"] as? String ?? "?"
                }
                #expect(state == "published")
            }
            #expect(try await Self.count("SELECT count(*) FROM statements", in: api.database) == 2)
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM statement_publications WHERE state = 'published'", in: api.database)
                    == 1)
        }
    }

    /// Both instances sweep every 100 ms; each decision that reaches its closing time unvoted
    /// is closed once, with one record in the governance log.
    @Test func twoInstancesSweepingCloseEachDecisionOnce() async throws {
        try await BoardSetUp.with(decisionSweepInterval: .milliseconds(100)) { board in
            let api = board.api
            try await Self.withSecondInstance(of: api, decisionSweepInterval: .milliseconds(100)) { _ in
                for number in 1...5 {
                    // Each closes a few seconds after it is proposed: room for the proposal to
                    // reach a loaded service before its closing time.
                    let closing = DecisionRoutesTests.instant(in: 5)
                    try await api.create(
                        DecisionRoutesTests.decisions,
                        #"{"title":"Swept \#(number)","closesAt":"\#(closing)"}"#,
                        token: try board.token("slam"))
                }
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline,
                    try await Self.count(
                        "SELECT count(*) FROM decisions WHERE title LIKE 'Swept %' AND state = 'open'",
                        in: api.database) > 0
                {
                    try await Task.sleep(for: .milliseconds(100))
                }
                // A few more sweeps by both, which must find nothing left to close.
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM decisions WHERE title LIKE 'Swept %' AND state = 'lapsed'",
                    in: api.database) == 5)
            #expect(
                try await Self.count(
                    "SELECT count(*) FROM governance_log WHERE kind = 'decision.closed'", in: api.database)
                    == 5)
        }
    }

    /// A new token of the finance lead of slam, its id (in the answer's Location only: the body
    /// is the token, shown once) and the person's id.
    static func issueToken(in setUp: AllianceSetUp) async throws -> (
        person: Int, token: String, id: Substring
    ) {
        let api = setUp.api
        let person = try #require(setUp.personIDs["finance-slam"])
        let issued = try await api.post(
            "\(AllianceSetUp.base)/people/\(person)/tokens", "{}", token: api.operatorToken)
        #expect(issued.status == 201, "\(issued.body)")
        let token = try #require(try issued.json()["token"] as? String)
        let id = try #require(issued.headers["location"]?.split(separator: "/").last)
        return (person, token, id)
    }

    /// A token revoked through one instance stops working on the other within that instance's
    /// credential lifetime (`http.credentialSeconds`), the bound the operator's guide states.
    @Test func aTokenRevokedOnOneInstanceStopsOnTheOtherWithinTheCredentialLifetime() async throws {
        try await AllianceSetUp.with { setUp in
            let api = setUp.api
            let (person, token, id) = try await Self.issueToken(in: setUp)
            let lifetime = Duration.seconds(1)
            try await Self.withSecondInstance(of: api, credentialLifetime: lifetime) { second in
                // The second instance trusts the token, and keeps it for its lifetime.
                #expect(try await second.get("\(AllianceSetUp.base)/spend", token: token).status == 200)
                let revoked = try await api.post(
                    "\(AllianceSetUp.base)/people/\(person)/tokens/\(id)/revocation", "{}",
                    token: api.operatorToken)
                #expect(revoked.status == 200, "\(revoked.body)")
                try await Task.sleep(for: lifetime + .milliseconds(50))
                try await second.get("\(AllianceSetUp.base)/spend", token: token)
                    .expectProblem(401, "/problems/unauthenticated")
                try await api.get("\(AllianceSetUp.base)/spend", token: token)
                    .expectProblem(401, "/problems/unauthenticated")
            }
        }
    }

    /// Revokes token `id` of `person` through `api`, then expects `other` to refuse `token`
    /// within 10 s: at once, as far as the credential lifetimes of these tests (60 s) go.
    static func revoke(
        _ id: Substring, of person: Int, through api: APIHarness, thenRefused token: String,
        by other: APIHarness
    ) async throws {
        let revoked = try await api.post(
            "\(AllianceSetUp.base)/people/\(person)/tokens/\(id)/revocation", "{}", token: api.operatorToken)
        #expect(revoked.status == 200, "\(revoked.body)")
        let started = ContinuousClock.now
        var status = 200
        while status == 200, ContinuousClock.now - started < .seconds(10) {
            status = try await other.get("\(AllianceSetUp.base)/spend", token: token).status
            if status == 200 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(status == 401, "still trusted \(ContinuousClock.now - started) after the revocation")
    }

    /// With a credential lifetime of a minute, a token revoked through one instance stops
    /// working on the other at once: the database tells every instance (SQL/0022), and each
    /// forgets the callers it kept.
    @Test func aTokenRevokedOnOneInstanceStopsOnTheOtherAtOnce() async throws {
        try await AllianceSetUp.with { setUp in
            let api = setUp.api
            let (person, token, id) = try await Self.issueToken(in: setUp)
            try await Self.withSecondInstance(of: api, credentialLifetime: .seconds(60)) { second in
                #expect(try await second.get("\(AllianceSetUp.base)/spend", token: token).status == 200)
                // Kept: a second request within the lifetime is answered from the cache.
                #expect(try await second.get("\(AllianceSetUp.base)/spend", token: token).status == 200)
                try await Self.revoke(id, of: person, through: api, thenRefused: token, by: second)
            }
        }
    }

    /// An instance whose listening session the server ends (a restart, a failover) listens
    /// again on a new one, and hears the next revocation there.
    @Test func aListenerWhoseSessionEndsListensAgain() async throws {
        try await AllianceSetUp.with { setUp in
            let api = setUp.api
            let (person, token, id) = try await Self.issueToken(in: setUp)
            try await Self.withSecondInstance(of: api, credentialLifetime: .seconds(60)) { second in
                let listeners: PostgresQuery = """
                    SELECT pid FROM pg_stat_activity
                    WHERE datname = current_database() AND query LIKE 'LISTEN %alliance_ledger_credentials%'
                    """
                /// The listeners' sessions, once both instances have one.
                func bothListening() async throws -> [Int32] {
                    for _ in 0..<500 {
                        let pids = try await api.database.pool.withConnection { connection in
                            try await connection.query(listeners).map { try $0.decode("pid", as: Int32.self) }
                        }
                        if pids.count == 2 { return pids }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    throw PostgresError(.connection, "the instances did not both listen")
                }
                let ended = try await bothListening()
                try await api.database.pool.withConnection { connection in
                    for pid in ended {
                        try await connection.execute("SELECT pg_terminate_backend(\(pid), 10000)")
                    }
                }
                let again = try await bothListening()
                #expect(Set(again).isDisjoint(with: ended))
                #expect(try await second.get("\(AllianceSetUp.base)/spend", token: token).status == 200)
                try await Self.revoke(id, of: person, through: api, thenRefused: token, by: second)
            }
        }
    }
}
