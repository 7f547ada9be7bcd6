import Foundation
import Postgres

extension Statements {
    /// The names of a published statement's files, as served: the stored ones, then
    /// `checkpoint.txt` and `signatures.json`, which are written when asked (the checkpoint names
    /// `SHA256SUMS`'s hash; signatures are gathered after publication). Empty for a statement
    /// published before files existed, or for none.
    public func fileNames(of number: String, in alliance: AllianceID) async throws -> [String] {
        guard let value = Statement.number(number) else { return [] }
        let stored = try await pool.withConnection { connection in
            try await StatementFiles.names(value, in: alliance, on: connection)
        }
        return stored.isEmpty ? [] : stored + [StatementFiles.checkpoint, StatementFiles.signatures]
    }

    /// One file of a published statement; nil when the statement, or the file, does not exist.
    public func file(_ name: String, of number: String, in alliance: AllianceID) async throws
        -> StatementFile?
    {
        guard let value = Statement.number(number) else { return nil }
        return try await pool.withConnection { connection in
            try await Statements.file(name, of: value, in: alliance, on: connection)
        }
    }

    /// Every file of a published statement, in the order its zip holds them; empty when it has
    /// none.
    public func files(of number: String, in alliance: AllianceID) async throws -> [StatementFile] {
        guard let value = Statement.number(number) else { return [] }
        return try await pool.withTransaction(.repeatableRead) { connection in
            var files: [StatementFile] = []
            for name in try await StatementFiles.names(value, in: alliance, on: connection) {
                if let file = try await Statements.file(name, of: value, in: alliance, on: connection) {
                    files.append(file)
                }
            }
            guard !files.isEmpty else { return [] }
            for name in [StatementFiles.checkpoint, StatementFiles.signatures] {
                if let file = try await Statements.file(name, of: value, in: alliance, on: connection) {
                    files.append(file)
                }
            }
            return files
        }
    }

    static func file(
        _ name: String, of number: Int, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> StatementFile?
    {
        switch name {
        case StatementFiles.checkpoint, StatementFiles.signatures:
            // Only for a statement published with files: the others have none to list.
            guard try await !StatementFiles.names(number, in: alliance, on: connection).isEmpty else {
                return nil
            }
            if name == StatementFiles.checkpoint {
                return StatementFile(
                    name: name, bytes: Array(try await checkpoint(number, in: alliance, on: connection).utf8))
            }
            return StatementFile(
                name: name, bytes: try await signaturesJSON(number, in: alliance, on: connection))
        default:
            guard
                let row = try await connection.query(
                    """
                    SELECT bytes FROM statement_files
                    WHERE alliance_id = \(alliance.rawValue) AND statement_number = \(Int32(clamping: number))
                      AND name = \(name)
                    """
                ).first
            else { return nil }
            return StatementFile(name: name, bytes: Array(try row.decode("bytes", as: Data.self)))
        }
    }

    /// The co-signatures as `statement show --signatures` writes them: a list of
    /// `{partner, publicKey, signature}`, oldest first.
    static func signaturesJSON(_ number: Int, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [UInt8]
    {
        let rows = try await connection.query(
            """
            SELECT p.slug, k.public_key, g.signature FROM statement_signatures AS g
            JOIN partner_keys AS k ON k.alliance_id = g.alliance_id AND k.id = g.key_id
            JOIN partners AS p ON p.alliance_id = g.alliance_id AND p.id = g.partner_id
            WHERE g.alliance_id = \(alliance.rawValue) AND g.statement_number = \(Int32(clamping: number))
            ORDER BY g.signed_at, g.key_id
            """)
        return OpenJSON.array(
            try rows.map { row in
                [
                    "partner": .string(try row.decode("slug")),
                    "publicKey": .string(try row.decode("public_key", as: Data.self).base64EncodedString()),
                    "signature": .string(try row.decode("signature", as: Data.self).base64EncodedString()),
                ]
            }
        ).bytes
    }
}
