import Synchronization

/// A checked continuation whose every path must resume it exactly once, and that says which
/// one broke the rule.
///
/// `CheckedContinuation` already stops the program on a second resume, in every build. The
/// other half of the rule it only warns about: a continuation dropped without being resumed
/// prints one line and leaves its task suspended for ever, which is how a test run hangs with
/// nothing running and nothing to show why. This wrapper asserts in its deinit, in debug
/// builds, that it was resumed, so a forgotten path stops the test run with the name of what
/// was forgotten instead of hanging it; and its own check of a second resume names it too.
///
/// A continuation kept for ever, in a queue that nobody serves, is never dropped, so nothing
/// here can catch that: the tests' time limits and CI's watchdog are for that case.
package final class ExactlyOnceContinuation<Value: Sendable, Failure: Error>: Sendable {
    private let continuation: CheckedContinuation<Value, Failure>
    /// What waits, for the messages: "a pool waiter".
    private let what: StaticString
    private let resumed = Atomic<Bool>(false)

    package init(_ continuation: CheckedContinuation<Value, Failure>, _ what: StaticString) {
        self.continuation = continuation
        self.what = what
    }

    package func resume(with result: Result<Value, Failure>) {
        let wasResumed = resumed.exchange(true, ordering: .acquiringAndReleasing)
        precondition(!wasResumed, "\(what) was resumed twice")
        continuation.resume(with: result)
    }

    package func resume(returning value: Value) {
        resume(with: .success(value))
    }

    package func resume(throwing error: Failure) {
        resume(with: .failure(error))
    }

    deinit {
        assert(
            resumed.load(ordering: .acquiring),
            "\(what) was dropped without being resumed: its task would have waited for ever")
    }
}

extension ExactlyOnceContinuation where Value == Void {
    package func resume() {
        resume(with: .success(()))
    }
}

/// Suspends the current task and calls `body` with a continuation that must be resumed exactly
/// once (see `ExactlyOnceContinuation`).
package func withExactlyOnceThrowingContinuation<Value: Sendable>(
    _ what: StaticString,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ExactlyOnceContinuation<Value, any Error>) -> Void
) async throws -> Value {
    try await withCheckedThrowingContinuation(isolation: isolation) { continuation in
        body(ExactlyOnceContinuation(continuation, what))
    }
}

/// The non-throwing form of `withExactlyOnceThrowingContinuation`.
package func withExactlyOnceContinuation<Value: Sendable>(
    _ what: StaticString,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ExactlyOnceContinuation<Value, Never>) -> Void
) async -> Value {
    await withCheckedContinuation(isolation: isolation) { continuation in
        body(ExactlyOnceContinuation(continuation, what))
    }
}
