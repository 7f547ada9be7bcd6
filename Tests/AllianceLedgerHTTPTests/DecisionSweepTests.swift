import AllianceLedgerHTTP
import Dates
import Foundation
import Postgres
import ServiceLifecycle
import TestSupport
import Testing

@testable import AllianceLedger

/// The background sweep of `serve`: it closes decisions past their closing time, keeps going
/// after a failure, and stops at once on shutdown.
@Suite(.timeLimit(.perTest)) struct DecisionSweepTests {
    typealias SetUp = AllianceSetUp

    static func state(of id: Int, in database: TestDatabase) async throws -> String {
        try await database.pool.withConnection { connection in
            try await connection.query("SELECT state FROM decisions WHERE id = \(Int64(id))").single()
                .decode("state")
        }
    }

    @Test func aPassSettlesWhatIsDueAndNothingElse() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let slam = try board.token("slam")
            let now = Timestamp(Date())
            let inAnHour = Timestamp(microsecondsSince1970: now.microsecondsSince1970 + 3_600_000_000)
            var ids: [Int] = []
            for title in ["Objected to", "Silent", "Later"] {
                let closesAt =
                    title == "Later" ? #","closesAt":"2099-01-01T00:00:00Z""# : #","closesAt":"\#(inAnHour)""#
                let created = try await api.create(
                    DecisionRoutesTests.decisions, #"{"title":"\#(title)"\#(closesAt)}"#, token: slam)
                ids.append(try #require(created["id"] as? Int))
            }
            try await api.create(
                "\(DecisionRoutesTests.decisions)/\(ids[0])/votes", #"{"vote":"object","reason":"Not yet"}"#,
                token: try board.token("lambeth"))

            // Two hours on, as the sweep's clock sees it.
            let pool = api.database.makeServicePool(maximumConnections: 2)
            let later = Timestamp(microsecondsSince1970: now.microsecondsSince1970 + 7_200_000_000)
            let sweep = BackgroundSweep(
                decisions: Decisions(pool: pool, clock: { later }), interval: .seconds(60),
                logger: TestCluster.logger)
            #expect(await sweep.once() == 2)
            #expect(await sweep.once() == 0)
            await pool.close()
            #expect(try await Self.state(of: ids[0], in: api.database) == "rejected")
            #expect(try await Self.state(of: ids[1], in: api.database) == "lapsed")
            #expect(try await Self.state(of: ids[2], in: api.database) == "open")
        }
    }

    @Test func theServiceSweepsInTheBackground() async throws {
        try await BoardSetUp.with(decisionSweepInterval: .milliseconds(100)) { board in
            let api = board.api
            // Room for the proposal to reach a loaded service before its closing time (1 s was
            // not, once: the proposal was refused as closing in the past).
            let closing = DecisionRoutesTests.instant(in: 5)
            let created = try await api.create(
                DecisionRoutesTests.decisions, #"{"title":"Soon","closesAt":"\#(closing)"}"#,
                token: try board.token("slam"))
            let id = try #require(created["id"] as? Int)
            // Nobody reads it: only the sweep can close it.
            var state = "open"
            let deadline = ContinuousClock.now + .seconds(30)
            while state == "open" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                state = try await Self.state(of: id, in: api.database)
            }
            #expect(state == "lapsed")
        }
    }

    @Test func aFailedPassIsLoggedAndTheSweepGoesOn() async throws {
        let pool = try TestCluster.unreachablePool(maximumConnections: 1)
        let sweep = BackgroundSweep(
            decisions: Decisions(pool: pool), interval: .milliseconds(10), logger: TestCluster.logger)
        #expect(await sweep.once() == nil)
        // The service keeps going after failed passes until it is cancelled.
        let running = Task { try await sweep.run() }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        try await running.value
        await pool.close()
    }

    @Test func gracefulShutdownStopsTheSweepAtOnce() async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(maximumConnections: 1)
            let sweep = BackgroundSweep(
                decisions: Decisions(pool: pool), interval: .seconds(3600), logger: TestCluster.logger)
            let group = ServiceGroup(services: [sweep], logger: TestCluster.logger)
            // Stopped by the shutdown, not by the hour-long wait ending or the time limit here.
            let stopped = try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                try await Task.sleep(for: .milliseconds(200))
                await group.triggerGracefulShutdown()
                tasks.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = try await tasks.next() ?? false
                tasks.cancelAll()
                return first
            }
            #expect(stopped)
            await pool.close()
        }
    }
}
