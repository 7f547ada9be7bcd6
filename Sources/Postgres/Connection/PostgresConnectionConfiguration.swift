public import Logging

/// How to open a connection.
public struct PostgresConnectionConfiguration: Sendable {
    public var connectionString: ConnectionString
    /// Reported in `pg_stat_activity` unless the connection string names its own.
    public var applicationName: String
    /// Used unless the connection string sets `connect_timeout`. libpq waits forever by default.
    public var connectTimeoutSeconds: Int
    /// When set, the server cancels any statement of this session running longer than this.
    public var statementTimeoutMilliseconds: Int?
    /// When set, the session runs `SET ROLE` to this role after connecting, so that it has only
    /// that role's privileges (the login role must be a member of it, or a superuser).
    public var role: String?
    public var logger: Logger

    public init(
        connectionString: ConnectionString,
        applicationName: String = "alliance-ledger",
        connectTimeoutSeconds: Int = 10,
        statementTimeoutMilliseconds: Int? = nil,
        role: String? = nil,
        logger: Logger = Logger(label: "postgres")
    ) {
        self.role = role
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.logger = logger
    }
}

/// Where the connection stands with respect to transactions, as libpq reports it.
public enum TransactionStatus: Sendable {
    case idle
    case active
    case inTransaction
    case failedTransaction
    case unknown
}

/// The isolation level a transaction runs at.
public enum IsolationLevel: Sendable, CustomStringConvertible {
    case readCommitted
    case repeatableRead
    case serializable

    public var description: String {
        switch self {
        case .readCommitted: "READ COMMITTED"
        case .repeatableRead: "REPEATABLE READ"
        case .serializable: "SERIALIZABLE"
        }
    }

    var beginStatement: PostgresQuery {
        switch self {
        case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
