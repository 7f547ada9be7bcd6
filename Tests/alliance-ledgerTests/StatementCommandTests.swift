import AllianceLedger
import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The statements walkthrough as a new user runs it on the demo alliance (whose FY2025 is
/// published already, S-0001 to S-0013): preview a year and a
/// month, publish FY2026-Q1, restate it with a reason, generate keys, sign as every partner's board
/// member, see it co-signed by all, then verify the downloaded statement with no database — and
/// see one changed digit fail it.
@Suite(.timeLimit(.perTest)) struct StatementCommandTests {
    @Test func previewPublishRestateSignAndVerifyOffline() async throws {
        try await TestDatabase.with { database in
            let environment: [String: String?] = ["DATABASE_URL": database.connectionString.rawValue]
            let loaded = try await CommandRunner.run(["demo", "--tokens"], environment: environment)
            #expect(loaded.status == 0, "\(loaded.standardError)")
            var tokens: [String: String] = [:]
            for line in loaded.standardOutput.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                if words.count == 2, words[1].hasPrefix("alt_") { tokens[words[0]] = words[1] }
            }
            let partners = [
                "kestrelford-icb", "kestrelford-trust", "kestrelford-council", "harbour-lights", "open-door",
            ]
            let alliance = ["--alliance", "kestrelford-mental-health"]
            func run(_ arguments: [String], as person: String? = nil) async throws -> CommandRunner.Result {
                var environment = environment
                if let person { environment["ALLIANCE_LEDGER_TOKEN"] = tokens[person] }
                return try await CommandRunner.run(arguments, environment: environment)
            }
            func succeed(_ arguments: [String], as person: String? = nil) async throws -> String {
                let result = try await run(arguments, as: person)
                #expect(result.status == 0, "\(arguments): \(result.standardError)")
                return result.standardOutput
            }

            let year = try await succeed(["statement", "preview", "--period", "FY2025"] + alliance)
            #expect(year.contains("TOTAL") || year.contains("total"))
            #expect(
                try await succeed(["statement", "preview", "--period", "2025-10"] + alliance).contains(
                    "kestrelford-trust")
            )
            let bad = try await run(
                ["statement", "preview", "--period", "2025-10-01..2025-10-15"] + alliance)
            #expect(bad.status == 5, "\(bad.standardError)")

            let finance = "finance@kestrelford-trust.example.org"
            // The operator publishes nothing: a statement is a finance lead's or a board member's.
            #expect(try await run(["statement", "publish", "--period", "FY2026-Q1"] + alliance).status != 0)
            let published = try await succeed(
                ["statement", "publish", "--period", "FY2026-Q1"] + alliance, as: finance)
            #expect(published.contains("S-0014") && published.contains("awaiting co-signature (0 of 5)"))
            let again = try await run(
                ["statement", "publish", "--period", "FY2026-Q1"] + alliance, as: finance)
            #expect(again.status == 4, "\(again.standardError)")
            let restated = try await succeed(
                [
                    "statement", "publish", "--period", "FY2026-Q1", "--supersedes", "S-0014", "--reason",
                    "Audit adjustment",
                ]
                    + alliance, as: finance)
            #expect(restated.contains("S-0015") && restated.contains("restates S-0014"))

            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "statements-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            for partner in partners {
                let key = directory.appendingPathComponent("\(partner).pem").path
                let board = "board@\(partner).example.org"
                let publicKey = try await succeed(["key", "generate", "--output", key])
                #expect(publicKey.trimmingCharacters(in: .whitespacesAndNewlines).count == 44)
                let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
                #expect(mode == 0o600)
                #expect(try await run(["key", "generate", "--output", key]).status == 4)
                _ = try await succeed(
                    ["key", "add", "--partner", partner, "--key", key] + alliance, as: board)
                _ = try await succeed(["statement", "sign", "S-0015", "--key", key] + alliance, as: board)
            }
            let list = try await succeed(["statement", "list"] + alliance)
            #expect(list.contains("by all partners") && list.contains("superseded"))

            // Downloaded with its signatures and its predecessor, it verifies with no database.
            let file = directory.appendingPathComponent("S-0015.json").path
            let previous = directory.appendingPathComponent("S-0014.json").path
            _ = try await succeed(["statement", "show", "S-0015", "--output", file] + alliance)
            _ = try await succeed(["statement", "show", "S-0014", "--output", previous] + alliance)
            // Its SHA256SUMS beside it: the checkpoint's files line, which the signatures cover.
            _ = try await succeed(
                [
                    "statement", "show", "S-0015", "--file", "SHA256SUMS", "--output",
                    directory.appendingPathComponent("SHA256SUMS").path,
                ] + alliance)
            _ = try await succeed(
                [
                    "statement", "show", "S-0015", "--signatures", "--output",
                    directory.appendingPathComponent("S-0015.signatures.json").path,
                ]
                    + alliance)
            let keys = directory.appendingPathComponent("keys.json").path
            try Data(try await succeed(["key", "list", "--format", "json"] + alliance).utf8).write(
                to: URL(fileURLWithPath: keys))
            let offline = try await CommandRunner.run(
                ["statement", "verify", file, "--trusted-keys", keys, "--require-signatures"],
                environment: [:])
            #expect(offline.status == 0, "\(offline.standardOutput)\(offline.standardError)")
            #expect(!offline.standardOutput.contains("FAILED"))
            #expect(
                offline.standardOutput.contains("chain") && offline.standardOutput.contains("follows S-0014"))
            #expect(offline.standardOutput.components(separatedBy: "(trusted)").count == 6)

            // By number, against the ledger itself.
            let online = try await run(["statement", "verify", "S-0015"] + alliance)
            #expect(online.status == 0, "\(online.standardOutput)\(online.standardError)")
            #expect(
                online.standardOutput.contains("ledger figures")
                    && online.standardOutput.contains("tree consistency"))

            // From the service, by URL (Foundation's URL loading), with a reader's token.
            let service = try await ServiceProcess(["--database-url", database.connectionString.rawValue])
            let address =
                "http://127.0.0.1:\(service.port)/v1/alliances/kestrelford-mental-health/statements/S-0015"
            let byURL = try await run(
                ["statement", "verify", address, "--previous", previous, "--require-signatures"],
                as: "auditor@kestrelford-icb.example.org")
            // The public zip, unzipped by Python's zipfile: the folder verifies, signatures and
            // all, and one changed digit in partners.csv fails it.
            let zipURL = try #require(
                URL(
                    string:
                        "http://127.0.0.1:\(service.port)/public/alliances/kestrelford-mental-health/statements/S-0015.zip"
                ))
            let (zip, _) = try await URLSession.shared.data(from: zipURL)
            _ = try await service.stop(with: SIGTERM)
            let zipPath = directory.appendingPathComponent("S-0015.zip").path
            let folder = directory.appendingPathComponent("S-0015").path
            try zip.write(to: URL(fileURLWithPath: zipPath))
            let unzip = Process()
            unzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            unzip.arguments = ["python3", "-m", "zipfile", "-e", zipPath, folder]
            try unzip.run()
            unzip.waitUntilExit()
            #expect(unzip.terminationStatus == 0)
            let unzipped = try await CommandRunner.run(
                ["statement", "verify", folder, "--trusted-keys", keys, "--require-signatures"],
                environment: [:])
            #expect(unzipped.status == 0, "\(unzipped.standardOutput)\(unzipped.standardError)")
            #expect(unzipped.standardOutput.components(separatedBy: "(trusted)").count == 6)
            // Named as unzipping named it, S-0015 is the folder, not the statement number.
            let byName = try await CommandRunner.run(
                ["statement", "verify", "S-0015", "--trusted-keys", keys, "--require-signatures"],
                environment: [:], workingDirectory: directory.path)
            #expect(byName.status == 0, "\(byName.standardOutput)\(byName.standardError)")
            #expect(byName.standardOutput.components(separatedBy: "(trusted)").count == 6)
            // The statement without its SHA256SUMS: its signatures, which cover the sums, fail,
            // and the answer says to give them.
            let alone = directory.appendingPathComponent("alone")
            try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
            for name in ["S-0015.json", "S-0015.signatures.json"] {
                try FileManager.default.copyItem(
                    at: directory.appendingPathComponent(name), to: alone.appendingPathComponent(name))
            }
            let withoutSums = try await CommandRunner.run(
                [
                    "statement", "verify", alone.appendingPathComponent("S-0015.json").path, "--trusted-keys",
                    keys,
                ],
                environment: [:])
            #expect(withoutSums.status == 1 && withoutSums.standardOutput.contains("give them with --sums"))
            // FY2026-Q1 has no spend yet; the partners' file always has figures (joining dates).
            let partnersCSV = folder + "/partners.csv"
            var partnersBytes = Array(try #require(FileManager.default.contents(atPath: partnersCSV)))
            let digitIndex = try #require(partnersBytes.lastIndex { (0x30...0x38).contains($0) })
            partnersBytes[digitIndex] += 1
            try Data(partnersBytes).write(to: URL(fileURLWithPath: partnersCSV))
            let changed = try await CommandRunner.run(["statement", "verify", folder], environment: [:])
            #expect(changed.status == 1 && changed.standardOutput.contains("partners.csv hashes to"))
            #expect(byURL.status == 0, "\(byURL.standardOutput)\(byURL.standardError)")
            #expect(byURL.standardOutput.contains("follows S-0014"))
            #expect(byURL.standardOutput.components(separatedBy: "signature of").count == 6)

            // One changed digit anywhere fails it, naming what.
            let bytes = try #require(FileManager.default.contents(atPath: file))
            var text = String(decoding: bytes, as: UTF8.self)
            let actual = try #require(text.range(of: #""actual":"#))
            let digit = try #require(
                text[actual.upperBound...].firstIndex(where: { $0.isNumber && $0 != "9" }))
            text.replaceSubrange(digit...digit, with: String(Int(String(text[digit]))! + 1))
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            let altered = try await CommandRunner.run(["statement", "verify", file], environment: [:])
            #expect(altered.status == 1)
            #expect(altered.standardOutput.contains("FAILED"))
            #expect(altered.standardOutput.contains("signature of"))
        }
    }
}
