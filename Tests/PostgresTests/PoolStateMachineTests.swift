import TestSupport
import Testing

@testable import Postgres

/// The pool's bookkeeping, driven without I/O. Connections are plain integers here.
@Suite(.timeLimit(.perTest)) struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<Int>

    @Test func firstCallersOpenConnectionsUpToTheMaximumThenWait() {
        var machine = Machine(maximumConnections: 2, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.acquire(2) == .waitAndOpenConnection)
        #expect(machine.acquire(3) == .wait)
        #expect(machine.connectionOpened(100) == .lease(100, to: 1))
        #expect(machine.connectionOpened(101) == .lease(101, to: 2))
        #expect(machine.release(100, reusable: true) == .lease(100, to: 3))
        #expect(machine.release(101, reusable: true) == .none)
        #expect(machine.acquire(4) == .lease(101))
        #expect(machine.leased == 2 && machine.idle.isEmpty)
    }

    @Test func waitersAreServedInArrivalOrder() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.connectionOpened(7) == .lease(7, to: 1))
        for waiter in 2...5 { #expect(machine.acquire(waiter) == .wait) }
        for waiter in 2...5 { #expect(machine.release(7, reusable: true) == .lease(7, to: waiter)) }
        #expect(machine.release(7, reusable: true) == .none)
        #expect(machine.idle == [7])
    }

    @Test func brokenConnectionsAreReplacedForWaiters() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 10)
        _ = machine.acquire(1)
        _ = machine.connectionOpened(7)
        #expect(machine.acquire(2) == .wait)
        #expect(machine.release(7, reusable: false) == .closeAndOpenReplacement(7))
        #expect(machine.opening == 1)
        #expect(machine.connectionOpened(8) == .lease(8, to: 2))
        #expect(machine.release(8, reusable: false) == .close(8))
        #expect(machine.openConnections == 0)
    }

    @Test func failedOpensFailTheOldestWaiterAndTryForTheNext() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.acquire(2) == .wait)
        let first = machine.connectionFailedToOpen()
        #expect(first.failed == 1 && first.openAnother)
        let second = machine.connectionFailedToOpen()
        #expect(second.failed == 2 && !second.openAnother)
        #expect(machine.waiters.isEmpty && machine.opening == 0)
    }

    @Test func timedOutWaitersLeaveAndLateConnectionsGoIdle() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        let abandoned = machine.abandon(1)
        let abandonedAgain = machine.abandon(1)
        #expect(abandoned && !abandonedAgain)
        #expect(machine.connectionOpened(7) == .none)
        #expect(machine.idle == [7])
    }

    /// A waiter's timeout or cancellation that reaches the pool after the waiter was served
    /// changes nothing: the waiter keeps its connection, and gives it back as usual.
    @Test func aTimeoutOrCancellationAfterBeingServedChangesNothing() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.connectionOpened(7) == .lease(7, to: 1))
        let abandoned = machine.abandon(1)
        #expect(!abandoned)
        #expect(machine.leased == 1 && machine.waiters.isEmpty)
        #expect(machine.release(7, reusable: true) == .none)
        #expect(machine.idle == [7] && machine.leased == 0)
    }

    /// A spare, for work that can do without, is lent only when nobody waits and one more
    /// connection stays free after it: a pool of one or two never lends one beside a lease.
    @Test func aSpareIsLentOnlyWhenNobodyWaitsAndAnotherStaysFree() {
        var small = Machine(maximumConnections: 2, maximumWaiters: 10)
        #expect(small.canSpare)
        #expect(small.acquire(1) == .waitAndOpenConnection)
        #expect(!small.canSpare)
        #expect(small.connectionOpened(7) == .lease(7, to: 1))
        #expect(!small.canSpare)

        var machine = Machine(maximumConnections: 3, maximumWaiters: 10)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.connectionOpened(7) == .lease(7, to: 1))
        #expect(machine.canSpare)
        #expect(machine.acquire(2) == .waitAndOpenConnection)
        #expect(machine.connectionOpened(8) == .lease(8, to: 2))
        // Two leased, one free: lending it would leave none for the next caller.
        #expect(!machine.canSpare)
        #expect(machine.release(8, reusable: true) == .none)
        #expect(machine.canSpare)

        var large = Machine(maximumConnections: 4, maximumWaiters: 10)
        #expect(large.acquire(1) == .waitAndOpenConnection)
        #expect(large.connectionOpened(7) == .lease(7, to: 1))
        #expect(large.acquire(2) == .waitAndOpenConnection)
        // Two more could be opened, but a caller waits for the one on its way: it comes first.
        #expect(!large.canSpare)
        #expect(large.connectionOpened(8) == .lease(8, to: 2))
        #expect(large.canSpare)
        _ = large.close()
        #expect(!large.canSpare)
    }

    @Test func theWaiterLimitIsEnforced() {
        var machine = Machine(maximumConnections: 1, maximumWaiters: 2)
        #expect(machine.acquire(1) == .waitAndOpenConnection)
        #expect(machine.acquire(2) == .wait)
        #expect(machine.acquire(3) == .fail(.poolOverloaded))
    }

    @Test func closingFailsWaitersAndClosesEverything() {
        var machine = Machine(maximumConnections: 2, maximumWaiters: 10)
        _ = machine.acquire(1)
        _ = machine.connectionOpened(7)
        _ = machine.acquire(2)
        let closed = machine.close()
        #expect(closed.waiters == [2])
        #expect(machine.connectionOpened(8) == .close(8))
        #expect(machine.release(7, reusable: true) == .close(7))
        #expect(machine.acquire(3) == .fail(.poolClosed))
        #expect(machine.openConnections == 0 && machine.opening == 0)
    }

    /// Random sequences of events keep every invariant (the machine checks them itself with
    /// preconditions after each event) and never lose a connection or a waiter.
    @Test(arguments: 0..<20)
    func randomEventSequencesKeepTheBooks(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        var machine = Machine(maximumConnections: 1 + Int(random.next() % 4), maximumWaiters: 8)
        var leased: [Int] = []
        var pendingOpens = 0
        var nextConnection = 1000
        var nextWaiter = 1
        for _ in 0..<2000 {
            switch random.next() % 5 {
            case 0:
                switch machine.acquire(nextWaiter) {
                case .lease(let connection): leased.append(connection)
                case .waitAndOpenConnection: pendingOpens += 1
                case .wait, .fail: break
                }
                nextWaiter += 1
            case 1 where pendingOpens > 0:
                pendingOpens -= 1
                nextConnection += 1
                record(machine.connectionOpened(nextConnection), &leased, &pendingOpens)
            case 2 where pendingOpens > 0:
                pendingOpens -= 1
                if machine.connectionFailedToOpen().openAnother { pendingOpens += 1 }
            case 3 where !leased.isEmpty:
                let connection = leased.remove(at: Int(random.next() % UInt64(leased.count)))
                record(machine.release(connection, reusable: random.next() % 4 != 0), &leased, &pendingOpens)
            case 4 where !machine.waiters.isEmpty:
                let waiter = machine.waiters[Int(random.next() % UInt64(machine.waiters.count))]
                let abandoned = machine.abandon(waiter)
                #expect(abandoned)
            default:
                break
            }
            #expect(machine.leased == leased.count)
            #expect(machine.opening == pendingOpens)
            #expect(machine.idle.isEmpty || machine.waiters.isEmpty)
            // Nobody waits while capacity sits unused and nothing is on its way.
            #expect(
                machine.waiters.isEmpty || machine.opening > 0
                    || machine.leased == machine.maximumConnections)
        }
    }

    private func record(_ action: Machine.Action, _ leased: inout [Int], _ pendingOpens: inout Int) {
        switch action {
        case .lease(let connection, _): leased.append(connection)
        case .closeAndOpenReplacement: pendingOpens += 1
        case .close, .none: break
        }
    }
}

/// Which failures a transaction may start over after.
@Suite(.timeLimit(.perTest)) struct TransactionRetryRuleTests {
    @Test func onlyConflictsAndDeadConnectionsBeforeTheBodyAreRetried() {
        let serialization = PostgresError(.server, "x", sqlState: .serializationFailure)
        let deadlock = PostgresError(.server, "x", sqlState: .deadlockDetected)
        let unique = PostgresError(.server, "x", sqlState: .uniqueViolation)
        let lost = PostgresError(.connection, "server closed the connection unexpectedly")
        #expect(PostgresPool.canRetry(serialization, bodyStarted: true))
        #expect(PostgresPool.canRetry(deadlock, bodyStarted: true))
        #expect(!PostgresPool.canRetry(unique, bodyStarted: true))
        #expect(PostgresPool.canRetry(lost, bodyStarted: false))
        // Once the body ran, a lost connection may have lost a COMMIT that happened: never
        // run it again blindly.
        #expect(!PostgresPool.canRetry(lost, bodyStarted: true))
    }
}
