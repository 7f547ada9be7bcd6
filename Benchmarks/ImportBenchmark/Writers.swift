import AllianceLedger
import BenchmarkSupport
import Dates
import Foundation
import ServiceHarness
import Synchronization

/// Spend recorded one at a time by `clients` callers, each as fast as it is answered, until
/// `stop` is set: what finance leads recording by hand would see while an import runs.
///
/// By default each caller is an HTTP client of the service (`POST …/spend` with its partner's
/// finance lead's token, over a keep-alive connection, on a thread of its own), as the issue's
/// goals are stated; with `--library-writers` each calls `SpendBook.record` in this process,
/// as the runs before 2026-12-05 evening did.
final class Writers: Sendable {
    /// How many callers record at once.
    let clients: Int

    init(clients: Int) { self.clients = clients }

    struct Write {
        let started: Date
        let microseconds: Double
    }

    /// Where a caller sends its spend.
    enum Route: Sendable {
        case library(SpendBook)
        /// The service's port, the alliance's spend path, and a finance lead's token for each
        /// partner, by slug.
        case http(port: Int, path: String, tokens: [String: String])
    }

    private let stopped = Mutex(false)
    private let writes = Mutex<[Write]>([])
    /// Writes that started before this are the callers' warm-up (each one's first connection
    /// to the service, the service's to the database), not writes made while the import runs.
    private let measuredSince = Mutex(Date.distantPast)
    /// Answers other than 201, and why the first was given.
    private let refusals = Mutex<(count: Int, first: String?)>((0, nil))

    func stop() { stopped.withLock { $0 = true } }
    /// Counts only the writes that start from now on.
    func measureFromNow() { measuredSince.withLock { $0 = Date() } }
    /// Whether the callers have warmed up: three writes each on average, so that each has
    /// opened its connections.
    var warmedUp: Bool { writes.withLock { $0.count } >= clients * 3 }
    /// The writes made since `measureFromNow`.
    private var measured: [Write] {
        let since = measuredSince.withLock { $0 }
        return writes.withLock { $0.filter { $0.started >= since } }
    }
    var slowest: Double { (measured.map(\.microseconds).max() ?? .nan) / 1000 }
    var count: Int { measured.count }
    var refused: (count: Int, first: String?) { refusals.withLock { $0 } }
    var p99: Double {
        let latencies = measured.map(\.microseconds).sorted()
        return Throughput(operations: latencies.count, seconds: 1, latencies: latencies).percentile(0.99)
    }
    /// The `count` slowest writes, in the order they started.
    func slowestWrites(_ count: Int) -> [Write] {
        measured.sorted { $0.microseconds > $1.microseconds }.prefix(count).sorted { $0.started < $1.started }
    }

    /// Records until stopped; caller `client` records for `partners[client % partners.count]`
    /// on `budgetLines[client % budgetLines.count]`.
    func run(
        into alliance: Alliance, route: Route, partners: [String], budgetLines: [String],
        label: String
    ) async throws {
        guard let day = CalendarDate(year: 2025, month: 6, day: 1) else { preconditionFailure("a real day") }
        switch route {
        case .library(let book):
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var index = 0
                        while !self.stopped.withLock({ $0 }) {
                            index += 1
                            let request = try SpendRequest(
                                partner: partners[client % partners.count],
                                budgetLine: budgetLines[client % budgetLines.count],
                                amount: 100, incurredOn: day,
                                description: "recorded during the import",
                                reference: "\(label)-\(client)-\(index)")
                            try await self.timed {
                                _ = try await book.record(request, in: alliance, by: .commandLine)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        case .http(let port, let path, let tokens):
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    let partner = partners[client % partners.count]
                    guard let token = tokens[partner] else {
                        throw BenchmarkFailure("no token for \(partner)")
                    }
                    let budgetLine = budgetLines[client % budgetLines.count]
                    group.addTask {
                        try await Self.onOwnThread {
                            let connection = try BlockingHTTPConnection(port: port)
                            var index = 0
                            while !self.stopped.withLock({ $0 }) {
                                index += 1
                                let body =
                                    #"{"partner":"\#(partner)","budgetLine":"\#(budgetLine)","amount":100,"#
                                    + #""incurredOn":"\#(day)","description":"recorded during the import","#
                                    + #""reference":"\#(label)-\#(client)-\#(index)"}"#
                                let started = (Date(), ContinuousClock.now)
                                let answer = try connection.post(path: path, bearer: token, json: body)
                                self.record(startedAt: started)
                                if answer.status != 201 {
                                    self.refusals.withLock {
                                        $0.count += 1
                                        $0.first = $0.first ?? "\(answer.status) \(answer.body)"
                                    }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    private func timed(_ write: () async throws -> Void) async throws {
        let started = (Date(), ContinuousClock.now)
        try await write()
        record(startedAt: started)
    }

    /// Keeps a write that started at `startedAt` (the wall clock's time and the monotonic
    /// clock's) and ends now.
    private func record(startedAt started: (date: Date, instant: ContinuousClock.Instant)) {
        let elapsed = (ContinuousClock.now - started.instant).microseconds
        writes.withLock { $0.append(Write(started: started.date, microseconds: elapsed)) }
    }

    /// Runs `body` on a new thread and waits for it without holding a cooperative thread.
    private static func onOwnThread(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }
}
