import AllianceLedger
import HTTPTypes
import Logging
import Synchronization

/// Carries out the statement publications asked for in the background (`Prefer:
/// respond-async`, or a period too large to publish within a request), one after another.
///
/// A request that records a pending publication wakes it; the background sweep wakes it too, so
/// a publication left pending by an instance that stopped half-way (its transaction rolled
/// back) is carried out again. Several instances may be awake at once: each publication is
/// carried out by the one that locks it (SQL/0014).
final class StatementPublisher: Sendable {
    let statements: Statements
    /// `statement_timeout` for a publishing transaction, as for an import's; nil keeps the
    /// session's.
    let statementTimeout: Duration?
    private let logger: Logger
    /// Whether a pass is running, and whether it must go round once more because it was woken
    /// while running (a publication asked for after it read the pending ones).
    private let state = Mutex<(running: Bool, again: Bool)>((false, false))

    init(statements: Statements, statementTimeout: Duration? = nil, logger: Logger) {
        self.statements = statements
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    /// Starts carrying out every pending publication, unless a pass is running already: then
    /// that pass goes round once more when it has finished.
    func wake() {
        let start = state.withLock { state -> Bool in
            if state.running {
                state.again = true
                return false
            }
            state.running = true
            return true
        }
        guard start else { return }
        Task {
            repeat {
                await self.pass()
            } while self.state.withLock { state -> Bool in
                if state.again {
                    state.again = false
                    return true
                }
                state.running = false
                return false
            }
        }
    }

    /// Carries out every pending publication of every alliance; one that fails for a reason the
    /// service answers as a problem is marked failed with it, and one that fails otherwise (the
    /// database lost) stays pending for the next pass.
    func pass() async {
        do {
            for (alliance, id) in try await statements.pendingPublications() {
                guard !Task.isCancelled else { return }
                do {
                    guard
                        let publication = try await statements.carryOut(
                            id, in: alliance, statementTimeout: statementTimeout,
                            failure: StatementPublisher.failure)
                    else { continue }
                    logger.info(
                        "publication finished",
                        metadata: [
                            "publication": "\(id)", "alliance": "\(alliance)",
                            "state": "\(publication.state.rawValue)",
                            "statement": "\(publication.statement ?? "")",
                        ])
                } catch {
                    if !Task.isCancelled {
                        logger.error(
                            "publication could not be carried out; it stays pending for the next sweep",
                            metadata: ["publication": "\(id)", "reason": .string(LoggedReason.of(error))])
                    }
                }
            }
        } catch {
            if !Task.isCancelled {
                logger.error(
                    "pending publications could not be read",
                    metadata: ["reason": .string(LoggedReason.of(error))])
            }
        }
    }

    /// How a refused publication is answered, as a request to publish at once would have been:
    /// nil for an error that is not a refusal, which leaves the publication pending.
    @Sendable static func failure(_ error: any Error) -> Publication.Failure? {
        // A 5xx thrown as a problem (the database unavailable) is no refusal: tried again.
        guard let problem = Problem.refusal(error), problem.status.code < 500 else { return nil }
        return Publication.Failure(
            status: problem.status.code, type: problem.type, title: problem.title,
            detail: problem.detail ?? problem.title)
    }
}
