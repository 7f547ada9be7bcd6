public import AllianceLedger
public import Logging
public import ServiceLifecycle

/// Writes the tokens' last uses still noted in memory when the service stops gracefully: they
/// are otherwise written once a minute, by the next authentication after the minute is up.
public struct TokenUsageWriter: Service {
    let tokens: TokenStore
    let logger: Logger

    public init(tokens: TokenStore, logger: Logger) {
        self.tokens = tokens
        self.logger = logger
    }

    public func run() async throws {
        // Returns on a graceful shutdown, and on cancellation, which still deserves a try.
        try? await gracefulShutdown()
        do {
            try await tokens.flushUsage()
        } catch {
            logger.warning(
                "the tokens' last uses could not be written as the service stopped",
                metadata: ["reason": .string(LoggedReason.of(error))])
        }
    }
}
