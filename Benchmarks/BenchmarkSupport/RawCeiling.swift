import EmbeddedPostgres
import Foundation
import Postgres
public import ServiceHarness

// pgbench running the ledger benchmark's raw-SQL transaction (one entry, two postings, two
// balance updates, two per-month totals, two Merkle tree hashes, commit; plain tables, no
// chain, no checks, no triggers): the ceiling of what this PostgreSQL does for this shape of
// work on this machine at this moment. The ledger keeps, with every entry, the month totals of
// the accounts it posts to (SQL/0010), and its tree's leaf and the subtrees it completes (on
// average about one) in the tile that ends the tree's first tier (SQL/0024; a sixteenth of
// entries add to the tier above too, which the ceiling leaves out), so the ceiling writes them
// too: as a row of the entry's own, since a tile shared by the next sixteen entries would make
// pgbench's clients queue on its row lock (3,094 transactions/s against about 5,000 at 16
// clients on one alliance), an order the ledger's chain head imposes and its batches pay once.

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
        INSERT INTO bench_month_totals AS t (account_id, month, net, postings) VALUES (:alliance * 100 + :lo, date '2025-05-01', :dlo, 1), (:alliance * 100 + :hi, date '2025-05-01', 0 - :dlo, 1) ON CONFLICT (account_id, month) DO UPDATE SET net = t.net + excluded.net, postings = t.postings + 1;
        INSERT INTO bench_tree_tiles (alliance_id, index, hashes) VALUES (:alliance, :id, sha256(int8send(:id)) || sha256(int8send(0 - :id)));
        END;

        """

    /// `clients` pgbench clients, each writing to alliance `client_id % alliances`.
    public static func run(clients: Int, seconds: Int, alliances: Int = 1, on bench: MigratedCluster)
        async throws -> Throughput
    {
        try await prepare(alliances: alliances, on: bench.ownerPool)
        return try await Pgbench.run(
            script: script, clients: clients, seconds: seconds, variables: ["alliances": String(alliances)],
            on: bench)
    }

    private static func prepare(alliances: Int, on pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try await connection.runScript(
                trustedSQL: """
                    DROP TABLE IF EXISTS bench_entries, bench_postings, bench_balances, bench_month_totals,
                        bench_tree_tiles;
                    CREATE TABLE bench_entries (id bigserial PRIMARY KEY, alliance_id int NOT NULL,
                        description text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now());
                    CREATE TABLE bench_postings (entry_id bigint NOT NULL, line smallint NOT NULL,
                        account_id int NOT NULL, amount bigint NOT NULL, PRIMARY KEY (entry_id, line));
                    CREATE TABLE bench_balances (account_id int PRIMARY KEY, balance bigint NOT NULL);
                    CREATE TABLE bench_month_totals (account_id int NOT NULL, month date NOT NULL,
                        net bigint NOT NULL, postings int NOT NULL, PRIMARY KEY (account_id, month));
                    CREATE TABLE bench_tree_tiles (alliance_id int NOT NULL, index bigint NOT NULL,
                        hashes bytea NOT NULL, PRIMARY KEY (alliance_id, index));
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
