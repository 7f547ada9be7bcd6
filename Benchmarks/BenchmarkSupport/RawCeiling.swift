import EmbeddedPostgres
import Foundation
import Postgres

// pgbench running the ledger benchmark's raw-SQL transaction (one entry, two postings, two
// balance updates, commit; plain tables, no chain, no triggers): the ceiling of what this
// PostgreSQL does for this shape of work on this machine at this moment.

public enum RawCeiling {
    public static let accountsPerAlliance = 20

    static let script = """
        \\set a random(1, \(accountsPerAlliance))
        \\set b random(1, \(accountsPerAlliance - 1))
        \\set b CASE WHEN :b >= :a THEN :b + 1 ELSE :b END
        \\set alliance (:client_id % :alliances) + 1
        \\set lo least(:a, :b)
        \\set hi greatest(:a, :b)
        \\set amount random(1, 50000)
        \\set negative -:amount
        \\set dlo CASE WHEN :lo = :a THEN :amount ELSE :negative END
        BEGIN;
        INSERT INTO bench_entries (alliance_id, description) VALUES (:alliance, 'transfer') RETURNING id \\gset
        INSERT INTO bench_postings (entry_id, line, account_id, amount) VALUES (:id, 1, :alliance * 100 + :a, :amount), (:id, 2, :alliance * 100 + :b, :negative);
        UPDATE bench_balances SET balance = balance + :dlo WHERE account_id = :alliance * 100 + :lo;
        UPDATE bench_balances SET balance = balance - :dlo WHERE account_id = :alliance * 100 + :hi;
        END;

        """

    /// `clients` pgbench clients, each writing to alliance `client_id % alliances`.
    public static func run(clients: Int, seconds: Int, alliances: Int = 1, on bench: BenchmarkCluster)
        async throws -> Throughput
    {
        try await prepare(alliances: alliances, on: bench.ownerPool)
        let work = bench.directory + "-pgbench"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try script.write(toFile: work + "/ledger.sql", atomically: true, encoding: .utf8)
        // pgbench runs as the server's user, who must be able to write its log here.
        if geteuid() == 0, let postgres = getpwnam("postgres") {
            _ = chown(work, postgres.pointee.pw_uid, postgres.pointee.pw_gid)
        }
        let options = bench.connectionString.options
        let (status, text) = try await bench.cluster.runProgram(
            "pgbench",
            [
                "--no-vacuum", "-M", "prepared", "-c", String(clients), "-j", String(min(clients, 2)),
                "-T", String(seconds), "-D", "alliances=\(alliances)", "-f", work + "/ledger.sql",
                "-l", "--log-prefix", work + "/log", "-h", options["host"] ?? "", "-p",
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

    private static func prepare(alliances: Int, on pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try await connection.runScript(
                trustedSQL: """
                    DROP TABLE IF EXISTS bench_entries, bench_postings, bench_balances;
                    CREATE TABLE bench_entries (id bigserial PRIMARY KEY, alliance_id int NOT NULL,
                        description text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now());
                    CREATE TABLE bench_postings (entry_id bigint NOT NULL, line smallint NOT NULL,
                        account_id int NOT NULL, amount bigint NOT NULL, PRIMARY KEY (entry_id, line));
                    CREATE TABLE bench_balances (account_id int PRIMARY KEY, balance bigint NOT NULL);
                    """)
            try await connection.execute(
                """
                INSERT INTO bench_balances
                SELECT alliance * 100 + account, 0
                FROM generate_series(1, \(alliances)) AS alliance, generate_series(1, \(accountsPerAlliance)) AS account
                """)
            try await connection.execute("CHECKPOINT")
        }
    }
}
