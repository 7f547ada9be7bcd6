public import AllianceLedger
public import Logging
public import ServiceLifecycle

/// Closes the decisions whose closing time has passed, in every alliance, once at start and
/// then every `interval`: rejected when a partner objects, else lapsed.
///
/// Only for timeliness: reading a decision settles it if due, so no answer depends on when the
/// sweep last ran. A failed sweep is logged and tried again at the next interval; a graceful
/// shutdown or cancellation stops the sweep at once (a settlement under way rolls back whole).
public struct DecisionSweep: Service {
    public let decisions: Decisions
    public let interval: Duration
    private let logger: Logger

    public init(decisions: Decisions, interval: Duration, logger: Logger) {
        precondition(interval > .zero, "the decision sweep needs a positive interval")
        self.decisions = decisions
        self.interval = interval
        self.logger = logger
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

    /// One pass: how many decisions it settled, or nil when it failed (and logged why).
    @discardableResult
    public func once() async -> Int? {
        do {
            let settled = try await decisions.settleDue()
            if settled > 0 {
                logger.info("decisions past their closing time settled", metadata: ["settled": "\(settled)"])
            }
            return settled
        } catch {
            // Stopping mid-pass is not a failure to report.
            if !Task.isCancelled {
                logger.error(
                    "decision sweep failed; trying again at the next interval",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
            return nil
        }
    }
}
