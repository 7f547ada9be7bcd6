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
    private func currentDatabase(_ connectionString: String) async throws -> String {
        let connection = try await PostgresConnection.connect(
            PostgresConnectionConfiguration(
                connectionString: try ConnectionString(connectionString), logger: TestCluster.logger))
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
            #expect(cluster.socketDirectory != cluster.dataDirectory)
            #expect(cluster.socketDirectory.hasPrefix("/tmp/alliance-ledger-"))
            let started = try await cluster.start()
            #expect(try await currentDatabase(started.connectionString) == "alliance_ledger")
            try await cluster.stop()
            try? FileManager.default.removeItem(atPath: cluster.socketDirectory)
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
