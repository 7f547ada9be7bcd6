import CLibPQ
import Synchronization

/// Sends a cancel request for the statement a connection is running, from any thread.
///
/// libpq documents `PQcancel` as safe to call from another thread while the connection's own
/// thread blocks. The request can race with the statement finishing and reach the server when
/// the connection is already running the next statement, so once a cancel has been sent the
/// pool retires the connection instead of lending it to someone else.
final class QueryCanceller: Sendable {
    private struct State {
        /// The `PGcancel *`, kept as its address: the pointer type is not `Sendable`, but the
        /// object it points to is documented thread-safe, and every use holds the lock.
        var cancelAddress: UInt = 0
        var statementRunning = false
        var sent = false

        var cancel: OpaquePointer? { OpaquePointer(bitPattern: cancelAddress) }
    }

    private let state = Mutex(State())

    /// Takes ownership of a `PGcancel` from `PQgetCancel` (or nil to drop the current one).
    func install(_ cancel: OpaquePointer?) {
        let address = cancel.map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0))) } ?? 0
        state.withLock { state in
            if let old = state.cancel { PQfreeCancel(old) }
            state.cancelAddress = address
        }
    }

    func statementStarted() {
        state.withLock { $0.statementRunning = true }
    }

    func statementFinished() {
        state.withLock { $0.statementRunning = false }
    }

    /// True once a cancel request has gone to the server.
    var wasSent: Bool {
        state.withLock { $0.sent }
    }

    func cancelRunningStatement() {
        state.withLock { state in
            guard state.statementRunning, let cancel = state.cancel else { return }
            state.sent = true
            var errorBuffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count))
        }
    }

    deinit {
        install(nil)
    }
}
