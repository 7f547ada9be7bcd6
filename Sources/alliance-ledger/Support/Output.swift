import AllianceLedger
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

    /// RFC 4180 CSV with a header row, each field through ``CSVField/escape(_:)``, which
    /// defuses what a spreadsheet would run as a formula.
    func renderCSV() -> String {
        ([columns] + rows).map { row in
            row.map(TextTable.csvField).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    static func csvField(_ value: String) -> String { CSVField.escape(value) }
}
