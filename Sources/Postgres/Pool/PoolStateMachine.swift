/// The connection pool's bookkeeping, with no I/O: every event goes in, the actions to take
/// come out. The `PostgresPool` actor carries the actions out; tests drive this type directly.
///
/// Invariants, checked after every event:
/// - `leased + idle.count + opening <= maximumConnections`;
/// - an idle connection and a waiting task never coexist (the task would have got it);
/// - at most `maximumWaiters` tasks wait.
struct PoolStateMachine<Connection: Hashable> {
    typealias WaiterID = Int

    enum AcquireAction: Equatable {
        /// Hand this idle connection to the caller now.
        case lease(Connection)
        /// Park the caller and open a new connection; the first waiter gets it.
        case waitAndOpenConnection
        /// Park the caller until a connection is released.
        case wait
        case fail(PostgresError.Kind)
    }

    enum Action: Equatable {
        case none
        case lease(Connection, to: WaiterID)
        case close(Connection)
        /// Close the connection and open a replacement for a waiting task.
        case closeAndOpenReplacement(Connection)
    }

    let maximumConnections: Int
    let maximumWaiters: Int
    private(set) var idle: [Connection] = []
    private(set) var leased = 0
    private(set) var opening = 0
    private(set) var waiters: [WaiterID] = []
    private(set) var isClosed = false

    init(maximumConnections: Int, maximumWaiters: Int) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        precondition(maximumWaiters >= 0, "the waiter limit cannot be negative")
        self.maximumConnections = maximumConnections
        self.maximumWaiters = maximumWaiters
    }

    var openConnections: Int { leased + idle.count }

    /// Whether a caller that can do without a connection may take one now: nobody waits, and
    /// after it one more could still be lent at once (idle, or opened under the maximum). Work
    /// that only goes faster with another connection asks this before `acquire`
    /// (`PostgresPool.withSpareConnection`), so that it neither waits for one nor leaves the
    /// next caller waiting; with a pool of one or two connections it never gets one.
    var canSpare: Bool {
        !isClosed && waiters.isEmpty && maximumConnections - leased - opening >= 2
    }

    mutating func acquire(_ waiter: WaiterID) -> AcquireAction {
        defer { checkInvariants() }
        if isClosed { return .fail(.poolClosed) }
        if let connection = idle.popLast() {
            leased += 1
            return .lease(connection)
        }
        if waiters.count >= maximumWaiters { return .fail(.poolOverloaded) }
        waiters.append(waiter)
        if leased + opening < maximumConnections {
            opening += 1
            return .waitAndOpenConnection
        }
        return .wait
    }

    mutating func connectionOpened(_ connection: Connection) -> Action {
        defer { checkInvariants() }
        precondition(opening > 0, "a connection opened that nobody asked for")
        opening -= 1
        if isClosed { return .close(connection) }
        return handOver(connection)
    }

    /// An open failed: the oldest waiter gets the error, so that callers fail fast while the
    /// server is unreachable instead of each waiting out its timeout. When more tasks wait and
    /// nothing else is under way for them, another open starts for the next one.
    mutating func connectionFailedToOpen() -> (failed: WaiterID?, openAnother: Bool) {
        defer { checkInvariants() }
        precondition(opening > 0, "a connection failed to open that nobody asked for")
        opening -= 1
        let failed = waiters.isEmpty ? nil : waiters.removeFirst()
        let openAnother = !isClosed && waiters.count > opening && leased + opening < maximumConnections
        if openAnother { opening += 1 }
        return (failed, openAnother)
    }

    mutating func release(_ connection: Connection, reusable: Bool) -> Action {
        defer { checkInvariants() }
        precondition(leased > 0, "a connection came back that was never lent")
        leased -= 1
        guard reusable, !isClosed else {
            if !isClosed, waiters.count > opening, leased + opening < maximumConnections {
                opening += 1
                return .closeAndOpenReplacement(connection)
            }
            return .close(connection)
        }
        return handOver(connection)
    }

    /// A waiter timed out or its task was cancelled; nil when it had already been served.
    mutating func abandon(_ waiter: WaiterID) -> Bool {
        defer { checkInvariants() }
        guard let position = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: position)
        return true
    }

    /// Shuts the pool: returns the waiters to fail and the idle connections to close. Leased
    /// connections are closed as they come back.
    mutating func close() -> (waiters: [WaiterID], idle: [Connection]) {
        defer { checkInvariants() }
        isClosed = true
        let result = (waiters, idle)
        waiters = []
        idle = []
        return result
    }

    private mutating func handOver(_ connection: Connection) -> Action {
        guard !waiters.isEmpty else {
            idle.append(connection)
            return .none
        }
        leased += 1
        return .lease(connection, to: waiters.removeFirst())
    }

    private func checkInvariants() {
        precondition(leased >= 0 && opening >= 0, "pool counters went negative")
        precondition(
            leased + idle.count + opening <= maximumConnections, "pool exceeded its maximum")
        precondition(idle.isEmpty || waiters.isEmpty, "a task waits while a connection idles")
        precondition(waiters.count <= maximumWaiters, "too many waiters")
    }
}
