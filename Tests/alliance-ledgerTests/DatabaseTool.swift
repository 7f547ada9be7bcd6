import Foundation
import TestSupport
import Testing

/// The command line on a test's database, as the command tests drive it: each test's tool says
/// how it runs a command; succeeding and reading JSON are the same for all.
protocol DatabaseTool {
    func run(_ arguments: [String]) async throws -> CommandRunner.Result
}

extension DatabaseTool {
    /// What the command printed, once it exited 0.
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String
    {
        let result = try await run(arguments)
        #expect(result.status == 0, "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
        return result.standardOutput
    }

    /// The JSON a command printed with `--format json`.
    func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> [String: Any]
    {
        let output = try await succeed(arguments + ["--format", "json"], sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
            sourceLocation: sourceLocation)
    }
}

/// Text written with line feeds as CSV prints it, every line ended by CRLF (RFC 4180).
func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }
