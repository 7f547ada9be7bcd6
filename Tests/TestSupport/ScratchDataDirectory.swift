import EmbeddedPostgres
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` with a path for a new data directory under /tmp (not yet created), then stops
/// any cluster started there and deletes it. The path carries this process's id, so a killed
/// run's leftovers are cleaned by the next run.
public func withScratchDataDirectory(
    suffix: String = "", _ body: (String) async throws -> Void
) async throws {
    let path = "/tmp/\(StaleClusters.prefix)\(getpid())-scratch-\(UUID().uuidString.prefix(8))\(suffix)"
    let cleanUp = {
        try await runBlocking {
            EmbeddedPostgres(dataDirectory: path, durable: false).stopImmediately()
            try? FileManager.default.removeItem(atPath: path)
        }
    }
    do {
        try await body(path)
    } catch {
        try await cleanUp()
        throw error
    }
    try await cleanUp()
}
