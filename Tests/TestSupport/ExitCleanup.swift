import EmbeddedPostgres
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Stops the test run's private cluster when the test process exits.
///
/// Swift Testing has no hook for the end of a run; `atexit` runs when the runner exits
/// normally. A run killed before that leaves its cluster behind, and the next run's
/// `StaleClusters.removeAbandoned()` stops and deletes it.
enum ExitCleanup {
    private static let state = Mutex<(clusters: [EmbeddedPostgres], registered: Bool)>(([], false))

    static func register(_ cluster: EmbeddedPostgres) {
        let needsHook = state.withLock { state in
            state.clusters.append(cluster)
            defer { state.registered = true }
            return !state.registered
        }
        if needsHook {
            atexit {
                for cluster in ExitCleanup.state.withLock({ $0.clusters }) {
                    cluster.stopImmediately()
                    try? FileManager.default.removeItem(atPath: cluster.dataDirectory)
                }
            }
        }
    }
}

/// Private clusters of earlier test runs live in /tmp/alliance-ledger-tests-<pid>-…; a run
/// that was killed leaves one behind.
enum StaleClusters {
    static let prefix = "alliance-ledger-tests-"

    static func makeDirectory() throws -> String {
        let path = "/tmp/\(prefix)\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    /// Stops and deletes clusters whose test process no longer runs.
    static func removeAbandoned() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            let owner = entry.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = pid_t(owner), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else {
                continue
            }
            let path = "/tmp/" + entry
            EmbeddedPostgres(dataDirectory: path, databaseName: "postgres", durable: false)
                .stopImmediately()
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
