import AllianceLedger
import EmbeddedPostgres
import Logging
import Postgres

/// The database a command works on: the embedded cluster (started if need be) or the
/// configured server, with a pool of connections.
struct DatabaseSession {
    enum Target: Encodable {
        case embedded(dataDirectory: String)
        case server(description: String)

        var summary: String {
            switch self {
            case .embedded(let directory): "embedded PostgreSQL in \(directory) (unix socket only)"
            case .server(let description): "PostgreSQL server at \(description)"
            }
        }

        private enum CodingKeys: String, CodingKey { case kind, dataDirectory, server }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .embedded(let directory):
                try container.encode("embedded", forKey: .kind)
                try container.encode(directory, forKey: .dataDirectory)
            case .server(let description):
                try container.encode("server", forKey: .kind)
                try container.encode(description, forKey: .server)
            }
        }
    }

    /// Connections as the login role that owns the schema: for migrations and their status.
    let ownerPool: PostgresPool
    /// How to connect as that login, for PostgreSQL's own programs (`pg_dump`, `pg_restore`).
    let ownerConnectionString: ConnectionString
    /// Connections as `Ledger.serviceRole`, which can only read and append: for everything else.
    /// They log in as the database URL's login, or on the embedded cluster as
    /// `Ledger.serviceLogin`, never as its superuser: a `RESET ROLE` reaches no more.
    let pool: PostgresPool
    /// With `database.readUrl`, connections as the service role through the read connection
    /// (a standby), for the public pages and files; nil without one.
    let readPool: PostgresPool?
    let target: Target
    /// e.g. "15.18 (Debian 15.18-0+deb12u1)".
    let serverVersion: String

    /// Opens the database, runs `body`, and closes the pool whatever happens.
    static func with<Value>(
        _ settings: Settings, logger: Logger, _ body: (DatabaseSession) async throws -> Value
    ) async throws -> Value {
        let session = try await open(settings, logger: logger)
        do {
            let value = try await body(session)
            await session.close()
            return value
        } catch {
            await session.close()
            throw error
        }
    }

    /// `serviceStatementTimeoutSeconds`: the `statement_timeout` of the service role's
    /// connections, for the HTTP service, where no one request may hold a connection for long.
    static func open(
        _ settings: Settings, logger: Logger, serviceStatementTimeoutSeconds: Int? = nil
    ) async throws -> DatabaseSession {
        let ownerString: ConnectionString
        let serviceString: ConnectionString
        let target: Target
        var embeddedOwner: PostgresConnectionConfiguration?
        switch settings.database {
        case .url(let url):
            serviceString = try ConnectionString(url)
            ownerString = try settings.databaseOwnerURL.map { try ConnectionString($0) } ?? serviceString
            target = .server(description: serviceString.description)
        case .embedded(let directory):
            let cluster = EmbeddedPostgres(
                dataDirectory: directory, serverProgramsDirectory: settings.serverPrograms, logger: logger)
            let started = try await cluster.start()
            ownerString = try ConnectionString(started.connectionString)
            serviceString = try ConnectionString(try cluster.connectionString(user: Ledger.serviceLogin))
            target = .embedded(dataDirectory: cluster.dataDirectory)
            embeddedOwner = PostgresConnectionConfiguration(connectionString: ownerString, logger: logger)
        }
        if let embeddedOwner {
            // The service's login must exist before its first connection.
            let connection = try await PostgresConnection.connect(embeddedOwner)
            do {
                try await Ledger.createServiceLogin(on: connection)
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
        }
        let owner = PostgresConnectionConfiguration(connectionString: ownerString, logger: logger)
        let ownerPool = PostgresPool(PostgresPoolConfiguration(connection: owner, maximumConnections: 2))
        var service = PostgresConnectionConfiguration(connectionString: serviceString, logger: logger)
        service.role = Ledger.serviceRole
        service.statementTimeoutMilliseconds = serviceStatementTimeoutSeconds.map { $0 * 1000 }
        let servicePool = PostgresPool(
            PostgresPoolConfiguration(connection: service, maximumConnections: settings.poolSize))
        let readPool = try settings.databaseReadURL.map { url throws(PostgresError) in
            var reader = service
            reader.connectionString = try ConnectionString(url)
            var configuration = PostgresPoolConfiguration(
                connection: reader, maximumConnections: settings.poolSize)
            // It serves only the public pages' and files' reads: one caught by a failover is
            // read again from the server still standing, rather than answered 503.
            configuration.readsAgainOnLostConnection = true
            return PostgresPool(configuration)
        }
        do {
            // Connect now, so that a wrong URL or password fails here with one clear line
            // rather than in the middle of the command's work.
            let version = try await ownerPool.withConnection { connection in
                try await connection.query("SHOW server_version").single()
                    .decode("server_version", as: String.self)
            }
            if let readPool {
                try await readPool.withConnection { connection in try await connection.execute("SELECT 1") }
            }
            return DatabaseSession(
                ownerPool: ownerPool, ownerConnectionString: ownerString, pool: servicePool,
                readPool: readPool,
                target: target, serverVersion: version)
        } catch {
            await ownerPool.close()
            await servicePool.close()
            await readPool?.close()
            throw error
        }
    }

    func close() async {
        await pool.close()
        await readPool?.close()
        await ownerPool.close()
    }

    /// Refuses to work on a database whose schema is behind (or ahead of) this program.
    func requireCurrentSchema() async throws {
        let statuses = try await SchemaMigrator.allianceLedger().status(ownerPool)
        let pending = statuses.filter { $0.state == .pending }.count
        guard pending == 0, statuses.allSatisfy({ if case .applied = $0.state { true } else { false } })
        else {
            let detail =
                pending > 0
                ? "\(pending) migration(s) pending" : "the recorded migrations differ from this program's"
            throw CommandFailure(
                .failure,
                "the database schema does not match this version of alliance-ledger (\(detail)): run `alliance-ledger db migrate`"
            )
        }
    }

    /// The alliance with this slug, or exit code 3.
    func alliance(_ slug: String) async throws -> Alliance {
        try await AllianceDirectory(pool: pool).find(slug: slug)
    }
}
