import Foundation
import Logging

/// One configurable value: its key in the JSON file, its environment variable and its flag.
enum SettingKey: String, CaseIterable, Sendable {
    case databaseURL
    case databaseOwnerURL
    case databaseReadURL
    case dataDir
    case serverPrograms
    case poolSize
    case httpHost
    case httpPort
    case metricsPort
    case publicBaseURL
    case credentialSeconds
    case decisionSweepSeconds
    case idempotencyRetentionSeconds
    case readTimeoutSeconds
    case idleTimeoutSeconds
    case importsPerCaller
    case importsPerAlliance
    case synchronousPublicationLimit
    case shutdownGraceSeconds
    case statementTimeoutSeconds
    case importStatementTimeoutSeconds
    case logLevel

    /// Section and name in the JSON configuration file.
    var fileKey: (section: String, name: String) {
        switch self {
        case .databaseURL: ("database", "url")
        case .databaseOwnerURL: ("database", "ownerUrl")
        case .databaseReadURL: ("database", "readUrl")
        case .dataDir: ("database", "dataDir")
        case .serverPrograms: ("database", "serverPrograms")
        case .poolSize: ("database", "poolSize")
        case .httpHost: ("http", "host")
        case .httpPort: ("http", "port")
        case .metricsPort: ("http", "metricsPort")
        case .publicBaseURL: ("http", "publicBaseURL")
        case .credentialSeconds: ("http", "credentialSeconds")
        case .decisionSweepSeconds: ("decisions", "sweepSeconds")
        case .idempotencyRetentionSeconds: ("http", "idempotencyRetentionSeconds")
        case .readTimeoutSeconds: ("http", "readTimeoutSeconds")
        case .idleTimeoutSeconds: ("http", "idleTimeoutSeconds")
        case .importsPerCaller: ("http", "importsPerCaller")
        case .importsPerAlliance: ("http", "importsPerAlliance")
        case .synchronousPublicationLimit: ("http", "synchronousPublicationLimit")
        case .shutdownGraceSeconds: ("http", "shutdownGraceSeconds")
        case .statementTimeoutSeconds: ("database", "statementTimeoutSeconds")
        case .importStatementTimeoutSeconds: ("database", "importStatementTimeoutSeconds")
        case .logLevel: ("log", "level")
        }
    }

    var environmentVariable: String {
        switch self {
        case .databaseURL: "DATABASE_URL"
        case .databaseOwnerURL: "DATABASE_OWNER_URL"
        case .databaseReadURL: "DATABASE_READ_URL"
        case .dataDir: "ALLIANCE_LEDGER_DATA_DIR"
        case .serverPrograms: "ALLIANCE_LEDGER_PG_BINDIR"
        case .poolSize: "ALLIANCE_LEDGER_POOL_SIZE"
        case .httpHost: "ALLIANCE_LEDGER_HTTP_HOST"
        case .httpPort: "ALLIANCE_LEDGER_HTTP_PORT"
        case .metricsPort: "ALLIANCE_LEDGER_METRICS_PORT"
        case .publicBaseURL: "ALLIANCE_LEDGER_PUBLIC_BASE_URL"
        case .credentialSeconds: "ALLIANCE_LEDGER_CREDENTIAL_SECONDS"
        case .decisionSweepSeconds: "ALLIANCE_LEDGER_DECISION_SWEEP_SECONDS"
        case .idempotencyRetentionSeconds: "ALLIANCE_LEDGER_IDEMPOTENCY_RETENTION_SECONDS"
        case .readTimeoutSeconds: "ALLIANCE_LEDGER_HTTP_READ_TIMEOUT_SECONDS"
        case .idleTimeoutSeconds: "ALLIANCE_LEDGER_HTTP_IDLE_TIMEOUT_SECONDS"
        case .importsPerCaller: "ALLIANCE_LEDGER_IMPORTS_PER_CALLER"
        case .importsPerAlliance: "ALLIANCE_LEDGER_IMPORTS_PER_ALLIANCE"
        case .synchronousPublicationLimit: "ALLIANCE_LEDGER_SYNCHRONOUS_PUBLICATION_LIMIT"
        case .shutdownGraceSeconds: "ALLIANCE_LEDGER_SHUTDOWN_GRACE_SECONDS"
        case .statementTimeoutSeconds: "ALLIANCE_LEDGER_STATEMENT_TIMEOUT_SECONDS"
        case .importStatementTimeoutSeconds: "ALLIANCE_LEDGER_IMPORT_STATEMENT_TIMEOUT_SECONDS"
        case .logLevel: "ALLIANCE_LEDGER_LOG_LEVEL"
        }
    }

    var flag: String {
        switch self {
        case .databaseURL: "--database-url"
        case .databaseOwnerURL: "--database-owner-url"
        case .databaseReadURL: "--database-read-url"
        case .dataDir: "--data-dir"
        case .serverPrograms: "--pg-bindir"
        case .poolSize: "--pool-size"
        case .httpHost: "--host"
        case .httpPort: "--port"
        case .metricsPort: "--metrics-port"
        case .publicBaseURL: "--public-base-url"
        case .credentialSeconds: "--credential-seconds"
        case .decisionSweepSeconds: "--decision-sweep-seconds"
        case .idempotencyRetentionSeconds: "--idempotency-retention-seconds"
        case .readTimeoutSeconds: "--read-timeout-seconds"
        case .idleTimeoutSeconds: "--idle-timeout-seconds"
        case .importsPerCaller: "--imports-per-caller"
        case .importsPerAlliance: "--imports-per-alliance"
        case .synchronousPublicationLimit: "--synchronous-publication-limit"
        case .shutdownGraceSeconds: "--shutdown-grace-seconds"
        case .statementTimeoutSeconds: "--statement-timeout-seconds"
        case .importStatementTimeoutSeconds: "--import-statement-timeout-seconds"
        case .logLevel: "--log-level"
        }
    }

    var isSecret: Bool { [.databaseURL, .databaseOwnerURL, .databaseReadURL].contains(self) }
}

/// A value as found, with where it was found, so that errors can name their source.
struct SettingValue: Equatable, Sendable {
    let text: String
    let source: String
}

enum SettingsError: Error, Equatable, CustomStringConvertible {
    case invalidValue(source: String, value: String, expected: String)
    case unreadableFile(path: String, reason: String)
    case unknownKey(path: String, key: String)
    case conflictingDatabase(String)
    case readURLWithoutDatabaseURL(source: String)

    var description: String {
        switch self {
        case .invalidValue(let source, let value, let expected):
            "\(source) is \"\(value)\", which is not \(expected)"
        case .unreadableFile(let path, let reason):
            "cannot read the configuration file \(path): \(reason)"
        case .unknownKey(let path, let key):
            "the configuration file \(path) has an unknown setting \"\(key)\" (known settings: "
                + SettingKey.allCases.map { "\($0.fileKey.section).\($0.fileKey.name)" }
                .joined(separator: ", ") + ")"
        case .conflictingDatabase(let detail):
            "\(detail): a database URL and an embedded data directory exclude each other, so "
                + "set only one"
        case .readURLWithoutDatabaseURL(let source):
            "\(source) names a read connection, which needs a database URL too: the embedded "
                + "cluster has no standby to read from"
        }
    }
}

/// The effective configuration of one command.
///
/// Precedence, highest first: command-line flags, environment variables, the JSON file
/// (`--config`, `ALLIANCE_LEDGER_CONFIG`, or `Config/alliance-ledger.json` when present),
/// built-in defaults. The database is chosen by the highest layer that names one: a flag
/// `--data-dir` beats an exported `DATABASE_URL`, and with no URL anywhere the private
/// embedded cluster is used.
struct Settings: Equatable, Sendable {
    enum Database: Equatable, Sendable {
        case url(String)
        case embedded(dataDirectory: String)
    }

    static let defaultConfigFile = "Config/alliance-ledger.json"
    static let defaultDataDirectory = ".alliance-ledger"

    var database: Database
    /// The login that owns the schema and runs migrations, with a database URL; nil for the
    /// URL's own login (which then owns the schema, and the service runs as it with `SET ROLE`).
    /// The embedded cluster's owner is its superuser.
    var databaseOwnerURL: String?
    /// With a database URL, the connection the service's public pages and files read through,
    /// typically a standby (`target_session_attrs=prefer-standby`); nil reads them through the
    /// database URL like everything else. Authenticated reads always use the database URL, so
    /// that a finance lead sees at once what they recorded.
    var databaseReadURL: String?
    /// Where the embedded cluster's initdb and pg_ctl live; nil to search for them.
    var serverPrograms: String?
    var poolSize: Int
    var httpHost: String
    var httpPort: Int
    /// Where `/metrics` is served, on its own listener; nil (the default) serves none.
    var metricsPort: Int?
    var publicBaseURL: String
    /// How long the service trusts an authenticated token before reading it again.
    var credentialSeconds: Int
    /// How often the service closes decisions whose closing time has passed.
    var decisionSweepSeconds: Int
    /// How long the service keeps the answer to a creating request for a retry with its key.
    var idempotencyRetentionSeconds: Int
    /// The most the service waits in all for a request's body.
    var readTimeoutSeconds: Int
    /// How long a connection may go without a whole request head, or a body without a part.
    var idleTimeoutSeconds: Int
    /// Spend imports one caller, and one alliance, may have under way at once.
    var importsPerCaller: Int
    var importsPerAlliance: Int
    /// The most journal entries a statement's period may hold to be published within its
    /// request; a larger one is published in the background.
    var synchronousPublicationLimit: Int
    /// How long, after SIGTERM or SIGINT, requests under way may take to finish.
    var shutdownGraceSeconds: Int
    /// The service's `statement_timeout`, and an import's (which checks a whole file at once).
    var statementTimeoutSeconds: Int
    var importStatementTimeoutSeconds: Int
    var logLevel: Logger.Level
    /// Where each value came from, for `config show`.
    var sources: [SettingKey: String]

    static func resolve(
        flags: [SettingKey: String], environment: [String: String], configFile: String?,
        defaultConfigFile: String = Settings.defaultConfigFile
    ) throws(SettingsError) -> Settings {
        var flagLayer: [SettingKey: SettingValue] = [:]
        for (key, text) in flags { flagLayer[key] = SettingValue(text: text, source: key.flag) }
        let environmentLayer = environmentValues(environment)
        let explicitFile = configFile ?? environment["ALLIANCE_LEDGER_CONFIG"].nonEmpty
        let fileLayer = try fileValues(
            path: explicitFile ?? defaultConfigFile, required: explicitFile != nil)
        let layers = [flagLayer, environmentLayer, fileLayer]
        var sources: [SettingKey: String] = [:]
        func lookup(_ key: SettingKey, default fallback: String) -> SettingValue {
            let found = layers.lazy.compactMap { $0[key] }.first
            let value = found ?? SettingValue(text: fallback, source: "default")
            sources[key] = value.source
            return value
        }

        let database = try chooseDatabase(layers)
        let host = lookup(.httpHost, default: "127.0.0.1")
        let port = try parseInteger(
            lookup(.httpPort, default: "8080"), in: 0...65535, expected: "a port number")
        let publicBaseURL = lookup(.publicBaseURL, default: "http://\(host.text):\(port)")
        guard publicBaseURL.text.hasPrefix("http://") || publicBaseURL.text.hasPrefix("https://")
        else {
            throw .invalidValue(
                source: publicBaseURL.source, value: publicBaseURL.text,
                expected: "an http:// or https:// URL")
        }
        let level = lookup(.logLevel, default: "info")
        guard let logLevel = Logger.Level(rawValue: level.text.lowercased()) else {
            throw .invalidValue(
                source: level.source, value: level.text,
                expected: "a log level (trace, debug, info, notice, warning, error, critical)")
        }
        let poolSize = try parseInteger(
            lookup(.poolSize, default: "8"), in: 1...200, expected: "a pool size from 1 to 200")
        let credentialSeconds = try parseInteger(
            lookup(.credentialSeconds, default: "2"), in: 0...3600, expected: "seconds from 0 to 3600")
        let decisionSweepSeconds = try parseInteger(
            lookup(.decisionSweepSeconds, default: "30"), in: 1...86_400, expected: "seconds from 1 to 86400")
        // At least an hour, as the database insists; at most ten years, far beyond any retry.
        let idempotencyRetentionSeconds = try parseInteger(
            lookup(.idempotencyRetentionSeconds, default: "604800"), in: 3600...315_360_000,
            expected: "seconds from 3600 (an hour) to 315360000")
        let readTimeoutSeconds = try parseInteger(
            lookup(.readTimeoutSeconds, default: "300"), in: 1...86_400, expected: "seconds from 1 to 86400")
        let idleTimeoutSeconds = try parseInteger(
            lookup(.idleTimeoutSeconds, default: "60"), in: 1...86_400, expected: "seconds from 1 to 86400")
        let importsPerCaller = try parseInteger(
            lookup(.importsPerCaller, default: "2"), in: 1...1000, expected: "a number from 1 to 1000")
        let importsPerAlliance = try parseInteger(
            lookup(.importsPerAlliance, default: "4"), in: 1...1000, expected: "a number from 1 to 1000")
        let synchronousPublicationLimit = try parseInteger(
            lookup(.synchronousPublicationLimit, default: "20000"), in: 0...100_000_000,
            expected: "a number of entries from 0 to 100000000")
        let shutdownGraceSeconds = try parseInteger(
            lookup(.shutdownGraceSeconds, default: "30"), in: 1...3600, expected: "seconds from 1 to 3600")
        // PostgreSQL takes milliseconds up to 2^31 - 1: about 24 days.
        let statementTimeoutSeconds = try parseInteger(
            lookup(.statementTimeoutSeconds, default: "30"), in: 1...86_400,
            expected: "seconds from 1 to 86400")
        let importStatementTimeoutSeconds = try parseInteger(
            lookup(.importStatementTimeoutSeconds, default: "3600"), in: 1...86_400,
            expected: "seconds from 1 to 86400")
        let serverPrograms = layers.lazy.compactMap { $0[.serverPrograms] }.first
        let metricsPort = try layers.lazy.compactMap { $0[.metricsPort] }.first.map {
            value throws(SettingsError) in
            try parseInteger(value, in: 0...65535, expected: "a port number")
        }
        let ownerURL = layers.lazy.compactMap { $0[.databaseOwnerURL] }.first
        let readURL = layers.lazy.compactMap { $0[.databaseReadURL] }.first
        if let readURL, case .embedded = database { throw .readURLWithoutDatabaseURL(source: readURL.source) }
        for key in [
            SettingKey.databaseURL, .databaseOwnerURL, .databaseReadURL, .dataDir, .serverPrograms,
            .metricsPort,
        ] {
            sources[key] = layers.lazy.compactMap { $0[key]?.source }.first
        }
        return Settings(
            database: database, databaseOwnerURL: ownerURL?.text, databaseReadURL: readURL?.text,
            serverPrograms: serverPrograms?.text,
            poolSize: poolSize,
            httpHost: host.text, httpPort: port, metricsPort: metricsPort,
            publicBaseURL: String(publicBaseURL.text.trimmingSuffix("/")),
            credentialSeconds: credentialSeconds, decisionSweepSeconds: decisionSweepSeconds,
            idempotencyRetentionSeconds: idempotencyRetentionSeconds, readTimeoutSeconds: readTimeoutSeconds,
            idleTimeoutSeconds: idleTimeoutSeconds, importsPerCaller: importsPerCaller,
            importsPerAlliance: importsPerAlliance, synchronousPublicationLimit: synchronousPublicationLimit,
            shutdownGraceSeconds: shutdownGraceSeconds,
            statementTimeoutSeconds: statementTimeoutSeconds,
            importStatementTimeoutSeconds: importStatementTimeoutSeconds, logLevel: logLevel, sources: sources
        )
    }

    private static func chooseDatabase(
        _ layers: [[SettingKey: SettingValue]]
    ) throws(SettingsError) -> Database {
        for layer in layers {
            switch (layer[.databaseURL], layer[.dataDir]) {
            case (let url?, let directory?):
                throw .conflictingDatabase("both \(url.source) and \(directory.source) are set")
            case (let url?, nil):
                return .url(url.text)
            case (nil, let directory?):
                return .embedded(dataDirectory: directory.text)
            case (nil, nil):
                continue
            }
        }
        return .embedded(dataDirectory: defaultDataDirectory)
    }

    private static func environmentValues(_ environment: [String: String]) -> [SettingKey: SettingValue] {
        var values: [SettingKey: SettingValue] = [:]
        for key in SettingKey.allCases {
            if let text = environment[key.environmentVariable].nonEmpty {
                values[key] = SettingValue(text: text, source: key.environmentVariable)
            }
        }
        return values
    }

    /// Reads the JSON file; a missing default file is no error, an unknown key is.
    private static func fileValues(
        path: String, required: Bool
    ) throws(SettingsError) -> [SettingKey: SettingValue] {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw .unreadableFile(path: path, reason: "no such file") }
            return [:]
        }
        let document: Any
        do {
            document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .unreadableFile(path: path, reason: "it is not valid JSON")
        }
        guard let sections = document as? [String: Any] else {
            throw .unreadableFile(path: path, reason: "the top level must be an object")
        }
        var values: [SettingKey: SettingValue] = [:]
        for (sectionName, section) in sections {
            guard let settings = section as? [String: Any] else {
                throw .unknownKey(path: path, key: sectionName)
            }
            for (name, value) in settings {
                guard
                    let key = SettingKey.allCases.first(where: {
                        $0.fileKey == (sectionName, name)
                    })
                else { throw .unknownKey(path: path, key: "\(sectionName).\(name)") }
                let source = "\(path) \(sectionName).\(name)"
                switch value {
                case is NSNull: continue
                case let text as String: values[key] = SettingValue(text: text, source: source)
                case let number as NSNumber:
                    values[key] = SettingValue(text: number.stringValue, source: source)
                default:
                    throw .invalidValue(
                        source: source, value: "\(value)", expected: "a string or a number")
                }
            }
        }
        return values
    }

    private static func parseInteger(
        _ value: SettingValue, in range: ClosedRange<Int>, expected: String
    ) throws(SettingsError) -> Int {
        guard let number = Int(value.text), range.contains(number) else {
            throw .invalidValue(source: value.source, value: value.text, expected: expected)
        }
        return number
    }
}

extension Optional where Wrapped == String {
    /// Nil for a missing or empty string: an exported but empty variable means "unset".
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : Substring(self)
    }
}
