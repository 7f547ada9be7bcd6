import AllianceLedger
import EmbeddedPostgres
import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built binary, run as a user runs it: help everywhere, exit codes, one clear line per
/// failure, and the embedded cluster's whole life cycle.
@Suite(.timeLimit(.perTest)) struct CommandLineTests {
    static let commands = [
        [], ["db"], ["db", "migrate"], ["db", "status"], ["db", "stop"], ["db", "backup"], ["db", "restore"],
        ["serve"], ["config"],
        ["config", "show"], ["alliance", "create"], ["alliance", "list"], ["alliance", "show"],
        ["partner", "add"],
        ["partner", "list"], ["budget-line", "add"], ["budget-line", "list"], ["line", "add"],
        ["line", "list"],
        ["person", "add"], ["person", "list"],
        ["person", "roles"], ["person", "remove"], ["token", "issue"], ["token", "list"],
        ["token", "revoke"],
        ["spend", "record"], ["spend", "list"], ["spend", "show"],
        ["spend", "reverse"], ["budget", "show"], ["budget", "history"], ["decision"],
        ["decision", "propose"],
        ["decision", "vote"], ["decision", "withdraw"], ["decision", "show"], ["decision", "list"],
        ["audit"], ["audit", "list"], ["audit", "verify"],
    ]

    @Test(arguments: commands)
    func everyCommandHasHelp(command: [String]) async throws {
        let result = try await CommandRunner.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("USAGE: alliance-ledger"))
    }

    @Test func dataCommandsOfferEveryFormat() async throws {
        for command in [["db", "migrate"], ["db", "status"], ["config", "show"]] {
            let help = try await CommandRunner.run(command + ["--help"]).standardOutput
            #expect(help.contains("--format"), "\(command) has no --format")
            #expect(help.contains("--data-dir"), "\(command) has no --data-dir")
        }
    }

    @Test func versionAndUsageErrors() async throws {
        #expect(
            try await CommandRunner.run(["--version"]).standardOutput.contains(AllianceLedgerVersion.current))
        let unknown = try await CommandRunner.run(["ledger", "explode"])
        #expect(unknown.status == 2)
        #expect(unknown.standardError.contains("Error"))
        let badOption = try await CommandRunner.run(["db", "status", "--colour", "red"])
        #expect(badOption.status == 2)
        let badFormat = try await CommandRunner.run(["db", "status", "--format", "xml"])
        #expect(badFormat.status == 2)
    }

    @Test func theEmbeddedClusterFromFirstRunToStop() async throws {
        try await withScratchDataDirectory { path in
            let status = try await CommandRunner.run(["db", "status", "--data-dir", path, "--format", "json"])
            #expect(status.status == 0, "\(status.standardError)")
            let report =
                try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any]
            let migrations = try SchemaMigrator.allianceLedger().migrations
            #expect(report?["pending"] as? Int == migrations.count)
            #expect((report?["database"] as? [String: Any])?["kind"] as? String == "embedded")

            let migrate = try await CommandRunner.run([
                "db", "migrate", "--data-dir", path, "--format", "csv",
            ])
            #expect(migrate.status == 0, "\(migrate.standardError)")
            #expect(migrate.standardOutput.hasPrefix("version,name,state,applied_at\r\n"))
            #expect(migrate.standardOutput.components(separatedBy: ",applied,").count == migrations.count + 1)
            #expect(migrate.messages.contains { $0.contains("applied \(migrations.count) migration") })

            let again = try await CommandRunner.run(["db", "migrate", "--data-dir", path])
            #expect(again.messages.contains { $0.contains("applied 0 migrations") })

            // The service logs in as a role of its own, never as the cluster's superuser.
            let cluster = EmbeddedPostgres(dataDirectory: path, logger: TestCluster.logger)
            let connection = try await PostgresConnection.connect(
                PostgresConnectionConfiguration(
                    connectionString: try ConnectionString(try cluster.connectionString()),
                    logger: TestCluster.logger))
            let login = try await connection.query(
                """
                SELECT r.rolsuper, r.rolcanlogin, pg_has_role(r.oid, 'alliance_ledger_service', 'MEMBER') AS member
                FROM pg_roles AS r WHERE r.rolname = 'alliance_ledger_login'
                """
            ).single()
            await connection.close()
            #expect(try login.decode("rolsuper", as: Bool.self) == false)
            #expect(try login.decode("rolcanlogin", as: Bool.self) && login.decode("member", as: Bool.self))

            let stop = try await CommandRunner.run(["db", "stop", "--data-dir", path])
            #expect(stop.status == 0)
            #expect(stop.messages.contains { $0.contains("stopped the PostgreSQL server") })
            let stopAgain = try await CommandRunner.run(["db", "stop", "--data-dir", path])
            #expect(stopAgain.messages.contains { $0.contains("is not running") })

            // The data survives a stop: the next command restarts the cluster and finds it.
            let restarted = try await CommandRunner.run(
                ["db", "status", "--data-dir", path], environment: ["ALLIANCE_LEDGER_DATA_DIR": nil])
            #expect(restarted.status == 0)
            #expect(restarted.standardOutput.contains("applied"))
            #expect(!restarted.standardOutput.contains("pending"))
        }
    }

    @Test func aConfiguredServerIsUsed() async throws {
        try await TestDatabase.with { database in
            let result = try await CommandRunner.run(
                ["db", "status", "--format", "json"],
                environment: ["DATABASE_URL": database.connectionString.rawValue])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("\"kind\" : \"server\""))
            #expect(result.standardOutput.contains("\"pending\" : 0"))
            let stop = try await CommandRunner.run(
                ["db", "stop"], environment: ["DATABASE_URL": database.connectionString.rawValue])
            #expect(stop.status == 2)
            #expect(stop.messages.contains { $0.contains("stops only the embedded cluster") })
        }
    }

    /// A server deployment: migrations as the schema's owner, the work as the service's login.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["DATABASE_URL"].map(\.isEmpty) ?? true,
            "the login has no password: it needs the private test cluster, which trusts local connections"))
    func theServiceLogsInAsItsOwnLoginAndMigratesAsTheOwner() async throws {
        try await TestDatabase.with { database in
            let admin = try await database.connect()
            try await Ledger.createServiceLogin(on: admin)
            await admin.close()
            let environment: [String: String?] = [
                "DATABASE_URL": try database.connectionString.setting("user", to: Ledger.serviceLogin)
                    .rawValue,
                "DATABASE_OWNER_URL": database.connectionString.rawValue,
            ]
            let migrate = try await CommandRunner.run(["db", "migrate"], environment: environment)
            #expect(migrate.status == 0, "\(migrate.standardError)")
            let created = try await CommandRunner.run(
                ["alliance", "create", "--slug", "lambeth", "--name", "Lambeth"], environment: environment)
            #expect(created.status == 0, "\(created.standardError)")
            let shown = try await CommandRunner.run(["config", "show"], environment: environment)
            #expect(shown.standardOutput.contains("database.ownerUrl"), "\(shown.standardOutput)")
            #expect(shown.standardOutput.contains("DATABASE_OWNER_URL"))
        }
    }

    @Test func anUnreachableServerIsOneClearLine() async throws {
        let result = try await CommandRunner.run([
            "db", "status", "--database-url", "host=/nonexistent-alliance-ledger dbname=x",
        ])
        #expect(result.status == 1)
        #expect(result.messages.count == 1)
        #expect(result.messages.first?.contains("cannot connect to PostgreSQL") == true)
        #expect(result.messages.first?.contains("DATABASE_URL") == true)
        #expect(result.standardOutput.isEmpty)
    }

    @Test func aWrongPasswordIsOneClearLine() async throws {
        guard try await TestCluster.shared.embeddedCluster() != nil else { return }  // needs our pg_hba
        let admin = try await TestCluster.shared.adminConnectionString()
        let url = try admin.setting("user", to: TestCluster.passwordRole).setting("password", to: "wrong")
            .rawValue
        let result = try await CommandRunner.run(["db", "status"], environment: ["DATABASE_URL": url])
        #expect(result.status == 1)
        #expect(result.messages.count == 1)
        #expect(result.messages.first?.contains("password authentication failed") == true)
        #expect(result.messages.first?.contains("check the user name and password") == true)
        #expect(result.standardError.contains("wrong") == false)
    }

    @Test func aMalformedURLIsInvalidConfiguration() async throws {
        let result = try await CommandRunner.run([
            "db", "status", "--database-url", "host=/tmp bogus_option=1",
        ])
        #expect(result.status == 1)
        #expect(result.messages.first?.contains("invalid connection string") == true)
    }

    @Test func badConfigurationExitsWithFive() async throws {
        let port = try await CommandRunner.run(
            ["config", "show"], environment: ["ALLIANCE_LEDGER_HTTP_PORT": "abc"])
        #expect(port.status == 5)
        #expect(
            port.messages == [
                "alliance-ledger: error: ALLIANCE_LEDGER_HTTP_PORT is \"abc\", which is not a port number"
            ])
        let missing = try await CommandRunner.run([
            "config", "show", "--config", "/nonexistent/alliance.json",
        ])
        #expect(missing.status == 5)
        let shown = try await CommandRunner.run(
            ["config", "show", "--format", "json"],
            environment: ["DATABASE_URL": "postgres://alice:sekrit@db.example:5432/ledger"])
        #expect(shown.status == 0)
        #expect(shown.standardOutput.contains("db.example"))
        #expect(!shown.standardOutput.contains("sekrit"))
    }

    /// A token is a secret: commands in an alliance take it by flag or environment, and nothing
    /// prints it, `config show` included.
    @Test func theTokenIsTakenButNeverShown() async throws {
        for command in [
            ["spend", "record"], ["decision", "vote"], ["journal", "list"], ["audit", "list"],
        ] {
            let help = try await CommandRunner.run(command + ["--help"]).standardOutput
            #expect(help.contains("--token <token>"), "\(command) has no --token")
            #expect(help.contains("ALLIANCE_LEDGER_TOKEN"), "\(command)")
        }
        let secret = "alt_" + String(repeating: "s", count: 43)
        let shown = try await CommandRunner.run(
            ["config", "show", "--format", "json"], environment: ["ALLIANCE_LEDGER_TOKEN": secret])
        #expect(shown.status == 0, "\(shown.standardError)")
        #expect(!shown.standardOutput.contains(secret) && !shown.standardError.contains(secret))
    }

    @Test func missingServerProgramsNameThePackage() async throws {
        try await withScratchDataDirectory { path in
            let result = try await CommandRunner.run([
                "db", "status", "--data-dir", path, "--pg-bindir", "/nonexistent/bin",
            ])
            #expect(result.status == 1)
            #expect(result.messages.count == 1)
            #expect(result.messages.first?.contains("apt-get install postgresql") == true)
        }
    }

    /// Only root can give a directory to one user and then run the tool as another.
    @Test(.enabled(if: geteuid() == 0, "needs root to act as two other users"))
    func aDataDirectoryOwnedBySomeoneElseIsRefused() async throws {
        try await withScratchDataDirectory { path in
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            let postgres = try #require(getpwnam("postgres"))
            #expect(chown(path, postgres.pointee.pw_uid, postgres.pointee.pw_gid) == 0)
            let result = try await CommandRunner.run(
                ["db", "status", "--data-dir", path], prefix: ["/usr/sbin/runuser", "-u", "nobody", "--"],
                workingDirectory: "/tmp")
            #expect(result.status == 1, "\(result.standardError)")
            #expect(
                result.messages == [
                    "alliance-ledger: error: the data directory \(path) belongs to user postgres, not nobody: run as postgres, or choose another --data-dir"
                ])
            #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
        }
    }

    /// As an ordinary user, the embedded cluster's data directory and, for a path too long for
    /// a socket, its socket directory are that user's alone; a stop removes the socket directory.
    @Test(.enabled(if: geteuid() == 0, "needs root to act as another user"))
    func anOrdinaryUsersClusterIsClosedToOthers() async throws {
        try await withScratchDataDirectory(suffix: "-" + String(repeating: "deep", count: 20)) { path in
            let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
            let asNobody = ["/usr/sbin/runuser", "-u", "nobody", "--"]
            let status = try await CommandRunner.run(
                ["db", "status", "--data-dir", path], prefix: asNobody, workingDirectory: "/tmp")
            #expect(status.status == 0, "\(status.standardError)")
            let pid = try String(contentsOfFile: path + "/pgdata/postmaster.pid", encoding: .utf8)
            let socketDirectory = String(pid.split(separator: "\n", omittingEmptySubsequences: false)[4])
            #expect(socketDirectory.hasPrefix("/tmp/alliance-ledger-socket-"))
            for directory in [path, socketDirectory] {
                let attributes = try FileManager.default.attributesOfItem(atPath: directory)
                #expect((attributes[.ownerAccountID] as? NSNumber)?.uint32Value == nobody, "\(directory)")
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700, "\(directory)")
            }
            let stop = try await CommandRunner.run(
                ["db", "stop", "--data-dir", path], prefix: asNobody, workingDirectory: "/tmp")
            #expect(stop.status == 0, "\(stop.standardError)")
            #expect(!FileManager.default.fileExists(atPath: socketDirectory))
        }
    }

    /// A command that hangs must not hold up the run: cancelling its test, which is what a
    /// time limit does, kills it.
    @Test func aCommandStillRunningWhenItsTestIsCancelledIsKilled() async throws {
        let started = ContinuousClock.now
        let command = Task {
            try await CommandRunner.run([], prefix: ["/bin/sh", "-c", "exec sleep 600", "sh"])
        }
        try await Task.sleep(for: .milliseconds(300))
        command.cancel()
        let result = try await command.value
        #expect(result.status != 0)
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    /// SIGTERM while an import's file is still arriving: the service stops accepting
    /// connections at once, takes the rest of the file, imports it, answers, and exits 0.
    @Test func serveFinishesAnImportStillArrivingOnSIGTERM() async throws {
        try await TestDatabase.with { database in
            let url = database.connectionString.rawValue
            let loaded = try await CommandRunner.run(
                ["demo", "--tokens"], environment: ["DATABASE_URL": url])
            #expect(loaded.status == 0, "\(loaded.standardError)")
            let lines: [[Substring]] = loaded.standardOutput.split(separator: "\n").map {
                $0.split(separator: " ")
            }
            let trust = lines.first { $0.count == 2 && $0[0] == "finance@kestrelford-trust.example.org" }
            let token = String(try #require(trust?[1]))
            let service = try await ServiceProcess(["--database-url", url, "--shutdown-grace-seconds", "20"])
            let port = service.port
            let rows = (0..<10).map { "2025-05-14,kestrelford-trust,STAFF,1.00,Late,Acme,TERM-\($0)\n" }
            let body = "date,partner,budget_line,amount,description,supplier,reference\n" + rows.joined()
            let connection = try HTTPConnection(port: port, timeout: .seconds(30))
            try connection.write(
                HTTPConnection.head(
                    "POST", "/v1/alliances/kestrelford-mental-health/spend/imports", port: port,
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/csv")],
                    bodyLength: body.utf8.count))
            let half = body.utf8.count / 2
            try connection.write(Array(body.utf8.prefix(half)))
            try await Task.sleep(for: .milliseconds(300))
            kill(service.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            #expect(throws: HTTPConnection.Failure.self) {
                try HTTPConnection(port: port, timeout: .seconds(2))
            }
            let answer = try await runBlocking {
                try connection.write(Array(body.utf8.dropFirst(half)))
                return try connection.readAnswer()
            }
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.body.contains("\"recorded\":10"), "\(answer.body)")
            #expect(try await service.waitForExit() == 0, "\(service.log)")
        }
    }

    @Test func serveAnswersHealthAndReadinessAndStopsOnSIGTERM() async throws {
        try await TestDatabase.with { database in
            let service = try await ServiceProcess([
                "--database-url", database.connectionString.rawValue, "--metrics-port", "0",
            ])
            let health = try await HTTPProbe.request(port: service.port, path: "/healthz")
            #expect(health.status == 200)
            #expect(health.body.contains("\"status\":\"ok\""))
            let ready = try await HTTPProbe.request(port: service.port, path: "/readyz")
            #expect(ready.status == 200)
            #expect(try await HTTPProbe.request(port: service.port, path: "/metrics").status == 404)
            // The metrics listener says where it is once it listens.
            var metricsPort: Int?
            for _ in 0..<200 where metricsPort == nil {
                if let range = service.log.range(
                    of: #"metrics\.address=http://127\.0\.0\.1:\d+"#, options: .regularExpression)
                {
                    metricsPort = Int(service.log[range].split(separator: ":").last ?? "")
                } else {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            let metrics = try await HTTPProbe.request(port: try #require(metricsPort), path: "/metrics")
            #expect(metrics.status == 200 && metrics.body.contains("alliance_ledger_http_requests_total"))
            #expect(try await service.stop(with: SIGTERM) == 0)
        }
    }
}
