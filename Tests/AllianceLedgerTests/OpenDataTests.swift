import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// A published statement's files: written once in the publication's transaction, kept by the
/// database as they were, listed in SHA256SUMS whose hash the checkpoint names, and read by the
/// standard tools (Python's zipfile, frictionless, ocdskit).
@Suite(.timeLimit(.perTest)) struct OpenDataTests {
    static let stored = [
        "SHA256SUMS", "budget-vs-actual.csv", "budget.csv", "datapackage.json", "decisions.csv", "keys.json",
        "ocds.json", "outcome-payments.csv", "outcomes.csv", "partners.csv", "risk-share.csv",
        "spend-over-25000.csv", "spend-over-500.csv", "spend.csv", "statement.json", "votes.csv",
    ]

    /// The headers, exactly: the data package is a public contract (docs/auditor-and-public.md, "Open data").
    static let headers = [
        "partners.csv": "partner_id,partner_name,partner_kind,roles,joined_on,left_on",
        "budget.csv":
            "fiscal_year,partner_id,budget_line_id,budget_line_name,phase,direction,amount,amount_minor,currency",
        "budget-vs-actual.csv":
            "basis,from,to,partner_id,budget_line_id,budget,budget_minor,actual,actual_minor,variance,variance_minor,full_year_budget,full_year_budget_minor,currency",
        "spend.csv":
            "transaction_id,kind,reverses,date,recorded_at,partner_id,budget_line_id,supplier,supplier_type,supplier_id,description,expense_type_code,expense_type_label,reference,net_amount,net_amount_minor,irrecoverable_vat,irrecoverable_vat_minor,currency,redacted,redaction_reason,entry_hash",
        "outcomes.csv":
            "outcome_period,measure_code,measure_name,unit,direction,rule,weight,target,measurement,attainment,available,available_minor,earned,earned_minor,unearned,unearned_minor,currency",
        "outcome-payments.csv":
            "outcome_period,partner_id,share,amount,amount_minor,cap,cap_minor,currency,decision_id,transaction_id",
        "risk-share.csv":
            "year,partner_id,share,amount,amount_minor,cap,cap_minor,currency,provisional,decision_id,transaction_id",
        "decisions.csv":
            "decision_id,title,classification,requirement,result,proposed_at,closes_at,closed_at,effect,transaction_id",
        "votes.csv": "decision_id,partner_id,option,reason,cast_at,current",
        "spend-over-500.csv":
            "Organisation,OrganisationCode,Department,Supplier(Beneficiary),Supplier(Beneficiary)ID,Supplier(Beneficiary)Type,PurposeofExpenditure(Narrative),PurposeofExpenditure(ExpenditureCategory),CIPFAExpenditureCode,Date,TransactionNumber,NetAmount,IrrecoverableVAT",
        "spend-over-25000.csv":
            "Department Family,Entity,Date,Expense Type,Expense Area,Supplier,Transaction Number,Amount,Description",
    ]

    /// The worked statement, with two more spends: a classified company's over £25,000, and an
    /// individual's, which the files redact.
    static func published(_ body: (StatementFixture, [String: [UInt8]]) async throws -> Void) async throws {
        try await StatementFixture.with { fixture in
            let finance = try fixture.board.directory.caller("finance-slam")
            _ = try await fixture.spend.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 30_000_00, incurredOn: date(2025, 7, 1),
                    description: "Agency nurses, July", supplier: "Acme Staffing Ltd", reference: "E",
                    expenseType: try ExpenseType(code: "5201", label: "Agency staff"), supplierType: .company,
                    supplierID: "01234567", irrecoverableVAT: 6_000_00),
                in: fixture.alliance, by: finance)
            _ = try await fixture.spend.record(
                try SpendRequest(
                    partner: "slam", budgetLine: "STAFF", amount: 600_00, incurredOn: date(2025, 7, 2),
                    description: "Peer support sessions with J. Bloggs", supplier: "Jo Bloggs",
                    reference: "F",
                    supplierType: .individual),
                in: fixture.alliance, by: finance)
            _ = try await fixture.publish("FY2025")
            var files: [String: [UInt8]] = [:]
            for file in try await fixture.statements.files(of: "S-0001", in: fixture.alliance.id) {
                files[file.name] = file.bytes
            }
            try await body(fixture, files)
        }
    }

    static func text(_ bytes: [UInt8]?) -> String { String(decoding: bytes ?? [], as: UTF8.self) }

    static func lines(_ bytes: [UInt8]?) -> [String] {
        text(bytes).components(separatedBy: "\r\n").dropLast().map { String($0) }
    }

    @Test func publishingWritesEveryFileWithTheirSumsInTheCheckpoint() async throws {
        try await Self.published { fixture, files in
            #expect(Set(files.keys) == Set(Self.stored + ["checkpoint.txt", "signatures.json"]))
            let body = try await fixture.statements.body("S-0001", in: fixture.alliance.id)
            #expect(files["statement.json"] == body.bytes)
            let sums = try #require(files["SHA256SUMS"])
            let listed = Self.text(sums).split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: false)
            }
            #expect(listed.map { String($0[2]) } == Self.stored.filter { $0 != "SHA256SUMS" })
            for line in listed {
                #expect(line[1].isEmpty)
                let bytes = try #require(files[String(line[2])])
                #expect(String(line[0]) == Digest(Array(SHA256.hash(data: bytes))).description)
            }
            let checkpoint = Self.text(files["checkpoint.txt"])
            #expect(checkpoint.hasSuffix("files sha256:\(Digest(Array(SHA256.hash(data: sums))))\n"))
            #expect(
                checkpoint == (try await fixture.statements.checkpoint("S-0001", in: fixture.alliance.id)))
            #expect(Self.text(files["signatures.json"]) == "[]\n")
        }
    }

    @Test func theCSVsAreRFC4180WithTheirHeadersExactly() async throws {
        try await Self.published { _, files in
            for (name, header) in Self.headers {
                let bytes = try #require(files[name], "\(name)")
                #expect(Self.lines(bytes).first == header, "\(name)")
                // CRLF after every record, and never a bare LF.
                #expect(bytes.suffix(2) == [0x0D, 0x0A], "\(name)")
                let bareLF = zip(bytes.dropFirst(), bytes).contains { $0 == 0x0A && $1 != 0x0D }
                #expect(!bareLF && bytes.first != 0x0A, "\(name)")
            }
            let budget = Self.lines(files["budget-vs-actual.csv"])
            #expect(
                budget.contains(
                    "period,2025-04-01,2026-03-31,slam,STAFF,127000.00,12700000,38100.00,3810000,88900.00,8890000,,,GBP"
                ), "\(budget)")
            let decisions = Self.lines(files["decisions.csv"])
            #expect(decisions.count == 3 && decisions[1].hasPrefix("D-0001,"))
            #expect(Self.lines(files["votes.csv"]).count == 1 + 2 * BoardFixture.partners.count)
        }
    }

    @Test func anIndividualIsRedactedAndTheThresholdsPickTheTransparencyRows() async throws {
        try await Self.published { fixture, files in
            let spend = Self.lines(files["spend.csv"])
            // A, B, its reversal, C, D, E and F, in journal order.
            #expect(spend.count == 8)
            let individual = try #require(spend.first { $0.contains(",F,") })
            #expect(individual.contains(",Redacted personal data,individual,,,"))
            #expect(!individual.contains("Bloggs"))
            #expect(individual.contains(",true,personal data: the supplier is an individual,"))
            let company = try #require(spend.first { $0.contains(",E,") })
            #expect(
                company.contains(
                    ",Acme Staffing Ltd,company,01234567,\"Agency nurses, July\",5201,Agency staff,E,30000.00,3000000,6000.00,600000,GBP,false,,"
                ))
            let reversal = try #require(spend.first { $0.contains(",reversal,") })
            #expect(reversal.contains(",-3000.00,-300000,"))

            // Over £500: A, B and its reversal, C, D, E and F (redacted); over £25,000: E only.
            let local = Self.lines(files["spend-over-500.csv"])
            #expect(local.count == 8)
            #expect(local.contains { $0.contains("Redacted personal data") && !$0.contains("Bloggs") })
            #expect(
                Self.lines(files["spend-over-25000.csv"]) == [
                    Self.headers["spend-over-25000.csv"]!,
                    "\(fixture.alliance.name),South London and Maudsley NHS FT,2025-07-01,Agency staff,Staff,Acme Staffing Ltd,E,30000.00,\"Agency nurses, July\"",
                ])
        }
    }

    /// The thresholds are alliance settings: a carried alliance.setSettings changes the rows
    /// of the statements published after it, and the database stores them.
    @Test func aDecisionSetsTheTransparencyThresholds() async throws {
        try await StatementFixture.with { fixture in
            try await fixture.carry(
                .allianceSetSettings(
                    try AllianceSettings(
                        abstention: nil, localTransparencyThreshold: 2_500_00,
                        centralTransparencyThreshold: 5_000_00)))
            _ = try await fixture.publish("FY2025")
            let local = try #require(
                try await fixture.statements.file("spend-over-500.csv", of: "S-0001", in: fixture.alliance.id)
            )
            let central = try #require(
                try await fixture.statements.file(
                    "spend-over-25000.csv", of: "S-0001", in: fixture.alliance.id))
            // A £5,000.00, B £3,000.00 and its reversal, C £2,500.00 at £2,500; only A at £5,000.
            #expect(Self.lines(local.bytes).count == 1 + 4)
            #expect(Self.lines(central.bytes).count == 1 + 1)
            #expect(throws: LedgerError.self) {
                try AllianceSettings(abstention: nil, localTransparencyThreshold: -1)
            }
            #expect(throws: LedgerError.self) { try AllianceSettings(abstention: nil) }
            try await fixture.board.directory.expectDatabaseRefuses([
                "UPDATE alliances SET local_transparency_threshold = 1 WHERE id = \(fixture.alliance.id.rawValue)"
            ])
        }
    }

    /// A statement published before files existed (files_hash NULL, as SQL/0013 leaves every
    /// earlier one) keeps its checkpoint's bytes exactly, and a signature over them verifies.
    @Test func aStatementPublishedBeforeFilesKeepsItsCheckpoint() async throws {
        try await StatementFixture.with { fixture in
            _ = try await fixture.publish("FY2025")
            let alliance = fixture.alliance.id
            let withFiles = try await fixture.statements.checkpoint("S-0001", in: alliance)
            // As the owner, with triggers off: the row as an earlier version published it.
            try await fixture.board.directory.database.pool.withConnection { connection in
                try await connection.execute("SET session_replication_role = replica")
                try await connection.execute(
                    "UPDATE statements SET files_hash = NULL WHERE alliance_id = \(alliance.rawValue)")
                try await connection.execute("RESET session_replication_role")
            }
            let before = try await fixture.statements.checkpoint("S-0001", in: alliance)
            let lines = withFiles.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(before == lines.prefix(5).joined(separator: "\n") + "\n")
            #expect(StatementFiles.filesHash(inCheckpoint: before) == nil)
            let key = Curve25519.Signing.PrivateKey()
            let body = try await fixture.statements.body("S-0001", in: alliance).bytes
            let signature = try key.signature(for: Data(before.utf8))
            let checks = StatementVerifier.verify(
                body,
                signatures: [
                    SuppliedSignature(
                        partner: "slam", publicKey: Array(key.publicKey.rawRepresentation),
                        signature: Array(signature))
                ])
            #expect(checks.contains { $0.name == "signature of slam" && $0.outcome == .passed }, "\(checks)")
        }
    }

    @Test func theDatabaseKeepsTheFilesAsPublished() async throws {
        try await Self.published { fixture, _ in
            let alliance = fixture.alliance.id.rawValue
            try await fixture.board.directory.expectDatabaseRefuses([
                "UPDATE statement_files SET bytes = 'x', hash = sha256('x') WHERE alliance_id = \(alliance) AND name = 'spend.csv'",
                "DELETE FROM statement_files WHERE alliance_id = \(alliance) AND name = 'spend.csv'",
                "TRUNCATE statement_files CASCADE",
                // A file added after publication, even a new one.
                "INSERT INTO statement_files (alliance_id, statement_number, name, bytes, hash) VALUES (\(alliance), 1, 'extra.csv', 'x', sha256('x'))",
                // A path in a name.
                "INSERT INTO statement_files (alliance_id, statement_number, name, bytes, hash) VALUES (\(alliance), 1, '../x.csv', 'x', sha256('x'))",
            ])
        }
    }

    @Test func theZipHoldsEveryFileAndPythonsZipfileReadsIt() async throws {
        try await Self.published { fixture, files in
            let all = try await fixture.statements.files(of: "S-0001", in: fixture.alliance.id)
            let zip = try ZipArchive.archive(all, modified: BoardFixture.afterFY2025)
            #expect(try ZipArchive.archive(all, modified: BoardFixture.afterFY2025) == zip)
            let folder = try ScratchFolder()
            let path = folder.path("S-0001.zip")
            try Data(zip).write(to: URL(fileURLWithPath: path))
            let script = """
                import hashlib, json, sys, zipfile
                z = zipfile.ZipFile(sys.argv[1])
                assert z.testzip() is None
                print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))
                """
            guard let result = try Python.run(["-c", script, path]) else { return }
            #expect(result.status == 0, "\(result.output)")
            let listed = try JSONDecoder().decode([String: String].self, from: Data(result.output.utf8))
            #expect(listed == files.mapValues { Digest(Array(SHA256.hash(data: $0))).description })
        }
    }

    @Test func anUnzippedFolderVerifiesAndOneChangedDigitInAnyFileFailsIt() async throws {
        try await Self.published { _, files in
            let checks = StatementVerifier.verifyFiles(files)
            #expect(!checks.contains { $0.outcome == .failed }, "\(checks)")
            #expect(checks.contains { $0.name == "files" && $0.outcome == .passed })
            #expect(checks.contains { $0.name == "checkpoint" && $0.outcome == .passed })
            for (name, bytes) in files where name != "signatures.json" {
                // A digit, or in a file without one (a table with no rows, no keys) its first byte.
                let index = bytes.firstIndex { (0x30...0x39).contains($0) } ?? 0
                var changed = files
                changed[name]![index] = bytes[index] == 0x39 ? 0x30 : bytes[index] ^ 0x01
                let failed = StatementVerifier.verifyFiles(changed).filter { $0.outcome == .failed }
                #expect(!failed.isEmpty, "\(name) changed, yet the folder verifies")
            }
        }
    }

    /// The data package passes frictionless's own validator (PyPI `frictionless`): types,
    /// primary and foreign keys, bytes and sha256 of every resource.
    @Test func theDataPackagePassesFrictionlessValidate() async throws {
        try await Self.published { _, files in
            let folder = try ScratchFolder()
            for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder.path(name))) }
            guard
                let result = try Python.run(
                    ["-m", "frictionless", "validate", folder.path("datapackage.json")],
                    module: "frictionless")
            else { return }
            #expect(result.status == 0, "\(result.output)")
        }
    }

    /// The OCDS 1.1.5 release package's required fields (release package: uri, publisher,
    /// publishedDate, releases, version; release: ocid, id, date, tag, initiationType; contract:
    /// id, awardID; transaction: id) and closed codelists (partyRole, milestoneType,
    /// milestoneStatus, releaseTag), written from the standard's schema reference: the PyPI
    /// validators fetch the schema over the network, which a test must not need.
    @Test func theOCDSReleasePackageHasWhatTheStandardRequires() async throws {
        try await Self.published { _, files in
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(files["ocds.json"] ?? [])) as? [String: Any])
            for key in ["uri", "publisher", "publishedDate", "releases", "version"] {
                #expect(document[key] != nil, "\(key)")
            }
            #expect((document["publisher"] as? [String: Any])?["name"] is String)
            let release = try #require((document["releases"] as? [[String: Any]])?.first)
            for key in ["ocid", "id", "date", "tag", "initiationType"] {
                #expect(release[key] != nil, "\(key)")
            }
            #expect(release["tag"] as? [String] == ["implementationUpdate"])
            #expect(release["initiationType"] as? String == "tender")
            let roles: Set<String> = [
                "buyer", "procuringEntity", "supplier", "tenderer", "funder", "enquirer", "payer", "payee",
                "reviewBody", "interestedParty",
            ]
            let parties = release["parties"] as? [[String: Any]] ?? []
            #expect(parties.count == BoardFixture.partners.count)
            for party in parties {
                #expect(party["id"] is String)
                #expect(Set(party["roles"] as? [String] ?? ["?"]).isSubset(of: roles))
            }
            let contract = try #require((release["contracts"] as? [[String: Any]])?.first)
            #expect(contract["id"] is String && contract["awardID"] is String)
            #expect(
                (release["awards"] as? [[String: Any]])?.first?["id"] as? String == contract["awardID"]
                    as? String)
            let milestones = contract["milestones"] as? [[String: Any]] ?? []
            #expect(milestones.count == 2)
            for milestone in milestones {
                #expect(milestone["id"] is String)
                #expect(["approval", "payment"].contains(milestone["type"] as? String))
                #expect(
                    ["scheduled", "met", "notMet", "partiallyMet"].contains(milestone["status"] as? String))
            }
            let implementation = contract["implementation"] as? [String: Any]
            // Spend rows stay in spend.csv: nothing was paid between parties in this year.
            #expect((implementation?["transactions"] as? [Any])?.isEmpty == true)
        }
    }
}

/// A folder removed when the test is done.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("open-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Python 3 and the validators from PyPI. Where a validator is not installed the test says so
/// and checks nothing more, unless `ALLIANCE_LEDGER_REQUIRE_VALIDATORS` is set, as CI sets it
/// after installing them (.ci/run): then its absence fails.
enum Python {
    static func run(_ arguments: [String], module: String? = nil, input: String? = nil) throws
        -> (status: Int32, output: String)?
    {
        if let module, try execute(["-c", "import \(module)"]).status != 0 {
            let message = "python3 -m \(module) is not installed (pip install \(module)): not checked"
            if ProcessInfo.processInfo.environment["ALLIANCE_LEDGER_REQUIRE_VALIDATORS"] != nil {
                Issue.record(Comment(rawValue: message))
            } else {
                print("SKIPPED: \(message)")
            }
            return nil
        }
        return try execute(arguments, input: input)
    }

    private static func execute(_ arguments: [String], input: String? = nil) throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        if let input { process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input)) }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
