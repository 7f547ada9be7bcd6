import AllianceLedger
import AllianceLedgerHTTP
import ArgumentParser
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the JSON-over-HTTP service until SIGINT or SIGTERM.",
        discussion: """
            Applies pending schema migrations first (unless --no-migrate), then listens. \
            GET /healthz answers while the process runs; GET /readyz answers 200 only while \
            the database is reachable. GET /metrics (Prometheus) is served only with \
            --metrics-port, on a listener of its own.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Address to listen on (env ALLIANCE_LEDGER_HTTP_HOST; default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(
        help: ArgumentHelp(
            "Port to listen on, 0 for any free port (env ALLIANCE_LEDGER_HTTP_PORT; default 8080).",
            valueName: "port"))
    var port: String?

    @Option(
        name: .customLong("metrics-port"),
        help: ArgumentHelp(
            "Serve GET /metrics on this port of the same address, 0 for any free port (env ALLIANCE_LEDGER_METRICS_PORT; default: no metrics).",
            valueName: "port"))
    var metricsPort: String?

    @Option(
        name: .customLong("public-base-url"),
        help: ArgumentHelp(
            "URL clients use to reach the service (env ALLIANCE_LEDGER_PUBLIC_BASE_URL).", valueName: "url"))
    var publicBaseURL: String?

    @Option(
        name: .customLong("credential-seconds"),
        help: ArgumentHelp(
            "How long an authenticated token is trusted before it is read again; a revocation takes effect within this (env ALLIANCE_LEDGER_CREDENTIAL_SECONDS; default 2).",
            valueName: "seconds"))
    var credentialSeconds: String?

    @Option(
        name: .customLong("decision-sweep-seconds"),
        help: ArgumentHelp(
            "How often decisions past their closing time are closed; reading one closes it anyway (env ALLIANCE_LEDGER_DECISION_SWEEP_SECONDS; default 30).",
            valueName: "seconds"))
    var decisionSweepSeconds: String?

    @Option(
        name: .customLong("idempotency-retention-seconds"),
        help: ArgumentHelp(
            "How long the answer to a creating request is kept for a retry with its Idempotency-Key; at least 3600 (env ALLIANCE_LEDGER_IDEMPOTENCY_RETENTION_SECONDS; default 604800, seven days).",
            valueName: "seconds"))
    var idempotencyRetentionSeconds: String?

    @Option(
        name: .customLong("read-timeout-seconds"),
        help: ArgumentHelp(
            "The most the service waits in all for a request's body; longer, it is answered 408 and its connection closed (env ALLIANCE_LEDGER_HTTP_READ_TIMEOUT_SECONDS; default 300).",
            valueName: "seconds"))
    var readTimeoutSeconds: String?

    @Option(
        name: .customLong("idle-timeout-seconds"),
        help: ArgumentHelp(
            "How long a connection may go without a whole request head, or a body without new bytes, before it is closed (env ALLIANCE_LEDGER_HTTP_IDLE_TIMEOUT_SECONDS; default 60).",
            valueName: "seconds"))
    var idleTimeoutSeconds: String?

    @Option(
        name: .customLong("imports-per-caller"),
        help: ArgumentHelp(
            "Spend imports one caller may have under way at once; more are answered 429 (env ALLIANCE_LEDGER_IMPORTS_PER_CALLER; default 2).",
            valueName: "count"))
    var importsPerCaller: String?

    @Option(
        name: .customLong("imports-per-alliance"),
        help: ArgumentHelp(
            "Spend imports one alliance may have under way at once; more are answered 429 (env ALLIANCE_LEDGER_IMPORTS_PER_ALLIANCE; default 4).",
            valueName: "count"))
    var importsPerAlliance: String?

    @Option(
        name: .customLong("synchronous-publication-limit"),
        help: ArgumentHelp(
            "The most journal entries a statement's period may hold to be published within its request; a larger one is published in the background, answered 202 (env ALLIANCE_LEDGER_SYNCHRONOUS_PUBLICATION_LIMIT; default 20000).",
            valueName: "entries"))
    var synchronousPublicationLimit: String?

    @Option(
        name: .customLong("database-read-url"),
        help: ArgumentHelp(
            "With a database URL, a connection string for the public pages and files only, e.g. a standby's with target_session_attrs=prefer-standby (env DATABASE_READ_URL; default: the database URL).",
            valueName: "url"))
    var databaseReadURL: String?

    @Option(
        name: .customLong("shutdown-grace-seconds"),
        help: ArgumentHelp(
            "After SIGTERM or SIGINT, how long requests under way may take to finish before they are cancelled (env ALLIANCE_LEDGER_SHUTDOWN_GRACE_SECONDS; default 30).",
            valueName: "seconds"))
    var shutdownGraceSeconds: String?

    @Option(
        name: .customLong("statement-timeout-seconds"),
        help: ArgumentHelp(
            "PostgreSQL statement_timeout of the service's connections (env ALLIANCE_LEDGER_STATEMENT_TIMEOUT_SECONDS; default 30).",
            valueName: "seconds"))
    var statementTimeoutSeconds: String?

    @Option(
        name: .customLong("import-statement-timeout-seconds"),
        help: ArgumentHelp(
            "statement_timeout of a spend import's transaction, which checks a whole file at once (env ALLIANCE_LEDGER_IMPORT_STATEMENT_TIMEOUT_SECONDS; default 3600).",
            valueName: "seconds"))
    var importStatementTimeoutSeconds: String?

    @Flag(inversion: .prefixedNo, help: "Apply pending schema migrations before listening.")
    var migrate = true

    func run() async throws {
        var flags: [SettingKey: String] = [:]
        flags[.httpHost] = host
        flags[.httpPort] = port
        flags[.metricsPort] = metricsPort
        flags[.publicBaseURL] = publicBaseURL
        flags[.credentialSeconds] = credentialSeconds
        flags[.decisionSweepSeconds] = decisionSweepSeconds
        flags[.idempotencyRetentionSeconds] = idempotencyRetentionSeconds
        flags[.readTimeoutSeconds] = readTimeoutSeconds
        flags[.idleTimeoutSeconds] = idleTimeoutSeconds
        flags[.importsPerCaller] = importsPerCaller
        flags[.importsPerAlliance] = importsPerAlliance
        flags[.synchronousPublicationLimit] = synchronousPublicationLimit
        flags[.shutdownGraceSeconds] = shutdownGraceSeconds
        flags[.databaseReadURL] = databaseReadURL
        flags[.statementTimeoutSeconds] = statementTimeoutSeconds
        flags[.importStatementTimeoutSeconds] = importStatementTimeoutSeconds
        let settings = try global.settings(adding: flags)
        let logger = settings.logger()
        let session = try await DatabaseSession.open(
            settings, logger: logger, serviceStatementTimeoutSeconds: settings.statementTimeoutSeconds)
        do {
            if migrate {
                let applied = try await SchemaMigrator.allianceLedger().migrate(session.ownerPool)
                if !applied.isEmpty {
                    logger.notice("applied \(applied.count) schema migration(s)")
                }
            } else {
                try await session.requireCurrentSchema()
            }
            try await HTTPService.run(
                ledger: Ledger(pool: session.pool), publicReads: session.readPool,
                configuration: HTTPServiceConfiguration(
                    host: settings.httpHost, port: settings.httpPort,
                    publicBaseURL: settings.publicBaseURL,
                    credentialLifetime: .seconds(settings.credentialSeconds),
                    decisionSweepInterval: .seconds(settings.decisionSweepSeconds),
                    idempotencyRetention: .seconds(settings.idempotencyRetentionSeconds),
                    readTimeout: .seconds(settings.readTimeoutSeconds),
                    idleTimeout: .seconds(settings.idleTimeoutSeconds),
                    importsPerCaller: settings.importsPerCaller,
                    importsPerAlliance: settings.importsPerAlliance,
                    importStatementTimeout: .seconds(settings.importStatementTimeoutSeconds),
                    shutdownGracePeriod: .seconds(settings.shutdownGraceSeconds),
                    metricsPort: settings.metricsPort,
                    synchronousPublicationLimit: settings.synchronousPublicationLimit),
                logger: logger,
                onServerRunning: { port in
                    logger.notice(
                        "listening",
                        metadata: ["http.address": "http://\(settings.httpHost):\(port)"])
                },
                onMetricsRunning: { port in
                    logger.notice(
                        "metrics listening",
                        metadata: ["metrics.address": "http://\(settings.httpHost):\(port)/metrics"])
                })
            await session.close()
            logger.notice("stopped")
        } catch {
            await session.close()
            throw error
        }
    }
}
