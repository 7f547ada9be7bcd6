import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A leaked token, whoever's, is found by its id and revoked from the command line; ids, never
/// secrets, are what the listings show.
@Suite(.timeLimit(.perTest)) struct TokenCommandTests {
    struct Tool: DatabaseTool {
        let environment: [String: String?]
        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments, environment: environment)
        }
    }

    @Test func tokensAreIssuedListedAndRevokedByID() async throws {
        try await TestDatabase.with { database in
            let tool = Tool(environment: ["DATABASE_URL": database.connectionString.rawValue])
            let alliance = ["--alliance", "lambeth"]
            _ = try await tool.succeed([
                "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                "--contract-start", "2025-04-01", "--contract-end", "2030-03-31",
            ])
            _ = try await tool.succeed(
                ["partner", "add"] + alliance + [
                    "--slug", "slam", "--name", "SLaM", "--kind", "nhs-provider",
                ])
            let ada = try #require(
                try await tool.json(
                    ["person", "add"] + alliance + [
                        "--name", "Ada", "--email", "ada@slam.nhs.uk", "--partner", "slam", "--role", "admin",
                    ])["id"] as? Int)

            // Issuing prints the id: on standard error, and in the JSON.
            let issued = try await tool.run(["token", "issue", "--operator", "--format", "json"])
            #expect(issued.status == 0, "\(issued.standardError)")
            let operatorToken = try #require(
                try JSONSerialization.jsonObject(with: Data(issued.standardOutput.utf8)) as? [String: Any])
            let operatorID = try #require(operatorToken["id"] as? Int)
            #expect(issued.messages.contains("issued operator token \(operatorID)"))
            let personToken = try await tool.json(
                ["token", "issue"] + alliance + [
                    "--person", String(ada), "--expires", "2099-01-01T00:00:00Z",
                ])
            let personTokenID = try #require(personToken["id"] as? Int)
            let adaToken = try #require(personToken["token"] as? String)

            let operators = try await tool.succeed(["token", "list", "--format", "csv"])
            let lines = operators.split(separator: "\r\n").map(String.init)
            #expect(lines.first == "id,owner,created,expires,last_used,revoked")
            #expect(lines.count == 2 && lines[1].hasPrefix("\(operatorID),operator,"), "\(operators)")
            // A command with a token is one use of it, noted as the command ends.
            let own = try await tool.succeed(
                ["token", "list"] + alliance + ["--token", adaToken, "--format", "csv"])
            let row = try #require(own.split(separator: "\r\n").last).split(
                separator: ",", omittingEmptySubsequences: false)
            #expect(row[0] == "\(personTokenID)" && row[1] == "ada@slam.nhs.uk", "\(own)")
            #expect(row[3] == "2099-01-01T00:00:00.000000Z" && !row[4].isEmpty && row[5].isEmpty, "\(own)")
            for listing in [operators, own] { #expect(!listing.contains("alt_"), "never a secret") }

            // No --alliance needed, for an operator token or a person's.
            for id in [operatorID, personTokenID] {
                let revoked = try await tool.run(["token", "revoke", String(id)])
                #expect(revoked.status == 0, "\(revoked.standardError)")
            }
            let after = try await tool.succeed(["token", "list"] + alliance + ["--format", "csv"])
            #expect(try #require(after.split(separator: "\r\n").last).hasSuffix("Z"), "revoked: \(after)")
            let refused = try await tool.run(["token", "list"] + alliance + ["--token", adaToken])
            #expect(refused.status == 1 && refused.standardError.contains("unknown or revoked"))

            let failures: [([String], Int32, String)] = [
                (["token", "issue", "--operator", "--expires", "2000-01-01T00:00:00Z"], 5, "expiresAt"),
                (["token", "issue", "--operator", "--expires", "soon"], 2, "--expires"),
                (["token", "revoke", "999"], 3, "token 999"),
            ]
            for (arguments, status, message) in failures {
                let result = try await tool.run(arguments)
                #expect(result.status == status, "\(arguments): \(result.standardError)")
                #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            }
        }
    }

    /// The service notes uses in memory and writes them once a minute; a graceful stop writes
    /// what is left.
    @Test func theServiceWritesLastUsesAsItStops() async throws {
        try await TestDatabase.with { database in
            let url = database.connectionString.rawValue
            let issued = try await CommandRunner.run(
                ["token", "issue", "--operator", "--format", "json"], environment: ["DATABASE_URL": url])
            let fields = try #require(
                try JSONSerialization.jsonObject(with: Data(issued.standardOutput.utf8)) as? [String: Any])
            let token = try #require(fields["token"] as? String)
            let id = try #require(fields["id"] as? Int)
            func lastUsed() async throws -> Date? {
                try await database.pool.withConnection { connection in
                    try await connection.query("SELECT last_used_at FROM api_tokens WHERE id = \(Int64(id))")
                        .single().decode("last_used_at", as: Date?.self)
                }
            }
            let service = try await ServiceProcess(["--database-url", url])
            let listed = try await HTTPProbe.request(
                port: service.port, path: "/v1/tokens", headers: ["Authorization": "Bearer \(token)"])
            #expect(listed.status == 200)
            #expect(try await lastUsed() == nil, "noted, not yet written")
            #expect(try await service.stop(with: SIGTERM) == 0)
            #expect(try await lastUsed() != nil, "written as the service stopped")
        }
    }
}
