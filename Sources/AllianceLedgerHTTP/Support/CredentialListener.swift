import Logging
import Postgres
import ServiceLifecycle

/// Listens, on a connection of its own, for the database's word that a credential changed
/// (SQL/0022: a token revoked, a person removed, a role granted or ended, by any instance or
/// the command line) and makes the credential cache forget every caller it kept, so that the
/// change holds on this instance at once rather than within the cache's lifetime.
///
/// A notification sent while no one listens is lost, so the cache forgets everything each time
/// the listening connection is (re)established; while it is down, the lifetime is the bound.
/// The connection is the writes' (`database.url`): notifications are not replicated, so only
/// the primary's reach a listener.
struct CredentialListener: Service {
    static let channel = "alliance_ledger_credentials"

    let connection: PostgresConnectionConfiguration
    let credentials: CredentialCache
    let logger: Logger
    /// How long one wait for a notification lasts: how soon the listener notices that the
    /// service is stopping.
    var wait = Duration.milliseconds(250)
    /// How long it waits before connecting again after losing its connection.
    var retry = Duration.seconds(1)

    func run() async throws {
        let listener = self
        await cancelWhenGracefulShutdown { await listener.listen() }
    }

    private func listen() async {
        var unheard = false
        while !Task.isCancelled {
            do {
                let session = try await PostgresConnection.connect(connection)
                try await session.execute("LISTEN \(identifier: Self.channel)")
                credentials.forgetCallers()
                if unheard {
                    logger.info("credential changes are heard again")
                    unheard = false
                }
                while !Task.isCancelled {
                    if try await !session.notifications(waitingUpTo: wait).isEmpty {
                        credentials.forgetCallers()
                    }
                }
                await session.close()
            } catch {
                guard !Task.isCancelled else { return }
                if !unheard {
                    logger.warning(
                        "credential changes are not heard: kept callers expire after their lifetime",
                        metadata: ["error": "\(error)"])
                    unheard = true
                }
                try? await Task.sleep(for: retry)
            }
        }
    }
}
