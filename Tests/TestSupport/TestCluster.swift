import AllianceLedger
public import EmbeddedPostgres
import Foundation
public import Logging
public import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL server the whole test run shares.
///
/// With `DATABASE_URL` set, that server is used (its role needs CREATEDB). Otherwise the first
/// test to ask starts a private, non-durable cluster in a temporary directory, stopped when
/// the process exits. Every test then gets a database of its own (`TestDatabase`), so tests
/// run in parallel without seeing each other's rows.
public actor TestCluster {
    public static let shared = TestCluster()

    /// A role that must log in with a password, for tests of authentication failures.
    public static let passwordRole = "password_probe"
    public static let passwordRolePassword = "correct horse battery staple"

    private var ready: Task<Server, any Error>?

    struct Server {
        /// Connects to the server's maintenance database as a role that may create databases.
        let adminConnectionString: ConnectionString
        let adminPool: PostgresPool
        let cluster: EmbeddedPostgres?
        let migratedTemplate: String
    }

    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = .warning
        return logger
    }()

    func server() async throws -> Server {
        if let ready { return try await ready.value }
        let task = Task { try await TestCluster.startServer() }
        ready = task
        return try await task.value
    }

    /// The embedded cluster, when the run uses one; nil with `DATABASE_URL`.
    public func embeddedCluster() async throws -> EmbeddedPostgres? {
        try await server().cluster
    }

    /// A connection string for the maintenance database, as a role that may create databases.
    public func adminConnectionString() async throws -> ConnectionString {
        try await server().adminConnectionString
    }

    private static func startServer() async throws -> Server {
        let admin: ConnectionString
        var cluster: EmbeddedPostgres?
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            admin = try ConnectionString(url)
        } else {
            StaleClusters.removeAbandoned()
            let directory = try StaleClusters.makeDirectory()
            // Every test runs at once, each with a pool or two of its own: on a loaded machine
            // (fresh-clone CI, 2026-12-06) they overlapped long enough to want more than 400
            // connections ("sorry, too many clients already"). 800 slots take 176 MB of shared
            // memory where 400 took 157 (`postgres -C shared_memory_size`).
            let embedded = EmbeddedPostgres(
                dataDirectory: directory, databaseName: "postgres", durable: false,
                maximumConnections: 800, logger: logger)
            ExitCleanup.register(embedded)
            _ = try await embedded.start()
            admin = try ConnectionString(embedded.connectionString(database: "postgres"))
            try await allowPasswordRole(embedded, admin: admin)
            cluster = embedded
        }
        let template = try await createMigratedTemplate(admin: admin)
        // Every test of the run asks this pool to create its database at the start, so the last
        // waits for about seventy-five clones before it; on a loaded machine that took longer
        // than a minute. Five minutes is still well inside a test's time limit.
        let adminPool = PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(connectionString: admin, logger: logger),
                maximumConnections: 4, acquireTimeout: .seconds(300)))
        return Server(
            adminConnectionString: admin, adminPool: adminPool, cluster: cluster,
            migratedTemplate: template)
    }

    /// The cluster trusts every local connection; one role is made to need a password, so that
    /// tests can see what a wrong password looks like.
    private static func allowPasswordRole(_ cluster: EmbeddedPostgres, admin: ConnectionString) async throws {
        let hbaPath = cluster.dataDirectory + "/pgdata/pg_hba.conf"
        let existing = try String(contentsOfFile: hbaPath, encoding: .utf8)
        let rule = "local all \(passwordRole) scram-sha-256\n"
        try (rule + existing).write(toFile: hbaPath, atomically: false, encoding: .utf8)
        let connection = try await PostgresConnection.connect(
            PostgresConnectionConfiguration(connectionString: admin, logger: logger))
        // Utility statements take no parameters: the server quotes the literal itself.
        let statement = try await connection.query(
            "SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', \(passwordRole)::text, \(passwordRolePassword)::text) AS sql"
        ).single().decode("sql", as: String.self)
        try await connection.runScript(trustedSQL: statement)
        try await connection.execute("SELECT pg_reload_conf()")
        await connection.close()
    }

    /// The template every test database is cloned from, migrated to the current schema.
    ///
    /// Its name carries a digest of the migrations, so a shared server (`DATABASE_URL`) keeps
    /// one template per schema version, which concurrent runs reuse; a session advisory lock
    /// makes sure only one run builds it.
    private static func createMigratedTemplate(admin: ConnectionString) async throws -> String {
        let migrator = try SchemaMigrator.allianceLedger()
        let digest = migrator.migrations.map(\.checksum).joined().prefix(12)
        let name = "alliance_ledger_template_\(migrator.migrations.count)_\(digest)"
        let connection = try await PostgresConnection.connect(
            PostgresConnectionConfiguration(connectionString: admin, logger: logger))
        try await connection.execute("SELECT pg_advisory_lock(\(templateLockKey))")
        do {
            let exists = try await connection.query(
                "SELECT 1 FROM pg_database WHERE datname = \(name) AND datistemplate")
            if exists.isEmpty {
                try await connection.execute("DROP DATABASE IF EXISTS \(identifier: name)")
                try await connection.execute("CREATE DATABASE \(identifier: name)")
                let pool = PostgresPool(
                    PostgresPoolConfiguration(
                        connection: PostgresConnectionConfiguration(
                            connectionString: try admin.setting("dbname", to: name), logger: logger),
                        maximumConnections: 1))
                try await migrator.migrate(pool)
                await pool.close()
                // Marked last, so a template whose build was interrupted is never used.
                try await connection.execute(
                    "ALTER DATABASE \(identifier: name) WITH IS_TEMPLATE true")
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return name
    }

    /// The advisory lock key guarding template builds: the ASCII bytes of "Template".
    private static let templateLockKey: Int64 = 0x5465_6D70_6C61_7465

    /// A pool whose server does not exist: every connection attempt fails at once.
    public static func unreachablePool(maximumConnections: Int) throws -> PostgresPool {
        PostgresPool(
            PostgresPoolConfiguration(
                connection: PostgresConnectionConfiguration(
                    connectionString: try ConnectionString("host=/nonexistent-alliance-ledger dbname=x"),
                    logger: logger),
                maximumConnections: maximumConnections, acquireTimeout: .seconds(60)))
    }

    func migratedTemplate() async throws -> String {
        try await server().migratedTemplate
    }

    /// A pool on the maintenance database, for creating and dropping test databases.
    public func adminPool() async throws -> PostgresPool {
        try await server().adminPool
    }
}
