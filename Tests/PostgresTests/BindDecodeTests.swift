import Dates
import Foundation
import Postgres
import TestSupport
import Testing

/// Every supported Swift type goes to a real server as a parameter and comes back unchanged,
/// including NULL and the extremes of each type. Each case inserts into a column of the
/// matching PostgreSQL type, so the server parses and prints the value itself.
@Suite(.timeLimit(.perTest)) struct BindDecodeTests {
    /// Binds `value` into a column of `sqlType`, reads it back, and returns it.
    private func roundTrip<Value: PostgresCodable>(
        _ value: Value, as sqlType: StaticString, on connection: PostgresConnection
    ) async throws -> Value {
        var create: PostgresQuery = "CREATE TEMPORARY TABLE IF NOT EXISTS round_trip (value "
        create.append(PostgresQuery(stringLiteral: sqlType))
        create.append(")")
        try await connection.execute(create)
        try await connection.execute("TRUNCATE round_trip")
        try await connection.execute("INSERT INTO round_trip (value) VALUES (\(value))")
        let row = try await connection.query("SELECT value FROM round_trip").single()
        try await connection.execute("DROP TABLE round_trip")
        return try row.decode("value", as: Value.self)
    }

    /// The elements of `values`, bound as one array in the binary format and unnested by the
    /// server, as text; and each value bound on its own in the text format, as text.
    private func arrayAndScalars<Element: PostgresBinaryArrayElement>(
        _ values: [Element], as sqlType: StaticString, on connection: PostgresConnection
    ) async throws -> (array: [String?], scalars: [String?]) {
        guard case .binary = try values.postgresBind().value else {
            Issue.record("\(sqlType)[] did not travel in the binary format")
            return ([], [])
        }
        var unnested: PostgresQuery = "SELECT u.value::text AS value FROM unnest(\(values)::"
        unnested.append(PostgresQuery(stringLiteral: sqlType))
        unnested.append("[]) WITH ORDINALITY AS u (value, n) ORDER BY u.n")
        let array = try await connection.query(unnested).map { try $0.decode("value", as: String?.self) }
        var scalars: [String?] = []
        for value in values {
            var scalar: PostgresQuery = "SELECT (\(value))::"
            scalar.append(PostgresQuery(stringLiteral: sqlType))
            scalar.append("::text AS value")
            scalars.append(try await connection.query(scalar).single().decode("value", as: String?.self))
        }
        return (array, scalars)
    }

    /// Arrays of numbers, days, instants and bytes travel in PostgreSQL's binary format: each
    /// element reads on the server as the same value bound alone in the text format, NULLs,
    /// extremes and both sides of PostgreSQL's epoch (2000-01-01) included; an empty array is
    /// empty; a value outside PostgreSQL's range is refused before anything is sent.
    @Test func binaryArraysHoldWhatTheirElementsDoAlone() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            let days = [
                CalendarDate(year: 1, month: 1, day: 1), CalendarDate(year: 0, month: 12, day: 31),
                CalendarDate(year: 1970, month: 1, day: 1), CalendarDate(year: 1999, month: 12, day: 31),
                CalendarDate(year: 2000, month: 1, day: 1), CalendarDate(year: 2025, month: 5, day: 14),
                CalendarDate(year: 9999, month: 12, day: 31),
            ].compactMap { $0 }
            let instants: [Timestamp?] = [
                Timestamp(microsecondsSince1970: 0), Timestamp(microsecondsSince1970: 946_684_799_999_999),
                Timestamp(microsecondsSince1970: 946_684_800_000_000),
                Timestamp(microsecondsSince1970: 1_747_216_800_123_456), Timestamp(microsecondsSince1970: -1),
                Timestamp(microsecondsSince1970: -210_866_803_200_000_000), nil,
            ]
            var cases: [(array: [String?], scalars: [String?])] = []
            cases.append(
                try await arrayAndScalars([Int64.min, -1, 0, 1, .max], as: "bigint", on: connection))
            cases.append(try await arrayAndScalars([Int64?.none, 7, nil], as: "bigint", on: connection))
            cases.append(try await arrayAndScalars([Int.min, 42, .max], as: "bigint", on: connection))
            cases.append(try await arrayAndScalars([Int32.min, 0, .max], as: "integer", on: connection))
            cases.append(try await arrayAndScalars([Int16.min, -3, .max], as: "smallint", on: connection))
            cases.append(try await arrayAndScalars([true, false], as: "boolean", on: connection))
            cases.append(try await arrayAndScalars(days, as: "date", on: connection))
            cases.append(try await arrayAndScalars(instants, as: "timestamptz", on: connection))
            cases.append(
                try await arrayAndScalars(
                    [Data(), Data([0x00, 0xFF, 0x5C, 0x22]), Data(repeating: 7, count: 300)], as: "bytea",
                    on: connection))
            #expect(days.count == 7)
            for (array, scalars) in cases {
                #expect(array == scalars)
                #expect(!array.isEmpty)
            }
            let empty = try await connection.query(
                "SELECT cardinality(\([Int64]())::bigint[]) AS n, \([CalendarDate]())::date[]::text AS days"
            ).single()
            #expect(try empty.decode("n", as: Int64.self) == 0)
            #expect(try empty.decode("days", as: String.self) == "{}")
            let outOfRange = #expect(throws: PostgresError.self) {
                try [Timestamp(microsecondsSince1970: -210_866_803_200_000_001)].postgresBind()
            }
            #expect(outOfRange?.kind == .encoding)
            await connection.close()
        }
    }

    @Test func integersKeepTheirExtremes() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            for value: Int64 in [.min, -1, 0, 1, .max] {
                #expect(try await roundTrip(value, as: "bigint", on: connection) == value)
            }
            for value: Int32 in [.min, 0, .max] {
                #expect(try await roundTrip(value, as: "integer", on: connection) == value)
            }
            for value: Int16 in [.min, 0, .max] {
                #expect(try await roundTrip(value, as: "smallint", on: connection) == value)
            }
            for value: Int in [.min, 42, .max] {
                #expect(try await roundTrip(value, as: "bigint", on: connection) == value)
            }
            await connection.close()
        }
    }

    @Test func booleansAndStrings() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            #expect(try await roundTrip(true, as: "boolean", on: connection) == true)
            #expect(try await roundTrip(false, as: "boolean", on: connection) == false)
            let strings = [
                "", " ", "plain", "Sé, £1,234.56 — “quoted” 日本語 🏳️‍🌈 עִברִית",
                "tab\there\nnew line\r\nand \\backslash\\ and 'single' \"double\"",
                String(repeating: "x", count: 100_000),
            ]
            for text in strings {
                #expect(try await roundTrip(text, as: "text", on: connection) == text)
            }
            await connection.close()
        }
    }

    @Test func datesTimestampsUUIDsAndBytes() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            let instants = [
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: 1_747_218_896.123456),
                Date(timeIntervalSince1970: -1_000_000_000.5),
                Date(timeIntervalSince1970: -62_135_596_800),  // 0001-01-01T00:00:00Z
                Date(timeIntervalSince1970: 253_402_300_799),  // 9999-12-31T23:59:59Z
            ]
            for instant in instants {
                let back = try await roundTrip(instant, as: "timestamptz", on: connection)
                #expect(abs(back.timeIntervalSince(instant)) < 0.000_001)
            }
            let days = [
                CalendarDate(year: 2025, month: 4, day: 1), CalendarDate(year: 2024, month: 2, day: 29),
                CalendarDate(year: 1, month: 1, day: 1), CalendarDate(year: 9999, month: 12, day: 31),
                CalendarDate(year: -43, month: 3, day: 15),  // 44 BC
            ]
            for day in days.compactMap({ $0 }) {
                #expect(try await roundTrip(day, as: "date", on: connection) == day)
            }
            for identifier in [UUID(), UUID(uuidString: "00000000-0000-0000-0000-000000000000")!] {
                #expect(try await roundTrip(identifier, as: "uuid", on: connection) == identifier)
            }
            for bytes in [Data(), Data((0...255).map { UInt8($0) }), Data(repeating: 0, count: 70_000)] {
                #expect(try await roundTrip(bytes, as: "bytea", on: connection) == bytes)
            }
            await connection.close()
        }
    }

    @Test func nullsDecodeOnlyIntoOptionals() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            #expect(try await roundTrip(Int64?.none, as: "bigint", on: connection) == nil)
            #expect(try await roundTrip(Int32?.none, as: "integer", on: connection) == nil)
            #expect(try await roundTrip(Bool?.none, as: "boolean", on: connection) == nil)
            #expect(try await roundTrip(String?.none, as: "text", on: connection) == nil)
            #expect(try await roundTrip(Date?.none, as: "timestamptz", on: connection) == nil)
            #expect(try await roundTrip(UUID?.none, as: "uuid", on: connection) == nil)
            #expect(try await roundTrip(Data?.none, as: "bytea", on: connection) == nil)
            #expect(try await roundTrip(CalendarDate?.none, as: "date", on: connection) == nil)
            #expect(try await roundTrip(Int64?.some(7), as: "bigint", on: connection) == 7)
            // An empty string is a value, not NULL.
            #expect(try await roundTrip(String?.some(""), as: "text", on: connection) == "")

            let row = try await connection.query("SELECT NULL::bigint AS amount").single()
            let error = #expect(throws: PostgresError.self) { try row.decode("amount", as: Int64.self) }
            #expect(error?.kind == .decoding)
            #expect(error?.message.contains("NULL") == true)
            await connection.close()
        }
    }

    @Test func mismatchedTypesAndMissingColumnsAreDecodingErrors() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            let row = try await connection.query(
                "SELECT 'abc'::text AS word, 12.50::numeric AS amount, 99999999999::bigint AS big"
            ).single()
            #expect(throws: PostgresError.self) { try row.decode("word", as: Int64.self) }
            // A fractional numeric never silently becomes an integer.
            #expect(throws: PostgresError.self) { try row.decode("amount", as: Int64.self) }
            #expect(throws: PostgresError.self) { try row.decode("big", as: Int32.self) }
            #expect(throws: PostgresError.self) { try row.decode("nope", as: String.self) }
            #expect(try row.decode("amount", as: String.self) == "12.50")
            await connection.close()
        }
    }

    @Test func stringsWithNULAreRefusedNotTruncated() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.execute("CREATE TABLE notes (body text)")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.execute("INSERT INTO notes VALUES (\("before\u{0}after"))")
            }
            #expect(error?.kind == .encoding)
            let count = try await connection.query("SELECT count(*) AS n FROM notes").single()
            #expect(try count.decode("n", as: Int64.self) == 0)
            await connection.close()
        }
    }

    @Test func injectionAttemptsStayValues() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.execute("CREATE TABLE students (name text NOT NULL)")
            let attacks = [
                "Robert'); DROP TABLE students;--",
                "' OR '1'='1",
                "$1",
                "\\'; DELETE FROM students; --",
                "x\"; DROP TABLE students; --",
                "$$; DROP TABLE students; $$",
                "1; SELECT pg_sleep(10)",
            ]
            for attack in attacks {
                try await connection.execute("INSERT INTO students (name) VALUES (\(attack))")
            }
            let rows = try await connection.query("SELECT name FROM students WHERE name = \(attacks[1])")
            #expect(rows.count == 1)
            let all = try await connection.query("SELECT name FROM students ORDER BY name")
            #expect(try Set(all.map { try $0.decode("name", as: String.self) }) == Set(attacks))

            // A hostile identifier is quoted into one name, never into SQL.
            let table = "weird\"; DROP TABLE students; --"
            try await connection.execute("CREATE TABLE \(identifier: table) (id int)")
            try await connection.execute("INSERT INTO \(identifier: table) VALUES (1)")
            let students = try await connection.query("SELECT count(*) AS n FROM students").single()
            #expect(try students.decode("n", as: Int64.self) == Int64(attacks.count))
            await connection.close()
        }
    }
}
