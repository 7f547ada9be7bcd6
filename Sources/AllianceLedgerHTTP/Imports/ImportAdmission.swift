import AllianceLedger
import Synchronization

/// How many spend imports may be under way at once, so that no one caller, and no one
/// alliance, can take the service's capacity for imports, and imports together cannot take the
/// database pool from every other request.
///
/// An import counts against its caller and its alliance from the moment its upload starts
/// until it is answered: beyond either limit it is refused at once, with `Retry-After`, rather
/// than queued, since a queue would hold the sockets and files of uploads that may never start.
/// It counts against the whole service only while it holds a database connection, after its
/// body has arrived; a whole file waits up to `placeWait` for a place (holding its spool, not a
/// connection), so that imports finishing together are not refused after their upload.
final class ImportAdmission: Sendable {
    struct Limits: Sendable, Equatable {
        /// Imports of one caller (a person, whichever of their tokens; or one operator token).
        var perCaller: Int
        /// Imports into one alliance, by all its callers.
        var perAlliance: Int
        /// Imports holding a database connection, in the whole service.
        var holdingConnections: Int
        /// How long an import whose file has arrived waits for one of those places.
        var placeWait: Duration

        init(perCaller: Int, perAlliance: Int, holdingConnections: Int, placeWait: Duration = .seconds(60)) {
            precondition(
                perCaller > 0 && perAlliance > 0 && holdingConnections > 0,
                "every import limit must be positive")
            self.perCaller = perCaller
            self.perAlliance = perAlliance
            self.holdingConnections = holdingConnections
            self.placeWait = placeWait
        }
    }

    /// What a refused import is told to wait before trying again: imports take seconds to
    /// minutes, so sooner would mostly be refused again.
    static let retryAfterSeconds = 10

    let limits: Limits

    private struct Counts {
        var byCaller: [String: Int] = [:]
        var byAlliance: [AllianceID: Int] = [:]
        var holdingConnections = 0
    }

    private let counts = Mutex(Counts())

    init(limits: Limits) {
        self.limits = limits
    }

    /// Runs `upload` as one of `caller`'s imports into `alliance`, or refuses at once with 429
    /// when either has as many under way as it may.
    func withUpload<Value>(
        by caller: String, into alliance: AllianceID, _ upload: () async throws -> Value
    ) async throws -> Value {
        try counts.withLock { (counts) throws(Problem) in
            if counts.byCaller[caller, default: 0] >= limits.perCaller {
                throw Problem.tooManyImports(
                    "you have \(limits.perCaller) import(s) under way, as many as one caller may; wait for one to be answered",
                    retryAfterSeconds: Self.retryAfterSeconds)
            }
            if counts.byAlliance[alliance, default: 0] >= limits.perAlliance {
                throw Problem.tooManyImports(
                    "the alliance has \(limits.perAlliance) import(s) under way, as many as one alliance may; wait for one to be answered",
                    retryAfterSeconds: Self.retryAfterSeconds)
            }
            counts.byCaller[caller, default: 0] += 1
            counts.byAlliance[alliance, default: 0] += 1
        }
        defer {
            counts.withLock { counts in
                counts.byCaller[caller] = Self.decremented(counts.byCaller[caller])
                counts.byAlliance[alliance] = Self.decremented(counts.byAlliance[alliance])
            }
        }
        return try await upload()
    }

    /// How often a waiting import looks for a free place: imports take seconds, so a tenth of
    /// one is soon enough, and polling leaves no continuation to resume on every path.
    static let placePoll = Duration.milliseconds(100)

    /// Runs `work` holding one of the service's places for imports that use a database
    /// connection, waiting up to `placeWait` for one; 503 when none came free.
    func withConnectionPlace<Value>(_ work: () async throws -> Value) async throws -> Value {
        let deadline = ContinuousClock.now + limits.placeWait
        while !takePlace() {
            guard ContinuousClock.now + Self.placePoll <= deadline else {
                throw Problem.importsBusy(
                    "the service is running \(limits.holdingConnections) import(s), as many as it runs at once, and none finished within \(limits.placeWait.components.seconds) s; the file was not imported",
                    retryAfterSeconds: Self.retryAfterSeconds)
            }
            try await Task.sleep(for: Self.placePoll)
        }
        defer { counts.withLock { $0.holdingConnections -= 1 } }
        return try await work()
    }

    private func takePlace() -> Bool {
        counts.withLock { counts in
            guard counts.holdingConnections < limits.holdingConnections else { return false }
            counts.holdingConnections += 1
            return true
        }
    }

    /// One fewer, and no entry at all for none, so that the counts hold only what is under way.
    private static func decremented(_ count: Int?) -> Int? {
        guard let count, count > 1 else { return nil }
        return count - 1
    }
}
