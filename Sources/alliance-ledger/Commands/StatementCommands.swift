import AllianceLedger
import ArgumentParser
import Crypto
import Dates
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

// Open-book statements: preview a period, publish it (or restate it, with a reason), read what
// was published, co-sign it as a partner's board member, and verify it — from a file or a URL
// with no database at all, or by number against the ledger itself.

struct StatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "Preview, publish, read, co-sign and verify open-book statements.",
        discussion: """
            A statement covers whole months of one financial year: a month (2025-10), a quarter \
            (FY2025-Q3), a year (FY2025) or a range of months (2025-04..2025-09). Published, it \
            is frozen as canonical JSON (RFC 8785), numbered S-0001… and chained to the \
            alliance's previous statement; every partner's board co-signs its checkpoint.
            """,
        subcommands: [
            StatementPreviewCommand.self, StatementPublishCommand.self, StatementListCommand.self,
            StatementShowCommand.self, StatementSignCommand.self, StatementVerifyCommand.self,
            StatementCommentCommand.self,
        ])
}

/// `--period`.
struct StatementPeriodOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Whole months: 2025-10, FY2025-Q3, FY2025 or 2025-04..2025-09.", valueName: "period"))
    var period: PeriodName

    var text: String { period.text }
}

/// `--output FILE`: where a statement's bytes go instead of standard output.
struct OutputFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    func write(_ bytes: [UInt8]) throws {
        guard let output else {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
            throw CommandFailure(.failure, "cannot write \(output)")
        }
    }
}

struct StatementPreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Compute a period's statement as it stands; nothing is published.",
        discussion:
            "The table is budget against actual by partner and budget line, with the total; json is the whole statement."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var period: StatementPeriodOption
    @OptionGroup var file: OutputFileOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let statement = try await Statements(pool: context.ledger.pool).preview(
                period.text, in: context.alliance, by: context.caller)
            if output.format == .json {
                try file.write(Array((try jsonText(statement) + "\n").utf8))
                return
            }
            let money = context.money
            let rows =
                statement.budget.rows.map { row in
                    [row.partner, row.budgetLine, money(row.budget), money(row.actual), money(row.variance)]
                } + [
                    [
                        "total", "", money(statement.budget.total.budget),
                        money(statement.budget.total.actual),
                        money(statement.budget.total.variance),
                    ]
                ]
            try output.emit(
                table: TextTable(
                    columns: [
                        "partner", "budget line", .number("budget"), .number("actual"), .number("variance"),
                    ], rows: rows),
                json: statement)
            printError(
                "\(statement.period.name) (\(statement.period.from) to \(statement.period.to)): \(statement.header.basis)"
            )
        }
    }
}

struct StatementPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a period that has ended, or restate it with --supersedes and --reason.",
        discussion: """
            By a finance lead or a board member, with their --token. The journal is verified \
            from the previous statement first; a trial balance that is not zero publishes \
            nothing. The checkpoint's origin is the public base URL's host and the alliance.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var period: StatementPeriodOption
    @Option(help: ArgumentHelp("The period's current statement, to restate it.", valueName: "number"))
    var supersedes: String?
    @Option(help: "Why the period is restated.")
    var reason: String?

    func run() async throws {
        let settings = try global.settings()
        let request = try PublicationRequest(period: period.text, supersedes: supersedes, reason: reason)
        try await global.withLedger(alliance) { context in
            let listing = try await Statements(pool: context.ledger.pool).publish(
                request,
                origin: Statements.origin(
                    publicBaseURL: settings.publicBaseURL, alliance: context.alliance.slug),
                in: context.alliance, by: context.caller)
            try output.emit(table: StatementListing.table([listing]), json: listing)
        }
    }
}

struct StatementListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the alliance's published statements, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let listings = try await Statements(pool: context.ledger.pool).list(in: context.alliance.id)
            try output.emit(table: StatementListing.table(listings), json: listings)
        }
    }
}

extension StatementListing {
    static func table(_ listings: [StatementListing]) -> TextTable {
        TextTable(
            columns: ["number", "period", "state", "published", "by", "co-signed", "hash"],
            rows: listings.map { listing in
                [
                    listing.number, listing.period,
                    listing.state.rawValue + (listing.supersedes.map { " (restates \($0))" } ?? ""),
                    listing.publishedAt.description, listing.publishedBy,
                    listing.cosignedByAll
                        ? "by all partners"
                        : "awaiting co-signature (\(listing.signedBy) of \(listing.partners))",
                    listing.hash.description,
                ]
            })
    }
}

struct StatementShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Write a published statement's exact bytes, or its checkpoint or signatures.",
        discussion:
            "With --signatures, the signatures as JSON (what verify reads beside the statement as <file>.signatures.json)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var alliance: AllianceOption
    @Argument(help: .statementNumber)
    var number: String
    @Flag(help: "Write the checkpoint its co-signatures cover instead.")
    var checkpoint = false
    @Flag(help: "Write its signatures as JSON instead.")
    var signatures = false
    @Option(
        name: .customLong("file"),
        help: ArgumentHelp(
            "Write one of its published files instead, e.g. SHA256SUMS or spend.csv.", valueName: "name"))
    var named: String?
    @OptionGroup var file: OutputFileOption

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let statements = Statements(pool: context.ledger.pool)
            if let named {
                guard let found = try await statements.file(named, of: number, in: context.alliance.id) else {
                    throw CommandFailure(.notFound, "\(number) has no file \(named)")
                }
                try file.write(found.bytes)
            } else if checkpoint {
                try file.write(Array(try await statements.checkpoint(number, in: context.alliance.id).utf8))
            } else if signatures {
                let found = try await statements.signatures(number, in: context.alliance.id)
                try file.write(Array((try jsonText(found.map(SignatureFile.init)) + "\n").utf8))
            } else {
                try file.write(try await statements.body(number, in: context.alliance.id).bytes)
            }
        }
    }
}

/// A signature as `statement show --signatures` writes it and `verify` reads it: the same keys as
/// the HTTP API's list of signatures.
struct SignatureFile: Codable {
    let partner: String
    let publicKey: String
    let signature: String

    init(_ found: (partner: String, key: PartnerKey, signature: String, at: Timestamp)) {
        partner = found.partner
        publicKey = found.key.publicKey
        signature = found.signature
    }
}

struct StatementSignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Co-sign a statement's checkpoint with a private key kept on this machine.",
        discussion: """
            By a board member, with their --token, and a key of their own partner registered with \
            `key add`. The key never leaves the machine: only the signature is stored. Equivalent: \
            `statement show S-0001 --checkpoint --output cp.txt` then `openssl pkeyutl -sign \
            -rawin -inkey key.pem -in cp.txt | base64`.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @Argument(help: .statementNumber)
    var number: String
    @Option(help: ArgumentHelp("The Ed25519 private key, PKCS#8 PEM (key generate).", valueName: "file"))
    var key: String

    func run() async throws {
        let privateKey = try Ed25519PEM.readPrivateKey(key)
        try await global.withLedger(alliance) { context in
            let statements = Statements(pool: context.ledger.pool)
            let checkpoint = try await statements.checkpoint(number, in: context.alliance.id)
            let signature = try privateKey.signature(for: Data(checkpoint.utf8))
            let listing = try await statements.sign(
                number, key: privateKey.publicKey.rawRepresentation.base64EncodedString(),
                signature: signature.base64EncodedString(), in: context.alliance, by: context.caller)
            try output.emit(table: StatementListing.table([listing]), json: listing)
        }
    }
}

struct StatementCommentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Explain a budget line's variance for a period, before the statement is published.",
        discussion:
            "By a finance lead of the partner, with their --token; the latest note is the one published.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @OptionGroup var period: StatementPeriodOption
    @Option(help: .partnerSlug) var partner: String
    @Option(name: .customLong("budget-line"), help: .budgetLineCode) var budgetLine: String
    @Option(help: "The commentary, up to 2000 characters.") var text: String

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let commentary = try await Statements(pool: context.ledger.pool).comment(
                text, on: period.text, partner: partner, budgetLine: budgetLine, in: context.alliance,
                by: context.caller)
            try output.emit(
                table: TextTable(
                    columns: ["partner", "budget line", "by", "at", "text"],
                    rows: [
                        [
                            commentary.partner, commentary.budgetLine, commentary.by,
                            commentary.at.description, commentary.text,
                        ]
                    ]),
                json: commentary)
        }
    }
}

struct StatementVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Verify a statement from a file, a folder of its files, a URL or, with the database, its number.",
        discussion: """
            A folder is a statement's unzipped files: every file is checked against SHA256SUMS \
            and datapackage.json, and checkpoint.txt and signatures.json against the checkpoint \
            the statement and SHA256SUMS name. \
            Checks the bytes' hash and canonical form, the chain to the previous statement \
            (--previous, or S-000N-1.json beside the file), every signature over the checkpoint \
            (--signatures, or <file>.signatures.json beside it; --trusted-keys pins the keys), \
            and every total, variance and share against its rows. By number it also checks the \
            stored bytes, every actual against the ledger and the journal's tree against the \
            previous statement's. Each check prints passed, FAILED or not checked; the exit code \
            is 0 only when nothing FAILED (--require-signatures: and every signature was checked).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("With a number: the alliance's slug.", valueName: "slug"))
    var alliance: String?
    @OptionGroup var token: TokenOption
    @Argument(
        help: ArgumentHelp(
            "A file, a folder of its files, an http(s) URL, or a number such as S-0001.",
            valueName: "statement"))
    var statement: String
    @Option(help: ArgumentHelp("The previous statement's file.", valueName: "file"))
    var previous: String?
    @Option(
        help: ArgumentHelp("The signatures, as `statement show --signatures` writes them.", valueName: "file")
    )
    var signatures: String?
    @Option(
        name: .customLong("trusted-keys"),
        help: ArgumentHelp(
            "Pin the keys: a JSON list of {partner, publicKey} (key list --format json).", valueName: "file"))
    var trustedKeys: String?
    @Option(
        help: ArgumentHelp(
            "The statement's SHA256SUMS (default: SHA256SUMS beside the file), whose hash its checkpoint names.",
            valueName: "file"))
    var sums: String?
    @Flag(name: .customLong("require-signatures"), help: "Fail when no signature could be checked.")
    var requireSignatures = false

    func run() async throws {
        var checks: [VerificationCheck]
        let trusted = try trustedKeys.map(Self.readTrustedKeys)
        // A file or folder that exists is read as one, even when its name is a number such as
        // S-0001 (the folder an unzipped statement makes).
        if Statement.number(statement) != nil, !FileManager.default.fileExists(atPath: statement) {
            guard let alliance else {
                throw CommandFailure(.usage, "verifying a statement by number needs --alliance")
            }
            checks = try await global.withLedger(alliance: alliance, token: token) { context in
                let statements = Statements(pool: context.ledger.pool)
                let bytes = try await statements.body(statement, in: context.alliance.id).bytes
                let number = Statement.number(statement) ?? 1
                let previousBytes =
                    number > 1
                    ? try await statements.body(Statement.reference(number - 1), in: context.alliance.id)
                        .bytes : nil
                let signed = try await statements.signatures(statement, in: context.alliance.id).map(
                    SignatureFile.init)
                let filesHash = StatementFiles.filesHash(
                    inCheckpoint: try await statements.checkpoint(statement, in: context.alliance.id))
                var checks = StatementVerifier.verify(
                    bytes, previous: previousBytes, signatures: try signed.map { try $0.supplied },
                    trustedKeys: trusted, filesHash: filesHash)
                checks += try await statements.verifyAgainstLedger(
                    bytes, number: statement, in: context.alliance)
                return checks
            }
        } else if statement.hasPrefix("http://") || statement.hasPrefix("https://") {
            let bytes = try await fetch(statement)
            let signed = try? JSONDecoder().decode(
                [SignatureFile].self, from: Data(try await fetch(statement + "/signatures")))
            // The files line, which the signatures cover, as the service states it.
            let checkpoint = try? await fetch(statement + "/checkpoint")
            checks = StatementVerifier.verify(
                bytes, previous: try previous.map(Self.read), signatures: try signed?.map { try $0.supplied },
                trustedKeys: trusted,
                filesHash: checkpoint.flatMap {
                    StatementFiles.filesHash(inCheckpoint: String(decoding: $0, as: UTF8.self))
                })
        } else if Self.isDirectory(statement) {
            checks = StatementVerifier.verifyFiles(
                try Self.readFolder(statement), previous: try previous.map(Self.read), trustedKeys: trusted)
        } else {
            let bytes = try Self.read(statement)
            let base = statement.hasSuffix(".json") ? String(statement.dropLast(5)) : statement
            let signaturesFile =
                signatures
                ?? (FileManager.default.fileExists(atPath: base + ".signatures.json")
                    ? base + ".signatures.json" : nil)
            let signed = try signaturesFile.map {
                try JSONDecoder().decode([SignatureFile].self, from: Data(try Self.read($0)))
            }
            // A statement published with files: its SHA256SUMS, named or beside it, gives the
            // checkpoint's files line.
            let sumsFile =
                sums
                ?? URL(fileURLWithPath: statement).deletingLastPathComponent().appendingPathComponent(
                    StatementFiles.sums
                ).path
            let filesHash =
                FileManager.default.fileExists(atPath: sumsFile)
                ? AllianceLedger.Digest(Array(SHA256.hash(data: try Self.read(sumsFile)))) : nil
            checks = StatementVerifier.verify(
                bytes,
                previous: try (previous ?? Self.sibling(before: statement, bytes: bytes)).map(Self.read),
                signatures: try signed?.map { try $0.supplied }, trustedKeys: trusted, filesHash: filesHash)
            if filesHash == nil,
                checks.contains(where: { $0.name.hasPrefix("signature") && $0.outcome == .failed })
            {
                // The signatures of a statement published with files cover its SHA256SUMS too.
                checks.append(
                    VerificationCheck(
                        "files", .notChecked,
                        "no \(StatementFiles.sums) at \(sumsFile): a statement published with files is signed with its sums; give them with --sums"
                    ))
            }
        }
        if requireSignatures {
            checks = checks.map { check in
                check.name == "signatures" && check.outcome == .notChecked
                    ? VerificationCheck(check.name, .failed, check.detail + " (--require-signatures)") : check
            }
        }
        try output.emit(
            table: TextTable(
                columns: ["check", "result", "detail"],
                rows: checks.map { [$0.name, $0.outcome.rawValue, $0.detail] }),
            json: checks)
        if checks.contains(where: { $0.outcome == .failed }) {
            throw CommandFailure(.failure, "\(statement) does not verify (see above)")
        }
    }

    /// `S-0002.json` beside `S-0003.json`, when the file is named by its number.
    static func sibling(before path: String, bytes: [UInt8]) -> String? {
        let url = URL(fileURLWithPath: path)
        guard let number = Statement.number(url.deletingPathExtension().lastPathComponent), number > 1 else {
            return nil
        }
        let candidate = url.deletingLastPathComponent().appendingPathComponent(
            Statement.reference(number - 1) + ".json"
        ).path
        return FileManager.default.fileExists(atPath: candidate) ? candidate : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// The files of an unzipped statement: each regular file of the folder by name.
    static func readFolder(_ path: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            let full = URL(fileURLWithPath: path).appendingPathComponent(name).path
            if !isDirectory(full) { files[name] = try read(full) }
        }
        return files
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(.notFound, "cannot read \(path)")
        }
        return Array(data)
    }

    static func readTrustedKeys(_ path: String) throws -> [String: Set<[UInt8]>] {
        struct Key: Decodable {
            let partner: String
            let publicKey: String
        }
        let keys: [Key]
        do {
            keys = try JSONDecoder().decode([Key].self, from: Data(try read(path)))
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(.invalidInput, "\(path) is not a JSON list of {partner, publicKey}")
        }
        var trusted: [String: Set<[UInt8]>] = [:]
        for key in keys {
            guard let raw = Data(base64Encoded: key.publicKey), raw.count == 32 else {
                throw CommandFailure(
                    .invalidInput, "\(path): \(key.partner)'s publicKey is not base64 of 32 bytes")
            }
            trusted[key.partner, default: []].insert(Array(raw))
        }
        return trusted
    }

    /// A GET with Foundation's URL loading, the token as a bearer credential when one is given.
    func fetch(_ address: String) async throws -> [UInt8] {
        guard let url = URL(string: address) else {
            throw CommandFailure(.invalidInput, "\(address) is not a URL")
        }
        var request = URLRequest(url: url)
        if let credential = token.credential {
            request.setValue("Bearer \(credential.token)", forHTTPHeaderField: "Authorization")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw CommandFailure(
                .notFound, "\(address) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        return Array(data)
    }
}

extension SignatureFile {
    var supplied: SuppliedSignature {
        get throws {
            guard let key = Data(base64Encoded: publicKey), let bytes = Data(base64Encoded: signature) else {
                throw CommandFailure(.invalidInput, "a signature of \(partner) is not base64")
            }
            return SuppliedSignature(partner: partner, publicKey: Array(key), signature: Array(bytes))
        }
    }
}
