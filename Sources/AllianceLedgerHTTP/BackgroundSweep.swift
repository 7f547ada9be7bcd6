public import AllianceLedger
public import Logging
public import ServiceLifecycle

/// The service's housekeeping, once at start and then every `interval`: closes the decisions
/// whose closing time has passed, in every alliance (rejected when a partner objects, else
/// lapsed), removes idempotent answers older than their retention, and wakes the publisher for
/// publications left pending (by an instance that stopped while carrying one out).
///
/// Only for timeliness: reading a decision settles it if due, so no answer depends on when the
/// sweep last ran. A failed sweep is logged and tried again at the next interval; a graceful
/// shutdown or cancellation stops the sweep at once (a settlement under way rolls back whole).
public struct BackgroundSweep: Service {
    public let decisions: Decisions
    public let interval: Duration
    private let logger: Logger
    private let idempotency: (answers: IdempotentCreations, retention: Duration)?
    private let publisher: StatementPublisher?

    public init(decisions: Decisions, interval: Duration, logger: Logger) {
        self.init(decisions: decisions, interval: interval, logger: logger, idempotency: nil, publisher: nil)
    }

    init(
        decisions: Decisions, interval: Duration, logger: Logger,
        idempotency: (answers: IdempotentCreations, retention: Duration)?,
        publisher: StatementPublisher? = nil
    ) {
        precondition(interval > .zero, "the background sweep needs a positive interval")
        self.decisions = decisions
        self.interval = interval
        self.logger = logger
        self.idempotency = idempotency
        self.publisher = publisher
    }

    public func run() async throws {
        let sweep = self
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep.once()
                do {
                    try await Task.sleep(for: sweep.interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One pass: how many decisions it settled, or nil when settling failed (and logged why).
    @discardableResult
    public func once() async -> Int? {
        let settled = await attempt("decision sweep") {
            let settled = try await decisions.settleDue()
            if settled > 0 {
                logger.info("decisions past their closing time settled", metadata: ["settled": "\(settled)"])
            }
            return settled
        }
        if let idempotency {
            _ = await attempt("pruning idempotent answers") {
                let removed = try await idempotency.answers.prune(
                    retentionSeconds: Int(idempotency.retention.components.seconds))
                if removed > 0 {
                    logger.info(
                        "idempotent answers past their retention removed", metadata: ["removed": "\(removed)"]
                    )
                }
                return removed
            }
        }
        // In the background: a publication may take minutes, and decisions must not wait.
        publisher?.wake()
        return settled
    }

    private func attempt(_ what: String, _ work: () async throws -> Int) async -> Int? {
        do {
            return try await work()
        } catch {
            // Stopping mid-pass is not a failure to report.
            if !Task.isCancelled {
                logger.error(
                    "\(what) failed; trying again at the next interval",
                    metadata: ["reason": .string(LoggedReason.of(error))])
            }
            return nil
        }
    }
}
