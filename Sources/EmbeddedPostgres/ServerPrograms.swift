import Foundation

/// The directory holding one installed version of PostgreSQL's server programs.
struct ServerPrograms: Equatable {
    let directory: String
    /// The major version, e.g. "15".
    let majorVersion: String

    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }

    /// Finds the installed server programs, preferring `majorVersion` when a cluster already
    /// exists: a cluster can only be run by the major version that created it.
    ///
    /// Debian keeps the server programs off PATH, in `/usr/lib/postgresql/<major>/bin`, which
    /// `pg_config --bindir` names; other systems put them on PATH.
    static func locate(
        matching majorVersion: String?, clusterDirectory: String,
        candidates: [String] = candidateDirectories()
    ) throws(EmbeddedPostgresError) -> ServerPrograms {
        let installed = candidates.compactMap(ServerPrograms.init(directory:))
        guard !installed.isEmpty else {
            throw .serverProgramsNotFound(
                searched: ["PATH", "pg_config --bindir", "/usr/lib/postgresql/*/bin"])
        }
        guard let majorVersion else { return installed[0] }
        guard let match = installed.first(where: { $0.majorVersion == majorVersion }) else {
            var versions: [String] = []
            for programs in installed where !versions.contains(programs.majorVersion) {
                versions.append(programs.majorVersion)
            }
            throw .versionMismatch(
                directory: clusterDirectory, clusterVersion: majorVersion,
                installedVersions: versions)
        }
        return match
    }

    /// Nil unless the directory holds runnable initdb, pg_ctl and postgres programs.
    private init?(directory: String) {
        let fileManager = FileManager.default
        for program in ["initdb", "pg_ctl", "postgres"] {
            guard fileManager.isExecutableFile(atPath: directory + "/" + program) else {
                return nil
            }
        }
        // A directory on PATH may hold only links to the real installation; use the directory
        // the links lead to, where the other programs of the same version live too.
        let realDirectory = URL(fileURLWithPath: directory + "/pg_ctl").resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        guard
            let output = try? ProcessRunner.run(realDirectory + "/postgres", ["--version"]),
            output.status == 0,
            let major = ServerPrograms.majorVersion(fromVersionOutput: output.text)
        else { return nil }
        self.directory = realDirectory
        self.majorVersion = major
    }

    /// Reads "15" from "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
    static func majorVersion(fromVersionOutput text: String) -> String? {
        guard let marker = text.range(of: "(PostgreSQL) ") else { return nil }
        let version = text[marker.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let major = version.split(separator: ".").first, !major.isEmpty else { return nil }
        return String(major)
    }

    static func candidateDirectories() -> [String] {
        var directories: [String] = []
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        directories += path.split(separator: ":").map(String.init)
        if let pgConfig = ProcessRunner.findExecutable("pg_config"),
            let output = try? ProcessRunner.run(pgConfig, ["--bindir"]), output.status == 0
        {
            directories.append(output.text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let debianRoot = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: debianRoot)) ?? []
        let newestFirst = versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        directories += newestFirst.map { "\(debianRoot)/\($0)/bin" }
        var seen = Set<String>()
        return directories.filter { seen.insert($0).inserted }
    }
}

/// PostgreSQL's client programs, such as `pg_dump` and `pg_restore`, found where the server
/// programs are looked for, for commands on the embedded cluster or any server.
public enum ClientPrograms {
    /// The path of `name`, in `directory` when given, else on PATH, `pg_config --bindir` or
    /// `/usr/lib/postgresql/<major>/bin`, the newest major version first.
    public static func locate(_ name: String, in directory: String? = nil) throws(EmbeddedPostgresError)
        -> String
    {
        let candidates = directory.map { [$0] } ?? ServerPrograms.candidateDirectories()
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate + "/" + name)
        {
            return candidate + "/" + name
        }
        throw .serverProgramsNotFound(
            searched: directory.map { [$0] } ?? ["PATH", "pg_config --bindir", "/usr/lib/postgresql/*/bin"])
    }
}
