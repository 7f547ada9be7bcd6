public import Dates
import Postgres

/// One valid data line of a spend import file, amount in minor units. Whether the partner and
/// the budget line exist is for the database to say: this is only what the line itself shows.
public struct SpendImportRow: Hashable, Sendable {
    public let line: Int
    public let incurredOn: CalendarDate
    public let partner: String
    public let budgetLine: String
    public let amount: Int64
    public let description: String
    public let supplier: String
    public let reference: String
    public var expenseType: ExpenseType? = nil
    public var supplierType: SupplierType? = nil
    public var supplierID: String = ""
    public var irrecoverableVAT: Int64? = nil
}

/// A data line that cannot be imported, and every reason why, naming the fields.
public struct SpendImportRowError: Error, Hashable, Sendable, CustomStringConvertible, Encodable {
    public let line: Int
    public let reason: String

    public var description: String { "line \(line): \(reason)" }
}

/// Why a whole file is refused: without the right header no line can be trusted to mean what
/// its position says.
public enum SpendCSVError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHeader
    case badHeader(reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingHeader:
            "the file is empty: its first line must be the header \(SpendCSVParser.header)"
        case .badHeader(let reason):
            "the first line must be the header \(SpendCSVParser.header), but \(reason)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}

/// Turns the bytes of a spend import file, fed in chunks of any size, into rows and row errors.
///
/// The file is CSV (RFC 4180, UTF-8) with the header
/// `date,partner,budget_line,amount,description,supplier,reference` and one spend per line:
/// `date` is YYYY-MM-DD in years 0001 to 9999, `amount` a positive decimal with at most the
/// currency's minor digits (`1234.56` in GBP) and at most `Money.maximumAmount`, `partner`,
/// `budget_line`, `description` and `reference` not empty (a spend entry needs its description,
/// and an import finds what it already recorded by partner and reference), `description` at most
/// 1000 characters and `supplier` and `reference` at most 200, counted as code points like every
/// limit, and no field holding NUL.
///
/// After those seven, the header may name any of the optional columns, each once and in any
/// order: `expense_type` and `expense_type_label` (a code and its words), `supplier_type`
/// (`company`, `charity`, `public-body` or `individual`), `supplier_id` (a Companies House or
/// charity number) and `irrecoverable_vat` (a decimal like `amount`, zero allowed). An empty
/// optional field is a value not given. Blank lines at the end are ignored; a run of blank lines
/// before more data is one row error, since something may have been deleted there.
///
/// Memory is bounded by one chunk plus one record: rows come out as the chunk that completes
/// them goes in.
public struct SpendCSVParser: Sendable {
    public typealias Row = Result<SpendImportRow, SpendImportRowError>

    public static let columns = [
        "date", "partner", "budget_line", "amount", "description", "supplier", "reference",
    ]
    static let header = columns.joined(separator: ",")

    /// The columns a header may add after ``columns``, each once, in any order.
    public static let optionalColumns = [
        "expense_type", "expense_type_label", "supplier_type", "supplier_id", "irrecoverable_vat",
    ]

    public let currency: String
    /// The position of each optional column the header named.
    private var optional: [String: Int] = [:]
    private var fieldCount = columns.count
    private var tokenizer: CSVTokenizer
    private var records: [CSVTokenizer.Output] = []
    private var sawHeader = false
    /// Blank lines not yet known to be trailing.
    private var blankRun: (first: Int, count: Int)?

    public init(currency: String, maximumRecordBytes: Int = CSVTokenizer.defaultMaximumRecordBytes) {
        self.currency = currency
        tokenizer = CSVTokenizer(maximumRecordBytes: maximumRecordBytes)
    }

    /// Appends to `rows` each row that `chunk` completes, in order.
    public mutating func feed(_ chunk: some Collection<UInt8>, into rows: inout [Row]) throws(SpendCSVError) {
        tokenizer.feed(chunk, into: &records)
        try drain(into: &rows)
    }

    /// Ends the input: appends the last row if no line break followed it.
    public mutating func finish(into rows: inout [Row]) throws(SpendCSVError) {
        tokenizer.finish(into: &records)
        try drain(into: &rows)
        guard sawHeader else { throw .missingHeader }
        blankRun = nil
    }

    private mutating func drain(into rows: inout [Row]) throws(SpendCSVError) {
        defer { records.removeAll(keepingCapacity: true) }
        for record in records {
            guard sawHeader else {
                sawHeader = true
                optional = try SpendCSVParser.checkHeader(record)
                fieldCount = SpendCSVParser.columns.count + optional.count
                continue
            }
            if case .success(let record) = record, SpendCSVParser.isBlank(record) {
                blankRun = (blankRun?.first ?? record.line, (blankRun?.count ?? 0) + 1)
                continue
            }
            if let (first, count) = blankRun {
                let reason =
                    count == 1 ? "the line is blank" : "lines \(first) to \(first + count - 1) are blank"
                rows.append(.failure(SpendImportRowError(line: first, reason: reason)))
                blankRun = nil
            }
            switch record {
            case .success(let record):
                rows.append(
                    SpendCSVParser.row(
                        from: record, currency: currency, optional: optional, fieldCount: fieldCount))
            case .failure(let error):
                rows.append(.failure(SpendImportRowError(line: error.line, reason: error.reason)))
            }
        }
    }

    /// Spaces alone on a line are as blank to a reader as nothing at all.
    private static func isBlank(_ record: CSVRecord) -> Bool {
        record.fields.isEmpty || (record.fields.count == 1 && record.fields[0].allSatisfy(\.isWhitespace))
    }

    /// Checks the header and answers where each optional column it names is.
    private static func checkHeader(_ record: CSVTokenizer.Output) throws(SpendCSVError) -> [String: Int] {
        let fields: [String]
        switch record {
        case .failure(let error): throw .badHeader(reason: "it is not valid CSV: \(error.reason)")
        case .success(let record): fields = record.fields
        }
        guard !fields.isEmpty else { throw .badHeader(reason: "it is blank") }
        for (index, (found, expected)) in zip(fields, columns).enumerated() where found != expected {
            throw .badHeader(reason: "column \(index + 1) is \(quoted(found)), not \(expected)")
        }
        guard fields.count >= columns.count else {
            throw .badHeader(reason: "it has \(counted(fields.count, "column")), not \(columns.count)")
        }
        var optional: [String: Int] = [:]
        for (index, name) in fields.enumerated().dropFirst(columns.count) {
            guard optionalColumns.contains(name) else {
                throw .badHeader(
                    reason:
                        "column \(index + 1) is \(quoted(name)), not one of the optional columns \(optionalColumns.joined(separator: ", "))"
                )
            }
            guard optional[name] == nil else {
                throw .badHeader(reason: "column \(index + 1) repeats \(name)")
            }
            optional[name] = index
        }
        return optional
    }

    static func row(
        from record: CSVRecord, currency: String, optional: [String: Int] = [:],
        fieldCount: Int = columns.count
    ) -> Row {
        let fields = record.fields
        guard fields.count == fieldCount else {
            let hint = fields.count == 1 && fields[0].contains(";") ? " (separate fields with commas)" : ""
            return .failure(
                SpendImportRowError(
                    line: record.line,
                    reason: "the line has \(counted(fields.count, "field")), not \(fieldCount)\(hint)"))
        }
        var problems: [String] = []
        let date = incurredOn(fields[0], problems: &problems)
        requireText(fields[1], "partner", maximumLength: nil, problems: &problems)
        requireText(fields[2], "budget_line", maximumLength: nil, problems: &problems)
        let amount = amount(
            fields[3], currency: currency, field: "amount", allowZero: false, problems: &problems)
        requireText(
            fields[4], "description", maximumLength: SpendRequest.maximumDescription, problems: &problems)
        checkText(fields[5], "supplier", maximumLength: SpendRequest.maximumSupplier, problems: &problems)
        requireText(fields[6], "reference", maximumLength: SpendRequest.maximumReference, problems: &problems)
        let details = details(fields, optional: optional, currency: currency, problems: &problems)
        guard problems.isEmpty, let date, let amount else {
            return .failure(SpendImportRowError(line: record.line, reason: problems.joined(separator: "; ")))
        }
        var row = SpendImportRow(
            line: record.line, incurredOn: date, partner: fields[1], budgetLine: fields[2],
            amount: amount,
            description: fields[4], supplier: fields[5], reference: fields[6])
        row.expenseType = details.expenseType
        row.supplierType = details.supplierType
        row.supplierID = details.supplierID
        row.irrecoverableVAT = details.irrecoverableVAT
        return .success(row)
    }

    /// The optional columns' values, each checked as ``SpendRequest`` checks it.
    private static func details(
        _ fields: [String], optional: [String: Int], currency: String, problems: inout [String]
    ) -> (
        expenseType: ExpenseType?, supplierType: SupplierType?, supplierID: String, irrecoverableVAT: Int64?
    ) {
        func field(_ name: String) -> String { optional[name].map { fields[$0] } ?? "" }
        var expenseType: ExpenseType?
        let code = field("expense_type")
        let label = field("expense_type_label")
        if !code.isEmpty {
            do {
                expenseType = try ExpenseType(
                    code: code, label: label, fields: ("expense_type", "expense_type_label"))
            } catch {
                problems.append(error.description)
            }
        } else if !label.isEmpty {
            problems.append("expense_type_label needs an expense_type code")
        }
        var supplierType: SupplierType?
        let typeText = field("supplier_type")
        if !typeText.isEmpty {
            do {
                supplierType = try SupplierType(parsing: typeText, field: "supplier_type")
            } catch {
                problems.append(error.description)
            }
        }
        let supplierID = field("supplier_id")
        if let problem = SpendRequest.supplierIDProblem(supplierID, type: supplierType) {
            problems.append("supplier_id \(quoted(supplierID)) \(problem)")
        }
        var vat: Int64?
        let vatText = field("irrecoverable_vat")
        if !vatText.isEmpty {
            vat = amount(
                vatText, currency: currency, field: "irrecoverable_vat", allowZero: true, problems: &problems)
        }
        return (expenseType, supplierType, supplierID, vat)
    }

    private static func incurredOn(_ text: String, problems: inout [String]) -> CalendarDate? {
        guard !text.isEmpty else {
            problems.append("date is empty")
            return nil
        }
        // The shape first, so that the error says what is wrong; then the one parser of days,
        // which refuses days that do not exist and years outside 0001 to 9999 (year 0 does not
        // exist either: 1 BC is followed by 1 AD).
        let bytes = Array(text.utf8)
        let isYYYYMMDD =
            bytes.count == 10
            && bytes.indices.allSatisfy {
                $0 == 4 || $0 == 7 ? bytes[$0] == UInt8(ascii: "-") : isDigit(bytes[$0])
            }
        guard isYYYYMMDD else {
            problems.append("date \(quoted(text)) is not written YYYY-MM-DD")
            return nil
        }
        guard let date = CalendarDate(iso8601: text) else {
            problems.append("date \(text) does not exist")
            return nil
        }
        return date
    }

    private static func amount(
        _ text: String, currency: String, field: String, allowZero: Bool, problems: inout [String]
    ) -> Int64? {
        guard !text.isEmpty else {
            problems.append("\(field) is empty")
            return nil
        }
        // Money.parse says only yes or no; the checks before it say what is wrong.
        let bytes = Array(text.utf8)
        let unsigned = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
        let dot = unsigned.firstIndex(of: UInt8(ascii: "."))
        let whole = unsigned[..<(dot ?? unsigned.endIndex)]
        let fraction = dot.map { unsigned[($0 + 1)...] } ?? []
        guard !whole.isEmpty, whole.allSatisfy(isDigit), dot == nil || !fraction.isEmpty,
            fraction.allSatisfy(isDigit)
        else {
            problems.append("\(field) \(quoted(text)) is not a decimal number such as 1234.56")
            return nil
        }
        let exponent = Money.exponent(of: currency)
        guard fraction.count <= exponent else {
            problems.append(
                "\(field) \(text) has \(counted(fraction.count, "decimal place")), but \(currency) has \(exponent)"
            )
            return nil
        }
        guard let value = Money.parse(text, currency: currency) else {
            problems.append("\(field) \(text) is too large")
            return nil
        }
        guard value > 0 || (allowZero && value == 0) else {
            problems.append(
                allowZero
                    ? "\(field) \(text) is negative; it must be zero or more"
                    : "\(field) \(text) is \(value == 0 ? "zero" : "negative"); it must be more than zero")
            return nil
        }
        guard value <= Money.maximumAmount else {
            problems.append(
                "\(field) \(text) is more than one amount may be, \(Money.format(Money.maximumAmount, currency: currency))"
            )
            return nil
        }
        return value
    }

    private static func requireText(
        _ text: String, _ field: String, maximumLength: Int?, problems: inout [String]
    ) {
        if Validate.isBlank(text) {
            problems.append("\(field) is empty")
        } else {
            checkText(text, field, maximumLength: maximumLength, problems: &problems)
        }
    }

    private static func checkText(
        _ text: String, _ field: String, maximumLength: Int?, problems: inout [String]
    ) {
        if let maximumLength, let excess = Validate.excessLength(text, maximumLength: maximumLength) {
            problems.append("\(field) \(excess)")
        }
        // PostgreSQL text cannot hold NUL.
        if text.utf8.contains(0) {
            problems.append("\(field) contains a NUL character")
        }
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// A value quoted for a message, cut short so a stray megabyte does not fill the log.
    private static func quoted(_ text: String) -> String {
        text.count <= 40 ? "\"\(text)\"" : "\"\(text.prefix(40))…\""
    }
}

/// The rows of a spend import file, read from any asynchronous sequence of byte chunks: a file
/// (``init(contentsOfFile:currency:chunkSize:)``), bytes in memory (``init(bytes:currency:chunkSize:)``),
/// or an HTTP request body (`SpendCSVReader(chunks: body.map(\.readableBytesView), currency:)`).
///
/// Each element is a row or a row error, in file order. The iterator throws a ``SpendCSVError``
/// for a missing or wrong header, and passes on whatever the chunk sequence throws. It holds
/// one chunk and the rows completed by it, never the file.
public struct SpendCSVReader<Chunks: AsyncSequence>: AsyncSequence
where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
    public typealias Element = SpendCSVParser.Row

    public let chunks: Chunks
    public let currency: String

    public init(chunks: Chunks, currency: String) {
        self.chunks = chunks
        self.currency = currency
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: chunks.makeAsyncIterator(), parser: SpendCSVParser(currency: currency))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: Chunks.AsyncIterator
        var parser: SpendCSVParser
        var rows: [Element] = []
        var nextRow = 0
        var ended = false

        public mutating func next() async throws -> Element? {
            while nextRow == rows.count {
                rows.removeAll(keepingCapacity: true)
                nextRow = 0
                guard !ended else { return nil }
                do {
                    if let chunk = try await chunks.next() {
                        try parser.feed(chunk, into: &rows)
                    } else {
                        ended = true
                        try parser.finish(into: &rows)
                    }
                } catch {
                    // Rows after a refused header or a failed read would be rows of an unknown file.
                    ended = true
                    rows.removeAll()
                    throw error
                }
            }
            defer { nextRow += 1 }
            return rows[nextRow]
        }
    }
}

extension SpendCSVReader: Sendable where Chunks: Sendable {}

extension SpendCSVReader where Chunks == FileByteChunks {
    public init(
        contentsOfFile path: String, currency: String, chunkSize: Int = FileByteChunks.defaultChunkSize
    ) {
        self.init(chunks: FileByteChunks(path: path, chunkSize: chunkSize), currency: currency)
    }
}

extension SpendCSVReader where Chunks == MemoryByteChunks {
    public init(
        bytes: some Sequence<UInt8>, currency: String, chunkSize: Int = FileByteChunks.defaultChunkSize
    ) {
        self.init(chunks: MemoryByteChunks(bytes, chunkSize: chunkSize), currency: currency)
    }
}
