public import Hummingbird
public import Logging
public import Postgres

/// Where the HTTP service listens and how it names itself in links.
public struct HTTPServiceConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The address clients use to reach the service, for links in documents it publishes.
    public var publicBaseURL: String

    public init(host: String, port: Int, publicBaseURL: String) {
        self.host = host
        self.port = port
        self.publicBaseURL = publicBaseURL
    }
}

/// The JSON-over-HTTP service.
public enum HTTPService {
    /// Every route of the service. Routes are values: tests call the responder directly.
    public static func router(pool: PostgresPool) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        HealthRoutes(pool: pool).register(on: router)
        return router
    }

    public static func application(
        pool: PostgresPool, configuration: HTTPServiceConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(pool: pool),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "alliance-ledger"),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }
}
