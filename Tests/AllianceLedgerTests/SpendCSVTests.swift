import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The streaming spend import reader: the CSV tokenizer beneath it, then the rows and row errors.
@Suite(.timeLimit(.perTest)) struct SpendCSVTests {
    static let header = "date,partner,budget_line,amount,description,supplier,reference\n"

    static func day(_ text: String) throws -> CalendarDate {
        try #require(CalendarDate(iso8601: text))
    }

    /// Every row and row error of `text`, read through the same path as a file.
    static func read(
        _ bytes: some Sequence<UInt8>, currency: String = "GBP", chunkSize: Int = 65536
    ) async throws -> [SpendCSVParser.Row] {
        var rows: [SpendCSVParser.Row] = []
        for try await row in SpendCSVReader(bytes: bytes, currency: currency, chunkSize: chunkSize) {
            rows.append(row)
        }
        return rows
    }

    static func read(_ text: String, currency: String = "GBP") async throws -> [SpendCSVParser.Row] {
        try await read(Array(text.utf8), currency: currency)
    }

    /// The row error of a file holding the header and `line`.
    static func reason(_ line: String, currency: String = "GBP") async throws -> String? {
        let rows = try await read(header + line + "\n", currency: currency)
        guard rows.count == 1, case .failure(let error) = rows[0] else { return nil }
        #expect(error.line == 2)
        return error.reason
    }

    static func row(
        _ line: Int, _ date: String, _ partner: String, _ budgetLine: String, _ amount: Int64,
        _ description: String, _ supplier: String, _ reference: String
    ) throws -> SpendCSVParser.Row {
        .success(
            SpendImportRow(
                line: line, incurredOn: try day(date), partner: partner, budgetLine: budgetLine,
                amount: amount,
                description: description, supplier: supplier, reference: reference))
    }

    static func failure(_ line: Int, _ reason: String) -> SpendCSVParser.Row {
        .failure(SpendImportRowError(line: line, reason: reason))
    }

    // MARK: Tokenizer

    static func tokens(_ bytes: [UInt8], chunkSize: Int = 65536, maximumRecordBytes: Int = 65536)
        -> [CSVTokenizer.Output]
    {
        var tokenizer = CSVTokenizer(maximumRecordBytes: maximumRecordBytes)
        var output: [CSVTokenizer.Output] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            tokenizer.feed(bytes[offset..<end], into: &output)
            offset = end
        }
        tokenizer.finish(into: &output)
        return output
    }

    static func tokens(_ text: String) -> [CSVTokenizer.Output] {
        tokens(Array(text.utf8))
    }

    static func record(_ line: Int, _ fields: [String]) -> CSVTokenizer.Output {
        .success(CSVRecord(line: line, fields: fields))
    }

    static func syntaxError(_ line: Int, _ reason: String) -> CSVTokenizer.Output {
        .failure(CSVSyntaxError(line: line, reason: reason))
    }

    @Test func tokenizesPlainFieldsWithAnyLineBreak() {
        #expect(
            Self.tokens("a,b,c\nd,e,f\n") == [
                Self.record(1, ["a", "b", "c"]), Self.record(2, ["d", "e", "f"]),
            ])
        #expect(Self.tokens("a,b\r\nc,d\r\n") == [Self.record(1, ["a", "b"]), Self.record(2, ["c", "d"])])
        #expect(Self.tokens("a,b\rc,d\r") == [Self.record(1, ["a", "b"]), Self.record(2, ["c", "d"])])
        #expect(Self.tokens("a,b\nc,d") == [Self.record(1, ["a", "b"]), Self.record(2, ["c", "d"])])
        #expect(Self.tokens("a,,\n,\n") == [Self.record(1, ["a", "", ""]), Self.record(2, ["", ""])])
        #expect(Self.tokens("") == [])
        #expect(Self.tokens("\n") == [Self.record(1, [])])
    }

    @Test func tokenizesQuotedFields() {
        #expect(
            Self.tokens("\"a,b\",\"say \"\"hi\"\"\",\"\"\n")
                == [Self.record(1, ["a,b", "say \"hi\"", ""])])
        #expect(Self.tokens("\"\"\"\"\n") == [Self.record(1, ["\""])])
        #expect(Self.tokens("\"\"") == [Self.record(1, [""])])
        #expect(Self.tokens("x,\"£12 café\"\r\n") == [Self.record(1, ["x", "£12 café"])])
    }

    @Test func quotedLineBreaksAreDataAndCountAsLines() {
        let text = "h\n\"one\ntwo\",x\n\"a\r\nb\r\nc\"\nlast\n\"\r\"\nend"
        #expect(
            Self.tokens(text) == [
                Self.record(1, ["h"]), Self.record(2, ["one\ntwo", "x"]), Self.record(4, ["a\r\nb\r\nc"]),
                Self.record(7, ["last"]), Self.record(8, ["\r"]), Self.record(10, ["end"]),
            ])
    }

    @Test func blankLinesAreRecordsWithoutFields() {
        #expect(
            Self.tokens("a\n\n\r\n\rb\n")
                == [
                    Self.record(1, ["a"]), Self.record(2, []), Self.record(3, []), Self.record(4, []),
                    Self.record(5, ["b"]),
                ])
    }

    @Test func skipsAByteOrderMarkOnlyAtTheStart() {
        #expect(Self.tokens([0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8)) == [Self.record(1, ["a", "b"])])
        #expect(Self.tokens([0xEF, 0xBB, 0xBF]) == [])
        #expect(Self.tokens("a\n\u{FEFF}b\n") == [Self.record(1, ["a"]), Self.record(2, ["\u{FEFF}b"])])
        // The start of a byte order mark that is not one is data, here not UTF-8.
        #expect(Self.tokens([0xEF, 0xBB, 0x41, 0x0A]) == [Self.syntaxError(1, "field 1 is not valid UTF-8")])
        #expect(Self.tokens([0xEF, 0xBB]) == [Self.syntaxError(1, "field 1 is not valid UTF-8")])
        #expect(Self.tokens([0xEF]) == [Self.syntaxError(1, "field 1 is not valid UTF-8")])
    }

    @Test func syntaxErrorsLoseOnlyTheirRecord() {
        let quoteAdvice = "enclose the field in quotes and double the quote, as \"12\"\" pipe\""
        #expect(
            Self.tokens("a,b\"c\nok\n")
                == [
                    Self.syntaxError(1, "field 2 has a quote inside an unquoted value: \(quoteAdvice)"),
                    Self.record(2, ["ok"]),
                ])
        #expect(
            Self.tokens("\"a\"b,c\nok\n")
                == [Self.syntaxError(1, "field 1 has text after its closing quote"), Self.record(2, ["ok"])])
        #expect(
            Self.tokens("ok\nx,\"never\nclosed\n")
                == [
                    Self.record(1, ["ok"]), Self.syntaxError(2, "field 2 opens a quote that is never closed"),
                ])
        #expect(
            Self.tokens([0x61, 0x2C, 0xFF, 0xFE, 0x0A, 0x6F, 0x6B, 0x0A])
                == [Self.syntaxError(1, "field 2 is not valid UTF-8"), Self.record(2, ["ok"])])
        // A multi-byte character cut short by the end of its field.
        #expect(Self.tokens([0xC2, 0x2C, 0x61]) == [Self.syntaxError(1, "field 1 is not valid UTF-8")])
        // The first fault is the one reported.
        #expect(
            Self.tokens("a\"b,\"c\"d\n")
                == [Self.syntaxError(1, "field 1 has a quote inside an unquoted value: \(quoteAdvice)")])
    }

    @Test func capsTheLengthOfARecord() {
        let long = String(repeating: "x", count: 100)
        #expect(
            Self.tokens(Array("short\n\(long)\nok\n".utf8), maximumRecordBytes: 99)
                == [
                    Self.record(1, ["short"]), Self.syntaxError(2, "the record is longer than 99 bytes"),
                    Self.record(3, ["ok"]),
                ])
        #expect(
            Self.tokens(Array("\(long.dropLast())\n".utf8), maximumRecordBytes: 99) == [
                Self.record(1, [String(long.dropLast())])
            ])
        // An unclosed quote swallows the rest of the file, but keeps none of it.
        let unclosed = "ok\n\"" + String(repeating: "line\n", count: 10_000)
        #expect(
            Self.tokens(Array(unclosed.utf8), maximumRecordBytes: 1000)
                == [Self.record(1, ["ok"]), Self.syntaxError(2, "the record is longer than 1000 bytes")])
    }

    /// Everything that could straddle a chunk boundary, fed with every chunk size and split at
    /// every byte, must read exactly as in one piece.
    static let awkward: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array(
            "date,\"x\"\"y\"\r\n\"multi\r\nline £ café\",\"\"\"\"\n€𝄞,\"a,b\"\r\r\n\n\"q\"\"\",z\r\nend".utf8)

    @Test func tokenizesTheSameWhateverTheChunking() {
        let whole = Self.tokens(Self.awkward)
        #expect(
            whole == [
                Self.record(1, ["date", "x\"y"]), Self.record(2, ["multi\r\nline £ café", "\""]),
                Self.record(4, ["€𝄞", "a,b"]), Self.record(5, []), Self.record(6, []),
                Self.record(7, ["q\"", "z"]), Self.record(8, ["end"]),
            ])
        for chunkSize in 1...Self.awkward.count {
            #expect(Self.tokens(Self.awkward, chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
        }
        for split in 0...Self.awkward.count {
            var tokenizer = CSVTokenizer()
            var output: [CSVTokenizer.Output] = []
            tokenizer.feed(Self.awkward[..<split], into: &output)
            tokenizer.feed(Self.awkward[split...], into: &output)
            tokenizer.finish(into: &output)
            #expect(output == whole, "split at \(split)")
        }
    }

    @Test func acceptsNonContiguousChunks() {
        var tokenizer = CSVTokenizer()
        var output: [CSVTokenizer.Output] = []
        let bytes = Array("a,b\nc\n".utf8)
        tokenizer.feed(bytes.indices.lazy.map { bytes[$0] }, into: &output)
        tokenizer.finish(into: &output)
        #expect(output == [Self.record(1, ["a", "b"]), Self.record(2, ["c"])])
    }

    // MARK: Spend rows

    @Test func readsRows() async throws {
        let text =
            Self.header
            + "2025-05-14,nhs-north,STAFF,1234.56,May salaries,Payroll Ltd,INV-001\n"
            + "2025-05-15,council,PREMISES,0.01,Cleaning,,R2\n"
            + "2025-05-16,vcse-one,PEER,7,\"Rent, May\",\"Smith & \"\"Sons\"\"\",R3\n"
        #expect(
            try await Self.read(text) == [
                try Self.row(
                    2, "2025-05-14", "nhs-north", "STAFF", 123_456, "May salaries", "Payroll Ltd", "INV-001"),
                try Self.row(3, "2025-05-15", "council", "PREMISES", 1, "Cleaning", "", "R2"),
                try Self.row(4, "2025-05-16", "vcse-one", "PEER", 700, "Rent, May", "Smith & \"Sons\"", "R3"),
            ])
    }

    @Test func convertsAmountsWithTheCurrencysMinorDigits() async throws {
        let line = "2025-05-14,p,L,%@,d,s,r\n"
        func amount(_ text: String, _ currency: String) async throws -> SpendCSVParser.Row? {
            try await Self.read(
                Self.header + line.replacingOccurrences(of: "%@", with: text), currency: currency
            )
            .first
        }
        #expect(
            try await amount("1500", "JPY") == (try Self.row(2, "2025-05-14", "p", "L", 1500, "d", "s", "r")))
        #expect(
            try await amount("1.234", "KWD") == (try Self.row(2, "2025-05-14", "p", "L", 1234, "d", "s", "r"))
        )
        #expect(
            try await amount("1.5", "GBP") == (try Self.row(2, "2025-05-14", "p", "L", 150, "d", "s", "r")))
        #expect(
            try await amount("007.10", "GBP") == (try Self.row(2, "2025-05-14", "p", "L", 710, "d", "s", "r"))
        )
        #expect(
            try await amount("10000000000.00", "GBP")
                == (try Self.row(2, "2025-05-14", "p", "L", Money.maximumAmount, "d", "s", "r")))
        #expect(
            try await amount("10000000000.01", "GBP")
                == Self.failure(2, "amount 10000000000.01 is more than one amount may be, 10000000000.00"))
        #expect(
            try await amount("92233720368547758.07", "GBP")
                == Self.failure(
                    2, "amount 92233720368547758.07 is more than one amount may be, 10000000000.00"))
        #expect(
            try await amount("1.5", "JPY") == Self.failure(2, "amount 1.5 has 1 decimal place, but JPY has 0")
        )
    }

    @Test func handlesCRLFAndAByteOrderMark() async throws {
        let text = Self.header.replacingOccurrences(of: "\n", with: "\r\n") + "2025-05-14,p,L,1.00,d,s,r\r\n"
        let expected = [try Self.row(2, "2025-05-14", "p", "L", 100, "d", "s", "r")]
        #expect(try await Self.read(text) == expected)
        #expect(try await Self.read([0xEF, 0xBB, 0xBF] + Array(text.utf8)) == expected)
    }

    @Test func numbersRowsByTheLineTheyStartOn() async throws {
        let text =
            Self.header
            + "2025-05-14,p,L,1.00,\"two\nlines\",s,r1\n"
            + "2025-05-14,p,L,2.00,\"three\r\nmore\nlines\",s,r2\n"
            + "2025-05-14,p,L,,d,s,r3\n"
            + "2025-05-14,p,L,4.00,d,s,r4\n"
        #expect(
            try await Self.read(text) == [
                try Self.row(2, "2025-05-14", "p", "L", 100, "two\nlines", "s", "r1"),
                try Self.row(4, "2025-05-14", "p", "L", 200, "three\r\nmore\nlines", "s", "r2"),
                Self.failure(7, "amount is empty"),
                try Self.row(8, "2025-05-14", "p", "L", 400, "d", "s", "r4"),
            ])
    }

    @Test func ignoresBlankLinesAtTheEndOnly() async throws {
        let row = "2025-05-14,p,L,1.00,d,s,r\n"
        #expect(try await Self.read(Self.header + row + "\n\n\r\n  \n").count == 1)
        #expect(try await Self.read(Self.header + "\n\n").isEmpty)
        #expect(try await Self.read(Self.header).isEmpty)
        #expect(try await Self.read(String(Self.header.dropLast())).isEmpty)
        #expect(
            try await Self.read(Self.header + row + "\n" + row + "\n \n\t\n" + row + "\n")
                == [
                    try Self.row(2, "2025-05-14", "p", "L", 100, "d", "s", "r"),
                    Self.failure(3, "the line is blank"),
                    try Self.row(4, "2025-05-14", "p", "L", 100, "d", "s", "r"),
                    Self.failure(5, "lines 5 to 7 are blank"),
                    try Self.row(8, "2025-05-14", "p", "L", 100, "d", "s", "r"),
                ])
    }

    @Test func refusesAWrongHeader() async throws {
        let row = "2025-05-14,p,L,1.00,d,s,r\n"
        let expected = "date,partner,budget_line,amount,description,supplier,reference"
        let cases: [(String, SpendCSVError)] = [
            ("", .missingHeader),
            ("\n" + Self.header, .badHeader(reason: "it is blank")),
            (
                "date,partner,budget line,amount,description,supplier,reference\n",
                .badHeader(reason: "column 3 is \"budget line\", not budget_line")
            ),
            (
                "Date,partner,budget_line,amount,description,supplier,reference\n",
                .badHeader(reason: "column 1 is \"Date\", not date")
            ),
            (
                "date,budget_line,partner,amount,description,supplier,reference\n",
                .badHeader(reason: "column 2 is \"budget_line\", not partner")
            ),
            (
                "date,partner,budget_line,amount,description,supplier\n",
                .badHeader(reason: "it has 6 columns, not 7")
            ),
            (
                "date,partner,budget_line,amount,description,supplier,reference,notes\n",
                .badHeader(
                    reason:
                        "column 8 is \"notes\", not one of the optional columns expense_type, expense_type_label, supplier_type, supplier_id, irrecoverable_vat"
                )
            ),
            (
                "date,partner,budget_line,amount,description,supplier,reference \n",
                .badHeader(reason: "column 7 is \"reference \", not reference")
            ),
            (
                "date;partner;budget_line;amount;description;supplier;reference\n",
                .badHeader(
                    reason: "column 1 is \"date;partner;budget_line;amount;descript…\", not date")
            ),
            (
                "date,\"partner\"x,budget_line,amount,description,supplier,reference\n",
                .badHeader(reason: "it is not valid CSV: field 2 has text after its closing quote")
            ),
        ]
        for (header, error) in cases {
            let file = header.isEmpty ? "" : header + row
            await #expect(throws: error, "\(header)") { try await Self.read(file) }
        }
        #expect(
            SpendCSVError.badHeader(reason: "it has 6 columns, not 7").description
                == "the first line must be the header \(expected), but it has 6 columns, not 7")
        #expect(
            SpendCSVError.missingHeader.description
                == "the file is empty: its first line must be the header \(expected)")
        // Quoting a header name is still the same name.
        #expect(
            try await Self.read(
                "\"date\",partner,budget_line,amount,description,supplier,\"reference\"\n" + row
            ).count
                == 1)
    }

    @Test func stopsAfterARefusedHeader() async throws {
        let bytes = Array(("wrong\n" + "2025-05-14,p,L,1.00,d,s,r\n").utf8)
        var iterator = SpendCSVReader(bytes: bytes, currency: "GBP", chunkSize: 3).makeAsyncIterator()
        await #expect(throws: SpendCSVError.badHeader(reason: "column 1 is \"wrong\", not date")) {
            try await iterator.next()
        }
        #expect(try await iterator.next() == nil)
    }

    /// An HTTP body is a sequence of chunks that may fail part way: rows already complete come
    /// out, and the failure ends the reading.
    @Test func readsAnyChunkSequenceAndPassesOnItsErrors() async throws {
        struct Disconnected: Error, Equatable {}
        let (chunks, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        continuation.yield(Array(Self.header.utf8))
        continuation.yield(Array("2025-05-14,p,L,1.00,d,s,r\n2025-05-14,p,L,2.00".utf8))
        continuation.finish(throwing: Disconnected())
        var iterator = SpendCSVReader(chunks: chunks, currency: "GBP").makeAsyncIterator()
        #expect(try await iterator.next() == (try Self.row(2, "2025-05-14", "p", "L", 100, "d", "s", "r")))
        await #expect(throws: Disconnected()) { try await iterator.next() }
        #expect(try await iterator.next() == nil)
    }

    @Test func refusesTheWrongNumberOfFields() async throws {
        #expect(try await Self.reason("2025-05-14,p,L,1.00,d,s") == "the line has 6 fields, not 7")
        #expect(try await Self.reason("2025-05-14,p,L,1.00,d,s,r,extra") == "the line has 8 fields, not 7")
        #expect(try await Self.reason("2025-05-14") == "the line has 1 field, not 7")
        #expect(
            try await Self.reason("2025-05-14;p;L;1.00;d;s;r")
                == "the line has 1 field, not 7 (separate fields with commas)")
        #expect(
            try await Self.reason(",,,,,,")
                == "date is empty; partner is empty; budget_line is empty; amount is empty; description is empty; "
                + "reference is empty")
    }

    @Test func refusesBadDates() async throws {
        #expect(try await Self.reason(",p,L,1.00,d,s,r") == "date is empty")
        for bad in [
            "14/05/2025", "2025-5-14", "20250514", "2025-05-14T10:00", " 2025-05-14", "02025-05-14",
            "２０２５-05-14",
        ] {
            #expect(
                try await Self.reason("\(bad),p,L,1.00,d,s,r") == "date \"\(bad)\" is not written YYYY-MM-DD")
        }
        #expect(try await Self.reason("2025-02-29,p,L,1.00,d,s,r") == "date 2025-02-29 does not exist")
        #expect(try await Self.reason("2025-13-01,p,L,1.00,d,s,r") == "date 2025-13-01 does not exist")
        #expect(try await Self.reason("2025-04-31,p,L,1.00,d,s,r") == "date 2025-04-31 does not exist")
        #expect(try await Self.read(Self.header + "2024-02-29,p,L,1.00,d,s,r\n").count == 1)
    }

    @Test func refusesEmptyPartnersLinesDescriptionsAndReferences() async throws {
        #expect(try await Self.reason("2025-05-14,,L,1.00,d,s,r") == "partner is empty")
        #expect(try await Self.reason("2025-05-14,  ,L,1.00,d,s,r") == "partner is empty")
        #expect(try await Self.reason("2025-05-14,p,,1.00,d,s,r") == "budget_line is empty")
        #expect(try await Self.reason("2025-05-14,p,L,1.00,,s,r") == "description is empty")
        #expect(try await Self.reason("2025-05-14,p,L,1.00,\"  \",s,r") == "description is empty")
        #expect(try await Self.read(Self.header + "2025-05-14,p,L,1.00,d,,r\n").count == 1)
        #expect(try await Self.reason("2025-05-14,p,L,1.00,d,s,") == "reference is empty")
        #expect(try await Self.reason("2025-05-14,p,L,1.00,d,s,\"\"") == "reference is empty")
        #expect(try await Self.reason("2025-05-14,p,L,1.00,d,s,\" \"") == "reference is empty")
    }

    @Test func refusesAmountsThatAreNotPositiveDecimals() async throws {
        func reason(_ amount: String, _ currency: String = "GBP") async throws -> String? {
            try await Self.reason("2025-05-14,p,L,\(amount),d,s,r", currency: currency)
        }
        #expect(try await reason("") == "amount is empty")
        for bad in [
            "1,234.56", "12.5.1", "£12", " 12", "12 ", "1e3", "+12", ".5", "12.", "-", "abc", "1_000", "١٢",
        ] {
            let line = bad.contains(",") ? "2025-05-14,p,L,\"\(bad)\",d,s,r" : "2025-05-14,p,L,\(bad),d,s,r"
            #expect(
                try await Self.reason(line) == "amount \"\(bad)\" is not a decimal number such as 1234.56",
                "\(bad)")
        }
        #expect(try await reason("12.345") == "amount 12.345 has 3 decimal places, but GBP has 2")
        #expect(try await reason("12.3456", "KWD") == "amount 12.3456 has 4 decimal places, but KWD has 3")
        #expect(try await reason("0") == "amount 0 is zero; it must be more than zero")
        #expect(try await reason("0.00") == "amount 0.00 is zero; it must be more than zero")
        #expect(try await reason("-12.50") == "amount -12.50 is negative; it must be more than zero")
        #expect(try await reason("-0") == "amount -0 is zero; it must be more than zero")
        #expect(try await reason("92233720368547758.08") == "amount 92233720368547758.08 is too large")
        #expect(try await reason("99999999999999999999999") == "amount 99999999999999999999999 is too large")
        #expect(try await reason("9223372036854775808", "JPY") == "amount 9223372036854775808 is too large")
    }

    @Test func refusesOverLongText() async throws {
        func line(description: String = "d", supplier: String = "s", reference: String = "r") -> String {
            "2025-05-14,p,L,1.00,\(description),\(supplier),\(reference)"
        }
        func text(_ count: Int) -> String { String(repeating: "é", count: count) }
        #expect(
            try await Self.read(
                Self.header + line(description: text(1000), supplier: text(200), reference: text(200)) + "\n"
            ).count == 1)
        #expect(
            try await Self.reason(line(description: text(1001)))
                == "description is longer than 1000 characters (counted as Unicode code points)")
        #expect(
            try await Self.reason(line(supplier: text(201)))
                == "supplier is longer than 200 characters (counted as Unicode code points)")
        #expect(
            try await Self.reason(line(reference: text(201)))
                == "reference is longer than 200 characters (counted as Unicode code points)")
        #expect(try await Self.reason(line(description: "a\u{0}b")) == "description contains a NUL character")
        #expect(try await Self.reason("2025-05-14,p\u{0},L,1.00,d,s,r") == "partner contains a NUL character")
    }

    @Test func reportsEveryProblemOfALine() async throws {
        #expect(
            try await Self.reason("2025-02-30,,L,-1,d,\(String(repeating: "s", count: 201)),")
                == "date 2025-02-30 does not exist; partner is empty; amount -1 is negative; it must be more than "
                + "zero; supplier is longer than 200 characters (counted as Unicode code points); reference is empty"
        )
    }

    @Test func reportsSyntaxErrorsAsRowErrors() async throws {
        let bytes =
            Array((Self.header + "2025-05-14,p,L,1.00,").utf8) + [0xC3, 0x28] + Array(",s,r\n".utf8)
            + Array("2025-05-14,p,L,1.00,d\"q,s,r\n2025-05-14,p,L,1.00,d,s,r\n".utf8)
        #expect(
            try await Self.read(bytes) == [
                Self.failure(2, "field 5 is not valid UTF-8"),
                Self.failure(
                    3,
                    "field 5 has a quote inside an unquoted value: enclose the field in quotes and double the "
                        + "quote, as \"12\"\" pipe\""),
                try Self.row(4, "2025-05-14", "p", "L", 100, "d", "s", "r"),
            ])
        #expect(
            try await Self.read(Self.header + "2025-05-14,p,L,1.00,\"d,s,r\n2025-05-14,p,L,1.00,d,s,r\n")
                == [Self.failure(2, "field 5 opens a quote that is never closed")])
    }

    @Test func readsTheSameWhateverTheChunking() async throws {
        let text =
            "\u{FEFF}" + Self.header.replacingOccurrences(of: "\n", with: "\r\n")
            + "2025-05-14,nhs-north,STAFF,1234.56,\"Café \"\"Noël\"\"\r\nsecond line\",Müller €,INV-𝄞\r\n"
            + "2025-05-14,p,L,12.345,d,s,r\n\n"
            + "2025-05-15,p,L,0.01,d,s,r2\r\n\r\n\n"
        let bytes = Array(text.utf8)
        let whole = try await Self.read(bytes)
        #expect(
            whole == [
                try Self.row(
                    2, "2025-05-14", "nhs-north", "STAFF", 123_456, "Café \"Noël\"\r\nsecond line",
                    "Müller €",
                    "INV-𝄞"),
                Self.failure(4, "amount 12.345 has 3 decimal places, but GBP has 2"),
                Self.failure(5, "the line is blank"),
                try Self.row(6, "2025-05-15", "p", "L", 1, "d", "s", "r2"),
            ])
        for chunkSize in 1...bytes.count {
            #expect(try await Self.read(bytes, chunkSize: chunkSize) == whole, "chunk size \(chunkSize)")
        }
        for split in 0...bytes.count {
            var parser = SpendCSVParser(currency: "GBP")
            var rows: [SpendCSVParser.Row] = []
            try parser.feed(bytes[..<split], into: &rows)
            try parser.feed(bytes[split...], into: &rows)
            try parser.finish(into: &rows)
            #expect(rows == whole, "split at \(split)")
        }
    }

    @Test func reportsAFileThatCannotBeRead() async throws {
        let path = "/nonexistent/spend.csv"
        await #expect(throws: SpendCSVError.unreadable(path: path, reason: "No such file or directory")) {
            for try await _ in SpendCSVReader(contentsOfFile: path, currency: "GBP") {}
        }
        await #expect(throws: SpendCSVError.unreadable(path: "/", reason: "Is a directory")) {
            for try await _ in SpendCSVReader(contentsOfFile: "/", currency: "GBP") {}
        }
    }

    /// 200,000 rows from a file on disk, read 64 KiB at a time: every row comes out, in order,
    /// and the reader never holds more than a chunk's worth of them.
    @Test func streamsALargeFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spend-\(UUID().uuidString).csv"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let rowCount = 200_000
        var batch = Self.header
        var expectedTotal: Int64 = 0
        for index in 1...rowCount {
            let pence = Int64(index % 100_000 + 1)
            if index % 50_000 == 0 {
                batch += "2025-02-30,p,L,1.00,d,s,r\(index)\n"
            } else {
                expectedTotal += pence
                batch +=
                    "2025-05-14,partner-\(index % 7),STAFF,\(Money.format(pence, currency: "GBP")),"
                    + "\"row \(index), quoted\",Supplier,REF-\(index)\n"
            }
            if batch.utf8.count > 1 << 20 {
                handle.write(Data(batch.utf8))
                batch = ""
            }
        }
        handle.write(Data((batch + "\n\n").utf8))
        try handle.close()

        var rows = 0
        var errors: [Int] = []
        var total: Int64 = 0
        var lastLine = 1
        var largestBuffer = 0
        var iterator = SpendCSVReader(contentsOfFile: path, currency: "GBP").makeAsyncIterator()
        while let row = try await iterator.next() {
            largestBuffer = max(largestBuffer, iterator.rows.count)
            switch row {
            case .success(let row):
                #expect(row.line == lastLine + 1)
                lastLine = row.line
                rows += 1
                total += row.amount
            case .failure(let error):
                #expect(error.line == lastLine + 1)
                lastLine = error.line
                errors.append(error.line)
            }
        }
        #expect(rows == rowCount - 4)
        #expect(errors == [50_001, 100_001, 150_001, 200_001])
        #expect(total == expectedTotal)
        #expect(lastLine == rowCount + 1)
        // A row is more than 64 bytes, so a 64 KiB chunk completes at most about a thousand.
        #expect(largestBuffer <= 1100)
    }
}
