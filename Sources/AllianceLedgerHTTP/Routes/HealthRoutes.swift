import Hummingbird
import Postgres

/// `/healthz` says the process is up; `/readyz` says it can reach its database, so that a
/// load balancer sends traffic only to instances that can serve it.
struct HealthRoutes {
    let pool: PostgresPool

    struct Status: ResponseEncodable {
        let status: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in
            Status(status: "ok")
        }
        router.get("readyz") { _, _ in
            do {
                try await pool.withConnection { connection in
                    try await connection.execute("SELECT 1")
                }
            } catch {
                throw Problem.databaseUnavailable("\(error)")
            }
            return Status(status: "ready")
        }
    }
}
