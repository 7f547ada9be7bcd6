import Hummingbird
import Logging
import Postgres

/// What operators and clients read about the service itself: `/healthz` says the process is
/// up; `/readyz` says it can reach its database (asking on a connection of its own, so that a
/// busy pool cannot starve it), so that a load balancer sends traffic only to instances that
/// can serve it; `/openapi.json` describes the API. None needs a token. `/metrics` is not here:
/// it has a listener of its own (`HTTPService.metricsRouter`).
struct HealthRoutes {
    let pool: PostgresPool
    let readiness: ReadinessCheck

    struct Status: Encodable {
        let status: String
    }

    var routes: RouteCollection<LedgerRequestContext> {
        let routes = RouteCollection(context: LedgerRequestContext.self)
        let readiness = readiness
        routes.get("healthz") { _, _ in
            Answer(Status(status: "ok"))
        }
        routes.get("readyz") { _, context in
            do {
                try await readiness.check()
            } catch {
                // Anyone may ask, so the answer says only that the database is out of reach;
                // why is for the operator, in the log under the request's id.
                context.logger.error(
                    "not ready: the database is out of reach",
                    metadata: ["reason": .string(LoggedReason.of(error))])
                throw Problem.databaseUnavailable(
                    "the service cannot reach its database; the reason is logged under request id \(context.requestID)"
                )
            }
            return Answer(Status(status: "ready"))
        }
        routes.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        return routes
    }
}
