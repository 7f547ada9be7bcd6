import ArgumentParser
import Foundation
import Logging

/// Options every command takes: where the configuration and the database are.
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "JSON configuration file (env ALLIANCE_LEDGER_CONFIG; default \(Settings.defaultConfigFile) when present).",
            valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL connection string or postgres:// URL (env DATABASE_URL). Without one, a private embedded cluster is used.",
            valueName: "url"))
    var databaseURL: String?

    @Option(
        name: .customLong("database-owner-url"),
        help: ArgumentHelp(
            "With a database URL, the connection of the login that owns the schema, for migrations (env DATABASE_OWNER_URL); the service logs in with the database URL. Default: the database URL's own login.",
            valueName: "url"))
    var databaseOwnerURL: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of the embedded PostgreSQL cluster (env ALLIANCE_LEDGER_DATA_DIR; default .alliance-ledger).",
            valueName: "directory"))
    var dataDirectory: String?

    @Option(
        name: .customLong("pg-bindir"),
        help: ArgumentHelp(
            "Directory of PostgreSQL's initdb and pg_ctl for the embedded cluster (env ALLIANCE_LEDGER_PG_BINDIR; default: found on PATH, by pg_config or under /usr/lib/postgresql).",
            valueName: "directory"))
    var serverPrograms: String?

    @Option(
        name: .customLong("pool-size"),
        help: ArgumentHelp(
            "Most database connections open at once (env ALLIANCE_LEDGER_POOL_SIZE; default 8).",
            valueName: "count"))
    var poolSize: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "The least severe messages logged (env ALLIANCE_LEDGER_LOG_LEVEL; default info).",
            valueName: "level"))
    var logLevel: LogLevelArgument?

    /// Resolves the configuration, with the flags of this command on top.
    func settings(adding commandFlags: [SettingKey: String] = [:]) throws -> Settings {
        var flags = commandFlags
        flags[.databaseURL] = databaseURL
        flags[.databaseOwnerURL] = databaseOwnerURL
        flags[.dataDir] = dataDirectory
        flags[.serverPrograms] = serverPrograms
        flags[.poolSize] = poolSize
        flags[.logLevel] = logLevel?.level.rawValue
        return try Settings.resolve(
            flags: flags, environment: ProcessInfo.processInfo.environment, configFile: config)
    }
}

extension Settings {
    /// A logger on standard error at the configured level.
    func logger(label: String = "alliance-ledger") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
