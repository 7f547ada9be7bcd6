import Dates
import Foundation
import TestSupport
import Testing

@testable import Postgres

/// Building statements and converting values, with no server: interpolation makes binds, the
/// text formats parse what PostgreSQL prints, and calendar arithmetic is exact.
@Suite(.timeLimit(.perTest)) struct QueryAndCodecTests {
    private enum Colour: String, PostgresDecodable { case red, green }

    /// A string-backed enumeration reads its raw values and refuses any other text: a value the
    /// program does not know is an error, never a default.
    @Test func anEnumerationReadsItsRawValuesOnly() throws {
        let rows = PostgresRows(
            columns: ["colour"], cells: ["green", "blue", nil], affectedRows: 3, commandTag: "SELECT 3")
        #expect(try rows[0].decode("colour", as: Colour.self) == .green)
        #expect(throws: PostgresError.self) { try rows[1].decode("colour", as: Colour.self) }
        #expect(try rows[2].decode("colour", as: Colour?.self) == nil)
        #expect(throws: PostgresError.self) { try rows[2].decode("colour", as: Colour.self) }
    }

    @Test func interpolatedValuesBecomeNumberedParameters() {
        let slug = "south-london"
        let amount: Int64 = 1234
        let query: PostgresQuery = "SELECT * FROM t WHERE slug = \(slug) AND amount > \(amount)"
        #expect(query.sql == "SELECT * FROM t WHERE slug = $1 AND amount > $2")
        #expect(
            query.binds == [
                PostgresBind(.text("south-london"), typeOID: 0), PostgresBind(.text("1234"), typeOID: 20),
            ])
    }

    @Test func appendedFragmentsAreRenumbered() {
        var query: PostgresQuery = "SELECT id FROM spend WHERE alliance_id = \(Int64(7))"
        let partner = "slam"
        query.append(" AND partner = \(partner)")
        query.append(" AND line = \("STAFF") ORDER BY id")
        #expect(
            query.sql
                == "SELECT id FROM spend WHERE alliance_id = $1 AND partner = $2 AND line = $3 ORDER BY id")
        #expect(query.binds.count == 3)
        let nested: PostgresQuery = "SELECT (\(query)) OR \(true)"
        #expect(nested.sql.hasSuffix("OR $4"))
    }

    @Test func arraysBecomeLiteralsWithEveryElementQuoted() throws {
        let texts: [String?] = ["plain", "", nil, "a,b", "{x}", "say \"hi\"", "back\\slash", "Café 𝄞"]
        #expect(
            try texts.postgresBind()
                == PostgresBind(
                    .text(#"{"plain","",NULL,"a,b","{x}","say \"hi\"","back\\slash","Café 𝄞"}"#), typeOID: 0))
        #expect(try [String]().postgresBind() == PostgresBind(.text("{}"), typeOID: 0))
    }

    /// Numbers and bytes travel in the binary array format: dimensions, a flag, the element
    /// type, the length and lower bound, then each element's length and bytes (BindDecodeTests
    /// shows the server reads every such type as its scalars).
    @Test func arraysOfNumbersAndBytesTravelInTheBinaryFormat() throws {
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0]
        #expect(
            try [Int64(1), -2].postgresBind()
                == PostgresBind(
                    .binary(
                        header + [0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 1] + [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1]
                            + [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]), typeOID: 1016))
        #expect(
            try [Data([0x00, 0xAB]), nil].postgresBind()
                == PostgresBind(
                    .binary(
                        header + [0, 0, 0, 17, 0, 0, 0, 2, 0, 0, 0, 1] + [0, 0, 0, 2, 0x00, 0xAB]
                            + [0xFF, 0xFF, 0xFF, 0xFF]), typeOID: 1001))
        #expect(
            try [Int16]().postgresBind()
                == PostgresBind(.binary([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 21]), typeOID: 1005))
    }

    @Test func identifiersAreQuotedAsOneName() {
        let query: PostgresQuery = "SELECT \(identifier: "amount") FROM \(identifier: "a\"b; DROP")"
        #expect(query.sql == "SELECT \"amount\" FROM \"a\"\"b; DROP\"")
        #expect(query.binds.isEmpty)
        let empty: PostgresQuery = "SELECT \(identifier: "")"
        #expect(empty.encodingError?.kind == .encoding)
    }

    @Test func descriptionNeverShowsValues() {
        let secret = "hunter2"
        let query: PostgresQuery = "SELECT \(secret)"
        #expect(!query.description.contains(secret))
    }

    @Test func calendarDatesRoundTripThroughDayNumbers() {
        // Every day from 1600 to 2400, plus both sides of the epoch.
        var day = CalendarDate(year: 1600, month: 1, day: 1)!
        let end = CalendarDate(year: 2400, month: 12, day: 31)!
        var number = day.daysSince1970
        while day <= end {
            #expect(CalendarDate(daysSince1970: number) == day)
            number += 1
            day = day.adding(days: 1)
        }
        #expect(CalendarDate(year: 1970, month: 1, day: 1)?.daysSince1970 == 0)
        #expect(CalendarDate(year: 1969, month: 12, day: 31)?.daysSince1970 == -1)
        #expect(CalendarDate(year: 2000, month: 3, day: 1)?.daysSince1970 == 11_017)
    }

    @Test func impossibleDaysAreRejected() {
        #expect(CalendarDate(year: 2025, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2025, month: 13, day: 1) == nil)
        #expect(CalendarDate(year: 2025, month: 4, day: 31) == nil)
        #expect(CalendarDate(iso8601: "2025-4-01") == nil)
        #expect(CalendarDate(iso8601: "2025-04-01x") == nil)
        #expect(CalendarDate(iso8601: "2025-04-01") == CalendarDate(year: 2025, month: 4, day: 1))
    }

    @Test func timestampTextParsesEveryShapePostgresPrints() throws {
        let base = try #require(Date(postgresText: "2025-05-14 10:00:00+00"))
        #expect(base.timeIntervalSince1970 == 1_747_216_800)
        #expect(Date(postgresText: "2025-05-14 10:00:00.5+00")?.timeIntervalSince(base) == 0.5)
        #expect(Date(postgresText: "2025-05-14 11:30:00+01:30")?.timeIntervalSince(base) == 0)
        #expect(Date(postgresText: "2025-05-14 05:00:00-05")?.timeIntervalSince(base) == 0)
        #expect(Date(postgresText: "2025-05-14 10:00:00") == base)
        #expect(Date(postgresText: "2025-05-14")?.timeIntervalSince(base) == -36_000)
        #expect(Date(postgresText: "infinity") == nil)
        #expect(Date(postgresText: "2025-05-14 25:00:00+00") == nil)
        #expect(Date(postgresText: "2025-05-14 10:00:00.1234567+00") == nil)
    }

    @Test func byteaHexIsDecodedStrictly() {
        #expect(Data(postgresText: "\\x") == Data())
        #expect(Data(postgresText: "\\x00ff10") == Data([0, 255, 16]))
        #expect(Data(postgresText: "\\x0") == nil)
        #expect(Data(postgresText: "00ff") == nil)
        #expect(Data(postgresText: "\\xzz") == nil)
    }

    @Test func connectionStringsAreCheckedByLibpq() throws {
        let keyValue = try ConnectionString("host=/tmp port=5433 dbname=ledger user=alice password=secret")
        #expect(keyValue.options["port"] == "5433")
        #expect(!keyValue.description.contains("secret"))
        let url = try ConnectionString("postgresql://alice:secret@db.example:5432/ledger?sslmode=require")
        #expect(url.options["host"] == "db.example")
        #expect(url.options["sslmode"] == "require")
        #expect(!url.description.contains("secret"))
        let multiHost = try ConnectionString("host=a,b port=5432,5433 target_session_attrs=read-write")
        #expect(multiHost.options["host"] == "a,b")
        let error = #expect(throws: PostgresError.self) { try ConnectionString("host=/tmp bogus_option=1") }
        #expect(error?.kind == .invalidConnectionString)
        #expect(throws: PostgresError.self) { try ConnectionString("host='unterminated") }
        let rebuilt = try keyValue.setting("dbname", to: "it's here")
        #expect(rebuilt.options["dbname"] == "it's here")
        #expect(rebuilt.options["password"] == "secret")
    }
}
