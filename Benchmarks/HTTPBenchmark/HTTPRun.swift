import AllianceLedger
import AllianceLedgerHTTP
import BenchmarkSupport
import Foundation
import Hummingbird
import Postgres
import ServiceHarness

/// The HTTP service in this process, on a free port, with a ledger of default settings over a
/// service-role pool of 16, driven by wrk from its own process over `clients` keep-alive
/// connections: one second of warm-up, then the measured run.
enum HTTPRun {
    /// What wrk's script printed for one run.
    struct WrkReport: Sendable {
        var requests = 0
        var durationMicroseconds = 0.0
        var succeeded = 0
        var failed = 0
        var socketErrors = 0
        var timeouts = 0
        var p50Microseconds = Double.nan
        var p99Microseconds = Double.nan
        var firstFailure: String?

        var perSecond: Double { Double(succeeded) / (durationMicroseconds / 1e6) }
        /// Anything but a 2xx answer, socket errors and timeouts included.
        var unsuccessful: Int { failed + socketErrors + timeouts }

        init(parsing output: String) throws {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("RESULT ") }) else {
                throw BenchmarkFailure("wrk printed no result:\n\(output)")
            }
            var fields: [String: Double] = [:]
            for field in line.dropFirst("RESULT ".count).split(separator: " ") {
                let parts = field.split(separator: "=", maxSplits: 1)
                if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
            }
            requests = Int(fields["requests"] ?? 0)
            durationMicroseconds = fields["duration_us"] ?? .nan
            succeeded = Int(fields["succeeded"] ?? 0)
            failed = Int(fields["failed"] ?? 0)
            socketErrors = Int(fields["socket_errors"] ?? 0)
            timeouts = Int(fields["timeouts"] ?? 0)
            p50Microseconds = fields["p50_us"] ?? .nan
            p99Microseconds = fields["p99_us"] ?? .nan
            firstFailure = output.split(separator: "\n").first { $0.hasPrefix("FIRST_FAILURE ") }
                .map { String($0.dropFirst("FIRST_FAILURE ".count)) }
        }
    }

    struct Result: Sendable {
        let measured: WrkReport
        let warmup: WrkReport
        /// Spend answers by status as the server counted them (its /metrics), both runs.
        let serverAnswers: [Int: Int]
        let spendEntries: Int
        let intact: Bool
        /// Resident memory of this process, which serves while wrk runs elsewhere.
        let before: ProcessMemory.Snapshot
        let after: ProcessMemory.Snapshot
        let peakWasReset: Bool

        var twoHundreds: Int { warmup.succeeded + measured.succeeded }
        var unsuccessful: Int {
            warmup.unsuccessful + measured.unsuccessful
                + serverAnswers.filter { !(200..<300).contains($0.key) }.values.reduce(0, +)
        }
        var serverCreated: Int { serverAnswers[201] ?? 0 }
    }

    struct Tools: Sendable {
        let wrk: String
        let curl: String
        let wrkThreads: Int
    }

    static func run(
        clients: Int, seconds: Int, warmupSeconds: Int, round: Int, tools: Tools, on bench: MigratedCluster
    ) async throws -> Result {
        let work = bench.directory + "-http"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let script = work + "/spend.lua"
        try WrkScript.text.write(toFile: script, atomically: true, encoding: .utf8)

        let pool = bench.makeServicePool()
        let ledger = Ledger(pool: pool)
        let setUp = try await SpendAlliance.make(slug: "http-\(round)", pool: pool)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let (metricsPorts, metricsContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = HTTPService.application(
            ledger: ledger,
            configuration: HTTPServiceConfiguration(
                host: "127.0.0.1", port: 0, publicBaseURL: "http://127.0.0.1", metricsPort: 0),
            logger: bench.logger,
            onServerRunning: { port in portContinuation.yield(port) },
            onMetricsRunning: { port in metricsContinuation.yield(port) })
        let leads = setUp.tokens.map { "\($0.partner)=\($0.token)" }

        let result = try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await application.run() }
            var iterator = ports.makeAsyncIterator()
            var metricsIterator = metricsPorts.makeAsyncIterator()
            guard let port = await iterator.next(), let metricsPort = await metricsIterator.next() else {
                throw BenchmarkFailure("the service did not start")
            }
            let url = "http://127.0.0.1:\(port)/v1/alliances/\(setUp.alliance.slug)/spend"
            func wrk(_ label: String, _ seconds: Int) async throws -> WrkReport {
                let threads = String(min(tools.wrkThreads, clients))
                let options = ["-t", threads, "-c", String(clients), "-d", "\(seconds)s", "--timeout", "10s"]
                let arguments = options + ["-s", script, url, "--", "\(label)-\(round)"] + leads
                let (status, output) = try await ExternalProgram.run(
                    tools.wrk, arguments, outputFile: work + "/wrk-\(label).out")
                guard status == 0 else { throw BenchmarkFailure("wrk exited with \(status):\n\(output)") }
                return try WrkReport(parsing: output)
            }

            let peakWasReset = ProcessMemory.resetPeak()
            let before = ProcessMemory.snapshot()
            let warmup = try await wrk("warmup", warmupSeconds)
            let measured = try await wrk("measured", seconds)
            let after = ProcessMemory.snapshot()
            // wrk stops at its deadline with requests still in flight; the server finishes
            // them, so wait until it is idle before counting what it answered and wrote.
            let answers = try await quiescentSpendAnswers(port: metricsPort, curl: tools.curl, work: work)
            let (intact, entries) = try await setUp.check(ledger: ledger, on: bench)
            group.cancelAll()
            return Result(
                measured: measured, warmup: warmup, serverAnswers: answers, spendEntries: entries,
                intact: intact, before: before, after: after, peakWasReset: peakWasReset)
        }
        await pool.close()
        return result
    }

    /// Spend answers by status from the service's /metrics, once two readings agree and no
    /// database connection is leased.
    /// `port`: the metrics listener's.
    private static func quiescentSpendAnswers(port: Int, curl: String, work: String)
        async throws -> [Int: Int]
    {
        var previous: [Int: Int]?
        for _ in 0..<50 {
            let (status, text) = try await ExternalProgram.run(
                curl, ["-sS", "http://127.0.0.1:\(port)/metrics"], outputFile: work + "/metrics.txt")
            guard status == 0 else { throw BenchmarkFailure("curl /metrics failed:\n\(text)") }
            let (answers, leased) = spendAnswers(metrics: text)
            if leased == 0, answers == previous { return answers }
            previous = answers
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchmarkFailure("the service did not become idle after wrk stopped")
    }

    /// Counts of `POST …/spend` answers by status, and the pool's leased connections.
    static func spendAnswers(metrics text: String) -> (answers: [Int: Int], leased: Int) {
        var answers: [Int: Int] = [:]
        var leased = -1
        for line in text.split(separator: "\n") {
            if line.hasPrefix("alliance_ledger_db_pool_connections{state=\"leased\"} ") {
                leased = Int(line.split(separator: " ").last ?? "") ?? -1
            }
            guard line.hasPrefix("alliance_ledger_http_requests_total{"), line.contains("method=\"POST\""),
                line.contains("/spend\""), let statusRange = line.range(of: "status=\"")
            else { continue }
            let status = Int(line[statusRange.upperBound...].prefix(3)) ?? 0
            answers[status, default: 0] += Int(line.split(separator: " ").last ?? "") ?? 0
        }
        return (answers, leased)
    }
}
