import AllianceLedger
import Foundation
import Postgres
import TestSupport
import Testing

/// The operator's commands, run as the operator runs them: set up an alliance, record and
/// correct spend, with every failure's exit code.
@Suite(.timeLimit(.perTest)) struct DirectoryCommandTests {
    @Test func anOperatorSetsUpAnAllianceAndRecordsSpend() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            func run(_ arguments: [String]) async throws -> CommandRunner.Result {
                try await CommandRunner.run(arguments, environment: environment)
            }
            func succeed(_ arguments: [String]) async throws -> String {
                let result = try await run(arguments)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                return result.standardOutput
            }
            let alliance = ["--alliance", "lambeth"]
            _ = try await succeed([
                "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                "--contract-start",
                "2025-04-01", "--contract-end", "2030-03-31",
            ])
            for (slug, kind) in [("slam", "nhs-provider"), ("certitude", "vcse")] {
                _ = try await succeed(
                    ["partner", "add"] + alliance + ["--slug", slug, "--name", slug, "--kind", kind])
            }
            _ = try await succeed(["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"])
            let person = try await succeed(
                ["person", "add"] + alliance + [
                    "--name", "Ada", "--email", "ada@slam.nhs.uk", "--partner", "slam", "--role", "finance",
                    "--role",
                    "board", "--format", "json",
                ])
            let personID = try #require(
                (try JSONSerialization.jsonObject(with: Data(person.utf8)) as? [String: Any])?["id"] as? Int64
            )
            #expect(person.contains(#""roles" : ["#))

            let operatorToken = try await run(["token", "issue", "--operator", "--format", "csv"])
            #expect(operatorToken.status == 0)
            #expect(operatorToken.standardOutput.hasPrefix("token\r\nalt_"))
            #expect(operatorToken.messages.contains { $0.contains("cannot be shown again") })
            let personToken = try await run(["token", "issue"] + alliance + ["--person", String(personID)])
            #expect(personToken.status == 0, "\(personToken.standardError)")

            let recorded = try await succeed(
                ["spend", "record"] + alliance + [
                    "--partner", "slam", "--line", "STAFF", "--amount", "1234.56", "--incurred-on",
                    "2025-05-14",
                    "--description", "agency nurses", "--supplier", "Acme", "--reference", "INV-1",
                    "--format",
                    "json",
                ])
            let spend = try #require(
                try JSONSerialization.jsonObject(with: Data(recorded.utf8)) as? [String: Any])
            #expect(spend["amount"] as? Int64 == 123_456)
            #expect(spend["recordedBy"] as? String == "operator")
            #expect((spend["hash"] as? String)?.count == 64)
            let id = try #require(spend["id"] as? Int64)

            let listed = try await succeed(
                ["spend", "list"] + alliance + ["--partner", "slam", "--format", "csv"])
            #expect(listed.contains("2025-05-14,slam,STAFF,1234.56,agency nurses,Acme,INV-1,"))
            _ = try await succeed(
                ["spend", "reverse", String(id)] + alliance + ["--reason", "duplicate invoice"])
            #expect(try await succeed(["spend", "show", String(id)] + alliance).contains("by 2"))
            let balances = try await succeed(["balance"] + alliance + ["--format", "csv"])
            #expect(balances.contains("partner:slam:cost:STAFF,expense,0.00,"))
            #expect(try await succeed(["partner", "list"] + alliance).contains("certitude"))
            #expect(try await succeed(["alliance", "list", "--format", "json"]).contains("\"lambeth\""))

            let failures: [([String], Int32)] = [
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "1", "--incurred-on",
                        "2025-05-14",
                        "--description", "x", "--supplier-type", "person",
                    ], 2  // A supplier type is typed: one that does not parse is a usage error.
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "1", "--incurred-on",
                        "2025-05-14",
                        "--description", "x", "--expense-type-label", "Agency staff",
                    ], 5
                ),
                (["alliance", "create", "--slug", "lambeth", "--name", "Again"], 4),
                (["alliance", "create", "--slug", "Bad Slug", "--name", "x"], 5),
                (["partner", "add"] + alliance + ["--slug", "x", "--name", "x", "--kind", "charity"], 2),
                (
                    [
                        "partner", "add", "--alliance", "nowhere", "--slug", "x", "--name", "x", "--kind",
                        "vcse",
                    ], 3
                ),
                (
                    ["person", "add"] + alliance + [
                        "--name", "B", "--email", "b@x.org", "--partner", "nobody", "--role", "board",
                    ], 3
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "12.345", "--incurred-on",
                        "2025-05-14",
                        "--description", "x",
                    ], 5
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "0", "--incurred-on",
                        "2025-05-14",
                        "--description", "x",
                    ], 5
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount=-12", "--incurred-on",
                        "2025-05-14",
                        "--description", "x",
                    ], 5
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "12", "--irrecoverable-vat=-1",
                        "--incurred-on", "2025-05-14",
                        "--description", "x",
                    ], 5
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "PEER", "--amount", "12", "--incurred-on",
                        "2025-05-14",
                        "--description", "x",
                    ], 3
                ),
                (
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "12", "--incurred-on",
                        "2031-01-01",
                        "--description", "x",
                    ], 5
                ),
                (["spend", "reverse", String(id)] + alliance + ["--reason", "again"], 4),
                (["spend", "show", "99"] + alliance, 3),
                (["token", "issue", "--operator", "--person", "1"], 2),
                (["token", "revoke", "99"] + alliance, 3),
            ]
            for (arguments, status) in failures {
                let result = try await run(arguments)
                #expect(result.status == status, "\(arguments): \(result.standardError)")
                #expect(!result.messages.isEmpty, "\(arguments) said nothing")
            }
            let journal = try await succeed(["journal", "verify"] + alliance + ["--format", "json"])
            #expect(journal.contains(#""entries" : 2"#))
            // The optional fields of the transparency files.
            let classified =
                try JSONSerialization.jsonObject(
                    with: Data(
                        try await succeed(
                            ["spend", "record"] + alliance + [
                                "--partner", "slam", "--line", "STAFF", "--amount", "600", "--incurred-on",
                                "2025-05-15", "--description", "peer support", "--supplier", "Jo Bloggs",
                                "--reference", "INV-2", "--expense-type", "5201", "--expense-type-label",
                                "Agency staff", "--supplier-type", "individual", "--irrecoverable-vat",
                                "12.34",
                                "--format", "json",
                            ]
                        ).utf8)) as? [String: Any]
            #expect(classified?["supplierType"] as? String == "individual")
            #expect(
                classified?["irrecoverableVat"] as? Int64 == 1234
                    && classified?["supplierId"] as? String == "")
            #expect(
                classified?["expenseType"] as? [String: String] == ["code": "5201", "label": "Agency staff"])
        }
    }
}
