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
            #expect(trace.headers["allow"] == "GET, POST")
        }
    }

    @Test func metricsCountRequestsByRouteTemplateAndStatus() async throws {
        try await APIHarness.with { api in
            _ = try await api.get("/healthz", token: nil)
            _ = try await api.get("/healthz", token: nil)
            _ = try await api.get("/v1/alliances/nowhere", token: nil)
            _ = try await api.get("/v1/alliances/nowhere", token: api.operatorToken)
            let metrics = try await api.get("/metrics", token: nil)
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = Set(metrics.body.split(separator: "\n").map(String.init))
            #expect(
                lines.contains(
                    #"alliance_ledger_http_requests_total{method="GET",route="/healthz",status="200"} 2"#))
            #expect(
                lines.contains(
                    #"alliance_ledger_http_requests_total{method="GET",route="/v1/alliances/{alliance}",status="401"} 1"#
                ),
                "\(metrics.body)")
            #expect(
                lines.contains(
                    #"alliance_ledger_http_requests_total{method="GET",route="/v1/alliances/{alliance}",status="404"} 1"#
                ))
            #expect(
                lines.contains(
                    #"alliance_ledger_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#
                ))
            #expect(lines.contains { $0.hasPrefix("alliance_ledger_db_pool_connections{state=\"idle\"} ") })
            #expect(lines.contains("alliance_ledger_db_pool_max_connections 8"))
        }
    }
}
