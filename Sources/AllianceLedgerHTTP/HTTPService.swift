public import AllianceLedger
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import Postgres
import ServiceLifecycle
import UnixSignals

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
    /// How long in all the service waits for a request's body to arrive; longer, 408 and the
    /// connection closed.
    public var readTimeout: Duration
    /// How long a connection may go without a whole request head, or a body without a new
    /// part, before it is closed: an idle keep-alive connection, a client that stopped sending
    /// its headers (or trickles them), a body that stopped.
    public var idleTimeout: Duration
    /// Spend imports one caller may have under way at once, from upload to answer.
    public var importsPerCaller: Int
    /// Spend imports one alliance may have under way at once.
    public var importsPerAlliance: Int
    /// Spend imports that may hold a database connection at once in the whole service; nil for
    /// a quarter of the pool (at least one), so imports never take the pool from the rest.
    public var importsHoldingConnections: Int?
    /// `statement_timeout` for an import's transaction, which checks every row of a file in one
    /// query, and for a publication carried out in the background, which reads a large period's
    /// rows in one: longer than the session's. Nil keeps the session's.
    public var importStatementTimeout: Duration?
    /// How long, after SIGTERM or SIGINT, requests under way may take to finish before they are
    /// cancelled.
    public var shutdownGracePeriod: Duration
    /// Where `GET /metrics` is served, on `host`: a listener of its own, so that the figures
    /// (routes, statuses, pool use) reach only whoever can reach that port, such as a
    /// Prometheus on the same network. Nil, the default, serves no metrics; 0 any free port.
    public var metricsPort: Int?
    /// Whether the service shows the demo's invented data (`demo --serve`): every public page
    /// then carries an "example data" banner.
    public var exampleData = false
    /// How long a public statement page is served as rendered without reading again what it
    /// shows besides the frozen statement (signatures, supersession, partners, keys): a new
    /// co-signature appears on the page within this long. Zero reads them on every request,
    /// about six queries.
    public var publicPageLifetime: Duration = .seconds(1)
    /// The most journal entries a period may hold for its statement to be published within the
    /// request that asks (201); a larger one is published in the background (202 and a status
    /// to follow), as is any whose client sends `Prefer: respond-async`. Publishing builds,
    /// verifies and writes out the period's files, in time that grows with the entries (1.7 s
    /// for 20,000 and 144 s for 1,000,000 on a two-core machine), and a client or proxy seldom
    /// waits a minute.
    public var synchronousPublicationLimit: Int

    public init(
        host: String, port: Int, publicBaseURL: String, credentialLifetime: Duration = .seconds(2),
        decisionSweepInterval: Duration = .seconds(30),
        idempotencyRetention: Duration = HTTPServiceConfiguration.defaultIdempotencyRetention,
        readTimeout: Duration = .seconds(300), idleTimeout: Duration = .seconds(60),
        importsPerCaller: Int = 2, importsPerAlliance: Int = 4, importsHoldingConnections: Int? = nil,
        importStatementTimeout: Duration? = .seconds(3600), shutdownGracePeriod: Duration = .seconds(30),
        metricsPort: Int? = nil, synchronousPublicationLimit: Int = 20_000
    ) {
        self.synchronousPublicationLimit = synchronousPublicationLimit
        self.host = host
        self.port = port
        self.publicBaseURL = publicBaseURL
        self.credentialLifetime = credentialLifetime
        self.sweepInterval = decisionSweepInterval
        self.idempotencyRetention = idempotencyRetention
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.importsPerCaller = importsPerCaller
        self.importsPerAlliance = importsPerAlliance
        self.importsHoldingConnections = importsHoldingConnections
        self.importStatementTimeout = importStatementTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.metricsPort = metricsPort
    }

    /// The imports that may hold a database connection at once with a pool of `poolSize`.
    func importsHoldingConnections(poolSize: Int) -> Int {
        importsHoldingConnections ?? max(1, poolSize / 4)
    }

    public static let defaultIdempotencyRetention = Duration.seconds(7 * 24 * 3600)
    /// The least the database keeps an answer (SQL/0007).
    public static let minimumIdempotencyRetention = Duration.seconds(3600)
}

/// The JSON-over-HTTP service.
public enum HTTPService {
    /// Every route of the service. Outside in: the request's id, the access log and metrics
    /// (which see every answer), the rules for bodies on the wire, a page instead of a problem
    /// for a browser's 404 or 405, problems for every error, then the routes: the public pages
    /// and statements need no token; under `/v1` the authenticator resolves the caller, and
    /// under `/v1/alliances/{alliance}` the alliance.
    ///
    /// With the default configuration, and `/readyz` asking on the ledger's own pool: for
    /// listing the routes, or serving them without `application`.
    public static func router(
        ledger: Ledger, metrics: ServiceMetrics = ServiceMetrics(),
        credentialLifetime: Duration = .seconds(2),
        publicBaseURL: String = "http://localhost", tokenUsage: TokenUsage = TokenUsage()
    ) -> Router<LedgerRequestContext> {
        var configuration = HTTPServiceConfiguration(host: "", port: 0, publicBaseURL: publicBaseURL)
        configuration.credentialLifetime = credentialLifetime
        return router(
            ledger: ledger, metrics: metrics, configuration: configuration,
            readiness: ReadinessCheck(sharing: ledger.pool), tokenUsage: tokenUsage,
            credentials: CredentialCache(lifetime: credentialLifetime))
    }

    static func router(
        ledger: Ledger, publicReads: PostgresPool? = nil, metrics: ServiceMetrics,
        configuration: HTTPServiceConfiguration, readiness: ReadinessCheck, tokenUsage: TokenUsage,
        credentials: CredentialCache, publisher: StatementPublisher? = nil
    ) -> Router<LedgerRequestContext> {
        // HEAD answers as GET does, without the body, for every GET route: a cache or a link
        // checker asks so of the public pages.
        let router = Router(context: LedgerRequestContext.self, options: .autoGenerateHeadEndpoints)
        let index = RouteIndex()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(metrics: metrics))
        router.add(middleware: RequestBodyMiddleware(readTimeout: configuration.readTimeout))
        router.add(middleware: BrowserPageMiddleware(exampleData: configuration.exampleData))
        router.add(middleware: ProblemMiddleware(routes: index))
        let services = APIServices(
            ledger: ledger, publicReads: publicReads, tokenUsage: tokenUsage, publisher: publisher)
        router.addRoutes(HealthRoutes(pool: ledger.pool, readiness: readiness).routes)
        router.addRoutes(OpenDataRoutes(services: services).routes)
        router.addRoutes(
            PublicRoutes(
                services: services, publicBaseURL: configuration.publicBaseURL,
                exampleData: configuration.exampleData, pageLifetime: configuration.publicPageLifetime
            ).routes)

        let v1 = router.group("v1").add(
            middleware: Authenticator(tokens: services.tokens, credentials: credentials))
        let directory = DirectoryRoutes(services: services)
        v1.addRoutes(directory.operatorRoutes)
        let alliance = v1.group("alliances/{alliance}", context: AllianceRequestContext.self)
        let imports = ImportRoutes(
            services: services, importer: SpendImporter(ledger: ledger),
            admission: ImportAdmission(
                limits: ImportAdmission.Limits(
                    perCaller: configuration.importsPerCaller, perAlliance: configuration.importsPerAlliance,
                    holdingConnections: configuration.importsHoldingConnections(
                        poolSize: ledger.pool.configuration.maximumConnections))),
            statementTimeout: configuration.importStatementTimeout)
        for routes in [
            directory.allianceRoutes,
            SpendRoutes(services: services).routes,
            imports.routes,
            BooksRoutes(services: services).routes,
            DecisionRoutes(services: services).routes,
            OutcomeRoutes(services: services).routes,
            RiskShareRoutes(services: services).routes,
            GovernanceRoutes(services: services).routes,
            StatementRoutes(
                services: services, publicBaseURL: configuration.publicBaseURL,
                synchronousPublicationLimit: configuration.synchronousPublicationLimit
            ).routes,
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

    /// The service: the routes; the background sweep that closes due decisions and prunes old
    /// idempotent answers; the writer of tokens' last use; `/readyz`'s connection of its own;
    /// with a credential lifetime, the connection that listens for credential changes; and,
    /// with a metrics port, the metrics listener. Connections are closed after
    /// `idleTimeout` without a request, or with a request whose head or body stopped coming.
    ///
    /// `publicReads`, when given, is the pool the public pages and files read through (a
    /// standby's); everything else, authenticated reads included, uses the ledger's.
    public static func application(
        ledger: Ledger, publicReads: PostgresPool? = nil, configuration: HTTPServiceConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let metrics = ServiceMetrics()
        let tokenUsage = TokenUsage()
        let readiness = ReadinessCheck(connection: ledger.pool.configuration.connection)
        let publisher = StatementPublisher(
            statements: Statements(pool: ledger.pool), statementTimeout: configuration.importStatementTimeout,
            logger: logger)
        // Shut down last to first: the server finishes its requests before `/readyz`'s
        // connection closes, the last uses are written and the sweep stops.
        var services: [any Service] = [
            BackgroundSweep(
                decisions: Decisions(pool: ledger.pool), interval: configuration.sweepInterval,
                logger: logger,
                idempotency: (
                    IdempotentCreations(pool: ledger.pool), retention: configuration.idempotencyRetention
                ), publisher: publisher),
            TokenUsageWriter(tokens: TokenStore(pool: ledger.pool, usage: tokenUsage), logger: logger),
            readiness,
        ]
        let credentials = CredentialCache(lifetime: configuration.credentialLifetime)
        if configuration.credentialLifetime > .zero {
            services.append(
                CredentialListener(
                    connection: ledger.pool.configuration.connection, credentials: credentials, logger: logger
                ))
        }
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
        let idleNanoseconds =
            configuration.idleTimeout.components.seconds * 1_000_000_000
            + configuration.idleTimeout.components.attoseconds / 1_000_000_000
        return Application(
            router: router(
                ledger: ledger, publicReads: publicReads, metrics: metrics, configuration: configuration,
                readiness: readiness, tokenUsage: tokenUsage, credentials: credentials, publisher: publisher),
            server: .http1(
                configuration: HTTP1Channel.Configuration(idleTimeout: .nanoseconds(idleNanoseconds))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "alliance-ledger"),
            services: services,
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }

    /// Runs the service until SIGTERM or SIGINT. Then it stops accepting connections, closes
    /// idle ones, lets requests under way finish (each connection closed after its answer),
    /// stops the sweep and `/readyz`'s connection, and returns; the caller closes the pool.
    /// Requests still under way after `shutdownGracePeriod` are cancelled, and whatever still
    /// runs ten seconds after that ends the process.
    public static func run(
        ledger: Ledger, publicReads: PostgresPool? = nil, configuration: HTTPServiceConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let service = application(
            ledger: ledger, publicReads: publicReads, configuration: configuration, logger: logger,
            onServerRunning: onServerRunning,
            onMetricsRunning: onMetricsRunning)
        var group = ServiceGroupConfiguration(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        group.maximumCancellationDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
    }
}
