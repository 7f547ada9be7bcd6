import Crypto
import Foundation
import Postgres

/// One file of a published statement: written at publication, stored with it, never changed.
public struct StatementFile: Hashable, Sendable {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    public var hash: Digest { Digest(Array(SHA256.hash(data: bytes))) }

    /// What the file is, for `Content-Type`.
    public var mediaType: String { StatementFiles.mediaType(of: name) }
}

/// The files of a published statement, in the formats finance teams, journalists and
/// transparency portals already read: the statement itself, a Frictionless Data Package of
/// CSVs, the UK transparency views, an OCDS release package and the keys, with `SHA256SUMS`
/// over all of them. The checkpoint's `files` line is the hash of `SHA256SUMS`, so a
/// co-signature covers every file.
public enum StatementFiles {
    public static let sums = "SHA256SUMS"
    public static let statement = "statement.json"
    public static let keys = "keys.json"
    public static let dataPackage = "datapackage.json"
    public static let ocds = "ocds.json"
    /// Not stored: written from the statement when asked, as it names `SHA256SUMS`'s hash.
    public static let checkpoint = "checkpoint.txt"
    /// Not stored: the co-signatures gathered since publication, as `statement show
    /// --signatures` writes them.
    public static let signatures = "signatures.json"

    /// The Open Government Licence v3.0, under which every file is published.
    static let licence: OpenJSON = [
        "name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
        "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ]

    static func mediaType(of name: String) -> String {
        if name.hasSuffix(".csv") { return "text/csv; charset=utf-8; header=present" }
        if name.hasSuffix(".json") { return "application/json" }
        return "text/plain; charset=utf-8"
    }

    /// `SHA256SUMS` as `sha256sum` writes and `sha256sum -c` reads it: one `<hex>  <name>` line
    /// per file, sorted by name.
    public static func sums(of files: [StatementFile]) -> StatementFile {
        let lines = files.sorted { $0.name < $1.name }.map { "\($0.hash)  \($0.name)\n" }
        return StatementFile(name: sums, bytes: Array(lines.joined().utf8))
    }

    /// The checkpoint's last line for a statement published with files.
    public static func filesLine(_ sums: Digest) -> String { "files sha256:\(sums)\n" }

    /// The `SHA256SUMS` hash a checkpoint's files line names; nil for a checkpoint without one.
    public static func filesHash(inCheckpoint text: String) -> Digest? {
        text.split(separator: "\n").last { $0.hasPrefix("files sha256:") }.flatMap {
            try? Digest(hex: String($0.dropFirst("files sha256:".count)))
        }
    }

    // MARK: Writing

    /// Every stored file of a statement being published, `SHA256SUMS` last. `body` is the
    /// statement's canonical bytes; `thresholds` the alliance's transparency thresholds.
    static func write(
        _ statement: Statement, body: [UInt8], alliance: Alliance, thresholds: TransparencyThresholds,
        on connection: PostgresConnection
    ) async throws -> [StatementFile] {
        let source = try await OpenDataSource.read(
            statement, alliance: alliance, thresholds: thresholds, on: connection)
        let tables = source.tables()
        var files = [StatementFile(name: StatementFiles.statement, bytes: body)]
        files += tables.map { StatementFile(name: $0.file, bytes: $0.csv) }
        files.append(StatementFile(name: keys, bytes: source.keysJSON()))
        files.append(StatementFile(name: ocds, bytes: source.ocdsJSON()))
        files.append(
            StatementFile(
                name: dataPackage,
                bytes: source.dataPackage(tables: tables, files: files.filter { $0.name.hasSuffix(".csv") })))
        files.append(sums(of: files))
        return files
    }

    /// Stores the files in the publication's transaction; the database refuses them for any
    /// statement not published in the same transaction, and every change afterwards.
    static func store(
        _ files: [StatementFile], number: Int, in alliance: AllianceID, on connection: PostgresConnection
    ) async throws {
        for file in files {
            try await connection.execute(
                """
                INSERT INTO statement_files (alliance_id, statement_number, name, bytes, hash)
                VALUES (\(alliance.rawValue), \(Int32(number)), \(file.name), \(Data(file.bytes)), \(Data(file.hash.bytes)))
                """)
        }
    }

    // MARK: Reading

    /// The names of a statement's files, or nil when it has none (published before files
    /// existed) or does not exist.
    static func names(_ number: Int, in alliance: AllianceID, on connection: PostgresConnection) async throws
        -> [String]
    {
        try await connection.query(
            """
            SELECT name FROM statement_files
            WHERE alliance_id = \(alliance.rawValue) AND statement_number = \(Int32(clamping: number))
            ORDER BY name
            """
        ).map { try $0.decode("name") }
    }
}

extension [StatementFile] {
    /// The hash of the files' `SHA256SUMS`: what the checkpoint's files line names.
    var sumsHash: Digest {
        first { $0.name == StatementFiles.sums }?.hash ?? StatementFiles.sums(of: self).hash
    }
}

/// The amounts at or above which spend appears in the UK transparency views: alliance
/// settings, changed by an `alliance.setSettings` decision. They compare the net amount.
public struct TransparencyThresholds: Hashable, Sendable {
    /// `spend-over-500.csv` (Local Government Transparency Code): £500 unless set.
    public let local: Int64
    /// `spend-over-25000.csv` (HM Treasury and NHS): £25,000 unless set.
    public let central: Int64

    public init(local: Int64, central: Int64) {
        self.local = local
        self.central = central
    }
}

extension TransparencyThresholds {
    /// The alliance's thresholds as they stand.
    static func of(_ alliance: AllianceID, on connection: PostgresConnection) async throws
        -> TransparencyThresholds
    {
        let row = try await connection.query(
            """
            SELECT local_transparency_threshold, central_transparency_threshold FROM alliances
            WHERE id = \(alliance.rawValue)
            """
        ).single()
        return TransparencyThresholds(
            local: try row.decode("local_transparency_threshold"),
            central: try row.decode("central_transparency_threshold"))
    }
}
