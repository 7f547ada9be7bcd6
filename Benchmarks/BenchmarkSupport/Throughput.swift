/// How many operations finished in the measured window, and how long each took.
struct Measurement: Sendable {
    let operations: Int
    let seconds: Double
    /// Sorted latencies in microseconds.
    let latencies: [Double]

    var perSecond: Double { Double(operations) / seconds }

    /// Milliseconds.
    func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
        return latencies[max(0, index)] / 1000
    }
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
    }
}
