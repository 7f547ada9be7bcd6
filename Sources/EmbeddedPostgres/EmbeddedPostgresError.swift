/// Why the private cluster could not be used. Each description is one line saying what is
/// wrong and what to do about it.
public enum EmbeddedPostgresError: Error, Sendable, CustomStringConvertible, Equatable {
    case serverProgramsNotFound(searched: [String])
    case versionMismatch(directory: String, clusterVersion: String, installedVersions: [String])
    case ownedByAnotherUser(directory: String, owner: String, currentUser: String)
    case noServerUser(name: String)
    case unreachableByServerUser(directory: String, user: String)
    case notADataDirectory(directory: String)
    case cannotCreateDirectory(directory: String, reason: String)
    case unsafeSocketDirectory(directory: String, reason: String)
    case notRunning(directory: String)
    case commandFailed(command: String, status: Int32, output: String)
    case startFailed(directory: String, log: String)

    public var description: String {
        switch self {
        case .serverProgramsNotFound(let searched):
            "the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed "
                + "(looked in \(searched.joined(separator: ", "))): install them with "
                + "`apt-get install postgresql` on Debian or Ubuntu, or set DATABASE_URL to "
                + "use a PostgreSQL server you already run"
        case .versionMismatch(let directory, let clusterVersion, let installed):
            "the database in \(directory) was created by PostgreSQL \(clusterVersion), but only "
                + "PostgreSQL \(installed.joined(separator: ", ")) is installed: install "
                + "`postgresql-\(clusterVersion)` or choose another --data-dir"
        case .ownedByAnotherUser(let directory, let owner, let currentUser):
            "the data directory \(directory) belongs to user \(owner), not \(currentUser): run "
                + "as \(owner), or choose another --data-dir"
        case .noServerUser(let name):
            "PostgreSQL refuses to run as root and there is no `\(name)` system user to run it "
                + "as: install the postgresql package (it creates one), create the user, or run "
                + "as a normal user"
        case .unreachableByServerUser(let directory, let user):
            "the PostgreSQL server runs as user \(user), who cannot reach \(directory) (a "
                + "parent directory is closed to other users): choose a --data-dir that user "
                + "can reach, such as one under /var/lib or /tmp"
        case .notADataDirectory(let directory):
            "\(directory) exists but holds no PostgreSQL cluster and is not empty: choose "
                + "another --data-dir, or empty it"
        case .cannotCreateDirectory(let directory, let reason):
            "cannot create the data directory \(directory): \(reason)"
        case .unsafeSocketDirectory(let directory, let reason):
            "the PostgreSQL server's socket directory \(directory) is not safe to use: \(reason); "
                + "stop the server (`alliance-ledger db stop`) and start it again, which makes a new one"
        case .notRunning(let directory):
            "the PostgreSQL server in \(directory) is not running: start it with any command, such "
                + "as `alliance-ledger db status`"
        case .commandFailed(let command, let status, let output):
            "`\(command)` failed with exit status \(status): \(output)"
        case .startFailed(let directory, let log):
            "the PostgreSQL server in \(directory) did not start: \(log) (full log: "
                + "\(directory)/postgresql.log)"
        }
    }
}
