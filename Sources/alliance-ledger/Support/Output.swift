import ArgumentParser
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table
    case json
    case csv
}

/// `--format`, on every command that prints data.
struct OutputOptions: ParsableArguments {
    @Option(help: "How to print the result: table, json or csv.")
    var format: OutputFormat = .table

    /// Prints `table` as an aligned table or CSV, or `json` as JSON with sorted keys, on
    /// standard output. Everything else a command says goes to standard error.
    func emit(table: TextTable, json: some Encodable) throws {
        switch format {
        case .table: print(table.renderTable(), terminator: "")
        case .csv: print(table.renderCSV(), terminator: "")
        case .json: print(try jsonText(json))
        }
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Rows of text under named columns.
struct TextTable: Equatable {
    var columns: [String]
    var rows: [[String]]

    init(columns: [String], rows: [[String]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row needs every column")
        self.columns = columns
        self.rows = rows
    }

    /// Left-aligned columns two spaces apart, headed by the column names in capitals.
    func renderTable() -> String {
        let all = [columns.map { $0.uppercased() }] + rows
        let widths = columns.indices.map { column in
            all.map { $0[column].count }.max() ?? 0
        }
        return all.map { row in
            row.enumerated().map { column, value in
                column == row.count - 1
                    ? value : value.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with a header row.
    ///
    /// A text value that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
    /// carriage return, and not a number) is prefixed with an apostrophe, the OWASP advice for
    /// CSV files that people open in spreadsheets. What it starts with is its first Unicode
    /// scalar once white space, invisible format characters and combining marks are skipped:
    /// spreadsheets skip them too, and a combining mark on an `=` makes one `Character` that is
    /// not `=` to Swift but still a formula to them.
    func renderCSV() -> String {
        ([columns] + rows).map { row in
            row.map(TextTable.csvField).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    static func csvField(_ value: String) -> String {
        var text = value
        if startsFormula(text), !isPlainNumber(text) {
            text = "'" + text
        }
        guard text.contains(where: { ",\"\n\r".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether a spreadsheet may read `text` as a formula: a tab or carriage return first, or
    /// =, +, - or @ as the first scalar that is not white space, default-ignorable (zero-width
    /// spaces, joiners, the byte order mark) or a combining mark (Mn, Me).
    static func startsFormula(_ text: String) -> Bool {
        if let first = text.unicodeScalars.first, first == "\t" || first == "\r" { return true }
        let shown = text.unicodeScalars.first { scalar in
            let properties = scalar.properties
            return !properties.isWhitespace && !properties.isDefaultIgnorableCodePoint
                && properties.generalCategory != .nonspacingMark
                && properties.generalCategory != .enclosingMark
        }
        return shown.map { "=+-@".unicodeScalars.contains($0) } ?? false
    }

    /// An optionally signed decimal such as `-1234.56`, which is data, not a formula.
    private static func isPlainNumber(_ text: String) -> Bool {
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
