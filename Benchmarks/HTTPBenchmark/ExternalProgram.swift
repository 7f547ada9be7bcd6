import BenchmarkSupport
import Foundation

/// Another program run in its own process (wrk, curl), so that what it costs is never counted
/// in the benchmark process, which hosts the HTTP server.
enum ExternalProgram {
    /// The program's path on PATH, or nil.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs it to the end, answering its exit status and everything it printed. Output goes
    /// to a file rather than a pipe, so a chatty program cannot fill a pipe nobody reads yet.
    static func run(_ executable: String, _ arguments: [String], outputFile: String) async throws
        -> (status: Int32, output: String)
    {
        guard FileManager.default.createFile(atPath: outputFile, contents: nil) else {
            throw BenchmarkFailure("cannot create \(outputFile)")
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        return (status, try String(contentsOfFile: outputFile, encoding: .utf8))
    }
}
