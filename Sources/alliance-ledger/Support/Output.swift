import AllianceLedger
import ArgumentParser
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case json
    case csv
}

/// `--format` and `--excel`, on every command that prints data.
struct OutputOptions: ParsableArguments {
    @Option(help: "How to print the result.")
    var format: OutputFormat = .table

    @Flag(
        help:
            "With --format csv, start with a UTF-8 byte order mark, so that spreadsheets read the text as UTF-8."
    )
    var excel = false

    func validate() throws {
        if excel, format != .csv { throw ValidationError("--excel goes with --format csv") }
    }

    /// Prints `table` as an aligned table or CSV, or `json` as JSON with sorted keys, on
    /// standard output. Everything else a command says goes to standard error. `csv`, when
    /// given, is printed instead of `table` as CSV: machine columns where the table's are for
    /// people.
    func emit(table: TextTable, csv: TextTable? = nil, json: some Encodable) throws {
        switch format {
        case .table: print(table.renderTable(), terminator: "")
        case .csv: printCSV(csv ?? table)
        case .json: print(try jsonText(json))
        }
    }

    /// Prints `table` as CSV, after the byte order mark when `--excel` asks for one.
    func printCSV(_ table: TextTable) {
        printCSVHeader(table)
        print(table.renderCSVRows(), terminator: "")
    }

    /// The header line alone, for a listing whose rows follow page by page.
    func printCSVHeader(_ table: TextTable) {
        print((excel ? TextTable.byteOrderMark : "") + table.renderCSVHeader(), terminator: "")
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Rows of text under named columns. Each value is the machine's text (`1234.56`, `2025-05-14`,
/// `12`), which CSV writes as it is; the table for people groups a number column's digits and
/// aligns it right.
struct TextTable: Equatable {
    struct Column: Equatable, ExpressibleByStringLiteral {
        var name: String
        var isNumber = false

        init(stringLiteral name: String) { self.name = name }

        /// A column of counts, amounts or shares: right-aligned, its digits grouped in thousands.
        static func number(_ name: String) -> Column {
            var column = Column(stringLiteral: name)
            column.isNumber = true
            return column
        }

        /// The CSV header's snake_case name: "incurred on" is `incurred_on`, "year starts (month)"
        /// is `year_starts_month`.
        var machineName: String {
            name.lowercased().split { !($0.isLetter || $0.isNumber) }.joined(separator: "_")
        }
    }

    /// What Excel reads as "this file is UTF-8", and otherwise guesses a legacy code page.
    static let byteOrderMark = "\u{FEFF}"

    var columns: [Column]
    var rows: [[String]]

    init(columns: [Column], rows: [[String]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row needs every column")
        self.columns = columns
        self.rows = rows
    }

    /// Columns two spaces apart, headed by the column names in capitals: text left-aligned,
    /// numbers right-aligned with their digits grouped in thousands. No line ends in spaces.
    func renderTable() -> String {
        let shown = rows.map { row in
            zip(columns, row).map { column, value in column.isNumber ? TextTable.grouped(value) : value }
        }
        let all = [columns.map { $0.name.uppercased() }] + shown
        let widths = columns.indices.map { column in
            all.map { $0[column].count }.max() ?? 0
        }
        return all.map { row in
            row.enumerated().map { index, value in
                let padding = String(repeating: " ", count: widths[index] - value.count)
                if columns[index].isNumber { return padding + value }
                return value + padding
            }.joined(separator: "  ").droppingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    /// `-1234567.89` as `-1,234,567.89`; anything that is not a plain decimal as it is.
    static func grouped(_ value: String) -> String {
        let sign = value.first == "-" || value.first == "+" ? String(value.prefix(1)) : ""
        let parts = value.dropFirst(sign.count).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return value }
        return sign + Money.grouped(String(parts[0])) + (parts.count == 2 ? "." + parts[1] : "")
    }

    /// RFC 4180 CSV: the header row of snake_case names, then the rows, each line ended by
    /// CRLF and each field through ``CSVField/escape(_:)``, which defuses what a spreadsheet
    /// would run as a formula.
    func renderCSV() -> String { renderCSVHeader() + renderCSVRows() }

    func renderCSVHeader() -> String { TextTable.csvLine(columns.map(\.machineName)) }

    func renderCSVRows() -> String { rows.map(TextTable.csvLine).joined() }

    private static func csvLine(_ fields: [String]) -> String {
        fields.map(csvField).joined(separator: ",") + "\r\n"
    }

    static func csvField(_ value: String) -> String { CSVField.escape(value) }
}

extension String {
    /// The padding of a line's empty last columns, which no one sees and diffs show.
    fileprivate func droppingTrailingSpaces() -> String {
        guard let last = lastIndex(where: { $0 != " " }) else { return "" }
        return String(self[...last])
    }
}
