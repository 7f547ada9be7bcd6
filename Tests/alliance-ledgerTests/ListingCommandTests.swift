import Foundation
import Postgres
import TestSupport
import Testing

/// What a user does with a listing: `spend list --format csv` is a file `spend import` reads
/// back as the same spend; `--all` lists every page under one header; `--excel` marks the CSV
/// as UTF-8 for spreadsheets; options that are values (dates, roles, votes, kinds) are
/// usage errors when they do not parse, naming the values they take.
@Suite(.timeLimit(.perTest)) struct ListingCommandTests {
    struct Tool: DatabaseTool {
        let url: String
        func run(_ arguments: [String]) async throws -> CommandRunner.Result {
            try await CommandRunner.run(arguments, environment: ["DATABASE_URL": url])
        }
    }

    static let importHeader =
        "date,partner,budget_line,amount,description,supplier,reference,expense_type,expense_type_label,supplier_type,supplier_id,irrecoverable_vat"

    /// An alliance with the partner `trust` and the budget lines STAFF and PREMISES.
    static func createAlliance(_ slug: String, _ tool: Tool) async throws {
        let alliance = ["--alliance", slug]
        _ = try await tool.succeed([
            "alliance", "create", "--slug", slug, "--name", "Alliance \(slug)", "--contract-start",
            "2025-04-01",
            "--contract-end", "2030-03-31",
        ])
        _ = try await tool.succeed(
            ["partner", "add"] + alliance + [
                "--slug", "trust", "--name", "The Trust", "--kind", "nhs-provider",
            ])
        for (code, name) in [("STAFF", "Staff"), ("PREMISES", "Premises")] {
            _ = try await tool.succeed(["line", "add"] + alliance + ["--code", code, "--name", name])
        }
    }

    /// Three spends whose fields need CSV's care: a comma, a quote and a line break, every
    /// optional column, and an amount in the millions.
    static func recordSpend(in slug: String, _ tool: Tool) async throws {
        let spends: [[String]] = [
            [
                "--line", "STAFF", "--amount", "1234567.89", "--incurred-on", "2025-05-14", "--description",
                "Agency nurses, May", "--supplier", "Acme \"Care\" Ltd", "--reference", "INV-1",
                "--expense-type", "5101", "--expense-type-label", "Agency staff", "--supplier-type",
                "company",
                "--supplier-id", "01234567", "--irrecoverable-vat", "246.91",
            ],
            [
                "--line", "PREMISES", "--amount", "10", "--incurred-on", "2025-06-01", "--description",
                "Rent\nfor June", "--reference", "INV-2",
            ],
            [
                "--line", "STAFF", "--amount", "0.05", "--incurred-on", "2025-06-02", "--description", "Tea",
                "--supplier", "Corner shop", "--reference", "INV-3", "--supplier-type", "individual",
            ],
        ]
        for spend in spends {
            _ = try await tool.succeed(["spend", "record", "--alliance", slug, "--partner", "trust"] + spend)
        }
    }

    /// The spend of a listing's JSON without what a new recording makes anew (its id, hash and
    /// when and by whom it was recorded).
    static func spendFields(_ listing: [String: Any]) throws -> [NSDictionary] {
        let items = try #require(listing["items"] as? [[String: Any]])
        return items.map { item in
            NSDictionary(
                dictionary: item.filter {
                    !["id", "sequence", "hash", "recordedAt", "recordedBy", "reversedBy"].contains($0.key)
                })
        }
    }

    @Test func aSpendListingsCSVImportsIntoAnotherAllianceAsTheSameSpend() async throws {
        try await TestDatabase.with { database in
            let tool = Tool(url: database.connectionString.rawValue)
            try await Self.createAlliance("riverside", tool)
            try await Self.createAlliance("lakeside", tool)
            try await Self.recordSpend(in: "riverside", tool)

            // Pages of one, so that --all crosses pages under the one header; oldest first, so
            // that the import records them in the order they were recorded.
            let csv = try await tool.succeed([
                "spend", "list", "--alliance", "riverside", "--format", "csv", "--all", "--limit", "1",
                "--oldest-first",
            ])
            #expect(csv.hasPrefix(Self.importHeader + "\r\n"), "\(csv)")
            #expect(csv.components(separatedBy: Self.importHeader).count == 2, "one header: \(csv)")
            #expect(
                csv.contains(
                    "2025-05-14,trust,STAFF,1234567.89,\"Agency nurses, May\",\"Acme \"\"Care\"\" Ltd\""))
            #expect(csv.contains(",5101,Agency staff,company,01234567,246.91\r\n"))
            #expect(csv.contains("\"Rent\nfor June\""))
            // Every line ends with CRLF; the one bare line feed is inside the quoted field.
            #expect(csv.utf8.filter { $0 == 0x0A }.count == csv.utf8.filter { $0 == 0x0D }.count + 1)

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "listing-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("spend.csv").path
            try csv.write(toFile: file, atomically: true, encoding: .utf8)
            // Before the import, --all of nothing is still one document and one header.
            let nothing = try await tool.json(["spend", "list", "--alliance", "lakeside", "--all"])
            #expect((nothing["items"] as? [Any])?.isEmpty == true && nothing["nextCursor"] is NSNull)
            let header = try await tool.succeed([
                "spend", "list", "--alliance", "lakeside", "--all", "--format", "csv",
            ])
            #expect(header == Self.importHeader + "\r\n")

            let report = try await tool.json(["spend", "import", file, "--alliance", "lakeside"])
            #expect(report["recorded"] as? Int == 3 && report["committed"] as? Bool == true, "\(report)")

            let original = try await tool.json(["spend", "list", "--alliance", "riverside"])
            let imported = try await tool.json(["spend", "list", "--alliance", "lakeside"])
            #expect(
                try Self.spendFields(imported) == Self.spendFields(original), "\(imported) != \(original)")
            #expect(try Self.spendFields(original).count == 3)

            // For spreadsheets: the same CSV after a byte order mark, which the import reads too.
            // Written to the file by the shell, as the runner's text would drop the mark.
            let excel = try await CommandRunner.runProgram(
                "/bin/sh",
                [
                    "-c",
                    "\"$0\" spend list --alliance riverside --format csv --excel --oldest-first > \"$1\"",
                    CommandRunner.binary,
                    file,
                ], environment: ["DATABASE_URL": tool.url])
            #expect(excel.status == 0, "\(excel.standardError)")
            let bytes = try #require(FileManager.default.contents(atPath: file))
            #expect(bytes == Data([0xEF, 0xBB, 0xBF]) + Data(csv.utf8))
            let again = try await tool.json(["spend", "import", file, "--alliance", "lakeside"])
            #expect(again["duplicates"] as? Int == 3, "\(again)")
            let misplaced = try await tool.run(["spend", "list", "--alliance", "riverside", "--excel"])
            #expect(
                misplaced.status == 2 && misplaced.standardError.contains("--excel goes with --format csv"))
        }
    }

    @Test func allListsEveryPageUnderOneHeader() async throws {
        try await TestDatabase.with { database in
            let tool = Tool(url: database.connectionString.rawValue)
            try await Self.createAlliance("riverside", tool)
            try await Self.recordSpend(in: "riverside", tool)
            let list = ["spend", "list", "--alliance", "riverside", "--limit", "2"]

            // One page, and the cursor of the next on standard error.
            let page = try await tool.run(list)
            #expect(page.status == 0 && page.standardError.contains("more spend: repeat with --cursor"))
            // A header and the two newest, one of them "Rent\nfor June" on two lines.
            #expect(page.standardOutput.split(separator: "\n").count == 4)

            let table = try await tool.run(list + ["--all"])
            #expect(
                table.status == 0 && !table.standardError.contains("more spend"), "\(table.standardError)")
            let rows = table.standardOutput.split(separator: "\n").map(String.init)
            #expect(rows.first?.hasPrefix("ID  INCURRED ON  PARTNER") == true, "\(rows)")
            #expect(rows.filter { $0.hasPrefix("ID ") }.count == 1)
            // The description "Rent\nfor June" takes two lines: a header and three spends in five.
            #expect(rows.count == 5, "\(rows)")
            // Amounts right-aligned and grouped in thousands.
            #expect(rows.contains { $0.contains("  1,234,567.89  Agency nurses") }, "\(rows)")
            #expect(rows.contains { $0.contains("          0.05  Tea") }, "\(rows)")

            let json = try await tool.json(list + ["--all"])
            #expect(json["nextCursor"] is NSNull)
            let items = try #require(json["items"] as? [[String: Any]])
            #expect(items.map { $0["reference"] as? String } == ["INV-3", "INV-2", "INV-1"])

            let oldestFirst = try await tool.json(list + ["--all", "--oldest-first", "--limit", "1"])
            #expect(
                (oldestFirst["items"] as? [[String: Any]])?.map { $0["reference"] as? String }
                    == ["INV-1", "INV-2", "INV-3"])

            // From a cursor, --all lists the rest.
            let first = try await tool.json(list)
            let cursor = try #require(first["nextCursor"] as? String)
            let rest = try await tool.json(list + ["--all", "--cursor", cursor])
            #expect((rest["items"] as? [[String: Any]])?.map { $0["reference"] as? String } == ["INV-1"])

            let journal = try await tool.json([
                "journal", "list", "--alliance", "riverside", "--limit", "1", "--all",
            ])
            #expect((journal["items"] as? [Any])?.count == 3)
        }
    }

    @Test func valueOptionsThatDoNotParseAreUsageErrorsListingTheirValues() async throws {
        try await TestDatabase.with { database in
            let tool = Tool(url: database.connectionString.rawValue)
            try await Self.createAlliance("riverside", tool)
            let refusals: [([String], String)] = [
                (["spend", "list", "--alliance", "riverside", "--from", "2025-02-30"], "'2025-02-30'"),
                (["journal", "list", "--alliance", "riverside", "--kind", "gift"], "'gift'"),
                (["decision", "list", "--alliance", "riverside", "--state", "pending"], "'pending'"),
                (["balance", "--alliance", "riverside", "--format", "xml"], "'xml'"),
                (
                    [
                        "partner", "add", "--alliance", "riverside", "--slug", "x", "--name", "X", "--kind",
                        "charity",
                    ],
                    "'charity'"
                ),
            ]
            for (arguments, value) in refusals {
                let result = try await tool.run(arguments)
                #expect(result.status == 2, "\(arguments): \(result.standardError)")
                #expect(result.standardError.contains(value), "\(arguments): \(result.standardError)")
            }
            let kind = try await tool.run(refusals[1].0)
            #expect(kind.standardError.contains("spend") && kind.standardError.contains("reversal"))

            let help = try await tool.succeed(["decision", "vote", "--help"])
            #expect(
                help.contains("approve") && help.contains("object") && help.contains("abstain"), "\(help)")
            let completion = try await tool.succeed(["--generate-completion-script", "bash"])
            for kind in ["commissioner", "nhs-provider", "local-authority", "vcse", "other"] {
                #expect(completion.contains("'\(kind)'"), "\(kind)")
            }
        }
    }
}
