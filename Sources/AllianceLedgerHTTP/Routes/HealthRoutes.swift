import Hummingbird
import Postgres

/// What operators and clients read about the service itself: `/healthz` says the process is
/// up; `/readyz` says it can reach its database, so that a load balancer sends traffic only to
/// instances that can serve it; `/metrics` for Prometheus; `/openapi.json` describes the API.
struct HealthRoutes {
    let pool: PostgresPool
    let metrics: ServiceMetrics

    struct Status: Encodable {
        let status: String
    }

    func register(on routes: RouteTable) {
        let pool = pool
        let metrics = metrics
        routes.get("/healthz") { _, _ in
            try JSONAnswer.encode(Status(status: "ok"))
        }
        routes.get("/readyz") { _, _ in
            do {
                try await pool.withConnection { connection in
                    try await connection.execute("SELECT 1")
                }
            } catch {
                throw Problem.databaseUnavailable("\(error)")
            }
            return try JSONAnswer.encode(Status(status: "ready"))
        }
        routes.get("/metrics") { _, _ in
            let text = metrics.render(pool: await pool.statistics)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        routes.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
