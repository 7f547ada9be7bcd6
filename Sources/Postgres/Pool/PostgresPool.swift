import Logging

/// How a pool behaves. Every limit is explicit: connections, waiting tasks, waiting time and
/// transaction attempts.
public struct PostgresPoolConfiguration: Sendable {
    public var connection: PostgresConnectionConfiguration
    /// The most connections open at once, leased or idle.
    public var maximumConnections: Int
    /// The most tasks that may wait for a connection; beyond it `acquire` fails at once.
    public var maximumWaiters: Int
    /// How long a task waits for a connection before failing with `.poolTimeout`.
    public var acquireTimeout: Duration
    /// Default number of attempts `withTransaction` makes on serialization failures and
    /// deadlocks.
    public var transactionAttempts: Int
    /// For a pool that only reads: a body whose connection is lost under it (the server died,
    /// or failed over to a standby) runs again, once, on a new connection, which a multi-host
    /// connection string opens to a server still standing. Never for writes: a lost answer
    /// does not say whether the write happened.
    public var readsAgainOnLostConnection = false

    public init(
        connection: PostgresConnectionConfiguration,
        maximumConnections: Int = 8,
        maximumWaiters: Int = 1000,
        acquireTimeout: Duration = .seconds(10),
        transactionAttempts: Int = 5
    ) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        precondition(transactionAttempts > 0, "a transaction needs at least one attempt")
        self.connection = connection
        self.maximumConnections = maximumConnections
        self.maximumWaiters = maximumWaiters
        self.acquireTimeout = acquireTimeout
        self.transactionAttempts = transactionAttempts
    }
}

/// A snapshot of the pool's use, for metrics.
public struct PostgresPoolStatistics: Sendable, Equatable {
    public var open: Int
    public var idle: Int
    public var leased: Int
    public var opening: Int
    public var waiting: Int
    public var maximum: Int
}

/// A fixed-size pool of connections.
///
/// Connections open lazily, up to the maximum. A task that finds none free waits in FIFO
/// order, up to the acquire timeout. Before lending a connection the pool checks that the
/// server has not closed it (see `PostgresConnection.checkAlive()`) and replaces it if so; a
/// connection that comes back inside a transaction, mid-COPY or after a cancel request is
/// closed rather than lent again.
public actor PostgresPool {
    private typealias Continuation = ExactlyOnceContinuation<PostgresConnection, any Error>

    private struct Waiter {
        let continuation: Continuation
        let timer: Task<Void, Never>
    }

    public nonisolated let configuration: PostgresPoolConfiguration
    private var state: PoolStateMachine<PostgresConnection>
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiterID = 0
    private nonisolated var logger: Logger { configuration.connection.logger }

    public init(_ configuration: PostgresPoolConfiguration) {
        self.configuration = configuration
        state = PoolStateMachine(
            maximumConnections: configuration.maximumConnections,
            maximumWaiters: configuration.maximumWaiters)
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    @discardableResult
    public func withConnection<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        // Only a connection lost under the body reads again: a lease that fails has already
        // tried every idle connection and a new one, and trying it all again would double the
        // wait for a server that is down.
        let connection = try await leaseLiveConnection()
        do {
            return try await Self.lending(connection, from: self, isolation: isolation, to: body)
        } catch {
            // Bound by a cast rather than a typed catch pattern, which crashes Swift 6.3.1.
            guard configuration.readsAgainOnLostConnection, let lost = error as? PostgresError,
                lost.kind == .connection
            else { throw error }
            logger.info(
                "reading again on a new connection after losing one", metadata: ["error": "\(lost)"])
            return try await Self.lending(
                try await leaseLiveConnection(), from: self, isolation: isolation, to: body)
        }
    }

    /// Lends `body` a connection when the pool can spare one (`PoolStateMachine.canSpare`:
    /// nobody waits, and another stays free after it), and otherwise calls it at once with nil:
    /// for work that goes faster with another connection but can do without, such as the
    /// journal verifier's second reader. It never waits for a connection, so a caller that
    /// already holds one cannot deadlock a small pool, nor keep others waiting. A spare that
    /// fails to open is as none.
    @discardableResult
    public func withSpareConnection<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection?) async throws -> Value
    ) async throws -> Value {
        guard let connection = await leaseSpareConnection() else { return try await body(nil) }
        return try await Self.lending(connection, from: self, isolation: isolation) { try await body($0) }
    }

    /// Runs `body` on a connection leased from `pool` and gives it back afterwards, whatever
    /// happens.
    private static func lending<Value>(
        _ connection: PostgresConnection, from pool: PostgresPool, isolation: isolated (any Actor)?,
        to body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        do {
            let value = try await body(connection)
            await pool.giveBack(connection)
            return value
        } catch {
            await pool.giveBack(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction, starting over on a serialization failure or deadlock
    /// (SQLSTATE 40001, 40P01) up to `maximumAttempts` times with a short randomised pause.
    /// A connection that turns out dead at BEGIN, before `body` ran, is replaced the same way:
    /// nothing was sent, so nothing can have happened.
    ///
    /// `body` may run more than once, so it must not have effects outside the database that
    /// cannot be repeated. When the attempts run out, the last error is thrown.
    @discardableResult
    public func withTransaction<Value>(
        _ level: IsolationLevel = .readCommitted,
        maximumAttempts: Int? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let attempts = maximumAttempts ?? configuration.transactionAttempts
        precondition(attempts > 0, "a transaction needs at least one attempt")
        var attempt = 1
        while true {
            var bodyStarted = false
            do {
                return try await withConnection { connection in
                    try await connection.withTransaction(level) { connection in
                        bodyStarted = true
                        return try await body(connection)
                    }
                }
            } catch let error as PostgresError
                where attempt < attempts && PostgresPool.canRetry(error, bodyStarted: bodyStarted)
            {
                logger.debug(
                    "retrying transaction",
                    metadata: ["db.sqlstate": "\(error.sqlState?.rawValue ?? "")", "attempt": "\(attempt)"])
                try await Task.sleep(for: PostgresPool.backoff(afterAttempt: attempt))
                attempt += 1
            }
        }
    }

    static func canRetry(_ error: PostgresError, bodyStarted: Bool) -> Bool {
        error.isTransient || (error.kind == .connection && !bodyStarted)
    }

    /// Between 2.5 and 5 ms after the first attempt, doubling up to 160–320 ms, randomised so
    /// that transactions that collided once do not collide again in lockstep.
    static func backoff(afterAttempt attempt: Int) -> Duration {
        let ceilingMilliseconds = 5 << min(attempt - 1, 6)
        let milliseconds = Double(ceilingMilliseconds) * Double.random(in: 0.5...1.0)
        return .microseconds(Int64(milliseconds * 1000))
    }

    public var statistics: PostgresPoolStatistics {
        PostgresPoolStatistics(
            open: state.openConnections, idle: state.idle.count, leased: state.leased,
            opening: state.opening, waiting: state.waiters.count,
            maximum: state.maximumConnections)
    }

    /// Closes idle connections now and the others as they come back; waiting tasks fail with
    /// `.poolClosed`.
    public func close() async {
        let (abandoned, idle) = state.close()
        for waiterID in abandoned { resolve(waiterID, with: .failure(failure(.poolClosed))) }
        for connection in idle { await connection.close() }
    }

    // MARK: Leasing

    private func leaseLiveConnection() async throws -> PostgresConnection {
        // Every idle connection may have died while it idled, so try each once, then one new.
        for _ in 0...configuration.maximumConnections {
            let connection = try await acquire()
            if await connection.checkAlive() { return connection }
            logger.info(
                "replacing a connection the server closed",
                metadata: ["db.connection": "\(connection.id)"])
            perform(state.release(connection, reusable: false))
        }
        throw PostgresError(.connection, "no working connection to PostgreSQL could be made")
    }

    private func leaseSpareConnection() async -> PostgresConnection? {
        // As in `leaseLiveConnection`, an idle connection that died while it idled is replaced.
        for _ in 0...configuration.maximumConnections {
            // Nothing suspends between the check and `acquire` taking an idle connection or a
            // place at the head of the queue (its continuation's body runs at once, on this
            // actor), so the check still holds when the machine acts. A failure to open, or a
            // cancelled task, leaves the caller to do without.
            guard state.canSpare, let connection = try? await acquire() else { return nil }
            if await connection.checkAlive() { return connection }
            logger.info(
                "replacing a connection the server closed",
                metadata: ["db.connection": "\(connection.id)"])
            perform(state.release(connection, reusable: false))
        }
        return nil
    }

    private nonisolated func giveBack(_ connection: PostgresConnection) async {
        let reusable = await connection.isReusable
        await release(connection, reusable: reusable)
    }

    private func release(_ connection: PostgresConnection, reusable: Bool) {
        perform(state.release(connection, reusable: reusable))
    }

    private func acquire() async throws -> PostgresConnection {
        let waiterID = nextWaiterID
        nextWaiterID += 1
        return try await withTaskCancellationHandler {
            try await withExactlyOnceThrowingContinuation("a task waiting for a pooled connection") {
                continuation in
                enqueue(waiterID, continuation)
            }
        } onCancel: {
            Task { await self.abandon(waiterID, because: .cancelled) }
        }
    }

    private func enqueue(_ waiterID: Int, _ continuation: Continuation) {
        switch state.acquire(waiterID) {
        case .lease(let connection):
            continuation.resume(returning: connection)
        case .fail(let kind):
            continuation.resume(throwing: failure(kind))
        case .wait:
            park(waiterID, continuation)
        case .waitAndOpenConnection:
            park(waiterID, continuation)
            openConnection()
        }
    }

    private func park(_ waiterID: Int, _ continuation: Continuation) {
        let timeout = configuration.acquireTimeout
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.abandon(waiterID, because: .poolTimeout)
        }
        waiters[waiterID] = Waiter(continuation: continuation, timer: timer)
    }

    private func abandon(_ waiterID: Int, because kind: PostgresError.Kind) {
        guard state.abandon(waiterID) else { return }
        resolve(waiterID, with: .failure(failure(kind)))
    }

    private func resolve(_ waiterID: Int, with result: Result<PostgresConnection, any Error>) {
        guard let waiter = waiters.removeValue(forKey: waiterID) else {
            preconditionFailure("waiter \(waiterID) was resolved twice")
        }
        waiter.timer.cancel()
        waiter.continuation.resume(with: result)
    }

    private func openConnection() {
        let connectionConfiguration = configuration.connection
        Task {
            do throws(PostgresError) {
                let connection = try await PostgresConnection.connect(connectionConfiguration)
                self.opened(connection)
            } catch {
                self.failedToOpen(error)
            }
        }
    }

    private func opened(_ connection: PostgresConnection) {
        perform(state.connectionOpened(connection))
    }

    private func failedToOpen(_ error: PostgresError) {
        // The waiter that gets this error reports it; a second report here would only repeat it.
        logger.debug("could not open a connection", metadata: ["error": "\(error)"])
        let (failed, openAnother) = state.connectionFailedToOpen()
        if let failed { resolve(failed, with: .failure(error)) }
        if openAnother { openConnection() }
    }

    private func perform(_ action: PoolStateMachine<PostgresConnection>.Action) {
        switch action {
        case .none:
            break
        case .lease(let connection, let waiterID):
            resolve(waiterID, with: .success(connection))
        case .close(let connection):
            Task { await connection.close() }
        case .closeAndOpenReplacement(let connection):
            Task { await connection.close() }
            openConnection()
        }
    }

    private nonisolated func failure(_ kind: PostgresError.Kind) -> PostgresError {
        switch kind {
        case .poolTimeout:
            PostgresError(
                .poolTimeout,
                "no database connection became free within \(configuration.acquireTimeout)")
        case .poolOverloaded:
            PostgresError(
                .poolOverloaded,
                "\(configuration.maximumWaiters) tasks are already waiting for a database connection")
        case .poolClosed:
            PostgresError(.poolClosed, "the connection pool is closed")
        case .cancelled:
            PostgresError(.cancelled, "the task was cancelled while waiting for a connection")
        default:
            PostgresError(kind, "the connection pool failed")
        }
    }
}

extension PostgresConnection: Hashable {
    public static func == (lhs: PostgresConnection, rhs: PostgresConnection) -> Bool {
        lhs.id == rhs.id
    }

    public nonisolated func hash(into hasher: inout Hasher) {
        hasher.combine(id)
    }
}
