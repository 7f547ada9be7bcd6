/// A five-character SQLSTATE code reported by the server, such as `23505`.
///
/// Only the codes the project acts on have names here; any other code is still carried as is.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The two-character class, e.g. `23` for integrity constraint violations.
    public var errorClass: Substring { rawValue.prefix(2) }

    public var description: String { rawValue }

    /// The name PostgreSQL's documentation gives this code, when it is one we know.
    public var name: String? { Self.names[rawValue] }

    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    public static let checkViolation = SQLState(rawValue: "23514")
    public static let notNullViolation = SQLState(rawValue: "23502")
    public static let exclusionViolation = SQLState(rawValue: "23P01")
    public static let restrictViolation = SQLState(rawValue: "23001")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let crashShutdown = SQLState(rawValue: "57P02")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
    public static let inFailedTransaction = SQLState(rawValue: "25P02")
    public static let readOnlyTransaction = SQLState(rawValue: "25006")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let syntaxError = SQLState(rawValue: "42601")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let undefinedColumn = SQLState(rawValue: "42703")
    public static let duplicateDatabase = SQLState(rawValue: "42P04")
    public static let duplicateObject = SQLState(rawValue: "42710")
    public static let invalidTextRepresentation = SQLState(rawValue: "22P02")
    public static let numericValueOutOfRange = SQLState(rawValue: "22003")
    public static let stringDataRightTruncation = SQLState(rawValue: "22001")
    public static let raiseException = SQLState(rawValue: "P0001")
    public static let invalidPassword = SQLState(rawValue: "28P01")
    public static let invalidAuthorization = SQLState(rawValue: "28000")
    public static let invalidCatalogName = SQLState(rawValue: "3D000")
    public static let tooManyConnections = SQLState(rawValue: "53300")

    private static let names: [String: String] = [
        "23505": "unique_violation",
        "23503": "foreign_key_violation",
        "23514": "check_violation",
        "23502": "not_null_violation",
        "23P01": "exclusion_violation",
        "23001": "restrict_violation",
        "40001": "serialization_failure",
        "40P01": "deadlock_detected",
        "55P03": "lock_not_available",
        "57014": "query_canceled",
        "57P01": "admin_shutdown",
        "57P02": "crash_shutdown",
        "57P03": "cannot_connect_now",
        "25P02": "in_failed_sql_transaction",
        "25006": "read_only_sql_transaction",
        "42501": "insufficient_privilege",
        "42601": "syntax_error",
        "42P01": "undefined_table",
        "42703": "undefined_column",
        "42P04": "duplicate_database",
        "42710": "duplicate_object",
        "22P02": "invalid_text_representation",
        "22003": "numeric_value_out_of_range",
        "22001": "string_data_right_truncation",
        "P0001": "raise_exception",
        "28P01": "invalid_password",
        "28000": "invalid_authorization_specification",
        "3D000": "invalid_catalog_name",
        "53300": "too_many_connections",
    ]
}
