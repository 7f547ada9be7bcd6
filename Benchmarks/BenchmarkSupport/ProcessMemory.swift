import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// This process's resident memory, from /proc/self/status. PostgreSQL and load generators run
/// in processes of their own, so the figures are the benchmark process's: the importer's, or
/// the HTTP server's while wrk drives it.
public enum ProcessMemory {
    public struct Snapshot: Sendable {
        /// Resident now, MB.
        public let residentMB: Double
        /// Peak resident since start or the last `resetPeak`, MB.
        public let peakMB: Double
    }

    public static func snapshot() -> Snapshot {
        let figures = kilobytes(of: ["VmRSS", "VmHWM"], in: "/proc/self/status")
        return Snapshot(
            residentMB: (figures["VmRSS"] ?? .nan) / 1024, peakMB: (figures["VmHWM"] ?? .nan) / 1024)
    }

    /// The named figures of a /proc file of `Name:  value kB` lines (`/proc/self/status`,
    /// `/proc/meminfo`), in kB; a name the file lacks or whose value is not a number, or a file
    /// that cannot be read, is absent.
    public static func kilobytes(of names: Set<String>, in path: String) -> [String: Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var figures: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            guard names.contains(name), figures[name] == nil,
                // /proc/self/status puts a tab after the colon, /proc/meminfo spaces.
                let value = line[line.index(after: colon)...].split(whereSeparator: {
                    $0 == " " || $0 == "\t"
                })
                .first.flatMap({ Double($0) })
            else { continue }
            figures[name] = value
        }
        return figures
    }

    /// Hands memory freed by earlier runs back to the system, then makes the peak start again
    /// from what is resident now (writing 5 to clear_refs resets VmHWM, Linux 4.0 and later),
    /// so that an HTTP run's peak is not an earlier run's. Answers whether the reset worked.
    @discardableResult
    public static func resetPeak() -> Bool {
        trimHeap()
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }

    /// glibc's malloc_trim, found at run time: it is declared in malloc.h, which the Glibc
    /// module does not include.
    private static func trimHeap() {
        #if canImport(Glibc)
            typealias MallocTrim = @convention(c) (Int) -> Int32
            // A null handle is RTLD_DEFAULT: search every object the process loaded.
            if let symbol = dlsym(nil, "malloc_trim") {
                _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
            }
        #endif
    }
}
