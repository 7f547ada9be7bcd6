import Foundation
import Postgres
import TestSupport
import Testing

/// Opening sessions from every form of connection string, failing clearly, and cancelling.
@Suite(.timeLimit(.perTest)) struct ConnectionTests {
    private func connect(_ connectionString: String) async throws(PostgresError) -> PostgresConnection {
        try await PostgresConnection.connect(
            PostgresConnectionConfiguration(
                connectionString: try ConnectionString(connectionString), connectTimeoutSeconds: 5,
                logger: TestCluster.logger))
    }

    @Test func keyValueURLAndMultiHostStringsAllConnect() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let options = database.connectionString.options
            let host = try #require(options["host"])
            let user = try #require(options["user"])
            let port = options["port"] ?? "5432"

            let keyValue = try await connect(database.connectionString.rawValue)
            #expect(
                try await keyValue.query("SELECT current_database() AS db").single().decode(
                    "db", as: String.self) == database.name)
            #expect(await keyValue.backendPID > 0)
            #expect(await keyValue.serverVersion >= 150_000)
            await keyValue.close()

            if host.hasPrefix("/") {
                let encodedHost = host.replacingOccurrences(of: "/", with: "%2F")
                let url = try await connect("postgresql://\(user)@\(encodedHost):\(port)/\(database.name)")
                #expect(try await url.query("SELECT 1 AS one").count == 1)
                await url.close()
            }

            // libpq tries each host in turn: the first is unreachable, the second answers.
            let failover = try ConnectionString(options: [
                "host": "/nonexistent-alliance-ledger,\(host)", "port": "\(port),\(port)",
                "user": user, "dbname": database.name, "target_session_attrs": "read-write",
            ])
            let multiHost = try await connect(failover.rawValue)
            #expect(try await multiHost.query("SELECT 1 AS one").count == 1)
            await multiHost.close()
        }
    }

    @Test func unreachableServersFailWithTheReason() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await connect("host=/nonexistent-alliance-ledger dbname=x")
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("/nonexistent-alliance-ledger") == true)
    }

    @Test func wrongPasswordsAreReportedAsSuch() async throws {
        guard try await TestCluster.shared.embeddedCluster() != nil else { return }  // needs our pg_hba
        let admin = try await TestCluster.shared.adminConnectionString()
        let wrong = try admin.setting("user", to: TestCluster.passwordRole).setting("password", to: "wrong")
        let error = await #expect(throws: PostgresError.self) { try await connect(wrong.rawValue) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("password authentication failed") == true)

        let right = try wrong.setting("password", to: TestCluster.passwordRolePassword)
        let connection = try await connect(right.rawValue)
        #expect(
            try await connection.query("SELECT current_user AS who").single().decode("who", as: String.self)
                == TestCluster.passwordRole)
        await connection.close()
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            let started = ContinuousClock.now
            let sleeper = Task {
                try await connection.execute("SELECT pg_sleep(30)")
            }
            try await Task.sleep(for: .milliseconds(300))
            sleeper.cancel()
            let result = await sleeper.result
            let error = try #require(result.failure as? PostgresError)
            #expect(error.sqlState == .queryCanceled)
            #expect(ContinuousClock.now - started < .seconds(20))
            // The cancel request could arrive late and hit a later statement, so the
            // connection is no longer lent out.
            #expect(await connection.isReusable == false)
            #expect(try await connection.query("SELECT 1 AS one").count == 1)
            await connection.close()
        }
    }

    @Test func aClosedConnectionRefusesStatements() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let connection = try await database.connect()
            await connection.close()
            let error = await #expect(throws: PostgresError.self) { try await connection.execute("SELECT 1") }
            #expect(error?.kind == .connection)
        }
    }

    /// A session that LISTENs gets what another sends when its transaction commits, nothing
    /// before, and learns when the server ends it.
    @Test func notificationsArriveOnCommitAndALostListenerThrows() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let listener = try await database.connect()
            let sender = try await database.connect()
            do {
                try await listener.execute("LISTEN \(identifier: "test channel")")
                #expect(try await listener.notifications(waitingUpTo: .milliseconds(50)).isEmpty)
                try await sender.withTransaction(.readCommitted) { connection in
                    try await connection.execute("SELECT pg_notify('test channel', 'first')")
                    #expect(try await listener.notifications(waitingUpTo: .milliseconds(100)).isEmpty)
                }
                let senderPID = await sender.backendPID
                let received = try await listener.notifications(waitingUpTo: .seconds(5))
                #expect(received.map(\.channel) == ["test channel"])
                #expect(received.map(\.payload) == ["first"])
                #expect(received.map(\.senderProcessID) == [senderPID])
                // Two sent by one statement both arrive, in the order sent.
                try await sender.execute(
                    "SELECT pg_notify('test channel', 'a'), pg_notify('test channel', 'b')")
                var payloads: [String] = []
                for _ in 0..<20 where payloads.count < 2 {
                    payloads += try await listener.notifications(waitingUpTo: .seconds(1)).map(\.payload)
                }
                #expect(payloads == ["a", "b"])

                let listenerPID = await listener.backendPID
                try await sender.execute("SELECT pg_terminate_backend(\(listenerPID), 10000)")
                let lost = await #expect(throws: PostgresError.self) {
                    for _ in 0..<20 { _ = try await listener.notifications(waitingUpTo: .seconds(1)) }
                }
                #expect(lost?.isUnavailability == true, "\(String(describing: lost))")
            } catch {
                await listener.close()
                await sender.close()
                throw error
            }
            await listener.close()
            await sender.close()
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
