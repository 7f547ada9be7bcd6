public import Dates
import Postgres
import Synchronization

/// A clock a test moves by hand: for standing at, before or after a decision's closing time.
public final class ManualClock: Sendable {
    private let now: Mutex<Timestamp>

    public init(_ start: Timestamp) {
        now = Mutex(start)
    }

    public func read() -> Timestamp { now.withLock { $0 } }

    public func set(_ instant: Timestamp) { now.withLock { $0 = instant } }

    public func advance(seconds: Int64) {
        now.withLock { $0 = Timestamp(microsecondsSince1970: $0.microsecondsSince1970 + seconds * 1_000_000) }
    }
}
