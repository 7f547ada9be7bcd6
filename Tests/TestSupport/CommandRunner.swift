public import Foundation
public import ServiceHarness
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `alliance-ledger` binary, as a user would, and collects what it printed.
public enum CommandRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String

        /// Standard error without log lines, i.e. what the command itself said.
        public var messages: [String] {
            standardError.split(separator: "\n").map(String.init)
                .filter { !$0.contains(" info ") && !$0.contains(" notice ") && !$0.contains(" debug ") }
        }
    }

    /// The directory SwiftPM builds into: where the test runner itself lives.
    public static var productsDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    public static var binary: String { productsDirectory.appendingPathComponent("alliance-ledger").path }

    /// Runs the binary with `arguments`; `environment` entries are added to (or, with a nil
    /// value, removed from) this process's environment. `prefix` runs it through another
    /// program, e.g. `runuser -u nobody --`.
    ///
    /// Cancelling the task, as a test's time limit does, kills the command: a command that
    /// hangs then fails its test instead of holding up the whole run.
    public static func run(
        _ arguments: [String], environment: [String: String?] = [:], prefix: [String] = [],
        workingDirectory: String? = nil
    ) async throws -> Result {
        try await runProgram(
            (prefix + [binary])[0], Array((prefix + [binary] + arguments).dropFirst()),
            environment: environment,
            workingDirectory: workingDirectory)
    }

    /// Runs any program as ``run(_:environment:prefix:workingDirectory:)`` runs the binary.
    public static func runProgram(
        _ program: String, _ arguments: [String], environment: [String: String?] = [:],
        workingDirectory: String? = nil
    ) async throws -> Result {
        let child = ChildProcess()
        return try await withTaskCancellationHandler {
            try await runBlocking {
                try runWaiting(
                    [program] + arguments, environment: environment, workingDirectory: workingDirectory,
                    child: child)
            }
        } onCancel: {
            child.kill()
        }
    }

    private static func runWaiting(
        _ command: [String], environment: [String: String?], workingDirectory: String?, child: ChildProcess
    ) throws -> Result {
        var variables = ProcessInfo.processInfo.environment
        for key in [
            "DATABASE_URL", "ALLIANCE_LEDGER_DATA_DIR", "ALLIANCE_LEDGER_CONFIG", "ALLIANCE_LEDGER_TOKEN",
        ] {
            variables[key] = nil
        }
        for (key, value) in environment { variables[key] = value }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = variables
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory ?? NSTemporaryDirectory())
        let output = try TemporaryFile()
        let error = try TemporaryFile()
        process.standardOutput = output.handle
        process.standardError = error.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        child.started(process.processIdentifier)
        process.waitUntilExit()
        child.ended()
        return Result(
            status: process.terminationStatus, standardOutput: output.contents(),
            standardError: error.contents())
    }
}

/// The process a command runs in, for killing it from a cancellation handler, which may come
/// before the process starts, while it runs, or after it ended.
public final class ChildProcess: Sendable {
    private struct State {
        var processID: pid_t?
        var killed = false
    }

    private let state = Mutex(State())

    public init() {}

    public func started(_ processID: pid_t) {
        let killNow = state.withLock { state in
            state.processID = processID
            return state.killed
        }
        if killNow { _ = Glibc.kill(processID, SIGKILL) }
    }

    /// Once the process has been waited for, its ID may belong to another process.
    public func ended() {
        state.withLock { $0.processID = nil }
    }

    public func kill() {
        state.withLock { state in
            state.killed = true
            if let processID = state.processID { _ = Glibc.kill(processID, SIGKILL) }
        }
    }
}

/// A file in the temporary directory, deleted with the value.
final class TemporaryFile {
    let url: URL
    let handle: FileHandle

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "alliance-ledger-test-\(UUID().uuidString)")
        guard
            FileManager.default.createFile(
                atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o644])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func contents() -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}

extension ServiceProcess {
    /// This build's `alliance-ledger serve`.
    public convenience init(_ arguments: [String]) async throws {
        try await self.init(binary: CommandRunner.binary, arguments)
    }
}
