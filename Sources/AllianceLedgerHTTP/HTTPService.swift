public import AllianceLedger
public import Hummingbird
public import Logging
import Postgres

/// Where the HTTP service listens and how it names itself in links.
public struct HTTPServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The address clients use to reach the service, for links in documents it publishes.
    public var publicBaseURL: String
    /// How long an authenticated token is trusted without reading it again: a revoked token
    /// stops working within this long. Zero reads it on every request.
    public var credentialLifetime: Duration
    /// How often the background sweep closes decisions whose closing time has passed. Reading
    /// a decision settles it anyway, so this only bounds how late an unread one is closed.
    public var decisionSweepInterval: Duration

    public init(
        host: String, port: Int, publicBaseURL: String, credentialLifetime: Duration = .seconds(2),
        decisionSweepInterval: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.publicBaseURL = publicBaseURL
        self.credentialLifetime = credentialLifetime
        self.decisionSweepInterval = decisionSweepInterval
    }
}

/// The JSON-over-HTTP service.
public enum HTTPService {
    /// Every route of the service, and the list of operations it registered.
    public static func router(
        ledger: Ledger, metrics: ServiceMetrics = ServiceMetrics(), credentialLifetime: Duration = .seconds(2)
    )
        -> (router: Router<LedgerRequestContext>, operations: [RouteSignature])
    {
        let router = Router(context: LedgerRequestContext.self)
        // Outermost first: metrics see every answer, after errors became problem documents.
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        let index = RouteIndex()
        router.add(middleware: ProblemMiddleware(routes: index))
        let routes = RouteTable(router: router)
        let services = APIServices(ledger: ledger, credentialLifetime: credentialLifetime)
        HealthRoutes(pool: ledger.pool, metrics: metrics).register(on: routes)
        DirectoryRoutes(services: services).register(on: routes)
        SpendRoutes(services: services).register(on: routes)
        ImportRoutes(services: services, importer: SpendImporter(ledger: ledger)).register(on: routes)
        BooksRoutes(services: services).register(on: routes)
        DecisionRoutes(services: services).register(on: routes)
        OutcomeRoutes(services: services).register(on: routes)
        RiskShareRoutes(services: services).register(on: routes)
        index.record(routes.signatures)
        return (router, routes.signatures)
    }

    /// The service: the routes, and the background sweep that closes due decisions.
    public static func application(
        ledger: Ledger, configuration: HTTPServiceConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(ledger: ledger, credentialLifetime: configuration.credentialLifetime).router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "alliance-ledger"),
            services: [
                DecisionSweep(
                    decisions: Decisions(pool: ledger.pool), interval: configuration.decisionSweepInterval,
                    logger: logger)
            ],
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }
}
