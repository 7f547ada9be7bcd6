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
        let url = try ConnectionString(try #require(environment["DATABASE_URL"] as? String))
        #expect(url.options["host"] == "database")
        #expect(url.options["user"] == databaseEnvironment["POSTGRES_USER"] as? String)
        #expect(url.options["password"] == databaseEnvironment["POSTGRES_PASSWORD"] as? String)
        #expect(url.options["dbname"] == databaseEnvironment["POSTGRES_DB"] as? String)
        #expect(environment["ALLIANCE_LEDGER_HTTP_HOST"] as? String == "0.0.0.0")
    }

    @Test func theDockerfileBuildsFromTheOfficialSwiftImage() throws {
        let dockerfile = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("FROM swift:"))
        #expect(dockerfile.contains("libpq5"))
        #expect(dockerfile.contains("--product alliance-ledger"))
    }
}
