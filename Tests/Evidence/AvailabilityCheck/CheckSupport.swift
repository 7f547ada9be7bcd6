/// Why a check could not run: a tool failed or the demo was not as expected.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Latencies of answered requests, in microseconds, sorted.
struct Latencies {
    let latencies: [Double]

    init(_ microseconds: [Double]) { latencies = microseconds.sorted() }

    /// Milliseconds.
    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
        return latencies[max(0, index)] / 1000
    }
}
