import Foundation
import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The built binary's `serve`, running as its own process on a free port, as an operator runs
/// it: for tests and checks of shutdown, of crashes and of what a client sees across a restart.
///
/// `Process` is not `Sendable`; it is only signalled and waited on, which it allows from any
/// thread.
public final class ServiceProcess: @unchecked Sendable {
    private let process: Process
    private let output = Output()
    /// The port it listens on, read from its log.
    public let port: Int

    /// Starts `binary serve --port 0` with `arguments` added, and waits until it says where it
    /// listens.
    public init(binary: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        // The log is read as it comes, on a thread of its own, so that the service never blocks
        // writing it and this never blocks reading it.
        let log = output
        let reading = errors.fileHandleForReading
        Thread {
            while case let chunk = reading.availableData, !chunk.isEmpty {
                log.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
        }.start()
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let text = log.text.withLock { $0 }
            if let port = ServiceProcess.listeningPort(in: text) {
                self.port = port
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                throw Failure(log: text)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The service ended, or never said where it listens; what it logged.
    public struct Failure: Error, CustomStringConvertible {
        public let log: String
        public var description: String { "the service did not start listening: \(log)" }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// What it has logged so far.
    public var log: String { output.text.withLock { $0 } }

    /// The log as it comes, shared with the thread that reads it.
    private final class Output: Sendable {
        let text = Mutex("")
    }

    /// Sends `signal` and waits for the process to end; its exit status (or the signal's number
    /// when a signal ended it).
    @discardableResult
    public func stop(with signal: Int32) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        return try await waitForExit()
    }

    /// Waits for the process to end, on a thread of its own; its exit status.
    public func waitForExit() async throws -> Int32 {
        try await withExactlyOnceThrowingContinuation("waiting for the service to exit") { continuation in
            Thread { [self] in
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }

    /// The port of the `listening` line of the service's log, once it is there.
    private static func listeningPort(in log: String) -> Int? {
        guard
            let range = log.range(
                of: #"http\.address=http://127\.0\.0\.1:(\d+)"#, options: .regularExpression)
        else { return nil }
        return Int(log[range].split(separator: ":").last ?? "")
    }
}
