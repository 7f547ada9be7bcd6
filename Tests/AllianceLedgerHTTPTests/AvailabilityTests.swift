import AllianceLedger
import AllianceLedgerHTTP
import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

/// Slow clients cannot take the service away from everyone else: uploads that trickle in hold
/// no database connection, so other callers' reads and writes, and `/readyz`, answer at once;
/// and `/readyz` answers even when the pool is busy.
@Suite(.timeLimit(.perTest)) struct AvailabilityTests {
    typealias SetUp = AllianceSetUp

    /// The issue's bar: with ten slow CSV uploads open, each trickling a row every tenth of a
    /// second, a read and a write by other callers each answer within two seconds. (Before
    /// uploads were spooled, eight such uploads held the whole pool and everything else got a
    /// 503 after the pool's wait.) The import limits are raised so that all ten are admitted.
    @Test func tenSlowUploadsLeaveOtherCallersAnsweredWithinTwoSeconds() async throws {
        let tuning: APIHarness.Tuning = {
            $0.importsPerCaller = 10
            $0.importsPerAlliance = 10
        }
        try await SetUp.with(tuning: tuning) { setUp in
            let finance = try setUp.token("finance-slam")
            let uploads = (0..<10).map { index in
                Self.slowUpload(port: setUp.api.port, token: finance, reference: "SLOW-\(index)")
            }
            defer { for upload in uploads { upload.stop() } }
            // Long enough for every upload's head to be read and its handler to start.
            try await Task.sleep(for: .seconds(1))
            #expect(uploads.allSatisfy { $0.failure == nil && $0.endedByServerAfter == nil })

            let read = await Self.timed {
                try await setUp.api.request(
                    "GET", "\(SetUp.base)/spend", token: try setUp.token("auditor"), timeout: .seconds(30))
            }
            let write = await Self.timed {
                try await setUp.api.request(
                    "POST", "\(SetUp.base)/spend", json: SetUp.spend(partner: "lambeth", reference: "FAST-1"),
                    token: try setUp.token("finance-lambeth"), timeout: .seconds(30))
            }
            let ready = await Self.timed {
                try await setUp.api.request("GET", "/readyz", timeout: .seconds(30))
            }
            for (name, probe, status) in [
                ("read", read, 200), ("write", write, 201), ("/readyz", ready, 200),
            ] {
                // Starved, they would wait out the pool's 10 s and answer 503: the status tells,
                // however loaded the machine. The issue's 2 s bar is a timing, measured beside a
                // baseline by `availability-check slow-clients` (docs/evidence.md, "Slow
                // clients"), not asserted here, where the whole suite shares two cores: under CI
                // with other work a served read took 8.4 s.
                #expect(probe.status == status, "\(name): \(probe.outcome) after \(probe.seconds) s")
            }
            #expect(uploads.allSatisfy { $0.endedByServerAfter == nil }, "the uploads are still open")

            // The uploads end without finishing their files: nothing of theirs is recorded.
            for upload in uploads { upload.stop() }
            let spend = try await setUp.api.get("\(SetUp.base)/spend", token: finance).items()
            #expect(spend.map { $0["reference"] as? String } == ["FAST-1"])
        }
    }

    /// `/readyz` asks on a connection of its own: with every connection of the pool taken by
    /// work that lasts, it still answers before that work ends.
    @Test func readinessAnswersWhileThePoolIsBusy() async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(maximumConnections: 1)
            try await APIHarness.serving(pool) { port in
                let (held, holding) = AsyncStream.makeStream(of: Void.self)
                async let busy: Void = pool.withConnection { connection in
                    holding.yield()
                    _ = try await connection.execute("SELECT pg_sleep(8)")
                }
                var signals = held.makeAsyncIterator()
                await signals.next()
                let ready = await Self.timed {
                    let answer = try await HTTPProbe.request(
                        port: port, path: "/readyz", timeout: .seconds(10))
                    return APIHarness.Answer(
                        status: answer.status, headers: answer.headers, body: answer.body)
                }
                #expect(ready.status == 200, "\(ready.outcome)")
                // Starved, it would wait out the 8 s the pool's one connection is held.
                #expect(ready.seconds < 6, "/readyz took \(ready.seconds) s with the pool busy")
                try await busy
            }
            await pool.close()
        }
    }

    /// A caller with as many imports under way as one caller may is told 429 with `Retry-After`
    /// for another, at once and without the body being read; another caller's import goes on.
    @Test func importsBeyondACallersLimitAreRefusedWithRetryAfter() async throws {
        let tuning: APIHarness.Tuning = {
            $0.importsPerCaller = 1
            $0.importsPerAlliance = 10
        }
        try await SetUp.with(tuning: tuning) { setUp in
            let finance = try setUp.token("finance-slam")
            let upload = Self.slowUpload(port: setUp.api.port, token: finance, reference: "SLOW-1")
            defer { upload.stop() }
            try await Task.sleep(for: .milliseconds(500))
            let second = try await Self.importFile(setUp, token: finance, reference: "SLAM-2")
            try second.expectProblem(429, "/problems/too-many-imports")
            #expect(second.headers["retry-after"] == "10")
            let other = try await Self.importFile(
                setUp, token: try setUp.token("finance-lambeth"), partner: "lambeth", reference: "LAMBETH-1")
            #expect(other.status == 200, "\(other.body)")
        }
    }

    /// The same for an alliance: its callers together have as many imports under way as it may.
    @Test func importsBeyondAnAlliancesLimitAreRefusedWithRetryAfter() async throws {
        let tuning: APIHarness.Tuning = {
            $0.importsPerCaller = 5
            $0.importsPerAlliance = 1
        }
        try await SetUp.with(tuning: tuning) { setUp in
            let upload = Self.slowUpload(
                port: setUp.api.port, token: try setUp.token("finance-slam"), reference: "S")
            defer { upload.stop() }
            try await Task.sleep(for: .milliseconds(500))
            let other = try await Self.importFile(
                setUp, token: try setUp.token("finance-lambeth"), partner: "lambeth", reference: "LAMBETH-1")
            try other.expectProblem(429, "/problems/too-many-imports")
            #expect(other.headers["retry-after"] == "10")
            // Once the upload has gone, its place is free again.
            upload.stop()
            try await Task.sleep(for: .milliseconds(500))
            let later = try await Self.importFile(
                setUp, token: try setUp.token("finance-lambeth"), partner: "lambeth", reference: "LAMBETH-1")
            #expect(later.status == 200, "\(later.body)")
        }
    }

    /// A 401 and a 413 end their connection, even while the client is still sending: it can
    /// neither stream on into a refused request nor try token after token on one connection.
    @Test func unauthenticatedAndTooLargeAnswersCloseTheConnection() async throws {
        try await SetUp.with { setUp in
            let port = setUp.api.port
            let finance = try setUp.token("finance-slam")
            for (token, status) in [("not-a-token", 401), (finance, 413)] {
                let (answer, closed) = try await runBlocking {
                    let connection = try HTTPConnection(port: port, timeout: .seconds(5))
                    try connection.write(
                        HTTPConnection.head(
                            "POST", "\(SetUp.base)/spend", port: port,
                            headers: [
                                ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"),
                            ],
                            bodyLength: 200_000))
                    try connection.write(#"{"description":""# + String(repeating: "x", count: 100_000))
                    let answer = try connection.readAnswer()
                    return (answer, connection.closesWithin(.seconds(3)))
                }
                #expect(answer.status == status, "\(answer.body)")
                #expect(answer.headers["connection"] == "close")
                #expect(closed, "the connection of a \(status) stays open")
            }
        }
    }

    /// A body still trickling in after the service has waited the read timeout for it is
    /// answered 408 and its connection closed; nothing of it is recorded. (The set-up's own
    /// requests, whose bodies come with their heads, are never late, however long the service
    /// takes before reading them.)
    @Test func aBodyThatTricklesPastTheReadTimeoutIsRefused() async throws {
        let tuning: APIHarness.Tuning = { $0.readTimeout = .seconds(1) }
        try await SetUp.with(tuning: tuning) { setUp in
            let port = setUp.api.port
            let finance = try setUp.token("finance-slam")
            let (answer, after) = try await runBlocking {
                let started = ContinuousClock.now
                let connection = try HTTPConnection(port: port, timeout: .seconds(10))
                try connection.write(
                    HTTPConnection.head(
                        "POST", "\(SetUp.base)/spend/imports", port: port,
                        headers: [("Authorization", "Bearer \(finance)"), ("Content-Type", "text/csv")],
                        bodyLength: 1_000_000) + Self.csvHeader)
                while ContinuousClock.now - started < .seconds(10), !connection.hasEnded() {
                    Thread.sleep(forTimeInterval: 0.1)
                    do { try connection.write("2025-05-14,slam,STAFF,1.00,Slow,Acme,SLOW\n") } catch { break }
                }
                return (try connection.readAnswer(), ContinuousClock.now - started)
            }
            try APIHarness.Answer(status: answer.status, headers: answer.headers, body: answer.body)
                .expectProblem(408, "/problems/request-timeout")
            #expect(answer.headers["connection"] == "close")
            // The timeout is 1 s; the margin is for a loaded machine, and still ends before the
            // client would stop trickling on its own.
            #expect(after < .seconds(8), "the connection ended \(after) after the upload started")
            let spend = try await setUp.api.get("\(SetUp.base)/spend", token: finance).items()
            #expect(spend.isEmpty)
        }
    }

    /// A connection that sends nothing, or stops in the middle of a request's head, is closed
    /// after the idle timeout.
    @Test func idleAndStalledConnectionsAreClosed() async throws {
        let tuning: APIHarness.Tuning = { $0.idleTimeout = .seconds(1) }
        try await APIHarness.with(tuning: tuning) { api in
            let port = api.port
            for opening in ["", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "] {
                let (closed, after) = try await runBlocking {
                    let started = ContinuousClock.now
                    let connection = try HTTPConnection(port: port, timeout: .seconds(10))
                    if !opening.isEmpty { try connection.write(opening) }
                    return (connection.closesWithin(.seconds(8)), ContinuousClock.now - started)
                }
                #expect(closed, "a connection opened with \(opening.debugDescription) stays open")
                // The idle timeout is 1 s; the margin is for a loaded machine.
                #expect(after < .seconds(7), "closed after \(after)")
            }
            // A connection in use is not: it answers, and answers again after a pause.
            let healthy = try await runBlocking {
                let connection = try HTTPConnection(port: port, timeout: .seconds(5))
                let head = HTTPConnection.head("GET", "/healthz", port: port)
                try connection.write(head)
                let first = try connection.readAnswer()
                Thread.sleep(forTimeInterval: 0.5)
                try connection.write(head)
                return [first.status, try connection.readAnswer().status]
            }
            #expect(healthy == [200, 200])
        }
    }

    /// A request whose statement waits in the database past the service's `statement_timeout`
    /// (here on a lock another session holds) is answered 503 when the timeout fires, rather
    /// than holding its connection for as long as the lock is held; nothing is written.
    @Test func aStatementPastTheStatementTimeoutIs503() async throws {
        try await SetUp.with(statementTimeoutMilliseconds: 500) { setUp in
            let before = try await setUp.api.database.stateSnapshot()
            let owner = setUp.api.database.makePool(maximumConnections: 1)
            let (locked, locking) = AsyncStream.makeStream(of: Void.self)
            async let holding: Void = owner.withTransaction(.readCommitted) { connection in
                try await connection.execute("LOCK TABLE journal_heads IN ACCESS EXCLUSIVE MODE")
                locking.yield()
                try await Task.sleep(for: .seconds(8))
            }
            var signals = locked.makeAsyncIterator()
            await signals.next()
            let write = await Self.timed {
                try await setUp.api.request(
                    "POST", "\(SetUp.base)/spend", json: SetUp.spend(reference: "BLOCKED"),
                    token: try setUp.token("finance-slam"), timeout: .seconds(15))
            }
            // Without the timeout it would wait out the 8 s lock and then be recorded; the 500 ms
            // timeout answers well before, however loaded the machine (3.4 s seen in CI).
            #expect(write.status == 503, "\(write.outcome)")
            #expect(write.outcome.contains("/problems/database-unavailable"), "\(write.outcome)")
            #expect(write.seconds < 7, "the blocked write was answered after \(write.seconds) s")
            try await holding
            await owner.close()
            #expect(try await setUp.api.database.stateSnapshot() == before)
        }
    }

    static let csvHeader = "date,partner,budget_line,amount,description,supplier,reference\n"

    /// A one-row import answered whole. It takes tens of milliseconds on a quiet machine; the
    /// timeout is the other probes' 30 s because under CI, with the whole suite on two cores, a
    /// 10 s one ran out in both import tests of one run (a refusal is still told by its status,
    /// however late).
    static func importFile(
        _ setUp: SetUp, token: String, partner: String = "slam", reference: String
    ) async throws -> APIHarness.Answer {
        try await setUp.api.request(
            "POST", "\(SetUp.base)/spend/imports",
            json: csvHeader + "2025-05-14,\(partner),STAFF,1.00,Fast,Acme,\(reference)\n", token: token,
            headers: ["Content-Type": "text/csv"], timeout: .seconds(30))
    }

    /// An import whose file never finishes arriving: its head and the CSV header at once, then a
    /// row every tenth of a second.
    static func slowUpload(port: Int, token: String, reference: String) -> SlowClient {
        let head = HTTPConnection.head(
            "POST", "\(SetUp.base)/spend/imports", port: port,
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/csv")],
            bodyLength: 10_000_000)
        return SlowClient(
            port: port,
            opening: Array((head + csvHeader).utf8),
            drip: Array("2025-05-14,slam,STAFF,1.00,Slow,Acme,\(reference)\n".utf8),
            every: .milliseconds(100))
    }

    /// What `request` answered, or why it failed, and how long it took.
    struct Probe {
        let status: Int?
        let outcome: String
        let seconds: Double
    }

    static func timed(_ request: @escaping @Sendable () async throws -> APIHarness.Answer) async -> Probe {
        let started = ContinuousClock.now
        let answer = await Result { try await request() }
        let seconds = (ContinuousClock.now - started).microseconds / 1e6
        switch answer {
        case .success(let answer): return Probe(status: answer.status, outcome: answer.body, seconds: seconds)
        case .failure(let error): return Probe(status: nil, outcome: "\(error)", seconds: seconds)
        }
    }
}

extension Result where Failure == any Error {
    init(_ body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
