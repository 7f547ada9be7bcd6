public import AllianceLedger
import Hummingbird
import Logging
import Postgres

// Every problem type the service answers with. The types are part of the API: clients switch on
// them, and the OpenAPI document lists them. Add new ones here, never rename one.
extension Problem {
    /// `Retry-After` says when to try again: a failover manager promotes a standby in seconds.
    public static func databaseUnavailable(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "/problems/database-unavailable",
            title: "The database is unavailable", detail: detail,
            headers: [.retryAfter: String(databaseRetrySeconds)])
    }

    /// How long a client is asked to wait before retrying while the database is unavailable.
    static let databaseRetrySeconds = 2

    static func malformedJSON(_ detail: String) -> Problem {
        Problem(
            status: .badRequest, type: "/problems/malformed-json", title: "The body is not valid JSON",
            detail: detail)
    }

    static func invalidQuery(_ parameter: String, _ detail: String) -> Problem {
        Problem(
            status: .badRequest, type: "/problems/invalid-query",
            title: "A query parameter is not valid", detail: detail, field: parameter)
    }

    static func invalidField(_ field: String, _ detail: String) -> Problem {
        Problem(
            status: .unprocessableContent, type: "/problems/invalid-field",
            title: "A field of the request is not valid", detail: detail, field: field)
    }

    static func unknownField(_ field: String) -> Problem {
        Problem(
            status: .unprocessableContent, type: "/problems/unknown-field",
            title: "The request has a field this operation does not take",
            detail: "\(field) is not a field of this request; check its spelling against /openapi.json",
            field: field)
    }

    static func unauthenticated(_ detail: String) -> Problem {
        Problem(
            status: .unauthorized, type: "/problems/unauthenticated", title: "A valid bearer token is needed",
            detail: detail, headers: [.wwwAuthenticate: #"Bearer realm="alliance-ledger""#])
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(
            status: .forbidden, type: "/problems/forbidden", title: "The token may not do this",
            detail: detail)
    }

    static func notFound(_ name: String, _ title: String, _ detail: String) -> Problem {
        Problem(status: .notFound, type: "/problems/\(name)", title: title, detail: detail)
    }

    static func routeNotFound(_ method: HTTPRequest.Method, _ path: String) -> Problem {
        notFound(
            "not-found", "There is no such resource", "\(method) \(path) is not an operation of this service")
    }

    static let routeNotFoundType = "/problems/not-found"

    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [String]) -> Problem {
        Problem(
            status: .methodNotAllowed, type: "/problems/method-not-allowed",
            title: "The resource does not take this method",
            detail: "this resource takes \(allowed.joined(separator: ", ")), not \(method)",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    static func conflict(_ name: String, _ title: String, _ detail: String) -> Problem {
        Problem(status: .conflict, type: "/problems/\(name)", title: title, detail: detail)
    }

    static func unprocessable(_ name: String, _ title: String, _ detail: String, field: String? = nil)
        -> Problem
    {
        Problem(
            status: .unprocessableContent, type: "/problems/\(name)", title: title, detail: detail,
            field: field)
    }

    static func bodyTooLarge(limit: Int) -> Problem {
        Problem(
            status: .contentTooLarge, type: "/problems/body-too-large", title: "The body is too large",
            detail: "this operation takes at most \(limit) bytes")
    }

    /// A client that took longer than the service allows to send its request.
    static func requestTimeout(seconds: Int) -> Problem {
        Problem(
            status: .requestTimeout, type: "/problems/request-timeout",
            title: "The request took too long to arrive",
            detail: "the service waits at most \(seconds) seconds for a request's body; nothing was changed")
    }

    /// The caller, or their alliance, has as many imports under way as it may.
    static func tooManyImports(_ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(
            status: .tooManyRequests, type: "/problems/too-many-imports",
            title: "Too many imports are under way",
            detail: detail, headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// The whole service is running as many imports as it runs at once.
    static func importsBusy(_ detail: String, retryAfterSeconds: Int) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "/problems/imports-busy",
            title: "The service is running as many imports as it can", detail: detail,
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// The journal writer's queue is full: a burst beyond what the database can take now.
    static func writesBusy(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, type: "/problems/writes-busy",
            title: "The service has as many writes waiting as it queues", detail: detail,
            headers: [.retryAfter: String(writesRetrySeconds)])
    }

    /// How long a client is asked to wait when the writer's queue is full: it drains in about
    /// that time on a small machine.
    static let writesRetrySeconds = 1

    static func unsupportedMediaType(expected: String, found: String?) -> Problem {
        Problem(
            status: .unsupportedMediaType, type: "/problems/unsupported-media-type",
            title: "The body is not of the media type this operation takes",
            detail: "send Content-Type: \(expected)\(found.map { ", not \($0)" } ?? "")")
    }

    static let requestInProgress = conflict(
        "request-in-progress", "A request with this idempotency key is still running",
        "wait for the first request to finish, then retry with the same key to get its answer")

    static let internalError = Problem(
        status: .internalServerError, type: "/problems/internal", title: "The service failed",
        detail: "the failure is logged; nothing was changed unless a later read shows it")

    /// Why the ledger refused, as a problem. Every refusal left the books as they were.
    public init(_ error: LedgerError) {
        let detail = error.description
        switch error {
        case .allianceNotFound: self = .notFound("alliance-not-found", "There is no such alliance", detail)
        case .partnerNotFound: self = .notFound("partner-not-found", "There is no such partner", detail)
        case .budgetLineNotFound:
            self = .notFound("budget-line-not-found", "There is no such budget line", detail)
        case .personNotFound: self = .notFound("person-not-found", "There is no such person", detail)
        case .spendNotFound: self = .notFound("spend-not-found", "There is no such spend", detail)
        case .entryNotFound: self = .notFound("entry-not-found", "There is no such journal entry", detail)
        case .accountNotFound: self = .notFound("account-not-found", "There is no such account", detail)
        case .tokenNotFound: self = .notFound("token-not-found", "There is no such token", detail)
        case .decisionNotFound: self = .notFound("decision-not-found", "There is no such decision", detail)
        case .measurementNotFound:
            self = .notFound("measurement-not-found", "There is no such measurement", detail)
        case .statementNotFound: self = .notFound("statement-not-found", "There is no such statement", detail)
        case .publicationNotFound:
            self = .notFound("publication-not-found", "There is no such publication", detail)
        case .keyNotFound: self = .notFound("key-not-found", "There is no such key", detail)
        case .termsNotFound: self = .notFound("terms-not-found", "The year has no such terms", detail)
        case .decisionClosed: self = .conflict("decision-closed", "The decision is closed", detail)
        case .voteConflict:
            self = .conflict("vote-conflict", "The partner voted at this same instant already", detail)
        case .exists, .accountExists: self = .conflict("exists", "It exists already", detail)
        case .alreadyReversed: self = .conflict("already-reversed", "The entry was already reversed", detail)
        case .cannotReverseReversal:
            self = .conflict("cannot-reverse-reversal", "A reversal cannot be reversed", detail)
        case .idempotencyConflict: self = Problem.idempotencyKeyReused(detail)
        case .floorCrossed:
            self = .unprocessable("floor-crossed", "An account would go below its floor", detail)
        case .amountOverflow:
            self = .unprocessable("amount-overflow", "The amounts are too large", detail, field: "amount")
        case .invalidField(let field, let reason): self = .invalidField(field, "\(field) \(reason)")
        // Both answered, as before they had cases of their own, as the request's invalid field.
        case .journalDoesNotVerify: self = .invalidField("period", "period \(detail)")
        case .treeNodeMissing: self = .invalidField("treeSize", "treeSize \(detail)")
        case .unknownField(let field): self = .unknownField(field)
        case .invalidMetadata: self = .invalidField("metadata", detail)
        case .invalidAccountCode: self = .invalidField("account", detail)
        case .tooFewPostings, .tooManyPostings, .zeroAmount, .unbalanced:
            self = .invalidField("postings", detail)
        case .invalidPage: self = .invalidQuery("cursor", detail)
        case .forbidden: self = .forbidden(detail)
        case .unauthenticated: self = .unauthenticated(detail)
        case .writerQueueFull: self = .writesBusy(detail)
        }
    }

    static func idempotencyKeyReused(_ detail: String) -> Problem {
        unprocessable(
            "idempotency-key-reused", "The idempotency key was used for a different request", detail,
            field: "Idempotency-Key")
    }

    /// The problem a refusal is answered with: the database's (a constraint it enforces), the
    /// library's, or a problem thrown as such. Nil for anything else: a fault, the database lost.
    static func refusal(_ error: any Error) -> Problem? {
        if let refusal = LedgerError(violation: error) { return Problem(refusal) }
        switch error {
        case let problem as Problem: return problem
        case let error as LedgerError: return Problem(error)
        default: return nil
        }
    }

    /// Any error a route let through, as the problem to answer: a problem as it is, the ledger's
    /// refusals by their kind, Hummingbird's own errors by status, and anything else as an
    /// internal failure, logged with its cause but not shown to the caller.
    static func answering(_ error: any Error, to request: Request, logger: Logger) -> Problem {
        if LedgerError(violation: error) != nil {
            // The database refused what the library's checks let through: the caller's field
            // to correct all the same, and a disagreement of ours to fix.
            logger.warning(
                "the database refused a field the library allowed",
                metadata: ["reason": .string(LoggedReason.of(error))])
        }
        if let refusal = refusal(error) { return refusal }
        switch error {
        case let error as PostgresError where error.isUnavailability || error.isTransient:
            logger.error("database unavailable", metadata: ["reason": .string(LoggedReason.of(error))])
            // A connection lost mid-request may have lost the answer to a COMMIT that happened:
            // the client cannot be told that nothing was written, only how to find out safely.
            return .databaseUnavailable(
                "the database could not be reached or could not take the request now; retry shortly, "
                    + "with the same Idempotency-Key for a creating request")
        case let error as PostgresError where error.sqlState == .queryCanceled:
            // The server's statement_timeout: the request asked more of the database than the
            // service allows one statement. Its transaction rolled back.
            logger.error("a statement ran past the statement timeout", metadata: ["error": "\(error)"])
            return .databaseUnavailable(
                "the database did not finish within the service's statement timeout; nothing was changed")
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound, .methodNotAllowed: return .routeNotFound(request.method, request.uri.path)
            case .contentTooLarge: return .bodyTooLarge(limit: LedgerRequestContext.jsonBodyLimit)
            default:
                // No route asks Hummingbird for anything else that can fail; if one does, it
                // is a fault of ours to log and fix, not a new problem type for clients.
                logger.error("unexpected HTTP error", metadata: ["reason": .string(LoggedReason.of(error))])
                return .internalError
            }
        default:
            logger.error("request failed", metadata: ["reason": .string(LoggedReason.of(error))])
            return .internalError
        }
    }
}
