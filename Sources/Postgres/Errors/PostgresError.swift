/// Every failure the `Postgres` module reports.
///
/// Server errors carry the fields PostgreSQL sends (SQLSTATE, constraint, table, detail, …) so
/// that the domain can turn, say, a unique violation on a named constraint into a precise user
/// error. Neither `description` nor `debugDescription` ever holds the statement's parameter
/// values or the `detail` and `hint` fields, which quote row data ("Failing row contains (…)",
/// "Key (email)=(…) already exists"): an error printed anywhere, nested in another or logged,
/// carries no one's personal data. Read `detail` itself where a value is needed.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Kind: String, Sendable {
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// No connection could be made, or an open one broke. Nothing can be said about a
        /// statement that was in flight: it may or may not have been committed.
        case connection
        /// The connection string is malformed.
        case invalidConnectionString
        /// A value cannot be sent to PostgreSQL (e.g. a string holding a NUL character).
        case encoding
        /// A result value cannot be read as the requested Swift type.
        case decoding
        /// The pool had no connection free within the acquire timeout.
        case poolTimeout
        /// The pool's queue of waiting tasks is full.
        case poolOverloaded
        /// The pool is shut down.
        case poolClosed
        /// The task waiting for a connection or running a statement was cancelled.
        case cancelled
        /// The connection was used in a way libpq forbids (e.g. a query during COPY).
        case misuse
    }

    public var kind: Kind
    public var message: String
    public var sqlState: SQLState?
    public var severity: String?
    public var detail: String?
    public var hint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// 1-based character offset of the error in the statement text, when the server gives one.
    public var position: Int?

    public init(
        _ kind: Kind,
        _ message: String,
        sqlState: SQLState? = nil,
        severity: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        schema: String? = nil,
        table: String? = nil,
        column: String? = nil,
        constraint: String? = nil,
        position: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
        self.position = position
    }

    /// True for the failures that a transaction may safely run again from the start.
    public var isTransient: Bool {
        sqlState == .serializationFailure || sqlState == .deadlockDetected
    }

    /// True when the database could not take the statement now, for a reason that passes: no
    /// connection could be made or one broke (a primary that vanished), the pool had none free,
    /// the server is shutting down or still starting, it has too many connections, or it is a
    /// standby, which cannot write (a primary demoted by a failover). A caller may retry later;
    /// after a broken connection, what was in flight may or may not have been committed, so a
    /// retry must carry the request's idempotency key.
    public var isUnavailability: Bool {
        switch kind {
        case .connection, .poolTimeout, .poolOverloaded, .poolClosed:
            return true
        case .server:
            guard let sqlState else { return false }
            return sqlState.errorClass == "08"
                || [
                    .adminShutdown, .crashShutdown, .cannotConnectNow, .readOnlyTransaction,
                    .tooManyConnections,
                ]
                .contains(sqlState)
        case .invalidConnectionString, .encoding, .decoding, .cancelled, .misuse:
            return false
        }
    }

    /// True when this is a violation of the named constraint (unique, check, foreign key, …).
    public func violates(constraint name: String) -> Bool {
        sqlState?.errorClass == "23" && constraint == name
    }

    public var description: String {
        var text = "PostgreSQL"
        if let sqlState {
            text += " \(sqlState.rawValue)"
            if let name = sqlState.name { text += " \(name)" }
        } else {
            text += " \(kind.rawValue) error"
        }
        if let constraint {
            text += " on constraint \(constraint)"
        } else if let table {
            text += " on table \(table)"
        }
        return text + ": " + message
    }

    /// The description and where in the statement the error is, never the detail or hint.
    public var debugDescription: String {
        guard let position else { return description }
        return description + " (at character \(position))"
    }
}
