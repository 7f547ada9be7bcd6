import EmbeddedPostgres
import Foundation
import Postgres

/// A server setting a benchmark run is asked to make (`--setting name=value`), so that a run
/// with a configuration other than the embedded default's is one command anyone can repeat.
public struct ServerSetting: Sendable, CustomStringConvertible {
    public let name: String
    public let value: String

    /// Reads `name=value`; nil when the name is not a setting's name (letters, digits, `_` and
    /// `.`) or the value holds a line break, so that the configuration file reads one setting:
    /// the name unquoted, the value quoted.
    public init?(_ text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<equals]).lowercased()
        let nameCharacters = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "."
        }
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || first == "_",
            nameCharacters
        else { return nil }
        let value = String(text[text.index(after: equals)...])
        guard !value.contains(where: \.isNewline) else { return nil }
        self.name = name
        self.value = value
    }

    public var description: String { "\(name) = \(value)" }
}

extension MigratedCluster {
    /// Writes each setting at the end of the cluster's `postgresql.conf` and reloads it; a
    /// setting the server does not know or refuses, or that takes effect only after a restart,
    /// stops the run with why.
    public func apply(_ settings: [ServerSetting]) async throws {
        guard !settings.isEmpty else { return }
        // ALTER SYSTEM cannot take parameters, nor run in a function that could quote them; the
        // file can: the name is checked when read, and the value is a quoted string with its
        // backslashes and quotes doubled, as the configuration file's syntax reads it.
        var lines = "\n# Added by a benchmark run (--setting)\n"
        for setting in settings {
            let quoted = setting.value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "'", with: "''")
            lines += "\(setting.name) = '\(quoted)'\n"
        }
        let handle = try FileHandle(
            forWritingTo: URL(fileURLWithPath: server.clusterDirectory + "/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.utf8))
        try handle.close()
        try await ownerPool.withConnection { connection in
            try await connection.execute("SELECT pg_reload_conf()")
            var problems: [String] = []
            for setting in settings {
                let rows = try await connection.query(
                    """
                    SELECT f.error, s.context, s.pending_restart
                    FROM pg_file_settings AS f LEFT JOIN pg_settings AS s ON s.name = f.name
                    WHERE f.name = \(setting.name) ORDER BY f.seqno DESC LIMIT 1
                    """)
                guard let row = rows.first else {
                    problems.append("\(setting.name): not read from the configuration file")
                    continue
                }
                if try row.decode("context", as: String?.self) == "postmaster" {
                    problems.append(
                        "\(setting.name) takes effect only when the server starts, which a run does not repeat"
                    )
                } else if let error: String = try row.decode("error") {
                    problems.append("\(setting): \(error)")
                } else if try row.decode("pending_restart", as: Bool?.self) ?? true {
                    problems.append("\(setting.name): unknown, or takes effect only after a restart")
                }
            }
            guard problems.isEmpty else { throw BenchmarkSettingError(problems.joined(separator: "; ")) }
            // The reload reaches the other sessions by signal; new sessions read the file.
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Why the settings a run was asked to make could not be made.
public struct BenchmarkSettingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
