import Foundation
import Logging
import TestSupport
import Testing

@testable import alliance_ledger

/// Configuration: flags over environment over file over defaults, strict about every value.
@Suite(.timeLimit(.perTest)) struct SettingsTests {
    private func resolve(
        flags: [SettingKey: String] = [:], environment: [String: String] = [:], file: String? = nil
    ) throws -> Settings {
        guard let file else {
            return try Settings.resolve(
                flags: flags, environment: environment, configFile: nil,
                defaultConfigFile: "/nonexistent/alliance-ledger.json")
        }
        let path = NSTemporaryDirectory() + "settings-\(UUID().uuidString).json"
        try Data(file.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Settings.resolve(flags: flags, environment: environment, configFile: path)
    }

    @Test func defaultsSelectTheEmbeddedCluster() throws {
        let settings = try resolve()
        #expect(settings.database == .embedded(dataDirectory: ".alliance-ledger"))
        #expect(settings.httpHost == "127.0.0.1" && settings.httpPort == 8080)
        #expect(settings.publicBaseURL == "http://127.0.0.1:8080")
        #expect(settings.poolSize == 8 && settings.logLevel == .info)
        #expect(settings.sources[.httpPort] == "default")
    }

    @Test func flagsBeatEnvironmentBeatsFile() throws {
        let file = #"{"http": {"port": 9000, "host": "0.0.0.0"}, "log": {"level": "debug"}}"#
        let fromFile = try resolve(file: file)
        #expect(fromFile.httpPort == 9000 && fromFile.httpHost == "0.0.0.0" && fromFile.logLevel == .debug)
        let fromEnvironment = try resolve(environment: ["ALLIANCE_LEDGER_HTTP_PORT": "9100"], file: file)
        #expect(fromEnvironment.httpPort == 9100)
        #expect(fromEnvironment.sources[.httpPort] == "ALLIANCE_LEDGER_HTTP_PORT")
        let fromFlag = try resolve(
            flags: [.httpPort: "9200"], environment: ["ALLIANCE_LEDGER_HTTP_PORT": "9100"], file: file)
        #expect(fromFlag.httpPort == 9200 && fromFlag.sources[.httpPort] == "--port")
        #expect(fromFlag.publicBaseURL == "http://0.0.0.0:9200")
    }

    @Test func theHighestLayerNamingADatabaseChoosesIt() throws {
        let url = "postgres://ledger@db.example/ledger"
        #expect(try resolve(environment: ["DATABASE_URL": url]).database == .url(url))
        #expect(
            try resolve(flags: [.dataDir: "/tmp/x"], environment: ["DATABASE_URL": url]).database
                == .embedded(dataDirectory: "/tmp/x"))
        #expect(
            try resolve(environment: ["DATABASE_URL": url], file: #"{"database": {"dataDir": "/srv/x"}}"#)
                .database == .url(url))
        #expect(
            try resolve(environment: ["DATABASE_URL": ""]).database
                == .embedded(dataDirectory: ".alliance-ledger"))
        #expect(throws: SettingsError.self) {
            try resolve(environment: ["DATABASE_URL": url, "ALLIANCE_LEDGER_DATA_DIR": "/tmp/x"])
        }
    }

    @Test func malformedValuesNameTheirSource() throws {
        #expect(
            throws: SettingsError.invalidValue(
                source: "ALLIANCE_LEDGER_HTTP_PORT", value: "abc", expected: "a port number")
        ) {
            try resolve(environment: ["ALLIANCE_LEDGER_HTTP_PORT": "abc"])
        }
        #expect(throws: SettingsError.self) { try resolve(flags: [.httpPort: "70000"]) }
        #expect(throws: SettingsError.self) { try resolve(flags: [.poolSize: "0"]) }
        #expect(throws: SettingsError.self) { try resolve(flags: [.logLevel: "loud"]) }
        #expect(throws: SettingsError.self) { try resolve(flags: [.publicBaseURL: "ftp://x"]) }
        let unknown = #expect(throws: SettingsError.self) { try resolve(file: #"{"http": {"prot": 1}}"#) }
        #expect(unknown?.description.contains("http.prot") == true)
        #expect(throws: SettingsError.self) { try resolve(file: "{not json") }
        #expect(throws: SettingsError.self) { try resolve(file: #"{"http": {"port": [1]}}"#) }
    }

    @Test func theServiceTimingsComeFromEveryLayer() throws {
        let defaults = try resolve()
        #expect(defaults.credentialSeconds == 2 && defaults.decisionSweepSeconds == 30)
        let fromFile = try resolve(
            file: #"{"http": {"credentialSeconds": 0}, "decisions": {"sweepSeconds": 5}}"#)
        #expect(fromFile.credentialSeconds == 0 && fromFile.decisionSweepSeconds == 5)
        let fromEnvironment = try resolve(environment: ["ALLIANCE_LEDGER_DECISION_SWEEP_SECONDS": "60"])
        #expect(fromEnvironment.decisionSweepSeconds == 60)
        #expect(try resolve(flags: [.credentialSeconds: "10"]).credentialSeconds == 10)
        #expect(throws: SettingsError.self) { try resolve(flags: [.decisionSweepSeconds: "0"]) }
        #expect(throws: SettingsError.self) { try resolve(flags: [.credentialSeconds: "-1"]) }
    }

    /// Idempotent answers are kept seven days unless said otherwise, and never less than the
    /// hour the database insists on.
    @Test func theIdempotencyRetentionComesFromEveryLayerAndIsAtLeastAnHour() throws {
        #expect(try resolve().idempotencyRetentionSeconds == 604_800)
        #expect(
            try resolve(file: #"{"http": {"idempotencyRetentionSeconds": 86400}}"#)
                .idempotencyRetentionSeconds
                == 86_400)
        #expect(
            try resolve(environment: ["ALLIANCE_LEDGER_IDEMPOTENCY_RETENTION_SECONDS": "7200"])
                .idempotencyRetentionSeconds == 7200)
        #expect(
            try resolve(flags: [.idempotencyRetentionSeconds: "3600"]).idempotencyRetentionSeconds == 3600)
        let tooShort = #expect(throws: SettingsError.self) {
            try resolve(flags: [.idempotencyRetentionSeconds: "3599"])
        }
        #expect(tooShort?.description.contains("--idempotency-retention-seconds") == true)
    }

    /// The service's limits on slow clients, imports, statements and shutdown: defaults, every
    /// layer, and bounds.
    @Test func theServiceLimitsComeFromEveryLayerWithinBounds() throws {
        let defaults = try resolve()
        #expect(defaults.readTimeoutSeconds == 300 && defaults.idleTimeoutSeconds == 60)
        #expect(defaults.importsPerCaller == 2 && defaults.importsPerAlliance == 4)
        #expect(defaults.shutdownGraceSeconds == 30)
        #expect(defaults.statementTimeoutSeconds == 30 && defaults.importStatementTimeoutSeconds == 3600)
        let fromFile = try resolve(
            file: #"""
                {"http": {"readTimeoutSeconds": 20, "idleTimeoutSeconds": 5, "importsPerCaller": 1,
                          "importsPerAlliance": 3, "shutdownGraceSeconds": 12},
                 "database": {"statementTimeoutSeconds": 10, "importStatementTimeoutSeconds": 600}}
                """#)
        #expect(fromFile.readTimeoutSeconds == 20 && fromFile.idleTimeoutSeconds == 5)
        #expect(fromFile.importsPerCaller == 1 && fromFile.importsPerAlliance == 3)
        #expect(fromFile.shutdownGraceSeconds == 12)
        #expect(fromFile.statementTimeoutSeconds == 10 && fromFile.importStatementTimeoutSeconds == 600)
        let fromEnvironment = try resolve(environment: [
            "ALLIANCE_LEDGER_HTTP_READ_TIMEOUT_SECONDS": "30",
            "ALLIANCE_LEDGER_STATEMENT_TIMEOUT_SECONDS": "5",
        ])
        #expect(fromEnvironment.readTimeoutSeconds == 30 && fromEnvironment.statementTimeoutSeconds == 5)
        #expect(try resolve(flags: [.shutdownGraceSeconds: "3"]).shutdownGraceSeconds == 3)
        for key in [
            SettingKey.readTimeoutSeconds, .idleTimeoutSeconds, .importsPerCaller, .shutdownGraceSeconds,
        ] {
            let refused = #expect(throws: SettingsError.self) { try resolve(flags: [key: "0"]) }
            #expect(refused?.description.contains(key.flag) == true)
        }
        #expect(throws: SettingsError.self) { try resolve(flags: [.statementTimeoutSeconds: "86401"]) }
    }

    @Test func anExplicitConfigFileMustExist() {
        #expect(throws: SettingsError.unreadableFile(path: "/nonexistent.json", reason: "no such file")) {
            try Settings.resolve(flags: [:], environment: [:], configFile: "/nonexistent.json")
        }
        #expect(throws: SettingsError.self) {
            try Settings.resolve(
                flags: [:], environment: ["ALLIANCE_LEDGER_CONFIG": "/nonexistent.json"], configFile: nil)
        }
    }

    /// Migrations run as the schema's owner, the service as its own login: two URLs.
    @Test func theOwnersURLIsASettingOfItsOwn() throws {
        let environment = [
            "DATABASE_URL": "postgres://alliance_ledger_login:b@db/ledger",
            "DATABASE_OWNER_URL": "postgres://owner:a@db/ledger",
        ]
        let settings = try Settings.resolve(flags: [:], environment: environment, configFile: nil)
        #expect(settings.database == .url("postgres://alliance_ledger_login:b@db/ledger"))
        #expect(settings.databaseOwnerURL == "postgres://owner:a@db/ledger")
        #expect(settings.sources[.databaseOwnerURL] == "DATABASE_OWNER_URL")
        #expect(SettingKey.databaseOwnerURL.isSecret)
        let flagged = try Settings.resolve(
            flags: [.databaseOwnerURL: "postgres://other:c@db/ledger"], environment: environment,
            configFile: nil)
        #expect(flagged.databaseOwnerURL == "postgres://other:c@db/ledger")
        let without = try Settings.resolve(
            flags: [:], environment: ["DATABASE_URL": "postgres://u:p@db/ledger"], configFile: nil)
        #expect(without.databaseOwnerURL == nil)
    }

    /// The public pages may read through a standby: a connection of their own, secret like the
    /// others, and refused beside the embedded cluster, which has no standby.
    @Test func theReadURLIsASettingOfItsOwnAndNeedsADatabaseURL() throws {
        let environment = [
            "DATABASE_URL": "host=a,b dbname=ledger target_session_attrs=read-write",
            "DATABASE_READ_URL": "host=b,a dbname=ledger target_session_attrs=prefer-standby",
        ]
        let settings = try Settings.resolve(flags: [:], environment: environment, configFile: nil)
        #expect(settings.databaseReadURL == "host=b,a dbname=ledger target_session_attrs=prefer-standby")
        #expect(settings.sources[.databaseReadURL] == "DATABASE_READ_URL")
        #expect(SettingKey.databaseReadURL.isSecret)
        let flagged = try Settings.resolve(
            flags: [.databaseReadURL: "host=c dbname=ledger"], environment: environment, configFile: nil)
        #expect(flagged.databaseReadURL == "host=c dbname=ledger")
        let without = try Settings.resolve(
            flags: [:], environment: ["DATABASE_URL": "postgres://u:p@db/ledger"], configFile: nil)
        #expect(without.databaseReadURL == nil)
        #expect(throws: SettingsError.readURLWithoutDatabaseURL(source: "DATABASE_READ_URL")) {
            try Settings.resolve(
                flags: [:], environment: ["DATABASE_READ_URL": "host=b dbname=ledger"], configFile: nil)
        }
    }

    @Test func theShippedConfigurationFilesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for name in ["alliance-ledger.json", "alliance-ledger.example.json"] {
            let path = root.appendingPathComponent("Config").appendingPathComponent(name).path
            _ = try Settings.resolve(flags: [:], environment: [:], configFile: path)
        }
    }
}

/// Tables and CSV as the commands print them.
@Suite(.timeLimit(.perTest)) struct OutputTests {
    @Test func tablesAlignAndCSVQuotes() {
        let table = TextTable(
            columns: ["version", "name"], rows: [["1", "short"], ["10", "a, \"quoted\" name"]])
        #expect(table.renderTable() == "VERSION  NAME\n1        short\n10       a, \"quoted\" name\n")
        #expect(table.renderCSV() == "version,name\r\n1,short\r\n10,\"a, \"\"quoted\"\" name\"\r\n")
    }

    /// Numbers are right-aligned with their digits grouped for people, and plain in CSV, whose
    /// header is snake_case.
    @Test func numberColumnsAlignRightAndGroupTheirDigits() {
        let table = TextTable(
            columns: ["partner", .number("amount"), .number("share"), "joined on"],
            rows: [
                ["slam", "1234567.89", "12.5%", "2025-04-01"], ["lambeth", "-5.00", "100%", ""],
                ["total", "", "", ""],
            ])
        #expect(
            table.renderTable()
                == "PARTNER        AMOUNT  SHARE  JOINED ON\n" + "slam     1,234,567.89  12.5%  2025-04-01\n"
                + "lambeth         -5.00   100%\n" + "total\n")
        #expect(
            table.renderCSV()
                == "partner,amount,share,joined_on\r\nslam,1234567.89,12.5%,2025-04-01\r\nlambeth,-5.00,100%,\r\ntotal,,,\r\n"
        )
        #expect(TextTable.grouped("1000") == "1,000" && TextTable.grouped("+999") == "+999")
        #expect(TextTable.grouped("FY2025") == "FY2025" && TextTable.grouped("1.2.3") == "1.2.3")
    }

    @Test func spreadsheetFormulasAreDefused() {
        #expect(TextTable.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(TextTable.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(TextTable.csvField("-1234.56") == "-1234.56")
        #expect(TextTable.csvField("+44 20") == "'+44 20")
    }
}
