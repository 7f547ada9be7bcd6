import AllianceLedger
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness
import Synchronization

/// A private cluster loaded with the demo alliance and its tokens, and the built binary's
/// `serve` on it: the service as an operator runs it, for the checks to load and to signal.
struct LedgerUnderCheck {
    static let alliance = "kestrelford-mental-health"
    static let base = "/v1/alliances/\(alliance)"

    let cluster: MigratedCluster
    let binary: String
    /// Every demo token by its holder's e-mail address, and the operator's as `operator`.
    let tokens: [String: String]
    let allianceID: AllianceID

    static func start(binary: String, logger: Logger) async throws -> LedgerUnderCheck {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CheckFailure("no alliance-ledger binary at \(binary): build it first (swift build)")
        }
        let cluster = try await MigratedCluster.start(
            named: "availability-check", databaseName: "check", logger: logger)
        do {
            let demo = try runToEnd(
                binary,
                [
                    "demo", "--tokens", "--database-url", cluster.connectionString.rawValue, "--log-level",
                    "error",
                ])
            var tokens: [String: String] = [:]
            for line in demo.split(separator: "\n") where line.hasPrefix("  ") {
                let fields = line.split(separator: " ")
                if fields.count == 2 { tokens[String(fields[0])] = String(fields[1]) }
            }
            guard tokens["operator"] != nil, tokens.keys.contains(where: { $0.hasPrefix("finance@") }) else {
                throw CheckFailure("the demo printed no tokens:\n\(demo)")
            }
            let row = try await cluster.ownerPool.withConnection { connection in
                try await connection.query("SELECT id FROM alliances WHERE slug = \(alliance)").single()
            }
            let id = AllianceID(try row.decode("id", as: Int64.self))
            return LedgerUnderCheck(cluster: cluster, binary: binary, tokens: tokens, allianceID: id)
        } catch {
            await cluster.stop()
            throw error
        }
    }

    func token(_ email: String) throws -> String {
        guard let token = tokens[email] else { throw CheckFailure("the demo has no token for \(email)") }
        return token
    }

    /// `serve` on the cluster with `arguments` added.
    func serve(_ arguments: [String]) async throws -> ServiceProcess {
        try await ServiceProcess(
            binary: binary,
            ["--database-url", cluster.connectionString.rawValue, "--log-level", "notice"] + arguments)
    }

    /// Sessions of the cluster other than the asking one and those in `excluded`, with what
    /// each runs.
    func otherSessions(excluding excluded: Set<Int32> = []) async throws -> [Int32: String] {
        let rows = try await cluster.ownerPool.withConnection { connection in
            try await connection.query(
                """
                SELECT pid, application_name || ' ' || state || ': ' || left(query, 60) AS what
                FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
                """)
        }
        var sessions: [Int32: String] = [:]
        for row in rows {
            let pid = try row.decode("pid", as: Int32.self)
            if !excluded.contains(pid) { sessions[pid] = try row.decode("what", as: String?.self) ?? "" }
        }
        return sessions
    }

    /// What PostgreSQL has logged from `offset` on, and where its log ends.
    func serverLog(from offset: UInt64 = 0) -> (text: String, end: UInt64) {
        guard let file = FileHandle(forReadingAtPath: cluster.server.dataDirectory + "/postgresql.log") else {
            return ("", offset)
        }
        defer { try? file.close() }
        try? file.seek(toOffset: offset)
        let data = file.readDataToEndOfFile()
        return (String(decoding: data, as: UTF8.self), offset + UInt64(data.count))
    }

    /// A spend entry's JSON, unique by `reference`.
    static func spend(partner: String, reference: String) -> String {
        #"{"partner":"\#(partner)","budgetLine":"STAFF","amount":12345,"incurredOn":"2025-05-14","#
            + #""description":"Availability check","supplier":"Acme","reference":"\#(reference)"}"#
    }

    static let csvHeader = "date,partner,budget_line,amount,description,supplier,reference\n"

    /// Runs `binary` to its end; its standard output, or a failure with what it said.
    static func runToEnd(_ binary: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CheckFailure(
                "\(binary) \(arguments.first ?? "") exited \(process.terminationStatus): \(String(decoding: said, as: UTF8.self))"
            )
        }
        return String(decoding: printed, as: UTF8.self)
    }
}

/// Clients that each read and write the alliance's spend over a keep-alive connection of their
/// own, on threads of their own, until stopped or until the service refuses their connection:
/// what "other clients" are to the checks.
final class SteadyClients: Sendable {
    struct Tally: Sendable {
        /// Microseconds, of every answered request.
        var latencies: [Double] = []
        var answeredByStatus: [Int: Int] = [:]
        /// Writes answered 201: stored, the client was told.
        var acknowledgedWrites = 0
        /// Requests sent on a connection that ended before their answer.
        var unanswered = 0
        /// Connections the service refused (after it stopped accepting).
        var refusedConnections = 0
        var firstFailure: String?
    }

    private let tally = Mutex(Tally())
    private let stopped = Atomic(false)
    private let running = Atomic(0)

    /// `count` clients, each alternately reading with `reader` and writing with one of
    /// `writers` (a partner's slug and its finance lead's token).
    init(count: Int, port: Int, reader: String, writers: [(partner: String, token: String)], label: String) {
        for index in 0..<count {
            let writer = writers[index % writers.count]
            running.add(1, ordering: .relaxed)
            Thread { [self] in
                defer { running.subtract(1, ordering: .relaxed) }
                run(index: index, port: port, reader: reader, writer: writer, label: label)
            }.start()
        }
    }

    private func run(
        index: Int, port: Int, reader: String, writer: (partner: String, token: String), label: String
    ) {
        var connection: HTTPConnection?
        var sent = 0
        while !stopped.load(ordering: .relaxed) {
            if connection == nil {
                do {
                    connection = try HTTPConnection(port: port, timeout: .seconds(30))
                } catch {
                    tally.withLock { $0.refusedConnections += 1 }
                    return
                }
            }
            guard let open = connection else { return }
            sent += 1
            let isWrite = sent % 2 == 0
            let request =
                isWrite
                ? Self.request(
                    "POST", "\(LedgerUnderCheck.base)/spend", port: port, token: writer.token,
                    json: LedgerUnderCheck.spend(
                        partner: writer.partner, reference: "\(label)-\(index)-\(sent)"))
                : Self.request("GET", "\(LedgerUnderCheck.base)/spend?limit=20", port: port, token: reader)
            let started = ContinuousClock.now
            do {
                try open.write(request)
                let answer = try open.readAnswer()
                let microseconds = (ContinuousClock.now - started).microseconds
                tally.withLock {
                    $0.latencies.append(microseconds)
                    $0.answeredByStatus[answer.status, default: 0] += 1
                    if isWrite && answer.status == 201 { $0.acknowledgedWrites += 1 }
                    if !(200..<300).contains(answer.status), $0.firstFailure == nil {
                        $0.firstFailure = "\(answer.status) \(answer.body.prefix(300))"
                    }
                }
                if answer.headers["connection"]?.lowercased() == "close" { connection = nil }
            } catch {
                tally.withLock {
                    $0.unanswered += 1
                    if $0.firstFailure == nil { $0.firstFailure = "\(error)" }
                }
                connection = nil
            }
        }
    }

    private static func request(
        _ method: String, _ path: String, port: Int, token: String, json: String? = nil
    )
        -> String
    {
        var headers = [("Authorization", "Bearer \(token)")]
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return HTTPConnection.head(method, path, port: port, headers: headers, bodyLength: json?.utf8.count)
            + (json ?? "")
    }

    /// Stops them, and waits until every one has finished its request under way.
    func stop() -> Tally {
        stopped.store(true, ordering: .relaxed)
        while running.load(ordering: .relaxed) > 0 { Thread.sleep(forTimeInterval: 0.01) }
        return tally.withLock { $0 }
    }

    /// Whether every one has ended by itself (its connection refused).
    var allEnded: Bool { running.load(ordering: .relaxed) == 0 }
}

extension SteadyClients.Tally {
    var measurement: Latencies {
        Latencies(latencies)
    }
    var answered: Int { latencies.count }
    var failed: Int {
        answeredByStatus.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) + unanswered
    }
}
