import CProcessSpawn
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program to completion and collects what it printed.
///
/// This uses `posix_spawn` and `waitpid` rather than Foundation's `Process`: on Linux,
/// `Process` learns that a child exited when a socket the child inherited is closed, and
/// `pg_ctl start` leaves a server running that inherits it too, so the wait never ends. Here
/// the child gets only standard input (/dev/null) and one output file; every other descriptor
/// is closed, so the server never holds anything of ours.
enum ProcessRunner {
    struct Output {
        let status: Int32
        let text: String
    }

    /// Runs `executable` with `arguments`, as `user` when given (through `runuser`, which
    /// needs no password or terminal when the caller is root), in `directory` when given.
    static func run(
        _ executable: String, _ arguments: [String], as user: String? = nil,
        in directory: String? = nil
    ) throws -> Output {
        var program = executable
        var argv = [executable] + arguments
        if let user {
            guard let runuser = findExecutable("runuser", extraDirectories: ["/usr/sbin", "/sbin"])
            else {
                throw EmbeddedPostgresError.commandFailed(
                    command: "runuser", status: 127,
                    output: "runuser (util-linux) is needed to run PostgreSQL as \(user)")
            }
            program = runuser
            argv = [runuser, "-u", user, "--", executable] + arguments
        }
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("alliance-ledger-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        let status = try spawnAndWait(program, argv, outputPath: outputPath, directory: directory)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Output(status: status, text: text)
    }

    /// Runs and throws `commandFailed` with the program's last lines when it exits non-zero.
    @discardableResult
    static func runChecked(
        _ executable: String, _ arguments: [String], as user: String? = nil,
        in directory: String? = nil
    ) throws -> Output {
        let output = try run(executable, arguments, as: user, in: directory)
        guard output.status == 0 else {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            throw EmbeddedPostgresError.commandFailed(
                command: ([name] + arguments.prefix(2)).joined(separator: " "),
                status: output.status, output: lastLines(output.text))
        }
        return output
    }

    private static func spawnAndWait(
        _ program: String, _ argv: [String], outputPath: String, directory: String?
    ) throws -> Int32 {
        let arguments = argv.map { strdup($0) }
        defer { for argument in arguments { free(argument) } }
        var processID = pid_t()
        let spawnError = alliance_ledger_spawn(
            &processID, program, arguments + [nil], environ, outputPath, directory)
        guard spawnError == 0 else {
            throw EmbeddedPostgresError.commandFailed(
                command: URL(fileURLWithPath: program).lastPathComponent, status: 127,
                output: String(cString: strerror(spawnError)))
        }
        var waitStatus: Int32 = 0
        while waitpid(processID, &waitStatus, 0) == -1 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError.commandFailed(
                    command: URL(fileURLWithPath: program).lastPathComponent, status: -1,
                    output: "waiting for it failed: \(String(cString: strerror(errno)))")
            }
        }
        // The WIFEXITED/WEXITSTATUS macros are not visible to Swift; this is their definition.
        let signal = waitStatus & 0x7f
        return signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal
    }

    static func findExecutable(_ name: String, extraDirectories: [String] = []) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + extraDirectories
        return directories.map { $0 + "/" + name }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The last few non-empty lines, joined into one, for error messages.
    static func lastLines(_ text: String, count: Int = 3) -> String {
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return lines.suffix(count).joined(separator: " / ")
    }
}
