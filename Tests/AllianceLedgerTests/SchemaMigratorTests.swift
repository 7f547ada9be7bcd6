import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// Migrations apply in order, once, atomically, under a lock, and an applied file that
/// changed is refused.
@Suite(.timeLimit(.perTest)) struct SchemaMigratorTests {
    private func migration(_ version: Int, _ sql: String) throws -> Migration {
        try Migration(fileName: String(format: "%04d_test.sql", version), sql: sql)
    }

    private func tables(_ pool: PostgresPool) async throws -> [String] {
        try await pool.withConnection { connection in
            try await connection.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).map { try $0.decode("tablename", as: String.self) }
        }
    }

    @Test func theEmbeddedFilesAreExactlyTheFilesInSQL() throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SQL")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = try SchemaMigrations.all()
        #expect(embedded.map(\.name) == names)
        for migration in embedded {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(migration.name))
            #expect(Data(migration.sql.utf8) == bytes, "\(migration.name) differs from SQL/")
        }
        _ = try SchemaMigrator.allianceLedger()
    }

    @Test func fileNamesAndNumberingAreChecked() throws {
        #expect(throws: SchemaMigrationError.badFileName("1_x.sql")) {
            try Migration(fileName: "1_x.sql", sql: "")
        }
        #expect(throws: SchemaMigrationError.badFileName("0001-x.sql")) {
            try Migration(fileName: "0001-x.sql", sql: "")
        }
        #expect(throws: SchemaMigrationError.badFileName("0000_x.sql")) {
            try Migration(fileName: "0000_x.sql", sql: "")
        }
        #expect(throws: SchemaMigrationError.missingVersion(2)) {
            try SchemaMigrator(migrations: [migration(1, ""), migration(3, "")])
        }
        #expect(throws: SchemaMigrationError.duplicateVersion(1)) {
            try SchemaMigrator(migrations: [migration(1, ""), migration(1, "")])
        }
        let checksum = try Migration(fileName: "0001_a.sql", sql: "abc").checksum
        #expect(checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func migratingAppliesEachFileOnceInOrder() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let migrator = try SchemaMigrator(migrations: [
                migration(1, "CREATE TABLE first (id int);"),
                migration(2, "ALTER TABLE first ADD COLUMN name text; CREATE TABLE second (id int);"),
            ])
            #expect(try await migrator.status(database.pool).allSatisfy { $0.state == .pending })
            let applied = try await migrator.migrate(database.pool)
            #expect(applied.map(\.version) == [1, 2])
            #expect(try await migrator.migrate(database.pool).isEmpty)
            #expect(try await tables(database.pool) == ["first", "schema_migrations", "second"])
            let statuses = try await migrator.status(database.pool)
            #expect(statuses.count == 2)
            for status in statuses {
                guard case .applied = status.state else {
                    Issue.record("\(status.name) is \(status.state)")
                    continue
                }
            }
        }
    }

    @Test func theRealSchemaMigratesAnEmptyDatabase() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let migrator = try SchemaMigrator.allianceLedger()
            let applied = try await migrator.migrate(database.pool)
            #expect(applied.count == migrator.migrations.count)
            #expect(try await tables(database.pool).contains("alliances"))
        }
    }

    @Test func aChangedAppliedFileIsRefusedAndNothingElseApplies() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let original = try SchemaMigrator(migrations: [migration(1, "CREATE TABLE first (id int);")])
            try await original.migrate(database.pool)
            let edited = try SchemaMigrator(migrations: [
                migration(1, "CREATE TABLE first (id bigint);"),
                migration(2, "CREATE TABLE second (id int);"),
            ])
            let error = await #expect(throws: SchemaMigrationError.self) {
                try await edited.migrate(database.pool)
            }
            guard case .checksumMismatch(let name, let recorded, let current) = error else {
                Issue.record("expected a checksum mismatch, got \(String(describing: error))")
                return
            }
            #expect(name == "0001_test.sql")
            #expect(recorded == original.migrations[0].checksum)
            #expect(current == edited.migrations[0].checksum)
            #expect(error?.description.contains("new migration") == true)
            #expect(try await tables(database.pool) == ["first", "schema_migrations"])
            let statuses = try await edited.status(database.pool)
            #expect(statuses[0].state == .changed(recordedChecksum: recorded))
            #expect(statuses[1].state == .pending)
        }
    }

    @Test func aFailingFileLeavesTheDatabaseUntouched() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let migrator = try SchemaMigrator(migrations: [
                migration(1, "CREATE TABLE first (id int);"),
                migration(
                    2,
                    "CREATE TABLE second (id int);\n\nCREATE TABLE third (\n  id int,\n  broken broken_type\n);"
                ),
            ])
            let error = await #expect(throws: SchemaMigrationError.self) {
                try await migrator.migrate(database.pool)
            }
            guard case .migrationFailed(let name, let line, let reason) = error else {
                Issue.record("expected a failed migration, got \(String(describing: error))")
                return
            }
            #expect(name == "0002_test.sql")
            #expect(line == 5)
            #expect(reason.contains("broken_type"))
            #expect(try await tables(database.pool).isEmpty)
        }
    }

    @Test func transactionControlInAFileIsRefusedBeforeAnythingRuns() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let migrator = try SchemaMigrator(migrations: [
                migration(1, "CREATE TABLE first (id int);"),
                migration(2, "CREATE TABLE second (id int);\nCOMMIT;\nCREATE TABLE third (id int);"),
            ])
            let error = await #expect(throws: SchemaMigrationError.self) {
                try await migrator.migrate(database.pool)
            }
            #expect(error == .transactionControl(name: "0002_test.sql", keyword: "COMMIT", line: 2))
            #expect(try await tables(database.pool).isEmpty)
        }
    }

    @Test func aDatabaseFromANewerVersionIsRefused() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let newer = try SchemaMigrator(migrations: [migration(1, "SELECT 1;"), migration(2, "SELECT 2;")])
            try await newer.migrate(database.pool)
            let older = try SchemaMigrator(migrations: [migration(1, "SELECT 1;")])
            let error = await #expect(throws: SchemaMigrationError.self) {
                try await older.migrate(database.pool)
            }
            #expect(error == .unknownAppliedMigration(version: 2, name: "0002_test.sql"))
            #expect(try await older.status(database.pool).last?.state == .unknown)
        }
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let migrator = try SchemaMigrator(migrations: [
                migration(1, "CREATE TABLE first (id int);"),
                migration(2, "INSERT INTO first VALUES (1);"),
            ])
            let pools = (0..<4).map { _ in database.makePool(maximumConnections: 1) }
            let appliedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for pool in pools {
                    group.addTask { try await migrator.migrate(pool).count }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(appliedCounts.sorted() == [0, 0, 0, 2])
            let rows = try await database.pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS n FROM first").single().decode(
                    "n", as: Int64.self)
            }
            #expect(rows == 1)
            for pool in pools { await pool.close() }
        }
    }
}

/// The lexer that spots transaction control in migration files.
@Suite(.timeLimit(.perTest)) struct TransactionControlScannerTests {
    private func find(_ sql: String) -> TransactionControlScanner.Finding? {
        TransactionControlScanner.firstTransactionControl(in: sql)
    }

    @Test func findsTopLevelTransactionStatements() {
        #expect(find("BEGIN;\nCREATE TABLE a ();") == .init(keyword: "BEGIN", line: 1))
        #expect(find("CREATE TABLE a ();\n  commit;") == .init(keyword: "COMMIT", line: 2))
        #expect(find("SELECT 1; END;") == .init(keyword: "END", line: 1))
        #expect(find("SELECT 1;\n\n-- note\nSTART TRANSACTION;") == .init(keyword: "START", line: 4))
        #expect(find("SELECT 1; /* a */ rollback") == .init(keyword: "ROLLBACK", line: 1))
    }

    @Test func ignoresWhatIsNotATopLevelStatement() {
        let plpgsql = """
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF true THEN RAISE 'commit; end;'; END IF;
                RETURN NEW;
            END;
            $body$;
            DO $$ BEGIN PERFORM 1; END $$;
            """
        #expect(find(plpgsql) == nil)
        #expect(find("SELECT 'it''s; COMMIT' AS x; SELECT \"begin\" FROM t;") == nil)
        #expect(find("SELECT E'\\'; COMMIT;' AS x;") == nil)
        #expect(find("-- COMMIT;\n/* BEGIN; /* nested */ END; */ SELECT 1;") == nil)
        #expect(find("SELECT CASE WHEN true THEN 1 END; UPDATE t SET committed = true;") == nil)
        let atomic = """
            CREATE FUNCTION g() RETURNS int LANGUAGE sql
            BEGIN ATOMIC
                SELECT 1;
            END;
            SELECT g();
            """
        #expect(find(atomic) == nil)
        #expect(find("SELECT $1, $tag$ COMMIT; $tag$;") == nil)
    }
}
