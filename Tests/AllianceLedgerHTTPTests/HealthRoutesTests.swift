import AllianceLedger
import AllianceLedgerHTTP
import Foundation
import Hummingbird
import Logging
import Postgres
import TestSupport
import Testing

/// The service's own routes: health always, readiness only with a database, metrics, and
/// errors as RFC 9457 problem documents even for routes that do not exist.
@Suite(.timeLimit(.perTest)) struct HealthRoutesTests {
    @Test func healthAndReadinessWithADatabase() async throws {
        try await APIHarness.with { api in
            let health = try await api.get("/healthz", token: nil)
            #expect(health.status == 200)
            #expect(health.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(health.body == #"{"status":"ok"}"#)
            let ready = try await api.get("/readyz", token: nil)
            #expect(ready.status == 200)
            #expect(ready.body == #"{"status":"ready"}"#)
        }
    }

    @Test func readinessFailsAsAProblemDocumentWithoutADatabase() async throws {
        let pool = try TestCluster.unreachablePool(maximumConnections: 1)
        try await APIHarness.serving(pool) { port in
            #expect(try await HTTPProbe.request(port: port, path: "/healthz").status == 200)
            let ready = try await HTTPProbe.request(port: port, path: "/readyz")
            let answer = APIHarness.Answer(status: ready.status, headers: ready.headers, body: ready.body)
            try answer.expectProblem(503, "/problems/database-unavailable")
        }
        await pool.close()
    }

    @Test func unknownRoutesAndMethodsAreProblems() async throws {
        try await APIHarness.with { api in
            try await api.get("/nope", token: nil).expectProblem(404, "/problems/not-found")
            try await api.get("/v1/alliances/x/nothing-here", token: nil).expectProblem(
                404, "/problems/not-found")
            let wrongMethod = try await api.get("/v1/alliances", token: api.operatorToken)
            try wrongMethod.expectProblem(405, "/problems/method-not-allowed")
            #expect(wrongMethod.headers["allow"] == "POST")
            let trace = try await api.request("DELETE", "/v1/alliances/x/partners")
            try trace.expectProblem(405, "/problems/method-not-allowed")
            #expect(trace.headers["allow"] == "GET, HEAD, POST")
        }
    }

    /// `/metrics` was open to anyone on the service's own port; it now has a listener of its
    /// own, off unless a port is given.
    @Test func metricsAreServedOnlyOnTheirOwnListenerAndOffByDefault() async throws {
        try await APIHarness.with { api in
            try await api.get("/metrics", token: nil).expectProblem(404, "/problems/not-found")
        }
        try await TestDatabase.with { database in
            let pool = database.makeServicePool()
            let (ports, portsContinuation) = AsyncStream.makeStream(of: (String, Int).self)
            let application = HTTPService.application(
                ledger: Ledger(pool: pool),
                configuration: HTTPServiceConfiguration(
                    host: "127.0.0.1", port: 0, publicBaseURL: "http://127.0.0.1", metricsPort: 0),
                logger: TestCluster.logger,
                onServerRunning: { portsContinuation.yield(("service", $0)) },
                onMetricsRunning: { portsContinuation.yield(("metrics", $0)) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await application.run() }
                var listening: [String: Int] = [:]
                for await (name, port) in ports {
                    listening[name] = port
                    if listening.count == 2 { break }
                }
                let port = try #require(listening["service"])
                let metricsPort = try #require(listening["metrics"])
                #expect(port != metricsPort)
                _ = try await HTTPProbe.request(port: port, path: "/healthz")
                _ = try await HTTPProbe.request(port: port, path: "/healthz")
                _ = try await HTTPProbe.request(port: port, path: "/v1/alliances/nowhere")
                #expect(try await HTTPProbe.request(port: port, path: "/metrics").status == 404)
                #expect(try await HTTPProbe.request(port: metricsPort, path: "/healthz").status == 404)
                let metrics = try await HTTPProbe.request(port: metricsPort, path: "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                let lines = Set(metrics.body.split(separator: "\n").map(String.init))
                #expect(
                    lines.contains(
                        #"alliance_ledger_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
                    "\(metrics.body)")
                #expect(
                    lines.contains(
                        #"alliance_ledger_http_requests_total{method="GET",route="/v1/alliances/{alliance}",status="401"} 1"#
                    ))
                #expect(
                    lines.contains(
                        #"alliance_ledger_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#
                    ))
                #expect(
                    !lines.contains { $0.contains("route=\"/metrics\"") }, "its own requests are not counted")
                #expect(
                    lines.contains { $0.hasPrefix("alliance_ledger_db_pool_connections{state=\"idle\"} ") })
                #expect(lines.contains("alliance_ledger_db_pool_max_connections 8"))
                group.cancelAll()
            }
            await pool.close()
        }
    }
}
