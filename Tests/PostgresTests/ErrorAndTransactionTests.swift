import Foundation
import Postgres
import TestSupport
import Testing

/// Server errors carry their fields; transactions commit, roll back and retry as promised.
@Suite(.timeLimit(.perTest)) struct ErrorAndTransactionTests {
    private func makeAccounts(_ connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            CREATE TABLE accounts (
                code text CONSTRAINT accounts_code_key UNIQUE,
                balance bigint NOT NULL CONSTRAINT accounts_balance_floor CHECK (balance >= 0)
            )
            """)
    }

    @Test func serverErrorsNameTheirConstraintAndHideRowData() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            try await makeAccounts(connection)
            try await connection.execute("INSERT INTO accounts VALUES (\("partner:slam:funding"), 0)")
            let duplicate = await #expect(throws: PostgresError.self) {
                try await connection.execute("INSERT INTO accounts VALUES (\("partner:slam:funding"), 5)")
            }
            #expect(duplicate?.kind == .server)
            #expect(duplicate?.sqlState == .uniqueViolation)
            #expect(duplicate?.violates(constraint: "accounts_code_key") == true)
            #expect(duplicate?.table == "accounts")
            #expect(duplicate?.detail?.contains("partner:slam:funding") == true)
            #expect(duplicate?.description.contains("partner:slam:funding") == false)
            #expect(duplicate?.description.contains("unique_violation") == true)

            let negative = await #expect(throws: PostgresError.self) {
                try await connection.execute("INSERT INTO accounts VALUES (\("x"), \(Int64(-1)))")
            }
            #expect(negative?.sqlState == .checkViolation)
            #expect(negative?.constraint == "accounts_balance_floor")

            let syntax = await #expect(throws: PostgresError.self) {
                try await connection.execute("SELEC 1")
            }
            #expect(syntax?.sqlState == .syntaxError)
            #expect(syntax?.position == 1)

            // Overflow beyond Int64 is the server's error, not a wrapped-around number.
            let overflow = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT \(Int64.max) + 1 AS n")
            }
            #expect(overflow?.sqlState == .numericValueOutOfRange)
            // The connection is still good after each error.
            #expect(try await connection.query("SELECT 1 AS one").single().decode("one", as: Int32.self) == 1)
            await connection.close()
        }
    }

    /// What passes (a broken connection, a server shutting down or starting, a standby that
    /// cannot write, a full pool) is told apart from what a retry would only repeat.
    @Test func unavailabilityIsToldApartFromRefusal() {
        func server(_ code: String) -> PostgresError {
            PostgresError(.server, "refused", sqlState: SQLState(rawValue: code))
        }
        for passing in [
            PostgresError(.connection, "server closed the connection unexpectedly"),
            PostgresError(.poolTimeout, "none free"), PostgresError(.poolOverloaded, "full"),
            PostgresError(.poolClosed, "closed"), server("57P01"), server("57P02"), server("57P03"),
            server("25006"), server("53300"), server("08006"), server("08001"),
        ] {
            #expect(passing.isUnavailability, "\(passing)")
        }
        for lasting in [
            server("23505"), server("40001"), server("57014"), server("42501"), server("P0001"),
            PostgresError(.server, "no code"), PostgresError(.decoding, "not an integer"),
            PostgresError(.cancelled, "cancelled"), PostgresError(.misuse, "during COPY"),
            PostgresError(.invalidConnectionString, "bad"), PostgresError(.encoding, "NUL"),
        ] {
            #expect(!lasting.isUnavailability, "\(lasting)")
        }
    }

    /// A session the server ends (as a primary that stops or fails over does) reports it as
    /// unavailability, and the pool lends a new connection afterwards.
    @Test func aSessionTheServerEndsIsUnavailabilityAndThePoolRecovers() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let pool = database.makePool(maximumConnections: 1)
            let admin = try await database.connect()
            do {
                let first = try await pool.withConnection { connection in await connection.backendPID }
                // Waits until the session has ended.
                try await admin.execute("SELECT pg_terminate_backend(\(first), 10000)")
                let ended = await #expect(throws: PostgresError.self) {
                    try await pool.withConnection { connection in
                        // The pool's liveness check may see the end first and replace the
                        // connection; then this statement runs on the new one, and the test
                        // ends it again to see the error a statement in flight gets.
                        let current = await connection.backendPID
                        if current != first {
                            try await admin.execute("SELECT pg_terminate_backend(\(current), 10000)")
                        }
                        try await connection.execute("SELECT 1")
                    }
                }
                #expect(ended?.isUnavailability == true, "\(String(describing: ended))")
                let second = try await pool.withConnection { connection in
                    try await connection.execute("SELECT 1")
                    return await connection.backendPID
                }
                #expect(second != first)
            } catch {
                await admin.close()
                await pool.close()
                throw error
            }
            await admin.close()
            await pool.close()
        }
    }

    @Test func aThrowingBodyRollsEverythingBack() async throws {
        struct Abort: Error {}
        try await TestDatabase.with(migrated: false) { database in
            try await database.pool.withConnection { try await makeAccounts($0) }
            await #expect(throws: Abort.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.execute("INSERT INTO accounts VALUES (\("a"), 10)")
                    throw Abort()
                }
            }
            await #expect(throws: PostgresError.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.execute("INSERT INTO accounts VALUES (\("b"), 10)")
                    try await connection.execute("INSERT INTO accounts VALUES (\("c"), -10)")
                }
            }
            let count = try await database.pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS n FROM accounts").single().decode(
                    "n", as: Int64.self)
            }
            #expect(count == 0)
            let statistics = await database.pool.statistics
            #expect(statistics.leased == 0)
        }
    }

    /// A transaction's own statement timeout lasts until it ends; the session's is back after.
    @Test func aTransactionStatementTimeoutEndsWithItsTransaction() async throws {
        try await TestDatabase.with(migrated: false) { database in
            try await database.pool.withConnection { connection in
                func shown() async throws -> String {
                    try await connection.query("SELECT current_setting('statement_timeout') AS t").single()
                        .decode("t", as: String.self)
                }
                let session = try await shown()
                let inside = try await connection.withTransaction { connection in
                    try await connection.setTransactionStatementTimeout(.milliseconds(1_500))
                    return try await connection.query("SELECT current_setting('statement_timeout') AS t")
                        .single().decode("t", as: String.self)
                }
                #expect(inside == "1500ms")
                #expect(try await shown() == session)
            }
        }
    }

    @Test func aSwallowedErrorCannotCommitSilently() async throws {
        try await TestDatabase.with(migrated: false) { database in
            try await database.pool.withConnection { try await makeAccounts($0) }
            let error = await #expect(throws: PostgresError.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.execute("INSERT INTO accounts VALUES (\("a"), 1)")
                    // The body catches the failure and carries on, as buggy code might.
                    _ = try? await connection.execute("INSERT INTO accounts VALUES (\("a"), 1)")
                }
            }
            #expect(error?.sqlState == .inFailedTransaction)
            let count = try await database.pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS n FROM accounts").single().decode(
                    "n", as: Int64.self)
            }
            #expect(count == 0)
        }
    }

    @Test(arguments: ["serialization_failure", "deadlock_detected"])
    func transientFailuresAreRetried(condition: String) async throws {
        try await TestDatabase.with(migrated: false) { database in
            try await database.pool.withConnection { try await makeAccounts($0) }
            let attempts = Counter()
            try await database.pool.withTransaction(.serializable, maximumAttempts: 5) { connection in
                let attempt = attempts.increment()
                try await connection.execute("INSERT INTO accounts VALUES (\("a\(attempt)"), 1)")
                if attempt < 3 {
                    try await connection.execute(raise(condition))
                }
            }
            #expect(attempts.current == 3)
            let codes = try await database.pool.withConnection { connection in
                try await connection.query("SELECT code FROM accounts").map {
                    try $0.decode("code", as: String.self)
                }
            }
            #expect(codes == ["a3"])
        }
    }

    @Test func retriesStopAtTheLimit() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let attempts = Counter()
            let error = await #expect(throws: PostgresError.self) {
                try await database.pool.withTransaction(maximumAttempts: 3) { connection in
                    attempts.increment()
                    try await connection.execute(raise("serialization_failure"))
                }
            }
            #expect(error?.sqlState == .serializationFailure)
            #expect(attempts.current == 3)
        }
    }

    /// A genuine write-skew between two SERIALIZABLE transactions: both read the total, then
    /// each inserts. PostgreSQL aborts one with 40001; the pool runs it again, and the second
    /// run sees the first's row.
    @Test func realSerializationConflictsResolveByRetrying() async throws {
        try await TestDatabase.with(migrated: false) { database in
            try await database.pool.withConnection { connection in
                try await connection.execute("CREATE TABLE ledger (amount bigint NOT NULL)")
            }
            let bothRead = Barrier(parties: 2)
            let attempts = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await database.pool.withTransaction(.serializable, maximumAttempts: 10) {
                            connection in
                            let attempt = attempts.increment()
                            let total = try await connection.query(
                                "SELECT coalesce(sum(amount), 0)::bigint AS total FROM ledger"
                            ).single().decode("total", as: Int64.self)
                            if attempt <= 2 { try await bothRead.arriveAndWait() }
                            try await connection.execute("INSERT INTO ledger VALUES (\(total + 1))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(attempts.current >= 3)
            let amounts = try await database.pool.withConnection { connection in
                try await connection.query("SELECT amount FROM ledger ORDER BY amount")
                    .map { try $0.decode("amount", as: Int64.self) }
            }
            #expect(amounts == [1, 2])
        }
    }

    @Test func nestedTransactionsAreRefused() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let error = await #expect(throws: PostgresError.self) {
                try await database.pool.withTransaction { connection in
                    try await connection.withTransaction { _ in }
                }
            }
            #expect(error?.kind == .misuse)
        }
    }

    private func raise(_ condition: String) -> PostgresQuery {
        condition == "deadlock_detected"
            ? "DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'deadlock_detected'; END $$"
            : "DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END $$"
    }
}
