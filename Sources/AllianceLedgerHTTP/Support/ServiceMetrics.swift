import Foundation
import Hummingbird
import Postgres
import Synchronization

/// Request counts and latencies by method, route and status, in the Prometheus text format.
/// Kept by the service itself (a few counters under a lock) rather than through a global
/// metrics system, so that every application instance — and every test — has its own.
public final class ServiceMetrics: Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    static let bucketBounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    struct Series: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    struct Histogram {
        var buckets = [Int](repeating: 0, count: ServiceMetrics.bucketBounds.count)
        var count = 0
        var sum = 0.0
    }

    private let series = Mutex<[Series: Histogram]>([:])

    public init() {}

    func record(method: String, route: String, status: Int, seconds: Double) {
        series.withLock { all in
            let key = Series(method: method, route: route, status: status)
            var histogram = all[key] ?? Histogram()
            histogram.count += 1
            histogram.sum += seconds
            for (index, bound) in ServiceMetrics.bucketBounds.enumerated() where seconds <= bound {
                histogram.buckets[index] += 1
            }
            all[key] = histogram
        }
    }

    /// The exposition: requests, latencies, and the database pool's connections and waiters.
    func render(pool: PostgresPoolStatistics) -> String {
        let snapshot = series.withLock { $0 }.sorted {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }
        var lines = [
            "# HELP alliance_ledger_http_requests_total HTTP requests answered, by method, route and status.",
            "# TYPE alliance_ledger_http_requests_total counter",
        ]
        for (key, histogram) in snapshot {
            lines.append("alliance_ledger_http_requests_total{\(labels(key))} \(histogram.count)")
        }
        lines += [
            "# HELP alliance_ledger_http_request_duration_seconds Time from request to answer.",
            "# TYPE alliance_ledger_http_request_duration_seconds histogram",
        ]
        for (key, histogram) in snapshot {
            let base = labels(key)
            for (index, bound) in ServiceMetrics.bucketBounds.enumerated() {
                lines.append(
                    "alliance_ledger_http_request_duration_seconds_bucket{\(base),le=\"\(bound)\"} \(histogram.buckets[index])"
                )
            }
            lines.append(
                "alliance_ledger_http_request_duration_seconds_bucket{\(base),le=\"+Inf\"} \(histogram.count)"
            )
            lines.append("alliance_ledger_http_request_duration_seconds_sum{\(base)} \(histogram.sum)")
            lines.append("alliance_ledger_http_request_duration_seconds_count{\(base)} \(histogram.count)")
        }
        lines += [
            "# HELP alliance_ledger_db_pool_connections Database connections of the pool, by state.",
            "# TYPE alliance_ledger_db_pool_connections gauge",
            "alliance_ledger_db_pool_connections{state=\"idle\"} \(pool.idle)",
            "alliance_ledger_db_pool_connections{state=\"leased\"} \(pool.leased)",
            "alliance_ledger_db_pool_connections{state=\"opening\"} \(pool.opening)",
            "# HELP alliance_ledger_db_pool_max_connections The most connections the pool opens.",
            "# TYPE alliance_ledger_db_pool_max_connections gauge",
            "alliance_ledger_db_pool_max_connections \(pool.maximum)",
            "# HELP alliance_ledger_db_pool_waiting Requests waiting for a database connection.",
            "# TYPE alliance_ledger_db_pool_waiting gauge",
            "alliance_ledger_db_pool_waiting \(pool.waiting)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func labels(_ key: Series) -> String {
        "method=\"\(key.method)\",route=\"\(escaped(key.route))\",status=\"\(key.status)\""
    }

    private func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
