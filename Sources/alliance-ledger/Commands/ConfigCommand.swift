import ArgumentParser
import Logging
import Postgres

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the effective configuration.",
        subcommands: [ConfigShowCommand.self])
}

struct ConfigShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every setting, its value and where the value came from.",
        discussion: "The database URL is shown without its password.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        let setting: String
        let value: String
        let source: String
        let environmentVariable: String
    }

    func run() async throws {
        let settings = try global.settings()
        let entries = SettingKey.allCases.map { key in
            Entry(
                setting: "\(key.fileKey.section).\(key.fileKey.name)",
                value: displayValue(key, settings),
                source: settings.sources[key] ?? "unset",
                environmentVariable: key.environmentVariable)
        }
        try output.emit(
            table: TextTable(
                columns: ["setting", "value", "source", "environment variable"],
                rows: entries.map { [$0.setting, $0.value, $0.source, $0.environmentVariable] }),
            json: entries)
    }

    private func withoutSecrets(_ url: String) -> String {
        (try? ConnectionString(url)).map { "\($0) (password not shown)" } ?? "(malformed)"
    }

    private func displayValue(_ key: SettingKey, _ settings: Settings) -> String {
        switch key {
        case .databaseURL:
            guard case .url(let url) = settings.database else { return "" }
            return withoutSecrets(url)
        case .databaseOwnerURL:
            guard case .url = settings.database, let url = settings.databaseOwnerURL else { return "" }
            return withoutSecrets(url)
        case .databaseReadURL:
            guard let url = settings.databaseReadURL else { return "" }
            return withoutSecrets(url)
        case .dataDir:
            guard case .embedded(let directory) = settings.database else { return "" }
            return directory
        case .serverPrograms: return settings.serverPrograms ?? "(searched)"
        case .poolSize: return String(settings.poolSize)
        case .httpHost: return settings.httpHost
        case .httpPort: return String(settings.httpPort)
        case .metricsPort: return settings.metricsPort.map(String.init) ?? "(off)"
        case .publicBaseURL: return settings.publicBaseURL
        case .credentialSeconds: return String(settings.credentialSeconds)
        case .decisionSweepSeconds: return String(settings.decisionSweepSeconds)
        case .idempotencyRetentionSeconds: return String(settings.idempotencyRetentionSeconds)
        case .readTimeoutSeconds: return String(settings.readTimeoutSeconds)
        case .idleTimeoutSeconds: return String(settings.idleTimeoutSeconds)
        case .importsPerCaller: return String(settings.importsPerCaller)
        case .importsPerAlliance: return String(settings.importsPerAlliance)
        case .synchronousPublicationLimit: return String(settings.synchronousPublicationLimit)
        case .shutdownGraceSeconds: return String(settings.shutdownGraceSeconds)
        case .statementTimeoutSeconds: return String(settings.statementTimeoutSeconds)
        case .importStatementTimeoutSeconds: return String(settings.importStatementTimeoutSeconds)
        case .logLevel: return settings.logLevel.rawValue
        }
    }
}
