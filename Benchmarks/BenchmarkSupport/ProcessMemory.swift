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
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
            return Snapshot(residentMB: .nan, peakMB: .nan)
        }
        func megabytes(_ field: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
                let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
                return (kilobytes.flatMap { Double($0) } ?? .nan) / 1024
            }
            return .nan
        }
        return Snapshot(residentMB: megabytes("VmRSS"), peakMB: megabytes("VmHWM"))
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
