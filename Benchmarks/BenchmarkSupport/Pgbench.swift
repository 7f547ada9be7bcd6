import EmbeddedPostgres
import Foundation
import Postgres
public import ServiceHarness

/// pgbench running a script of our own against the benchmark's private cluster, with
/// prepared statements and a per-transaction latency log: the raw PostgreSQL figure that each
/// benchmark sets its own against.
public enum Pgbench {
    /// `clients` clients running `script` for `seconds`; `variables` are `-D name=value`.
    public static func run(
        script: String, clients: Int, seconds: Int, variables: [String: String] = [:],
        on bench: MigratedCluster
    ) async throws -> Throughput {
        let work = bench.directory + "-pgbench"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try script.write(toFile: work + "/script.sql", atomically: true, encoding: .utf8)
        // pgbench runs as the server's user, who must be able to write its log here.
        if geteuid() == 0, let postgres = getpwnam("postgres") {
            _ = chown(work, postgres.pointee.pw_uid, postgres.pointee.pw_gid)
        }
        let options = bench.connectionString.options
        let defines = variables.sorted { $0.key < $1.key }.flatMap { ["-D", "\($0.key)=\($0.value)"] }
        let (status, text) = try await bench.server.runProgram(
            "pgbench",
            [
                "--no-vacuum", "-M", "prepared", "-c", String(clients), "-j", String(min(clients, 2)),
                "-T", String(seconds),
            ] + defines + [
                "-f", work + "/script.sql", "-l", "--log-prefix", work + "/log", "-h", options["host"] ?? "",
                "-p",
                options["port"] ?? "5432", "-U", options["user"] ?? "postgres", options["dbname"] ?? "bench",
            ], in: work)
        guard status == 0 else { throw BenchmarkFailure("pgbench failed:\n\(text)") }
        // Each log line: client_id transaction_no time_us script_no time_epoch time_us_fraction
        var latencies: [Double] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: work) where file.hasPrefix("log") {
            for line in try String(contentsOfFile: work + "/" + file, encoding: .utf8).split(separator: "\n")
            {
                let fields = line.split(separator: " ")
                if fields.count >= 3, let micros = Double(fields[2]) { latencies.append(micros) }
            }
        }
        let tps =
            text.split(separator: "\n").first { $0.hasPrefix("tps") }
            .flatMap { Double($0.split(separator: " ")[2]) } ?? 0
        return Throughput(
            operations: Int(tps * Double(seconds)), seconds: Double(seconds), latencies: latencies.sorted())
    }
}
