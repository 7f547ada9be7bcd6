import Foundation
import Synchronization

/// A client that sends its request a little at a time, on a thread of its own, as a slow or
/// hostile client does: `opening` at once, then `drip` every `interval`, for ever, until it is
/// stopped or the server ends the connection, and remembers when the server did.
public final class SlowClient: Sendable {
    private struct State {
        var stopped = false
        var bytesSent = 0
        var endedByServerAfter: Duration?
        var failure: String?
    }

    private let state = Mutex(State())
    private let done = Mutex(false)

    /// Connects and starts sending; a connection refused is reported by `failure`.
    public init(port: Int, opening: [UInt8], drip: [UInt8], every interval: Duration) {
        let started = ContinuousClock.now
        Thread { [self] in
            defer { done.withLock { $0 = true } }
            let connection: HTTPConnection
            do {
                connection = try HTTPConnection(port: port)
                try connection.write(opening)
                state.withLock { $0.bytesSent += opening.count }
            } catch {
                state.withLock { $0.failure = "\(error)" }
                return
            }
            defer { connection.disconnect() }
            while !state.withLock({ $0.stopped }) {
                Thread.sleep(forTimeInterval: interval.microseconds / 1e6)
                if connection.hasEnded() {
                    state.withLock { $0.endedByServerAfter = ContinuousClock.now - started }
                    return
                }
                do {
                    try connection.write(drip)
                    state.withLock { $0.bytesSent += drip.count }
                } catch {
                    state.withLock { $0.endedByServerAfter = ContinuousClock.now - started }
                    return
                }
            }
        }.start()
    }

    /// Stops sending and closes the connection, within one interval.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Whether its thread has finished: stopped, ended by the server, or never connected.
    public var isDone: Bool { done.withLock { $0 } }
    public var bytesSent: Int { state.withLock { $0.bytesSent } }
    /// How long after it started the server ended its connection; nil while it has not.
    public var endedByServerAfter: Duration? { state.withLock { $0.endedByServerAfter } }
    /// Why it could not connect or send its opening, if so.
    public var failure: String? { state.withLock { $0.failure } }
}
