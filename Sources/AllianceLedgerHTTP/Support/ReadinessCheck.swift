import Postgres
import ServiceLifecycle

/// Whether the service can reach its database, for `/readyz`.
///
/// It asks on a connection of its own, so that a pool busy with requests or imports cannot
/// make the answer wait (a load balancer would take the instance out for being busy, which
/// makes it busier elsewhere). Anyone may ask, so the database sees at most one `SELECT 1` at
/// a time, however many ask at once, and none within `freshness` of the last success.
actor ReadinessCheck: Service {
    /// How long a success answers for: a load balancer's probes come seconds apart.
    static let freshness = Duration.seconds(1)
    /// How long one check may take: what a probe waits at most, connecting included.
    static let timeout = Duration.seconds(2)

    private let pool: PostgresPool
    /// Whether `pool` is this check's own, to close with the service.
    private let ownsPool: Bool
    private var lastSuccess: ContinuousClock.Instant?
    private var running: Task<Result<Void, any Error>, Never>?

    /// A check on one connection of its own, opened on the first check with `connection`'s
    /// settings, given short timeouts.
    init(connection: PostgresConnectionConfiguration) {
        var connection = connection
        let seconds = Int(Self.timeout.components.seconds)
        connection.connectTimeoutSeconds = seconds
        connection.statementTimeoutMilliseconds = seconds * 1000
        pool = PostgresPool(
            PostgresPoolConfiguration(
                connection: connection, maximumConnections: 1, maximumWaiters: 1, acquireTimeout: Self.timeout
            ))
        ownsPool = true
    }

    /// A check on `pool`, which is someone else's: for a router built without the application
    /// that would close a pool of the check's own.
    init(sharing pool: PostgresPool) {
        self.pool = pool
        ownsPool = false
    }

    /// Returns when the database answered lately or answers now; throws why not otherwise.
    func check() async throws {
        if let lastSuccess, ContinuousClock.now - lastSuccess < Self.freshness { return }
        let task = running ?? start()
        let result = await task.value
        if running == task {
            running = nil
            if case .success = result { lastSuccess = .now }
        }
        try result.get()
    }

    private func start() -> Task<Result<Void, any Error>, Never> {
        let pool = pool
        // Not the caller's task: a probe that gives up does not cancel the check others await.
        let task = Task { () async -> Result<Void, any Error> in
            do {
                try await pool.withConnection { connection in
                    try await connection.execute("SELECT 1")
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        running = task
        return task
    }

    /// Closes its own connection once the service shuts down: after the server, which is
    /// stopped first.
    func run() async throws {
        try? await gracefulShutdown()
        if ownsPool { await pool.close() }
    }
}
