/// The rows a statement returned, copied out of libpq into Swift values.
///
/// Values are kept in PostgreSQL's text format and decoded on request, by column name, into
/// any `PostgresDecodable` type.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in result order.
    public let columns: [String]
    /// Rows changed by an INSERT, UPDATE, DELETE, MERGE or COPY, or returned by a SELECT.
    public let affectedRows: Int
    /// The server's command tag, e.g. `INSERT 0 1` or `COMMIT`.
    public let commandTag: String
    let columnIndex: [String: Int]
    let cells: [String?]

    init(columns: [String], cells: [String?], affectedRows: Int, commandTag: String) {
        precondition(columns.isEmpty ? cells.isEmpty : cells.count % columns.count == 0)
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
        self.commandTag = commandTag
        var index: [String: Int] = [:]
        // When two columns share a name, the first one wins, as in most drivers.
        for (position, name) in columns.enumerated() where index[name] == nil {
            index[name] = position
        }
        columnIndex = index
    }

    /// No columns and no rows.
    public static let empty = PostgresRows(columns: [], cells: [], affectedRows: 0, commandTag: "")

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row \(position) is out of range")
        return PostgresRow(rows: self, offset: position * columns.count)
    }

    /// The only row; a decoding error when there are none or several.
    public func single() throws(PostgresError) -> PostgresRow {
        guard count == 1 else {
            throw PostgresError(.decoding, "expected exactly one row, got \(count)")
        }
        return self[0]
    }
}

/// One row of a result.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let offset: Int

    /// Decodes the named column. A NULL decodes only into an `Optional`.
    public func decode<Value: PostgresDecodable>(
        _ column: String, as type: Value.Type = Value.self
    ) throws(PostgresError) -> Value {
        guard let position = rows.columnIndex[column] else {
            throw PostgresError(.decoding, "the result has no column \"\(column)\"")
        }
        guard let text = rows.cells[offset + position] else {
            guard let null = Value.postgresNull else {
                throw PostgresError(
                    .decoding, "column \"\(column)\" is NULL but \(Value.self) cannot be NULL",
                    column: column)
            }
            return null
        }
        guard let value = Value(postgresText: text) else {
            throw PostgresError(
                .decoding, "column \"\(column)\" does not hold a valid \(Value.self)",
                column: column)
        }
        return value
    }

    /// The raw text of the named column, nil for NULL.
    public func text(_ column: String) throws(PostgresError) -> String? {
        try decode(column, as: String?.self)
    }
}
