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
}
