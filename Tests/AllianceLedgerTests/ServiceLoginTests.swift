import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The service once logged in as the embedded cluster's superuser (and, under compose, as the
/// schema's owner), restricted only by `SET ROLE`: any `RESET ROLE` was a superuser. It now logs
/// in as a role with no rights of its own but the service role's.
@Suite(.timeLimit(.perTest)) struct ServiceLoginTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["DATABASE_URL"].map(\.isEmpty) ?? true,
            "the login has no password: it needs the private test cluster, which trusts local connections"))
    func theServiceLoginCannotReachBeyondTheServiceRole() async throws {
        try await TestDatabase.with { database in
            let admin = try await database.connect()
            try await Ledger.createServiceLogin(on: admin)
            // Again, as every start does: it exists already.
            try await Ledger.createServiceLogin(on: admin)
            let superuser = try await admin.query(
                "SELECT rolname FROM pg_roles WHERE rolsuper ORDER BY oid LIMIT 1"
            ).single().decode("rolname", as: String.self)
            await admin.close()

            var configuration = PostgresConnectionConfiguration(
                connectionString: try database.connectionString.setting("user", to: Ledger.serviceLogin),
                logger: TestCluster.logger)
            configuration.role = Ledger.serviceRole
            let service = try await PostgresConnection.connect(configuration)
            // As the service, it reads and writes what the service may.
            #expect(
                try await service.query("SELECT count(*) AS n FROM alliances").single().decode(
                    "n", as: Int64.self) >= 0)

            try await service.execute("RESET ROLE")
            let login = try await service.query(
                """
                SELECT current_user AS name, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolinherit
                FROM pg_roles AS r WHERE r.rolname = current_user
                """
            ).single()
            #expect(try login.decode("name", as: String.self) == Ledger.serviceLogin)
            for privilege in ["rolsuper", "rolcreatedb", "rolcreaterole", "rolinherit"] {
                #expect(try login.decode(privilege, as: Bool.self) == false, "\(privilege)")
            }
            let refused: [PostgresQuery] = [
                "SET ROLE \(identifier: superuser)",
                "CREATE TABLE intruder (id integer)",
                "CREATE FUNCTION intruder() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
                "SET session_replication_role = replica",
                "ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_check_change",
                // Without SET ROLE it holds nothing, not even what the service may read.
                "SELECT count(*) FROM api_tokens",
            ]
            for statement in refused {
                await #expect(throws: PostgresError.self, "\(statement)") {
                    try await service.execute(statement)
                }
            }
            try await service.execute("SET ROLE \(identifier: Ledger.serviceRole)")
            await #expect(throws: PostgresError.self) {
                try await service.execute("CREATE TABLE intruder (id integer)")
            }
            await service.close()

            // Only the schema's owner creates in public, on any PostgreSQL version.
            let checked = try await database.connect()
            let publicMayCreate = try await checked.query(
                """
                SELECT coalesce(bool_or(a.grantee = 0 AND a.privilege_type = 'CREATE'), false) AS open
                FROM pg_namespace AS n, aclexplode(n.nspacl) AS a WHERE n.nspname = 'public'
                """
            ).single().decode("open", as: Bool.self)
            await checked.close()
            #expect(!publicMayCreate)
        }
    }
}
