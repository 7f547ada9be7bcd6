/// How many operations finished in the measured window, and how long each took.
public struct Throughput: Sendable {
    public let operations: Int
    public let seconds: Double
    /// Sorted latencies in microseconds.
    public let latencies: [Double]

    public init(operations: Int, seconds: Double, latencies: [Double]) {
        self.operations = operations
        self.seconds = seconds
        self.latencies = latencies
    }

    public var perSecond: Double { Double(operations) / seconds }

    /// Milliseconds.
    public func percentile(_ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let index = min(latencies.count - 1, Int((Double(latencies.count) * fraction).rounded(.up)) - 1)
        return latencies[max(0, index)] / 1000
    }
}

// `microseconds` is ServiceHarness's (Duration+Microseconds.swift).
extension Duration {
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// The median of at least one measurement.
public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
