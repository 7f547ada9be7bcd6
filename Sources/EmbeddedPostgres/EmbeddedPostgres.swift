import Foundation
public import Logging
import Postgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private PostgreSQL cluster in a directory of its own, started on demand.
///
/// Layout of the data directory:
///
///     <data dir>/pgdata/            the cluster (initdb's -D)
///     <data dir>/postgresql.log     the server's log
///     <data dir>/.s.PGSQL.5432      the unix socket; the server listens on no TCP port
///     <data dir>/.lock              serialises concurrent starts and stops
///
/// The directory is mode 0700 and authentication is `trust` on the socket only, so only the
/// directory's owner (and root) can connect. PostgreSQL refuses to run as root; when the caller
/// is root, the server runs as the directory's owner, or as the `postgres` system user for a
/// new (or empty) directory. A directory that holds anything else is refused, never taken over.
public struct EmbeddedPostgres: Sendable {
    public static let port = 5432
    public static let superuser = "postgres"

    /// Absolute path of the data directory.
    public let dataDirectory: String
    public let databaseName: String
    /// False turns off fsync and friends: fast, and for throwaway clusters only.
    public let durable: Bool
    /// The server's `max_connections`, fixed when the cluster is created.
    public let maximumConnections: Int
    /// Where initdb and pg_ctl live; nil to search PATH, `pg_config --bindir` and
    /// /usr/lib/postgresql.
    public let serverProgramsDirectory: String?
    private let logger: Logger

    public struct Started: Sendable {
        /// A libpq connection string for `databaseName` over the cluster's socket.
        public let connectionString: String
        /// True when this call ran initdb.
        public let initialised: Bool
        /// True when a server was already running and was reused.
        public let reused: Bool
    }

    public init(
        dataDirectory: String, databaseName: String = "alliance_ledger", durable: Bool = true,
        maximumConnections: Int = 100, serverProgramsDirectory: String? = nil,
        logger: Logger = Logger(label: "embedded-postgres")
    ) {
        self.serverProgramsDirectory = serverProgramsDirectory
        precondition(maximumConnections >= 10, "the server needs a few connections for itself")
        self.maximumConnections = maximumConnections
        let absolute =
            dataDirectory.hasPrefix("/")
            ? dataDirectory
            : FileManager.default.currentDirectoryPath + "/" + dataDirectory
        self.dataDirectory = URL(fileURLWithPath: absolute).standardizedFileURL.path
        self.databaseName = databaseName
        self.durable = durable
        self.logger = logger
    }

    /// PostgreSQL's own directory (initdb's, holding `postmaster.pid`), inside `dataDirectory`.
    public var clusterDirectory: String { dataDirectory + "/pgdata" }
    var logFile: String { dataDirectory + "/postgresql.log" }

    /// Whether the socket can live in the data directory: not when the path is too long for a
    /// unix socket address (107 bytes on Linux).
    var socketInDataDirectory: Bool {
        dataDirectory.utf8.count + "/.s.PGSQL.\(EmbeddedPostgres.port)".utf8.count <= 100
    }

    /// The running server's socket directory, checked before anyone connects through it: the
    /// data directory, or, when its path is too long for a socket, a directory under /tmp that
    /// each start makes afresh with a random name (the server records it in `postmaster.pid`).
    /// It must belong to the server's user and be closed to everyone else, or another user
    /// could have put a socket of their own there.
    public func socketDirectory() throws -> String {
        let directory: String
        if socketInDataDirectory {
            directory = dataDirectory
        } else {
            guard let recorded = recordedSocketDirectory() else {
                throw EmbeddedPostgresError.notRunning(directory: dataDirectory)
            }
            directory = recorded
        }
        try checkSocketDirectory(directory, ownerID: try serverUserID())
        return directory
    }

    /// A libpq connection string for `database` (the cluster's own by default) over the running
    /// server's socket, as `user` (the superuser by default).
    public func connectionString(database: String? = nil, user: String = EmbeddedPostgres.superuser) throws
        -> String
    {
        "host=\(ConnectionString.quoted(try socketDirectory())) port=\(EmbeddedPostgres.port) "
            + "user=\(ConnectionString.quoted(user)) "
            + "dbname=\(ConnectionString.quoted(database ?? databaseName))"
    }

    /// Starts the cluster, creating it and its database on first use; reuses a running server.
    public func start() async throws -> Started {
        let (initialised, reused) = try await offload { try startServer() }
        try await createDatabaseIfMissing()
        return Started(
            connectionString: try connectionString(), initialised: initialised, reused: reused)
    }

    /// Stops the server with a fast shutdown; false when it was not running.
    @discardableResult
    public func stop() async throws -> Bool {
        try await offload { () throws -> Bool in
            guard FileManager.default.fileExists(atPath: clusterDirectory + "/PG_VERSION") else {
                return false
            }
            let user = try serverUser()
            return try withLock { () throws -> Bool in
                let programs = try locatePrograms(matching: clusterVersion())
                guard try isRunning(programs, as: user) else { return false }
                let socketDirectory = socketInDataDirectory ? nil : recordedSocketDirectory()
                try ProcessRunner.runChecked(
                    programs.pgCtl, ["stop", "-D", clusterDirectory, "-m", "fast", "-w", "-t", "60"],
                    as: user, in: dataDirectory)
                removeSocketDirectory(socketDirectory)
                logger.info("stopped PostgreSQL", metadata: ["data_dir": "\(dataDirectory)"])
                return true
            }
        }
    }

    /// Stops the server at once, without a checkpoint, blocking the calling thread: for
    /// throwaway clusters in exit handlers, where nothing can be awaited.
    public func stopImmediately() {
        guard let version = clusterVersion(),
            let programs = try? locatePrograms(matching: version),
            let user = try? serverUser()
        else { return }
        let socketDirectory = socketInDataDirectory ? nil : recordedSocketDirectory()
        _ = try? ProcessRunner.run(
            programs.pgCtl, ["stop", "-D", clusterDirectory, "-m", "immediate", "-w", "-t", "30"],
            as: user, in: dataDirectory)
        removeSocketDirectory(socketDirectory)
    }

    /// Runs one of the cluster's PostgreSQL programs (such as `pgbench` or `psql`) as the
    /// server's user, in `directory`, and returns its exit status and everything it printed.
    public func runProgram(
        _ name: String, _ arguments: [String], in directory: String
    ) async throws -> (status: Int32, output: String) {
        try await offload { () throws -> (status: Int32, output: String) in
            let programs = try locatePrograms(matching: clusterVersion())
            let output = try ProcessRunner.run(
                programs.directory + "/" + name, arguments, as: try serverUser(), in: directory)
            return (output.status, output.text)
        }
    }

    /// True when the cluster exists and its server is running.
    public func isRunning() async throws -> Bool {
        try await offload { () throws -> Bool in
            guard let version = clusterVersion() else { return false }
            let programs = try locatePrograms(matching: version)
            return try isRunning(programs, as: try serverUser())
        }
    }

    // MARK: Steps

    private func startServer() throws -> (initialised: Bool, reused: Bool) {
        let user = try prepareDirectory()
        return try withLock {
            let existingVersion = clusterVersion()
            let programs = try locatePrograms(matching: existingVersion)
            if existingVersion == nil { try initialise(programs, as: user) }
            if try isRunning(programs, as: user) {
                return (false, true)
            }
            try launch(programs, as: user)
            return (existingVersion == nil, false)
        }
    }

    /// Creates the data directory if needed, or checks that an existing one is empty or holds
    /// a cluster of ours; makes it the server's user's alone (mode 0700); and returns the user
    /// the server must run as (nil: the current user).
    private func prepareDirectory() throws -> String? {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: dataDirectory) {
            // As root, check before creating anything that the server's user will be able to
            // reach the new directory, so that a refusal leaves nothing behind.
            if geteuid() == 0 {
                try assertReachable(
                    nearestExistingAncestor(of: dataDirectory), by: EmbeddedPostgres.superuser,
                    needsWrite: false)
            }
            do {
                try fileManager.createDirectory(
                    atPath: dataDirectory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw EmbeddedPostgresError.cannotCreateDirectory(
                    directory: dataDirectory, reason: describe(error))
            }
        }
        let user = try serverUser()
        try refuseForeignContents()
        try takeOver(for: user)
        if let user {
            try assertReachable(dataDirectory, by: user, needsWrite: true)
        }
        return user
    }

    /// What a data directory of ours holds; an existing directory with anything else in it is
    /// someone else's (a home directory, /etc, another program's data) and is never taken over.
    static let ownEntries: Set<String> = [
        "pgdata", "postgresql.log", ".lock", ".s.PGSQL.\(port)", ".s.PGSQL.\(port).lock",
    ]

    private func refuseForeignContents() throws {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: dataDirectory)
        } catch {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: dataDirectory, reason: describe(error))
        }
        guard entries.allSatisfy(EmbeddedPostgres.ownEntries.contains) else {
            throw EmbeddedPostgresError.notADataDirectory(directory: dataDirectory)
        }
    }

    /// Gives the directory to the server's user (as root, a directory root owns goes to
    /// `postgres`) and closes it to everyone else, whoever created it and with whatever mode.
    private func takeOver(for user: String?) throws {
        if let user, let account = getpwnam(user) {
            guard chown(dataDirectory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw EmbeddedPostgresError.cannotCreateDirectory(
                    directory: dataDirectory, reason: String(cString: strerror(errno)))
            }
        }
        guard chmod(dataDirectory, 0o700) == 0 else {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: dataDirectory, reason: String(cString: strerror(errno)))
        }
    }

    private func nearestExistingAncestor(of path: String) -> String {
        var candidate = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: candidate.path), candidate.path != "/" {
            candidate.deleteLastPathComponent()
        }
        return candidate.path
    }

    /// The user the server runs as: nil for the current user unless that is root; as root, the
    /// directory's owner, or `postgres` for a directory root owns (which `prepareDirectory`
    /// hands over). Changes nothing.
    private func serverUser() throws -> String? {
        var status = stat()
        guard stat(dataDirectory, &status) == 0 else {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: dataDirectory, reason: String(cString: strerror(errno)))
        }
        let me = geteuid()
        guard me == 0 else {
            guard status.st_uid == me else {
                throw EmbeddedPostgresError.ownedByAnotherUser(
                    directory: dataDirectory, owner: userName(status.st_uid),
                    currentUser: userName(me))
            }
            return nil
        }
        if status.st_uid != 0 { return userName(status.st_uid) }
        guard getpwnam(EmbeddedPostgres.superuser) != nil else {
            throw EmbeddedPostgresError.noServerUser(name: EmbeddedPostgres.superuser)
        }
        return EmbeddedPostgres.superuser
    }

    /// The numeric id of the server's user, which must own its socket directory.
    private func serverUserID() throws -> uid_t {
        guard let user = try serverUser() else { return geteuid() }
        guard let account = getpwnam(user) else { throw EmbeddedPostgresError.noServerUser(name: user) }
        return account.pointee.pw_uid
    }

    private func assertReachable(_ directory: String, by user: String, needsWrite: Bool) throws {
        let checks = needsWrite ? ["-w", directory, "-a", "-x", directory] : ["-x", directory]
        guard getpwnam(user) != nil else { throw EmbeddedPostgresError.noServerUser(name: user) }
        guard let test = ProcessRunner.findExecutable("test", extraDirectories: ["/usr/bin"]),
            let output = try? ProcessRunner.run(test, checks, as: user),
            output.status == 0
        else {
            throw EmbeddedPostgresError.unreachableByServerUser(directory: directory, user: user)
        }
    }

    private func initialise(_ programs: ServerPrograms, as user: String?) throws {
        let fileManager = FileManager.default
        if let contents = try? fileManager.contentsOfDirectory(atPath: clusterDirectory),
            !contents.isEmpty
        {
            throw EmbeddedPostgresError.notADataDirectory(directory: clusterDirectory)
        }
        var arguments = [
            "-D", clusterDirectory, "-U", EmbeddedPostgres.superuser, "-E", "UTF8", "--no-locale",
            "--auth-local=trust", "--auth-host=reject", "--no-instructions",
        ]
        if !durable { arguments.append("--no-sync") }
        logger.info("creating a PostgreSQL cluster", metadata: ["data_dir": "\(dataDirectory)"])
        try ProcessRunner.runChecked(programs.initdb, arguments, as: user, in: dataDirectory)
        try appendSettings()
    }

    /// Settings every start needs, kept in the cluster's own configuration so that a server
    /// started by hand with pg_ctl behaves the same.
    private func appendSettings() throws {
        var settings = """

            # Added by alliance-ledger: a private cluster reached only through its unix socket.
            listen_addresses = ''
            port = \(EmbeddedPostgres.port)
            unix_socket_permissions = 0700
            max_connections = \(maximumConnections)

            """
        if durable {
            settings += """
                # Full-page images in the WAL compressed: a large import writes less WAL, so the
                # flushes other writers' commits wait for queue behind less on the one disk
                # (docs/operations.md, "Storage: the WAL on its own device").
                wal_compression = on
                # Every backend asks the kernel to write out each 256 kB of data pages it writes,
                # as the checkpointer and background writer already do (PostgreSQL's default for
                # backends is to leave them to the kernel): left, a large import's pages gather in
                # the page cache and go out hundreds of megabytes at once, and every commit's WAL
                # flush waits behind them (docs/operations.md, "Storage").
                backend_flush_after = 256kB
                # Autovacuum visits the database every 10 s rather than every minute: the ledger's
                # small tables that every commit changes gather dead rows, and every commit reads
                # them, so a large import beside other writers ran a quarter slower between visits
                # (Benchmarks/README.md, "Writing out as it goes").
                autovacuum_naptime = 10s
                # The background writer cleans up to 1,000 buffers every 10 ms ahead of their reuse
                # (PostgreSQL's default, 100 every 200 ms, is 4 MB/s): a large import dirties the
                # shared buffers faster than that, and then the other writers' backends wrote out,
                # and waited for, the buffers they took over (Benchmarks/README.md, "The background
                # writer ahead of an import"). Idle, it still sleeps.
                bgwriter_delay = 10ms
                bgwriter_lru_maxpages = 1000
                bgwriter_lru_multiplier = 4

                """
        } else {
            settings += """
                # Throwaway cluster: speed over durability.
                fsync = off
                synchronous_commit = off
                full_page_writes = off

                """
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: clusterDirectory + "/postgresql.conf"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
    }

    /// A new socket directory under /tmp for this start: `mkdtemp` gives it a name nobody can
    /// guess or make first, mode 0700; as root it is then handed to the server's user.
    private func makeSocketDirectory(for user: String?) throws -> String {
        var template = Array("/tmp/alliance-ledger-socket-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap(mkdtemp) })
        else {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: "/tmp/alliance-ledger-socket-XXXXXX", reason: String(cString: strerror(errno)))
        }
        let directory = String(cString: created)
        if let user, let account = getpwnam(user) {
            guard chown(directory, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                let reason = String(cString: strerror(errno))
                rmdir(directory)
                throw EmbeddedPostgresError.cannotCreateDirectory(directory: directory, reason: reason)
            }
        }
        return directory
    }

    /// Refuses a socket directory that is not a real directory of the server's user closed to
    /// everyone else: a socket there could be anyone's.
    private func checkSocketDirectory(_ directory: String, ownerID: uid_t) throws {
        var status = stat()
        guard lstat(directory, &status) == 0 else {
            throw EmbeddedPostgresError.unsafeSocketDirectory(
                directory: directory, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw EmbeddedPostgresError.unsafeSocketDirectory(
                directory: directory, reason: "it is not a directory")
        }
        guard status.st_uid == ownerID else {
            throw EmbeddedPostgresError.unsafeSocketDirectory(
                directory: directory,
                reason: "it belongs to user \(userName(status.st_uid)), not \(userName(ownerID))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw EmbeddedPostgresError.unsafeSocketDirectory(
                directory: directory,
                reason: "its mode is \(String(status.st_mode & 0o777, radix: 8)), open to other users")
        }
    }

    /// The socket directory the running server recorded in `postmaster.pid` (its fifth line);
    /// nil when no server has recorded one.
    private func recordedSocketDirectory() -> String? {
        guard let text = try? String(contentsOfFile: clusterDirectory + "/postmaster.pid", encoding: .utf8)
        else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 5, !lines[4].isEmpty else { return nil }
        return String(lines[4])
    }

    /// Removes a stopped server's socket directory under /tmp, once empty: the server removes its
    /// socket and lock file as it stops.
    private func removeSocketDirectory(_ directory: String?) {
        guard let directory, directory.hasPrefix("/tmp/alliance-ledger-socket-") else { return }
        rmdir(directory)
    }

    private func isRunning(_ programs: ServerPrograms, as user: String?) throws -> Bool {
        let output = try ProcessRunner.run(
            programs.pgCtl, ["status", "-D", clusterDirectory], as: user, in: dataDirectory)
        switch output.status {
        case 0: return true
        case 3: return false
        default:
            throw EmbeddedPostgresError.notADataDirectory(directory: clusterDirectory)
        }
    }

    private func launch(_ programs: ServerPrograms, as user: String?) throws {
        let socketDirectory = socketInDataDirectory ? dataDirectory : try makeSocketDirectory(for: user)
        let serverOptions = "-k \(shellQuote(socketDirectory)) -c listen_addresses=''"
        let output: ProcessRunner.Output
        do {
            try checkSocketDirectory(socketDirectory, ownerID: try serverUserID())
            output = try ProcessRunner.run(
                programs.pgCtl,
                [
                    "start", "-D", clusterDirectory, "-l", logFile, "-w", "-t", "60", "-s",
                    "-o", serverOptions,
                ],
                as: user, in: dataDirectory)
        } catch {
            removeSocketDirectory(socketDirectory)
            throw error
        }
        guard output.status == 0 else {
            removeSocketDirectory(socketDirectory)
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? output.text
            throw EmbeddedPostgresError.startFailed(
                directory: dataDirectory, log: ProcessRunner.lastLines(log))
        }
        logger.info("started PostgreSQL", metadata: ["data_dir": "\(dataDirectory)"])
    }

    private func createDatabaseIfMissing() async throws {
        let configuration = PostgresConnectionConfiguration(
            connectionString: try ConnectionString(try connectionString(database: "postgres")),
            logger: logger)
        let connection = try await PostgresConnection.connect(configuration)
        do {
            try await createDatabase(on: connection)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Concurrent CREATE DATABASE of one name can fail on the catalog's unique index rather
    /// than with "already exists", so the check and the creation hold an advisory lock.
    private func createDatabase(on connection: PostgresConnection) async throws(PostgresError) {
        try await connection.execute("SELECT pg_advisory_lock(\(EmbeddedPostgres.createDatabaseLockKey))")
        let existing = try await connection.query(
            "SELECT 1 FROM pg_database WHERE datname = \(databaseName)")
        guard existing.isEmpty else { return }
        try await connection.execute("CREATE DATABASE \(identifier: databaseName)")
    }

    /// The advisory lock key for creating the database: the ASCII bytes of "CreateDB".
    private static let createDatabaseLockKey: Int64 = 0x4372_6561_7465_4442

    // MARK: Helpers

    private func locatePrograms(matching version: String?) throws(EmbeddedPostgresError) -> ServerPrograms {
        if let serverProgramsDirectory {
            do {
                return try ServerPrograms.locate(
                    matching: version, clusterDirectory: dataDirectory,
                    candidates: [serverProgramsDirectory])
            } catch .serverProgramsNotFound {
                throw .serverProgramsNotFound(searched: [serverProgramsDirectory])
            }
        }
        return try ServerPrograms.locate(matching: version, clusterDirectory: dataDirectory)
    }

    /// The major version that created the cluster, from its PG_VERSION file.
    private func clusterVersion() -> String? {
        guard let text = try? String(contentsOfFile: clusterDirectory + "/PG_VERSION", encoding: .utf8)
        else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Holds an exclusive lock on the data directory while `body` runs, so two commands
    /// starting at once do not both run initdb. The descriptor is close-on-exec, so the server
    /// never inherits the lock.
    private func withLock<Value>(_ body: () throws -> Value) throws -> Value {
        let descriptor = open(dataDirectory + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: dataDirectory, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw EmbeddedPostgresError.cannotCreateDirectory(
                directory: dataDirectory, reason: String(cString: strerror(errno)))
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Runs blocking process work (waiting for initdb and pg_ctl) on a thread of its own,
    /// never on the cooperative pool or a width-limited dispatch pool.
    private func offload<Value: Sendable>(
        _ work: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        try await withExactlyOnceThrowingContinuation("a wait for initdb or pg_ctl") { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}

private func userName(_ uid: uid_t) -> String {
    guard let account = getpwuid(uid), let name = account.pointee.pw_name else { return "#\(uid)" }
    return String(cString: name)
}

private func describe(_ error: any Error) -> String {
    (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
}

/// Quotes a word for /bin/sh, which pg_ctl uses to launch the server.
func shellQuote(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
