import AllianceLedger
import ArgumentParser
import Crypto
import Dates
import Foundation

// Partners' Ed25519 signing keys: generated and kept by the board member on their own machine,
// the public half registered for their partner, and revoked when lost or retired.

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate, register, list and revoke partners' statement-signing keys.",
        subcommands: [
            KeyGenerateCommand.self, KeyAddCommand.self, KeyListCommand.self, KeyRevokeCommand.self,
        ])
}

struct KeyGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new Ed25519 private key (PKCS#8 PEM, mode 0600) and print its public half.",
        discussion:
            "Equivalent: `openssl genpkey -algorithm ed25519 -out key.pem`. Needs no database. An existing file is never overwritten."
    )

    @Option(help: ArgumentHelp("Where to write the private key.", valueName: "file"))
    var output: String

    func run() throws {
        let key = Curve25519.Signing.PrivateKey()
        try Ed25519PEM.write(key, to: output)
        let publicKey = key.publicKey.rawRepresentation
        print(publicKey.base64EncodedString())
        printError(
            "wrote \(output) (keep it private); fingerprint \(Digest(Array(SHA256.hash(data: publicKey)))); register the line above with `key add`"
        )
    }
}

struct KeyAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a public key for a partner: by a board member of that partner.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @Option(help: .partnerSlug) var partner: String
    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp("The 32-byte public key, base64.", valueName: "base64"))
    var publicKey: String?
    @Option(
        help: ArgumentHelp("Or the private key file, whose public half is registered.", valueName: "file"))
    var key: String?

    func run() async throws {
        let text: String
        switch (publicKey, key) {
        case (let given?, nil): text = given
        case (nil, let file?):
            text = try Ed25519PEM.readPrivateKey(file).publicKey.rawRepresentation.base64EncodedString()
        default: throw CommandFailure(.usage, "give one of --public-key and --key")
        }
        try await global.withLedger(alliance) { context in
            let registered = try await Statements(pool: context.ledger.pool).registerKey(
                text, for: partner, in: context.alliance, by: context.caller)
            try output.emit(table: PartnerKey.table([registered]), json: registered)
        }
    }
}

struct KeyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List partners' keys, revoked ones included.",
        discussion: "`--format json` is what `statement verify --trusted-keys` reads.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @Option(help: "Only this partner's keys.") var partner: String?

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let statements = Statements(pool: context.ledger.pool)
            let keys: [PartnerKey]
            if let partner {
                keys = try await statements.keys(of: partner, in: context.alliance.id)
            } else {
                keys = try await statements.keys(in: context.alliance.id)
            }
            try output.emit(table: PartnerKey.table(keys), json: keys)
        }
    }
}

struct KeyRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a partner's key: by a board member of that partner.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var alliance: AllianceOption
    @Option(help: .partnerSlug) var partner: String
    @Argument(help: "The key's id.") var id: Int64

    func run() async throws {
        try await global.withLedger(alliance) { context in
            let revoked = try await Statements(pool: context.ledger.pool).revokeKey(
                id, of: partner, in: context.alliance, by: context.caller)
            try output.emit(table: PartnerKey.table([revoked]), json: revoked)
        }
    }
}

extension PartnerKey {
    static func table(_ keys: [PartnerKey]) -> TextTable {
        TextTable(
            columns: ["id", "partner", "fingerprint", "registered", "by", "revoked"],
            rows: keys.map {
                [
                    String($0.id), $0.partner, $0.fingerprint, $0.registeredAt.description, $0.registeredBy,
                    $0.revokedAt?.description ?? "",
                ]
            })
    }
}

/// Ed25519 private keys as PKCS#8 PEM (RFC 8410), the form `openssl genpkey -algorithm ed25519`
/// writes: a fixed 16-byte DER prefix and the 32-byte seed.
enum Ed25519PEM {
    static let prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    static func write(_ key: Curve25519.Signing.PrivateKey, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(.conflict, "\(path) exists: a key is never overwritten")
        }
        let der = Data(prefix + Array(key.rawRepresentation))
        let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        let pem = "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\n"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CommandFailure(.failure, "cannot write \(path)") }
    }

    static func readPrivateKey(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(.notFound, "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let base64 = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard text.contains("-----BEGIN PRIVATE KEY-----"), let der = Data(base64Encoded: base64),
            der.count == prefix.count + 32, Array(der.prefix(prefix.count)) == prefix,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        else {
            throw CommandFailure(.invalidInput, "\(path) is not an Ed25519 private key in PKCS#8 PEM")
        }
        return key
    }
}
