public import AllianceLedger
public import Hummingbird
public import Logging
import Postgres
import ServiceLifecycle

/// Where the HTTP service listens and how it names itself in links.
public struct HTTPServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The address clients use to reach the service, for links in documents it publishes.
    public var publicBaseURL: String
    /// How long an authenticated token is trusted without reading it again: a revoked token
    /// stops working within this long. Zero reads it on every request.
    public var credentialLifetime: Duration
    /// How often the background sweep closes decisions whose closing time has passed and
    /// prunes old idempotent answers. Reading a decision settles it anyway, so this only bounds
    /// how late an unread one is closed.
    public var sweepInterval: Duration
    /// How long the answer to a creating request is kept for a retry with its idempotency key;
    /// the database refuses less than an hour.
    public var idempotencyRetention: Duration
    /// Where `GET /metrics` is served, on `host`: a listener of its own, so that the figures
    /// (routes, statuses, pool use) reach only whoever can reach that port, such as a
    /// Prometheus on the same network. Nil, the default, serves no metrics; 0 any free port.
    public var metricsPort: Int?

    public init(
        host: String, port: Int, publicBaseURL: String, credentialLifetime: Duration = .seconds(2),
        decisionSweepInterval: Duration = .seconds(30),
        idempotencyRetention: Duration = HTTPServiceConfiguration.defaultIdempotencyRetention,
        metricsPort: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.metricsPort = metricsPort
        self.publicBaseURL = publicBaseURL
        self.credentialLifetime = credentialLifetime
        self.sweepInterval = decisionSweepInterval
        self.idempotencyRetention = idempotencyRetention
    }

    public static let defaultIdempotencyRetention = Duration.seconds(7 * 24 * 3600)
    /// The least the database keeps an answer (SQL/0007).
    public static let minimumIdempotencyRetention = Duration.seconds(3600)
}

/// The JSON-over-HTTP service.
public enum HTTPService {
    /// Every route of the service. Outside in: the request's id, the access log and metrics
    /// (which see every answer), problems for every error, then the routes; under `/v1` the
    /// authenticator resolves the caller, and under `/v1/alliances/{alliance}` the alliance.
    public static func router(
        ledger: Ledger, metrics: ServiceMetrics = ServiceMetrics(),
        credentialLifetime: Duration = .seconds(2),
        tokenUsage: TokenUsage = TokenUsage()
    ) -> Router<LedgerRequestContext> {
        let router = Router(context: LedgerRequestContext.self)
        let index = RouteIndex()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(metrics: metrics))
        router.add(middleware: ProblemMiddleware(routes: index))
        let services = APIServices(ledger: ledger, tokenUsage: tokenUsage)
        router.addRoutes(HealthRoutes(pool: ledger.pool).routes)

        let v1 = router.group("v1").add(
            middleware: Authenticator(
                tokens: services.tokens, credentials: CredentialCache(lifetime: credentialLifetime)))
        let directory = DirectoryRoutes(services: services)
        v1.addRoutes(directory.operatorRoutes)
        let alliance = v1.group("alliances/{alliance}", context: AllianceRequestContext.self)
        for routes in [
            directory.allianceRoutes,
            SpendRoutes(services: services).routes,
            ImportRoutes(services: services, importer: SpendImporter(ledger: ledger)).routes,
            BooksRoutes(services: services).routes,
            DecisionRoutes(services: services).routes,
            OutcomeRoutes(services: services).routes,
            RiskShareRoutes(services: services).routes,
            GovernanceRoutes(services: services).routes,
        ] {
            alliance.addRoutes(routes)
        }
        index.record(router.routes.map { ($0.method.rawValue, $0.path.description) })
        return router
    }

    /// `GET /metrics` alone, Prometheus text, for the metrics listener.
    static func metricsRouter(pool: PostgresPool, metrics: ServiceMetrics) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("metrics") { _, _ in
            let text = metrics.render(pool: await pool.statistics)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// The service: the routes, the background sweep that closes due decisions and prunes old
    /// idempotent answers, and, with a metrics port, the metrics listener.
    public static func application(
        ledger: Ledger, configuration: HTTPServiceConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let metrics = ServiceMetrics()
        let tokenUsage = TokenUsage()
        var services: [any Service] = [
            BackgroundSweep(
                decisions: Decisions(pool: ledger.pool), interval: configuration.sweepInterval,
                logger: logger,
                idempotency: (
                    IdempotentCreations(pool: ledger.pool), retention: configuration.idempotencyRetention
                )),
            TokenUsageWriter(tokens: TokenStore(pool: ledger.pool, usage: tokenUsage), logger: logger),
        ]
        if let metricsPort = configuration.metricsPort {
            services.append(
                Application(
                    router: metricsRouter(pool: ledger.pool, metrics: metrics),
                    configuration: ApplicationConfiguration(
                        address: .hostname(configuration.host, port: metricsPort),
                        serverName: "alliance-ledger-metrics"),
                    onServerRunning: { channel in
                        await onMetricsRunning(channel.localAddress?.port ?? metricsPort)
                    },
                    logger: logger))
        }
        return Application(
            router: router(
                ledger: ledger, metrics: metrics, credentialLifetime: configuration.credentialLifetime,
                tokenUsage: tokenUsage),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "alliance-ledger"),
            services: services,
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }
}
