import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing
import Yams

/// docker-compose.yml parses, runs PostgreSQL 15, and points the service at it.
@Suite(.timeLimit(.perTest)) struct DockerComposeTests {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func theServiceUsesTheDatabaseService() throws {
        let text = try String(contentsOf: root.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        let database = try #require(services["database"] as? [String: Any])
        #expect((database["image"] as? String)?.hasPrefix("postgres:15") == true)
        let databaseEnvironment = try #require(database["environment"] as? [String: Any])

        let service = try #require(services["service"] as? [String: Any])
        #expect(service["build"] as? String == ".")
        let dependsOn = try #require(service["depends_on"] as? [String: Any])
        #expect(dependsOn["database"] != nil)
        let environment = try #require(service["environment"] as? [String: Any])
        // Migrations as the schema's owner, the database's superuser in this image.
        let owner = try ConnectionString(try #require(environment["DATABASE_OWNER_URL"] as? String))
        #expect(owner.options["host"] == "database")
        #expect(owner.options["user"] == databaseEnvironment["POSTGRES_USER"] as? String)
        #expect(owner.options["password"] == databaseEnvironment["POSTGRES_PASSWORD"] as? String)
        #expect(owner.options["dbname"] == databaseEnvironment["POSTGRES_DB"] as? String)
        // The service as its own login, which the database's first start creates.
        let url = try ConnectionString(try #require(environment["DATABASE_URL"] as? String))
        #expect(url.options["host"] == "database")
        #expect(url.options["user"] == Ledger.serviceLogin)
        #expect(url.options["password"] == databaseEnvironment["ALLIANCE_LEDGER_SERVICE_PASSWORD"] as? String)
        #expect(url.options["password"] != owner.options["password"])
        #expect(url.options["dbname"] == databaseEnvironment["POSTGRES_DB"] as? String)
        let volumes = try #require(database["volumes"] as? [String])
        #expect(volumes.contains("./Config/postgres-init:/docker-entrypoint-initdb.d:ro"))
        #expect(environment["ALLIANCE_LEDGER_HTTP_HOST"] as? String == "0.0.0.0")
    }

    /// The script the postgres image runs at its first start, run here against the test cluster
    /// as that image would: it makes the service's login, with the password given, and may run
    /// again.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["DATABASE_URL"].map(\.isEmpty) ?? true,
            "needs the private test cluster's psql"))
    func theDatabasesFirstStartMakesTheServicesLogin() async throws {
        let script = root.appendingPathComponent("Config/postgres-init/10-service-login.sh").path
        try await TestDatabase.with { database in
            let options = database.connectionString.options
            let psqlDirectory = try #require(
                try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted().last)
            for _ in 0..<2 {
                let result = try await CommandRunner.runProgram(
                    "/bin/sh", [script],
                    environment: [
                        "PATH": "/usr/lib/postgresql/\(psqlDirectory)/bin:/usr/bin:/bin",
                        "PGHOST": options["host"], "PGPORT": options["port"],
                        "POSTGRES_USER": options["user"], "POSTGRES_DB": options["dbname"],
                        "ALLIANCE_LEDGER_SERVICE_PASSWORD": "it's-a-secret",
                    ])
                #expect(result.status == 0, "\(result.standardError)")
            }
            let connection = try await database.connect()
            let login = try await connection.query(
                """
                SELECT r.rolsuper, r.rolinherit, r.rolcanlogin,
                       pg_has_role(r.oid, \(Ledger.serviceRole), 'MEMBER') AS member
                FROM pg_roles AS r WHERE r.rolname = \(Ledger.serviceLogin)
                """
            ).single()
            await connection.close()
            #expect(try login.decode("rolsuper", as: Bool.self) == false)
            #expect(try login.decode("rolinherit", as: Bool.self) == false)
            #expect(try login.decode("rolcanlogin", as: Bool.self) && login.decode("member", as: Bool.self))
        }
    }

    @Test func theDockerfileBuildsFromTheOfficialSwiftImage() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("FROM swift:"))
        #expect(dockerfile.contains("libpq5"))
        #expect(dockerfile.contains("--product alliance-ledger"))
    }
}
