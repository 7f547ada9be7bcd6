/// The data format of a `COPY … FROM STDIN`.
public enum CopyFormat: Sendable, Equatable {
    /// PostgreSQL's text format: tab-separated, `\N` for NULL, backslash escapes.
    case text
    /// RFC 4180 style CSV; `header` skips the first line of the data.
    case csv(header: Bool)

    static func statement(
        table: String, columns: [String], format: CopyFormat
    ) throws(PostgresError) -> String {
        guard !columns.isEmpty else {
            throw PostgresError(.misuse, "COPY needs at least one column")
        }
        var quotedColumns = [String]()
        for column in columns { quotedColumns.append(try quoteIdentifier(column)) }
        let options =
            switch format {
            case .text: "FORMAT text"
            case .csv(let header): "FORMAT csv, HEADER \(header ? "true" : "false")"
            }
        return "COPY \(try quoteIdentifier(table)) (\(quotedColumns.joined(separator: ", "))) "
            + "FROM STDIN (\(options))"
    }
}

/// Writes rows into a running `COPY … FROM STDIN`, buffering so that each trip to the
/// connection carries a few hundred kilobytes rather than one row.
public final class PostgresCopyWriter {
    private let connection: PostgresConnection
    private let format: CopyFormat
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 * 1024

    init(connection: PostgresConnection, format: CopyFormat) {
        self.connection = connection
        self.format = format
        buffer.reserveCapacity(PostgresCopyWriter.flushThreshold + 4096)
    }

    /// Writes one row, encoding and escaping each value for the COPY's format.
    public func writeRow(_ values: [any PostgresEncodable]) async throws(PostgresError) {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(format == .text ? 0x09 : UInt8(ascii: ",")) }
            append(try value.postgresBind().value)
        }
        buffer.append(0x0A)
        if buffer.count >= PostgresCopyWriter.flushThreshold { try await flush() }
    }

    /// Writes bytes that are already in the COPY's format, such as the lines of a CSV file.
    public func writeRaw(_ bytes: some Sequence<UInt8>) async throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= PostgresCopyWriter.flushThreshold { try await flush() }
    }

    func flush() async throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        try await connection.sendCopyData(chunk)
    }

    private func append(_ value: PostgresBind.Value) {
        switch (format, value) {
        case (.text, .null):
            buffer.append(contentsOf: [0x5C, UInt8(ascii: "N")])
        case (.text, .text(let text)):
            appendTextEscaped(text.utf8)
        case (.text, .binary(let bytes)):
            // bytea in text COPY is its hex form, whose backslash itself needs escaping.
            buffer.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
            appendHex(bytes)
        case (.csv, .null):
            break
        case (.csv, .text(let text)):
            appendCSVQuoted(text.utf8)
        case (.csv, .binary(let bytes)):
            buffer.append(contentsOf: [UInt8(ascii: "\""), 0x5C, UInt8(ascii: "x")])
            appendHex(bytes)
            buffer.append(UInt8(ascii: "\""))
        }
    }

    private func appendTextEscaped(_ bytes: String.UTF8View) {
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default: buffer.append(byte)
            }
        }
    }

    /// Every non-NULL value is quoted, so an empty string stays distinct from NULL.
    private func appendCSVQuoted(_ bytes: String.UTF8View) {
        buffer.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private func appendHex(_ bytes: [UInt8]) {
        buffer.append(contentsOf: hexDigits(bytes).utf8)
    }
}
