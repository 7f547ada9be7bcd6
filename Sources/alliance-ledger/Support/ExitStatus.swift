import AllianceLedger
import EmbeddedPostgres
import Postgres

/// The exit codes of every command, documented in `--help` and docs/command-line.md.
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case failure = 1
    case usage = 2
    case notFound = 3
    case conflict = 4
    case invalidInput = 5

    var meaning: String {
        switch self {
        case .success: "success"
        case .failure: "failure (e.g. the database is unreachable)"
        case .usage: "usage error: unknown command, option or argument"
        case .notFound: "not found"
        case .conflict: "conflict with the recorded state"
        case .invalidInput: "invalid input or configuration"
        }
    }

    static var helpText: String {
        "Exit codes: " + allCases.map { "\($0.rawValue) \($0.meaning)" }.joined(separator: "; ")
    }
}

/// An error that has already been turned into the line the user sees and the exit code.
struct CommandFailure: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    var description: String { message }

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The one place where errors from the libraries become messages and exit codes.
    init(describing error: any Error) {
        // A field the database refused although the library's checks let it through.
        if let refusal = LedgerError(violation: error) {
            self.init(CommandFailure.status(of: refusal), refusal.description)
            return
        }
        switch error {
        case let failure as CommandFailure:
            self = failure
        case let error as SettingsError:
            self.init(.invalidInput, error.description)
        case let error as EmbeddedPostgresError:
            self.init(.failure, error.description)
        case let error as SchemaMigrationError:
            switch error {
            case .checksumMismatch, .unknownAppliedMigration: self.init(.conflict, error.description)
            default: self.init(.failure, error.description)
            }
        case let error as LedgerError:
            self.init(CommandFailure.status(of: error), error.description)
        case let error as SpendCSVError:
            self.init(.invalidInput, error.description)
        case let error as PostgresError:
            self.init(.failure, CommandFailure.explain(error))
        default:
            self.init(.failure, "\(error)")
        }
    }

    private static func status(of error: LedgerError) -> ExitStatus {
        switch error {
        case .allianceNotFound, .accountNotFound, .entryNotFound, .partnerNotFound, .budgetLineNotFound,
            .personNotFound, .spendNotFound, .tokenNotFound, .decisionNotFound, .measurementNotFound,
            .statementNotFound, .publicationNotFound, .keyNotFound,
            .termsNotFound:
            .notFound
        case .accountExists, .idempotencyConflict, .alreadyReversed, .exists, .decisionClosed, .voteConflict:
            .conflict
        case .forbidden, .unauthenticated, .writerQueueFull: .failure
        default: .invalidInput
        }
    }

    private static func explain(_ error: PostgresError) -> String {
        switch error.kind {
        case .connection:
            let firstLine = error.message.split(whereSeparator: \.isNewline).first.map(String.init)
            let reason = firstLine ?? error.message
            let hint =
                reason.contains("password authentication failed")
                    || reason.contains("no password supplied")
                ? "check the user name and password in DATABASE_URL"
                : "check that the server is running and that DATABASE_URL (or --database-url) is right"
            return "cannot connect to PostgreSQL: \(reason) (\(hint))"
        case .invalidConnectionString:
            return "\(error.message) (check DATABASE_URL or --database-url)"
        case .poolTimeout, .poolOverloaded:
            return "the database is busy: \(error.message)"
        default:
            return error.description
        }
    }
}
