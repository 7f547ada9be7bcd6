import AllianceLedger
import AllianceLedgerHTTP
import BenchmarkSupport
import Foundation
import Postgres
import TestSupport
import Testing

/// Slow clients cannot take the service away from everyone else: uploads that trickle in hold
/// no database connection, so other callers' reads and writes, and `/readyz`, answer at once;
/// and `/readyz` answers even when the pool is busy.
@Suite(.timeLimit(.perTest)) struct AvailabilityTests {
    typealias SetUp = AllianceSetUp

    /// The bar: with ten slow CSV uploads open, each trickling a row every tenth of a
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
                    "GET", "\(SetUp.base)/spend", token: try setUp.token("auditor"), timeout: .seconds(5))
            }
            let write = await Self.timed {
                try await setUp.api.request(
                    "POST", "\(SetUp.base)/spend", json: SetUp.spend(partner: "lambeth", reference: "FAST-1"),
                    token: try setUp.token("finance-lambeth"), timeout: .seconds(5))
            }
            let ready = await Self.timed {
                try await setUp.api.request("GET", "/readyz", timeout: .seconds(5))
            }
            for (name, probe, status) in [
                ("read", read, 200), ("write", write, 201), ("/readyz", ready, 200),
            ] {
                #expect(probe.status == status, "\(name): \(probe.outcome)")
                #expect(probe.seconds < 2, "\(name) took \(probe.seconds) s")
            }
            #expect(uploads.allSatisfy { $0.endedByServerAfter == nil }, "the uploads are still open")

            // The uploads end without finishing their files: nothing of theirs is recorded.
            for upload in uploads { upload.stop() }
            let spend = try await setUp.api.get("\(SetUp.base)/spend", token: finance).items()
            #expect(spend.map { $0["reference"] as? String } == ["FAST-1"])
        }
    }

    /// `/readyz` asks on a connection of its own: with every connection of the pool taken by
    /// work that lasts, it still answers at once.
    @Test func readinessAnswersWhileThePoolIsBusy() async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(maximumConnections: 1)
            try await APIHarness.serving(pool) { port in
                let (held, holding) = AsyncStream.makeStream(of: Void.self)
                async let busy: Void = pool.withConnection { connection in
                    holding.yield()
                    _ = try await connection.execute("SELECT pg_sleep(3)")
                }
                var signals = held.makeAsyncIterator()
                await signals.next()
                let ready = await Self.timed {
                    let answer = try await HTTPProbe.request(
                        port: port, path: "/readyz", timeout: .seconds(5))
                    return APIHarness.Answer(
                        status: answer.status, headers: answer.headers, body: answer.body)
                }
                #expect(ready.status == 200, "\(ready.outcome)")
                #expect(ready.seconds < 1, "/readyz took \(ready.seconds) s with the pool busy")
                try await busy
            }
            await pool.close()
        }
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
            opening: Array((head + "date,partner,budget_line,amount,description,supplier,reference\n").utf8),
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
