import AllianceLedger
import Postgres

/// What the log says about a failure, under the request's id: its kind and message, never row
/// data. PostgreSQL's detail ("Failing row contains (…)", "Key (email)=(…) already exists")
/// quotes a row's values, e-mail addresses included, so a database error is told by its
/// SQLSTATE, constraint and message only; the library's refusals by their description; anything
/// else by its type and description (a database error nested in it prints without its detail).
enum LoggedReason {
    static func of(_ error: any Error) -> String {
        switch error {
        case let error as PostgresError: error.description
        case let error as LedgerError: error.description
        default: "\(type(of: error)): \(String(describing: error))"
        }
    }
}
