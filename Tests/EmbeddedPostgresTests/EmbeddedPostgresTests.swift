import Foundation
import Postgres
import TestSupport
import Testing

@testable import EmbeddedPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// The private cluster: created on first use, reused while running, stopped on request, and
/// refused with one clear sentence when it cannot work.
@Suite(.timeLimit(.perTest)) struct EmbeddedPostgresTests {
    private func connect(_ connectionString: String) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            PostgresConnectionConfiguration(
                connectionString: try ConnectionString(connectionString), logger: TestCluster.logger))
    }

    private func currentDatabase(_ connectionString: String) async throws -> String {
        let connection = try await connect(connectionString)
        let name = try await connection.query("SELECT current_database() AS db").single().decode(
            "db", as: String.self)
        await connection.close()
        return name
    }

    @Test func startsReusesAndStops() async throws {
        try await withScratchDataDirectory { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            #expect(try await cluster.isRunning() == false)

            let first = try await cluster.start()
            #expect(first.initialised && !first.reused)
            #expect(try await currentDatabase(first.connectionString) == "alliance_ledger")
            #expect(FileManager.default.fileExists(atPath: path + "/.s.PGSQL.5432"))
            let settings = try String(contentsOfFile: path + "/pgdata/postgresql.conf", encoding: .utf8)
            #expect(settings.contains("listen_addresses = ''"))

            let second = try await cluster.start()
            #expect(!second.initialised && second.reused)

            #expect(try await cluster.stop())
            #expect(try await cluster.isRunning() == false)
            #expect(try await cluster.stop() == false)

            let third = try await cluster.start()
            #expect(!third.initialised && !third.reused)
            #expect(try await currentDatabase(third.connectionString) == "alliance_ledger")
            #expect(try await cluster.stop())
        }
    }

    /// A durable cluster (the embedded default) keeps every write safe, compresses the WAL's
    /// full-page images, has backends' data writes go out as they are made, is visited by
    /// autovacuum every 10 s and has its background writer clean buffers well ahead of their
    /// reuse; a throwaway one (the tests') does none of these.
    @Test func aDurableClusterSyncsAndCompressesItsWAL() async throws {
        for durable in [true, false] {
            try await withScratchDataDirectory { path in
                let cluster = EmbeddedPostgres(
                    dataDirectory: path, durable: durable, logger: TestCluster.logger)
                let started = try await cluster.start()
                let connection = try await connect(started.connectionString)
                let settings = try await connection.query(
                    """
                    SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS commits,
                           current_setting('wal_compression') AS compression,
                           current_setting('backend_flush_after') AS backend_flush,
                           current_setting('autovacuum_naptime') AS naptime,
                           current_setting('bgwriter_delay') AS bgwriter_delay,
                           current_setting('bgwriter_lru_maxpages') AS bgwriter_pages,
                           current_setting('bgwriter_lru_multiplier') AS bgwriter_multiplier
                    """
                ).single()
                await connection.close()
                #expect(try await cluster.stop())
                #expect(try settings.decode("fsync", as: String.self) == (durable ? "on" : "off"))
                #expect(try settings.decode("commits", as: String.self) == (durable ? "on" : "off"))
                // PostgreSQL 15 shows `on` as the method it means.
                let compression = try settings.decode("compression", as: String.self)
                #expect(
                    durable ? ["on", "pglz"].contains(compression) : compression == "off", "\(compression)")
                #expect(try settings.decode("backend_flush", as: String.self) == (durable ? "256kB" : "0"))
                #expect(try settings.decode("naptime", as: String.self) == (durable ? "10s" : "1min"))
                #expect(
                    try settings.decode("bgwriter_delay", as: String.self) == (durable ? "10ms" : "200ms"))
                #expect(try settings.decode("bgwriter_pages", as: String.self) == (durable ? "1000" : "100"))
                #expect(try settings.decode("bgwriter_multiplier", as: String.self) == (durable ? "4" : "2"))
            }
        }
    }

    @Test func concurrentFirstStartsInitialiseOnce() async throws {
        try await withScratchDataDirectory { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            let results = try await withThrowingTaskGroup(of: EmbeddedPostgres.Started.self) { group in
                for _ in 0..<3 { group.addTask { try await cluster.start() } }
                return try await group.reduce(into: [EmbeddedPostgres.Started]()) { $0.append($1) }
            }
            #expect(results.filter(\.initialised).count == 1)
            #expect(results.filter(\.reused).count == 2)
            try await cluster.stop()
        }
    }

    @Test func aPathTooLongForASocketUsesAPrivateSocketDirectory() async throws {
        let longSuffix = "-" + String(repeating: "deep", count: 20)
        try await withScratchDataDirectory(suffix: longSuffix) { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            let started = try await cluster.start()
            let socketDirectory = try cluster.socketDirectory()
            #expect(socketDirectory != cluster.dataDirectory)
            #expect(socketDirectory.hasPrefix("/tmp/alliance-ledger-"))
            #expect(try await currentDatabase(started.connectionString) == "alliance_ledger")
            try await cluster.stop()
            #expect(!FileManager.default.fileExists(atPath: socketDirectory), "a stop removes it")
        }
    }

    /// The fallback socket directory once had a name anyone could work out, and was used as it
    /// stood when someone else had made it first, open to all: whoever made it could put their
    /// own socket in the cluster's place. It is now made afresh at each start with a random name,
    /// belongs to the server's user and is closed to everyone else.
    @Test func theFallbackSocketDirectoryIsFreshAndPrivateAtEachStart() async throws {
        let longSuffix = "-" + String(repeating: "deep", count: 20)
        try await withScratchDataDirectory(suffix: longSuffix) { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            // The name the old rule gave this data directory, made first by someone else.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in cluster.dataDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            let predictable = "/tmp/alliance-ledger-\(geteuid())-\(String(hash, radix: 16))"
            try? FileManager.default.removeItem(atPath: predictable)
            try FileManager.default.createDirectory(atPath: predictable, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: predictable) }
            #expect(chmod(predictable, 0o777) == 0)
            if geteuid() == 0 {
                let nobody = try #require(getpwnam("nobody"))
                #expect(chown(predictable, nobody.pointee.pw_uid, nobody.pointee.pw_gid) == 0)
            }

            _ = try await cluster.start()
            let first = try cluster.socketDirectory()
            #expect(first != predictable)
            let serverUID = geteuid() == 0 ? try #require(getpwnam("postgres")).pointee.pw_uid : geteuid()
            var status = stat()
            #expect(lstat(first, &status) == 0)
            #expect(status.st_uid == serverUID)
            #expect(status.st_mode & 0o777 == 0o700)
            #expect(try FileManager.default.contentsOfDirectory(atPath: predictable).isEmpty)

            try await cluster.stop()
            _ = try await cluster.start()
            let second = try cluster.socketDirectory()
            #expect(second != first, "each start makes a new one")
            try await cluster.stop()
        }
    }

    /// A socket directory someone else can write to is not used: another user could have put
    /// their own server's socket there.
    @Test func aSocketDirectoryOthersCanWriteIsRefused() async throws {
        let longSuffix = "-" + String(repeating: "deep", count: 20)
        try await withScratchDataDirectory(suffix: longSuffix) { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            _ = try await cluster.start()
            let socketDirectory = try cluster.socketDirectory()
            #expect(chmod(socketDirectory, 0o777) == 0)
            let error = await #expect(throws: EmbeddedPostgresError.self) { try await cluster.start() }
            #expect(error?.description.contains(socketDirectory) == true, "\(String(describing: error))")
            #expect(chmod(socketDirectory, 0o700) == 0)
            try await cluster.stop()
        }
    }

    /// A data directory that exists is used only when it is empty or holds a cluster of ours, and
    /// is then closed to other users: root once handed any existing directory to `postgres`,
    /// open to all, whatever it held.
    @Test func anExistingEmptyDirectoryIsClosedToOthers() async throws {
        try await withScratchDataDirectory { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(chmod(path, 0o755) == 0)
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            _ = try await cluster.start()
            var status = stat()
            #expect(stat(path, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o700)
            if geteuid() == 0 {
                #expect(status.st_uid == (try #require(getpwnam("postgres"))).pointee.pw_uid)
            }
            try await cluster.stop()
        }
    }

    @Test func aNewDataDirectoryIsClosedToOthers() async throws {
        try await withScratchDataDirectory { path in
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            _ = try await cluster.start()
            var status = stat()
            #expect(stat(path, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o700)
            try await cluster.stop()
        }
    }

    @Test func aDirectoryOfOtherThingsIsRefusedAndLeftAlone() async throws {
        try await withScratchDataDirectory { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(chmod(path, 0o755) == 0)
            try Data("mine".utf8).write(to: URL(fileURLWithPath: path + "/notes.txt"))
            var before = stat()
            #expect(stat(path, &before) == 0)
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            let error = await #expect(throws: EmbeddedPostgresError.self) { try await cluster.start() }
            #expect(error == .notADataDirectory(directory: path))
            var after = stat()
            #expect(stat(path, &after) == 0)
            #expect(after.st_uid == before.st_uid && after.st_mode == before.st_mode)
            #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["notes.txt"])
        }
    }

    @Test func missingServerProgramsNameThePackageToInstall() {
        let error = #expect(throws: EmbeddedPostgresError.self) {
            try ServerPrograms.locate(matching: nil, clusterDirectory: "/x", candidates: ["/nonexistent"])
        }
        #expect(error?.description.contains("apt-get install postgresql") == true)
        #expect(error?.description.contains("DATABASE_URL") == true)
    }

    @Test func aClusterFromAnotherMajorVersionIsRefused() throws {
        let installed = try ServerPrograms.locate(matching: nil, clusterDirectory: "/x")
        let error = #expect(throws: EmbeddedPostgresError.self) {
            try ServerPrograms.locate(matching: "9", clusterDirectory: "/data")
        }
        #expect(
            error
                == .versionMismatch(
                    directory: "/data", clusterVersion: "9", installedVersions: [installed.majorVersion]))
        #expect(error?.description.contains("postgresql-9") == true)
    }

    @Test func aDirectoryHoldingSomethingElseIsRefused() async throws {
        try await withScratchDataDirectory { path in
            try FileManager.default.createDirectory(
                atPath: path + "/pgdata", withIntermediateDirectories: true)
            try Data("not a cluster".utf8).write(to: URL(fileURLWithPath: path + "/pgdata/notes.txt"))
            if geteuid() == 0 {
                // As root the directory is handed to the server's user first, as in real use.
                _ = chown(path, getpwnam("postgres").pointee.pw_uid, getpwnam("postgres").pointee.pw_gid)
            }
            let cluster = EmbeddedPostgres(dataDirectory: path, durable: false, logger: TestCluster.logger)
            let error = await #expect(throws: EmbeddedPostgresError.self) { try await cluster.start() }
            #expect(error == .notADataDirectory(directory: path + "/pgdata"))
            #expect(
                try String(contentsOfFile: path + "/pgdata/notes.txt", encoding: .utf8) == "not a cluster")
        }
    }
}
