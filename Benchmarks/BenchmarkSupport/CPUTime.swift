import Foundation

/// CPU seconds spent so far, user and system, by this process, by the child processes it has
/// waited for (pgbench), and by a PostgreSQL cluster: its postmaster, every live child of it and
/// every child it has reaped. Differences of two readings say what a stretch of work cost the
/// machine, which, unlike its rate, does not halve when something else shares the cores.
public struct CPUTime: Sendable {
    public var process: Double
    public var children: Double
    public var server: Double

    public static func - (later: CPUTime, earlier: CPUTime) -> CPUTime {
        CPUTime(
            process: later.process - earlier.process, children: later.children - earlier.children,
            server: later.server - earlier.server)
    }

    public var total: Double { process + children + server }

    /// Now, with the server of the cluster in `dataDirectory` (where `postmaster.pid` is).
    public static func now(cluster dataDirectory: String) -> CPUTime {
        CPUTime(
            process: usage(RUSAGE_SELF.rawValue), children: usage(RUSAGE_CHILDREN.rawValue),
            server: serverSeconds(dataDirectory: dataDirectory))
    }

    private static func usage(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The postmaster's own and reaped children's time, and each live child's, from /proc: zero
    /// where /proc is not there to read.
    private static func serverSeconds(dataDirectory: String) -> Double {
        guard
            let pidFile = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int($0) }),
            let own = stat(postmaster)
        else { return 0 }
        var ticks = own.user + own.system + own.reapedUser + own.reapedSystem
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for name in processes {
            // A backend that exits between the listing and the read is skipped: its time moves to
            // the postmaster's reaped children, read on the next reading.
            guard let pid = Int(name), pid != postmaster, let child = stat(pid), child.parent == postmaster
            else { continue }
            ticks += child.user + child.system
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private struct Stat {
        var parent: Int
        var user: Int
        var system: Int
        var reapedUser: Int
        var reapedSystem: Int
    }

    /// Fields of /proc/PID/stat after the command name, which is in parentheses and may hold
    /// spaces: state, ppid, …, utime and stime (fields 14 and 15), cutime and cstime (16, 17).
    private static func stat(_ pid: Int) -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = Int(fields[1]), let user = Int(fields[11]),
            let system = Int(fields[12]), let reapedUser = Int(fields[13]), let reapedSystem = Int(fields[14])
        else { return nil }
        return Stat(
            parent: parent, user: user, system: system, reapedUser: reapedUser, reapedSystem: reapedSystem)
    }
}
