import BenchmarkSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Another program run to its end in its own process (ledger, hledger, the CLI), timed from
/// spawn to exit, with its own peak resident memory. The peak comes from GNU time (`%M`) when
/// /usr/bin/time is there: glibc's posix_spawn starts the child in the benchmark's own address
/// space (vfork), and Linux keeps that address space's high-water mark in the child's
/// `ru_maxrss`, so a child smaller than the benchmark would report the benchmark's peak. time
/// forks from its own small process. Without it, `wait4`'s figure is used, with that caveat.
struct ChildRun {
    let seconds: Double
    /// `ru_maxrss` of the child, MB.
    let peakMB: Double
    /// The exit status, or 128 + the signal that ended it.
    let status: Int32

    /// The program's path on PATH, or nil.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs `executable` with its standard output and error in `outputPath` (a file, so that
    /// a long report never blocks on a pipe nobody reads). Blocks until it exits.
    static func run(_ executable: String, _ arguments: [String], outputPath: String) throws -> ChildRun {
        let timePath = "/usr/bin/time"
        let peakPath = outputPath + ".peak"
        guard FileManager.default.isExecutableFile(atPath: timePath) else {
            return try spawn(executable, arguments, outputPath: outputPath)
        }
        let timed = try spawn(
            timePath, ["-f", "%M", "-o", peakPath, executable] + arguments, outputPath: outputPath)
        defer { try? FileManager.default.removeItem(atPath: peakPath) }
        let kilobytes = (try? String(contentsOfFile: peakPath, encoding: .utf8))?
            .split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return ChildRun(seconds: timed.seconds, peakMB: (kilobytes ?? .nan) / 1024, status: timed.status)
    }

    private static func spawn(_ executable: String, _ arguments: [String], outputPath: String) throws
        -> ChildRun
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let clock = ContinuousClock()
        let started = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchmarkFailure("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else {
                throw BenchmarkFailure("waiting for \(executable): \(String(cString: strerror(errno)))")
            }
        }
        let elapsed = clock.now - started
        let signal = status & 0x7f
        return ChildRun(
            seconds: elapsed.seconds, peakMB: Double(usage.ru_maxrss) / 1024,
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
    }
}
