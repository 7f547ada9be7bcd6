import Foundation
import Postgres
import TestSupport
import Testing

/// `db backup` and `db restore`: a backup restores, into an empty database only, with every
/// journal chain intact and the same books.
@Suite(.timeLimit(.perTest)) struct BackupCommandTests {
    struct Tool: DatabaseTool {
        let url: String
        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments, environment: ["DATABASE_URL": url])
        }
    }

    @Test func aBackupRestoresIntoAnEmptyDatabaseWithItsJournalIntact() async throws {
        try await TestDatabase.with { database in
            let original = Tool(url: database.connectionString.rawValue)
            let alliance = ["--alliance", "lambeth"]
            _ = try await original.succeed([
                "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                "--contract-start", "2025-04-01", "--contract-end", "2030-03-31",
            ])
            _ = try await original.succeed(
                ["partner", "add"] + alliance + [
                    "--slug", "slam", "--name", "SLaM", "--kind", "nhs-provider", "--joined-on", "2025-04-01",
                ])
            _ = try await original.succeed(
                ["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"])
            for (amount, reference) in [("1234.56", "INV-1"), ("99.00", "INV-2")] {
                _ = try await original.succeed(
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", amount, "--incurred-on",
                        "2025-05-14",
                        "--description", "agency nurses", "--supplier", "Acme", "--reference", reference,
                    ])
            }
            let verified = try await original.succeed(
                ["journal", "verify"] + alliance + ["--format", "json"])
            let spend = try await original.succeed(["spend", "list"] + alliance + ["--format", "csv"])

            let file = NSTemporaryDirectory() + "alliance-ledger-backup-\(UUID().uuidString).dump"
            defer { try? FileManager.default.removeItem(atPath: file) }
            _ = try await original.succeed(["db", "backup", file])
            let header = try #require(FileHandle(forReadingAtPath: file)).readData(ofLength: 5)
            #expect(header == Data("PGDMP".utf8), "pg_dump's custom format")
            let again = try await original.run(["db", "backup", file])
            #expect(again.status == 4 && again.standardError.contains("never overwrites"))

            let name = "restored_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try await database.connect()
            try await admin.execute("CREATE DATABASE \(identifier: name)")
            let restored = Tool(url: try database.connectionString.setting("dbname", to: name).rawValue)
            do {
                _ = try await restored.succeed(["db", "restore", file])
                // The restored tables have the planner's statistics, which a dump does not hold.
                var restoredConfiguration = database.configuration()
                restoredConfiguration.connectionString = try database.connectionString.setting(
                    "dbname", to: name)
                let inRestored = try await PostgresConnection.connect(restoredConfiguration)
                // Column statistics come only from ANALYZE (an index build counts rows, no more).
                let columns = try await inRestored.query(
                    "SELECT count(*) AS columns FROM pg_stats WHERE tablename = 'journal_entries'"
                ).single().decode("columns", as: Int64.self)
                await inRestored.close()
                #expect(columns > 0, "the restored journal was analyzed")
                #expect(
                    try await restored.succeed(["journal", "verify"] + alliance + ["--format", "json"])
                        == verified)
                #expect(
                    try await restored.succeed(["spend", "list"] + alliance + ["--format", "csv"]) == spend)
                // The restored books take new entries, continuing the chain.
                _ = try await restored.succeed(
                    ["spend", "record"] + alliance + [
                        "--partner", "slam", "--line", "STAFF", "--amount", "1", "--incurred-on",
                        "2025-05-15",
                        "--description", "after the restore",
                    ])
                #expect(
                    try await restored.succeed(["journal", "verify"] + alliance + ["--format", "json"])
                        .contains(#""entries" : 3"#))
                let overwrite = try await restored.run(["db", "restore", file])
                #expect(overwrite.status == 4 && overwrite.standardError.contains("not empty"))
            } catch {
                try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
                await admin.close()
                throw error
            }
            try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            await admin.close()
        }
    }

    /// A backup taken while spend is being recorded restores to whole entries only: the
    /// journal verifies, the trial balance balances, and every restored spend is one the
    /// original recorded.
    @Test func aBackupTakenUnderLoadRestoresWholeEntries() async throws {
        try await TestDatabase.with { database in
            let original = Tool(url: database.connectionString.rawValue)
            let alliance = ["--alliance", "lambeth"]
            _ = try await original.succeed([
                "alliance", "create", "--slug", "lambeth", "--name", "Lambeth Living Well",
                "--contract-start", "2025-04-01", "--contract-end", "2030-03-31",
            ])
            for slug in ["slam", "certitude"] {
                _ = try await original.succeed(
                    ["partner", "add"] + alliance + [
                        "--slug", slug, "--name", slug, "--kind", "vcse", "--joined-on", "2025-04-01",
                    ])
            }
            _ = try await original.succeed(
                ["line", "add"] + alliance + ["--code", "STAFF", "--name", "Staff"])
            let file = NSTemporaryDirectory() + "alliance-ledger-backup-\(UUID().uuidString).dump"
            defer { try? FileManager.default.removeItem(atPath: file) }

            try await withThrowingTaskGroup(of: Void.self) { group in
                for partner in ["slam", "certitude"] {
                    group.addTask {
                        for number in 1...6 {
                            _ = try await original.succeed(
                                ["spend", "record"] + alliance + [
                                    "--partner", partner, "--line", "STAFF", "--amount", "\(number).25",
                                    "--incurred-on", "2025-05-14", "--description", "load",
                                    "--reference", "\(partner)-\(number)",
                                ])
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(700))
                    _ = try await original.succeed(["db", "backup", file])
                }
                try await group.waitForAll()
            }
            let recorded = Set(
                try await original.succeed(["spend", "list"] + alliance + ["--format", "csv"])
                    .split(separator: "\r\n").map(String.init))

            let name = "restored_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try await database.connect()
            try await admin.execute("CREATE DATABASE \(identifier: name)")
            let restored = Tool(url: try database.connectionString.setting("dbname", to: name).rawValue)
            do {
                _ = try await restored.succeed(["db", "restore", file])
                _ = try await restored.succeed(["journal", "verify"] + alliance)
                _ = try await restored.succeed(["trial-balance"] + alliance)
                let kept = try await restored.succeed(["spend", "list"] + alliance + ["--format", "csv"])
                    .split(separator: "\r\n").map(String.init)
                #expect(kept.allSatisfy(recorded.contains), "\(kept)")
            } catch {
                try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
                await admin.close()
                throw error
            }
            try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            await admin.close()
        }
    }
}
