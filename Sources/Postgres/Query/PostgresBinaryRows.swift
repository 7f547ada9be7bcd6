/// The rows of a statement run with results in PostgreSQL's binary format, each value kept as
/// the server sent it, in one buffer.
///
/// For reading many rows fast, where making a `String` of every value and parsing it again would
/// cost more than the query: the journal verifier reads every entry this way. Values are read by
/// row and column position, as the bytes of the column's type's binary format (`typsend`): an
/// `int8` as 8 big-endian bytes, `text` as its UTF-8 bytes, `bytea` as is. Ask the statement for
/// the types the accessors read (cast in SQL where needed).
public struct PostgresBinaryRows: Sendable {
    /// Column names in result order.
    public let columns: [String]
    /// Rows returned.
    public let count: Int
    @usableFromInline let storage: [UInt8]
    /// Per cell, in row order: where its bytes start in `storage`.
    @usableFromInline let starts: [Int]
    /// Per cell: its byte count, -1 for NULL.
    @usableFromInline let lengths: [Int32]

    init(columns: [String], count: Int, storage: [UInt8], starts: [Int], lengths: [Int32]) {
        precondition(starts.count == count * columns.count && lengths.count == starts.count)
        self.columns = columns
        self.count = count
        self.storage = storage
        self.starts = starts
        self.lengths = lengths
    }

    /// These rows, which must be exactly one (read it as row 0); a decoding error otherwise, as
    /// `PostgresRows.single()` gives.
    public func single() throws(PostgresError) -> PostgresBinaryRows {
        guard count == 1 else {
            throw PostgresError(.decoding, "expected exactly one row, got \(count)")
        }
        return self
    }

    /// The position of the named column; a decoding error when the result has none.
    public func column(_ name: String) throws(PostgresError) -> Int {
        guard let position = columns.firstIndex(of: name) else {
            throw PostgresError(.decoding, "the result has no column \"\(name)\"")
        }
        return position
    }

    /// Whether the value at `row`, `column` is NULL.
    @inlinable
    public func isNull(_ row: Int, _ column: Int) -> Bool {
        lengths[row * columns.count + column] < 0
    }

    /// Calls `body` with the value's bytes, or with nil for NULL. The bytes are valid only
    /// during the call.
    @inlinable
    public func withBytes<Result>(
        _ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer?) throws -> Result
    ) rethrows -> Result {
        let cell = row * columns.count + column
        let length = Int(lengths[cell])
        guard length >= 0 else { return try body(nil) }
        return try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[starts[cell]..<starts[cell] + length]))
        }
    }

    /// An `int8`, `int4` or `int2` value (by its byte count), widened to 64 bits.
    @inlinable
    public func integer(_ row: Int, _ column: Int) throws(PostgresError) -> Int64 {
        let cell = row * columns.count + column
        let length = Int(lengths[cell])
        guard length == 8 || length == 4 || length == 2 else {
            throw PostgresError(
                .decoding,
                length < 0
                    ? "column \"\(columns[column])\" is NULL but an integer cannot be NULL"
                    : "column \"\(columns[column])\" does not hold a binary integer",
                column: columns[column])
        }
        let start = starts[cell]
        return storage.withUnsafeBytes { bytes in
            switch length {
            case 8: Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: Int64.self))
            case 4: Int64(Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: Int32.self)))
            default: Int64(Int16(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: Int16.self)))
            }
        }
    }

    /// An integer, or nil for NULL.
    @inlinable
    public func optionalInteger(_ row: Int, _ column: Int) throws(PostgresError) -> Int64? {
        isNull(row, column) ? nil : try integer(row, column)
    }

    /// A `date` as days since 1970-01-01 (the binary format counts from 2000-01-01). The
    /// infinities come through as PostgreSQL's sentinels shifted by the same amount.
    @inlinable
    public func daysSince1970(_ row: Int, _ column: Int) throws(PostgresError) -> Int64 {
        try integer(row, column) + Self.daysFrom1970To2000
    }

    /// A `timestamptz` as microseconds since 1970-01-01T00:00:00Z (the binary format counts from
    /// 2000-01-01).
    @inlinable
    public func microsecondsSince1970(_ row: Int, _ column: Int) throws(PostgresError) -> Int64 {
        let value = try integer(row, column)
        let (shifted, overflow) = value.addingReportingOverflow(Self.microsecondsFrom1970To2000)
        guard !overflow else {
            throw PostgresError(
                .decoding, "column \"\(columns[column])\" holds an infinite timestamp",
                column: columns[column])
        }
        return shifted
    }

    @usableFromInline static let daysFrom1970To2000: Int64 = 10_957
    @usableFromInline static let microsecondsFrom1970To2000: Int64 = 946_684_800_000_000
}
