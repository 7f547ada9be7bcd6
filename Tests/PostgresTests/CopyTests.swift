import Dates
import Foundation
import Postgres
import TestSupport
import Testing

/// `COPY … FROM STDIN` loads rows in bulk, escapes every value, and loads nothing when the
/// writer fails.
@Suite(.timeLimit(.perTest)) struct CopyTests {
    private func makeTable(_ connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            CREATE TABLE staged (
                line integer NOT NULL, amount bigint, note text, incurred date, ok boolean, blob bytea
            )
            """)
    }

    @Test func loadsOneHundredThousandRows() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            let rowCount = 100_000
            let loaded = try await connection.copyIn(
                table: "staged", columns: ["line", "amount", "note", "incurred", "ok", "blob"]
            ) { writer in
                for line in 1...rowCount {
                    let note: String? = line % 10 == 0 ? nil : "row \(line)\twith\\tricky\ncharacters"
                    try await writer.writeRow([
                        Int32(line), Int64(line) * 1_000_003 - 50_000_000, note,
                        CalendarDate(daysSince1970: 20_000 + line % 365), line % 2 == 0,
                        Data([UInt8(line % 256), 0, 92]),
                    ])
                }
            }
            #expect(loaded == rowCount)
            let summary = try await connection.query(
                """
                SELECT count(*) AS rows, sum(amount)::bigint AS total, count(note) AS notes,
                       count(*) FILTER (WHERE ok) AS trues
                FROM staged
                """
            ).single()
            #expect(try summary.decode("rows", as: Int64.self) == Int64(rowCount))
            let expectedTotal = (1...Int64(rowCount)).reduce(Int64(0)) { $0 + $1 * 1_000_003 - 50_000_000 }
            #expect(try summary.decode("total", as: Int64.self) == expectedTotal)
            #expect(try summary.decode("notes", as: Int64.self) == Int64(rowCount - rowCount / 10))
            #expect(try summary.decode("trues", as: Int64.self) == Int64(rowCount / 2))
            let sample = try await connection.query(
                "SELECT note, incurred, blob FROM staged WHERE line = 77777"
            ).single()
            #expect(try sample.decode("note", as: String.self) == "row 77777\twith\\tricky\ncharacters")
            #expect(
                try sample.decode("incurred", as: CalendarDate.self)
                    == CalendarDate(daysSince1970: 20_000 + 77777 % 365))
            #expect(try sample.decode("blob", as: Data.self) == Data([UInt8(77777 % 256), 0, 92]))
            await connection.close()
        }
    }

    @Test func csvKeepsEmptyStringsApartFromNull() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            let loaded = try await connection.copyIn(
                table: "staged", columns: ["line", "note"], format: .csv(header: false)
            ) { writer in
                try await writer.writeRow([Int32(1), ""])
                try await writer.writeRow([Int32(2), String?.none])
                try await writer.writeRow([Int32(3), "comma, \"quote\"\nand newline"])
            }
            #expect(loaded == 3)
            let notes = try await connection.query("SELECT note FROM staged ORDER BY line")
                .map { try $0.decode("note", as: String?.self) }
            #expect(notes == ["", nil, "comma, \"quote\"\nand newline"])
            await connection.close()
        }
    }

    @Test func rawCSVWithAHeaderLoads() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            let file = "line,amount,note\n1,100,first\n2,-250,\"second, with comma\"\n"
            let loaded = try await connection.copyIn(
                table: "staged", columns: ["line", "amount", "note"], format: .csv(header: true)
            ) { writer in
                try await writer.writeRaw(Array(file.utf8))
            }
            #expect(loaded == 2)
            await connection.close()
        }
    }

    @Test func aFailingWriterLoadsNothing() async throws {
        struct SourceBroke: Error {}
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            await #expect(throws: SourceBroke.self) {
                try await connection.copyIn(table: "staged", columns: ["line"]) { writer in
                    for line in 1...1000 { try await writer.writeRow([Int32(line)]) }
                    throw SourceBroke()
                }
            }
            let count = try await connection.query("SELECT count(*) AS n FROM staged").single()
            #expect(try count.decode("n", as: Int64.self) == 0)
            await connection.close()
        }
    }

    @Test func badDataFailsTheWholeCopyAndTheConnectionRecovers() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.copyIn(table: "staged", columns: ["line", "amount"]) { writer in
                    try await writer.writeRow([Int32(1), Int64(5)])
                    try await writer.writeRaw(Array("2\tnot-a-number\n".utf8))
                }
            }
            #expect(error?.sqlState == .invalidTextRepresentation)
            let count = try await connection.query("SELECT count(*) AS n FROM staged").single()
            #expect(try count.decode("n", as: Int64.self) == 0)
            await connection.close()
        }
    }

    @Test func copyThroughQueryIsRefusedCleanly() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeTable(connection)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.execute("COPY staged (line) FROM STDIN")
            }
            #expect(error?.kind == .misuse)
            #expect(try await connection.query("SELECT 1 AS one").count == 1)
            await connection.close()
        }
    }
}
