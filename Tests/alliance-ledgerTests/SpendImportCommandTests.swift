import Foundation
import Postgres
import TestSupport
import Testing

/// `spend import`, run as the operator runs it: a summary on standard output, per-line errors
/// and plain progress lines on standard error, and exit code 5 when invalid lines stop an
/// all-or-nothing import.
@Suite(.timeLimit(.perTest)) struct SpendImportCommandTests {
    static let header = "date,partner,budget_line,amount,description,supplier,reference\n"

    /// `spend import -` reads standard input to its end: a CSV piped in is imported as a file
    /// would be, and importing the same bytes again records nothing twice.
    @Test func importsFromStandardInput() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let alliance = ["--alliance", "riverside"]
            for arguments in [
                [
                    "alliance", "create", "--slug", "riverside", "--name", "Riverside Living Well",
                    "--contract-start", "2025-04-01", "--contract-end", "2030-03-31",
                ],
                ["partner", "add"] + alliance + [
                    "--slug", "trust", "--name", "The Trust", "--kind", "nhs-provider",
                ],
                ["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"],
            ] {
                let result = try await CommandRunner.run(arguments, environment: environment)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
            }
            let csv =
                Self.header + "2025-05-14,trust,STAFF,1234.56,Agency nurses,Acme,INV-1\n"
                + "2025-05-15,trust,STAFF,10,Training,,INV-2\n"
            // Through a shell, as a user pipes it: printf's output is the command's standard input.
            func piped() async throws -> CommandRunner.Result {
                try await CommandRunner.runProgram(
                    "/bin/sh",
                    [
                        "-c", "printf '%s' \"$1\" | \"$0\" spend import - --alliance riverside --format json",
                        CommandRunner.binary, csv,
                    ], environment: environment)
            }
            let first = try await piped()
            #expect(first.status == 0, "\(first.standardError)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(first.standardOutput.utf8)) as? [String: Any])
            #expect(report["recorded"] as? Int == 2 && report["committed"] as? Bool == true)
            let again = try await piped()
            #expect(again.status == 0, "\(again.standardError)")
            let repeated = try #require(
                try JSONSerialization.jsonObject(with: Data(again.standardOutput.utf8)) as? [String: Any])
            #expect(repeated["recorded"] as? Int == 0 && repeated["duplicates"] as? Int == 2)
        }
    }

    @Test func importsAFileAndReportsInvalidLines() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            func run(_ arguments: [String]) async throws -> CommandRunner.Result {
                try await CommandRunner.run(arguments, environment: environment)
            }
            let alliance = ["--alliance", "lambeth"]
            for arguments in [
                [
                    "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                    "--contract-start",
                    "2025-04-01", "--contract-end", "2030-03-31",
                ],
                ["partner", "add"] + alliance + [
                    "--slug", "slam", "--name", "SLaM", "--kind", "nhs-provider",
                ],
                ["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"],
            ] {
                let result = try await run(arguments)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
            }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "spend-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let good = directory.appendingPathComponent("good.csv").path
            let bad = directory.appendingPathComponent("bad.csv").path
            try
                (Self.header + "2025-05-14,slam,STAFF,1234.56,Agency nurses,Acme,INV-1\n"
                + "2025-05-15,slam,STAFF,10,Training,,INV-2\n").write(
                    toFile: good, atomically: true, encoding: .utf8)
            try
                (Self.header + "2025-05-16,slam,STAFF,1.00,Tea,,INV-3\n"
                + "2025-05-16,slam,PEER,1.00,Tea,,INV-4\n"
                + "2025-05-16,slam,STAFF,1.000,Tea,,INV-5\n").write(
                    toFile: bad, atomically: true, encoding: .utf8)

            let imported = try await run(["spend", "import", good] + alliance + ["--format", "json"])
            #expect(imported.status == 0, "\(imported.standardError)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(imported.standardOutput.utf8)) as? [String: Any])
            #expect(report["recorded"] as? Int == 2)
            #expect(report["committed"] as? Bool == true)
            #expect(report["mode"] as? String == "all-or-nothing")
            #expect((report["errors"] as? [Any])?.isEmpty == true)
            // Not a terminal: plain progress lines, one per phase at least.
            #expect(imported.messages.contains { $0.hasPrefix("reading: 2 rows") })
            #expect(imported.messages.contains { $0 == "checking and posting: 2 of 2 rows" })
            #expect(!imported.standardError.contains("\r"))

            let again = try await run(["spend", "import", good] + alliance)
            #expect(again.status == 0)
            #expect(again.standardOutput.contains("ROWS  RECORDED  DUPLICATES"))
            // Counts right-aligned under their headings.
            #expect(again.standardOutput.contains("   2         0           2"))

            let refused = try await run(["spend", "import", bad] + alliance)
            #expect(refused.status == 5)
            #expect(refused.messages.contains("line 3: budget line PEER does not exist in this alliance"))
            #expect(refused.messages.contains("line 4: amount 1.000 has 3 decimal places, but GBP has 2"))
            #expect(refused.messages.contains { $0.contains("2 invalid lines: nothing was recorded") })

            let skipped = try await run(
                ["spend", "import", bad, "--skip-invalid", "--format", "csv"] + alliance)
            #expect(skipped.status == 0)
            #expect(skipped.standardOutput.contains("3,1,0,2,yes,3"))
            #expect(skipped.messages.contains("2 invalid lines not recorded"))

            let balances = try await run(["balance"] + alliance + ["--format", "csv"])
            #expect(balances.standardOutput.contains("partner:slam:cost:STAFF,expense,1245.56,"))

            let failures: [([String], Int32)] = [
                (["spend", "import", directory.appendingPathComponent("missing.csv").path] + alliance, 5),
                (["spend", "import", good, "--skip-invalid", "--all-or-nothing"] + alliance, 2),
                (["spend", "import", good, "--alliance", "nowhere"], 3),
            ]
            for (arguments, status) in failures {
                let result = try await run(arguments)
                #expect(result.status == status, "\(arguments): \(result.standardError)")
            }
        }
    }
}
