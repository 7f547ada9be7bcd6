import Postgres
import TestSupport
import Testing

/// Several statements in one round trip: same results, same order, and an error stops the
/// rest, as if they had been sent one by one in one implicit transaction.
@Suite(.timeLimit(.perTest)) struct PipelineTests {
    @Test func statementsRunInOrderAndReturnTheirRows() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
            let results = try await connection.pipeline([
                "BEGIN",
                "INSERT INTO notes VALUES (\(Int32(1)), \("one")), (\(Int32(2)), \("two"))",
                "SELECT body FROM notes ORDER BY id",
                "COMMIT",
            ])
            #expect(results.count == 4)
            #expect(results[1].affectedRows == 2)
            #expect(try results[2].map { try $0.decode("body", as: String.self) } == ["one", "two"])
            #expect(results[3].commandTag == "COMMIT")
            #expect(await connection.transactionStatus == .idle)
            await connection.close()
        }
    }

    @Test func anErrorStopsTheRestAndUndoesTheImplicitTransaction() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await connection.execute("CREATE TABLE notes (id int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await connection.pipeline([
                    "INSERT INTO notes VALUES (1)", "INSERT INTO notes VALUES (1)",
                    "INSERT INTO notes VALUES (2)",
                ])
            }
            #expect(error?.sqlState == .uniqueViolation)
            let count = try await connection.query("SELECT count(*) AS n FROM notes").single()
            #expect(try count.decode("n", as: Int64.self) == 0)
            // The connection is clean for the next statement.
            #expect(await connection.transactionStatus == .idle)
            #expect(try await connection.pipeline(["SELECT 1 AS one"])[0].count == 1)
            await connection.close()
        }
    }

    @Test func insideATransactionAFailureFailsTheTransaction() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            await #expect(throws: PostgresError.self) {
                try await connection.pipeline(["BEGIN", "SELECT 1/0"])
            }
            #expect(await connection.transactionStatus == .failedTransaction)
            try await connection.execute("ROLLBACK")
            await connection.close()
        }
    }

    @Test func binaryResultsKeepTheServersBytes() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            let results = try await connection.binaryPipeline([
                """
                SELECT \(Int64.min) AS big, (-2)::int4 AS four, (-3)::int2 AS two, NULL::int8 AS missing,
                       'é "x"'::text AS text, '\\x00ff10'::bytea AS bytes,
                       DATE '1969-12-31' AS day, TIMESTAMPTZ '1970-01-01 00:00:01.000002+00' AS moment
                """,
                "SELECT n FROM generate_series(1, 3) AS n ORDER BY n",
            ])
            let row = results[0]
            #expect(row.count == 1)
            #expect(try row.integer(0, row.column("big")) == Int64.min)
            #expect(try row.integer(0, row.column("four")) == -2)
            #expect(try row.integer(0, row.column("two")) == -3)
            #expect(try row.optionalInteger(0, row.column("missing")) == nil)
            #expect(row.isNull(0, try row.column("missing")))
            #expect(
                try row.withBytes(0, row.column("text")) { $0.map { Array($0) } } == Array("é \"x\"".utf8))
            #expect(try row.withBytes(0, row.column("bytes")) { $0.map { Array($0) } } == [0x00, 0xFF, 0x10])
            #expect(try row.daysSince1970(0, row.column("day")) == -1)
            #expect(try row.microsecondsSince1970(0, row.column("moment")) == 1_000_002)
            #expect(throws: PostgresError.self) { try row.integer(0, row.column("text")) }
            #expect(throws: PostgresError.self) { try row.column("absent") }
            #expect(try (0..<results[1].count).map { try results[1].integer($0, 0) } == [1, 2, 3])
            // One statement alone, and a result that must be one row.
            let one = try await connection.binaryQuery("SELECT \(Int64(7)) AS seven")
            #expect(try one.single().integer(0, 0) == 7)
            #expect(throws: PostgresError.self) { try results[1].single() }
            await #expect(throws: PostgresError.self) {
                try await connection.binaryQuery("SELECT 1 WHERE false").single()
            }
            await connection.close()
        }
    }
}
