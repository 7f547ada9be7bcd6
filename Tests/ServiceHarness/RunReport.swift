import Foundation
public import Logging

// What a benchmark (Benchmarks/) and the availability check (Tests/Evidence/AvailabilityCheck)
// each print and take the same way: how busy the machine was, figures, a quiet log, and an
// option they do not take.

/// The load average of the last 1, 5 and 15 minutes: how busy the shared machine was.
public func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?")
        .split(separator: " ").prefix(3).joined(separator: " ")
}

/// A number with `decimals` places, for the result tables.
public func format(_ value: Double, _ decimals: Int = 0) -> String {
    String(format: "%.\(decimals)f", value)
}

/// A logger that reports warnings and worse only, so that the figures stay readable.
public func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// Ends a run that was given an option it does not take (exit status 2).
public func refuseUnknownOption(_ argument: String) -> Never {
    FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
    exit(2)
}
