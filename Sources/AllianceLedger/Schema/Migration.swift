import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One numbered SQL file of the schema, such as `0001_alliances.sql`.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations apply in this order.
    public let version: Int
    /// The file name.
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, in lowercase hex: an applied file must never change.
    public let checksum: String

    public init(fileName: String, sql: String) throws(SchemaMigrationError) {
        let digits = fileName.prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 4, fileName.dropFirst(4).first == "_", fileName.hasSuffix(".sql"),
            let version = Int(digits), version > 0
        else { throw .badFileName(fileName) }
        self.version = version
        name = fileName
        self.sql = sql
        checksum = SHA256.hash(data: Array(sql.utf8))
            .map { byte in String(byte, radix: 16).leftPadded(to: 2) }
            .joined()
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        String(repeating: pad, count: max(0, width - count)) + self
    }
}
