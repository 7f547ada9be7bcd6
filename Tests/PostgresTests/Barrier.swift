import Postgres

/// Lets a fixed number of tasks wait until all of them have arrived.
///
/// A party that never arrives, because its task failed first, would leave the others waiting
/// for ever; and cancelling a waiting task, which is all a test's time limit does, would not
/// free it. So a party that cannot arrive breaks the barrier with its error, and a cancelled
/// waiter leaves it: whatever happens, every waiter is resumed.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var failure: (any Error)?
    private var waiting: [Int: ExactlyOnceContinuation<Void, any Error>] = [:]
    private var nextWaiter = 0

    init(parties: Int) {
        self.parties = parties
    }

    /// Waits until every party has arrived. Throws the error the barrier was broken with, or
    /// `CancellationError` when the task is cancelled while it waits.
    func arriveAndWait() async throws {
        if let failure { throw failure }
        arrived += 1
        if arrived == parties {
            let everyone = waiting.values
            waiting = [:]
            for waiter in everyone { waiter.resume() }
            return
        }
        let waiter = nextWaiter
        nextWaiter += 1
        try await withTaskCancellationHandler {
            try await withExactlyOnceThrowingContinuation("a task at a test barrier") { continuation in
                waiting[waiter] = continuation
            }
        } onCancel: {
            Task { await self.leave(waiter) }
        }
    }

    /// Resumes every waiter, and fails every later arrival, with `error`: for a party that
    /// will never arrive.
    func fail(_ error: any Error) {
        failure = failure ?? error
        let everyone = waiting.values
        waiting = [:]
        for waiter in everyone { waiter.resume(throwing: error) }
    }

    private func leave(_ waiter: Int) {
        waiting.removeValue(forKey: waiter)?.resume(throwing: CancellationError())
    }
}
