import Synchronization

/// A thread-safe counter that tasks can share.
public final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    /// Adds one and returns the new count.
    @discardableResult
    public func increment() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }

    /// Raises the count to `candidate` if that is higher.
    public func raise(to candidate: Int) {
        value.max(candidate, ordering: .relaxed)
    }

    public var current: Int { value.load(ordering: .relaxed) }
}
