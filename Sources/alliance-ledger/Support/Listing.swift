import AllianceLedger
import ArgumentParser
import Foundation

/// `--limit`, `--cursor`, `--oldest-first` and `--all`: one page of a listing, newest first
/// unless asked, or every page to the end.
struct PageOptions: ParsableArguments {
    static let defaultLimit = 100

    @Option(
        help:
            "Items per page, 1 to \(PageRequest.maximumLimit) (default \(PageOptions.defaultLimit); with --all, \(PageRequest.maximumLimit))."
    )
    var limit: Int?
    @Option(help: "The cursor printed with the previous page.")
    var cursor: String?
    @Flag(name: .customLong("oldest-first"), help: "List the oldest first.")
    var oldestFirst = false
    @Flag(help: "List every page, from the cursor (or the start) to the end, under one header.")
    var all = false

    func request() throws -> PageRequest {
        try PageRequest(
            limit: limit ?? (all ? PageRequest.maximumLimit : PageOptions.defaultLimit),
            order: oldestFirst ? .oldestFirst : .newestFirst, cursor: cursor)
    }
}

/// How a listing's items become a table's rows.
struct TableLayout<Item> {
    let columns: [TextTable.Column]
    let row: (Item) -> [String]

    func table(_ items: [Item]) -> TextTable { TextTable(columns: columns, rows: items.map(row)) }
}

extension OutputOptions {
    /// Prints a listing: the page asked for, with the next page's cursor on standard error, or
    /// with `--all` every page to the end under one header, as one table, one CSV file or one
    /// JSON document `{"items": […], "nextCursor": null}`. CSV and JSON are written page by
    /// page as they arrive, so memory holds one page; the table waits for the last page, as
    /// its columns' widths depend on every row. `csv`, when given, lays out the CSV instead of
    /// `table`.
    func emitListing<Item: Encodable & Sendable>(
        _ paging: PageOptions, of noun: String, table: TableLayout<Item>, csv: TableLayout<Item>? = nil,
        fetch: (PageRequest) async throws -> ListPage<Item>
    ) async throws {
        let request = try paging.request()
        guard paging.all else {
            let page = try await fetch(request)
            try emit(table: table.table(page.items), csv: csv?.table(page.items), json: page)
            if let next = page.nextCursor, format != .json {
                printError("more \(noun): repeat with --cursor \(next)")
            }
            return
        }
        switch format {
        case .table:
            var items: [Item] = []
            try await forEachPage(from: request, fetch) { items += $0 }
            print(table.table(items).renderTable(), terminator: "")
        case .csv:
            let layout = csv ?? table
            printCSVHeader(layout.table([]))
            try await forEachPage(from: request, fetch) {
                print(layout.table($0).renderCSVRows(), terminator: "")
            }
        case .json:
            // The document one page's JSON is (`ListPage`'s keys, sorted and indented alike),
            // written item by item.
            var separator = "\n"
            print("{\n  \"items\" : [", terminator: "")
            try await forEachPage(from: request, fetch) { items in
                for item in items {
                    let indented = try jsonText(item).split(separator: "\n", omittingEmptySubsequences: false)
                        .map { "    " + $0 }.joined(separator: "\n")
                    print(separator + indented, terminator: "")
                    separator = ",\n"
                }
            }
            print("\n  ],\n  \"nextCursor\" : null\n}")
        }
    }

    /// Fetches page after page from `first` until one has no next cursor.
    private func forEachPage<Item>(
        from first: PageRequest, _ fetch: (PageRequest) async throws -> ListPage<Item>,
        _ body: ([Item]) throws -> Void
    ) async throws {
        var request = first
        while true {
            let page = try await fetch(request)
            try body(page.items)
            guard let next = page.nextCursor else { return }
            // A cursor that did not move would list the same page for ever.
            precondition(next != request.cursor, "a listing answered the cursor it was given")
            request = try PageRequest(limit: request.limit, order: request.order, cursor: next)
        }
    }
}
