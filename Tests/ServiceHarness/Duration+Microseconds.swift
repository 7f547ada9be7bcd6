extension Duration {
    /// The duration in microseconds, for socket timeouts and for latencies.
    public var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
    }
}
