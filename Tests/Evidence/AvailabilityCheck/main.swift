import Foundation
import ServiceHarness
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// Availability checks against the built binary's `serve` on a private cluster loaded with the
// demo alliance; each prints its figures and PASS or FAIL, and exits 1 on FAIL.
// See the README's "Slow clients and graceful shutdown".
//
//   swift build --product alliance-ledger --product availability-check
//   .build/debug/availability-check slow-clients [--slow 10] [--clients 4] [--seconds 8]
//   .build/debug/availability-check graceful-shutdown [--clients 8] [--grace 10]
//
// slow-clients: `--slow` CSV uploads trickling a row every 100 ms and as many request heads
// trickling a header line every 100 ms are held open while `--clients` other clients read and
// write spend; their p99 must stay within 2 × their p99 without the slow clients (the mean of a
// phase before and one after) + 100 ms, every request under 2 s, none failing.
//
// graceful-shutdown: `--clients` clients read and write spend and two CSV uploads are still
// arriving when the service gets SIGTERM; it must stop accepting connections, answer the
// uploads (their bodies end two seconds after the signal) and every request it read, store
// exactly what it acknowledged, close its database sessions and exit 0 within `--grace`; then a
// service with a grace of two seconds and an upload that never ends must exit when it is over.

struct Options {
    var mode = ""
    var binary = ".build/debug/alliance-ledger"
    var slow = 10
    /// Four for slow-clients, eight for graceful-shutdown, unless given.
    var clients: Int?
    var seconds = 8
    var grace = 10

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        mode = iterator.next() ?? ""
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--binary": binary = value
            case "--slow": slow = Int(value) ?? slow
            case "--clients": clients = Int(value)
            case "--seconds": seconds = Int(value) ?? seconds
            case "--grace": grace = Int(value) ?? grace
            default: refuseUnknownOption(argument)
            }
        }
    }
}

/// One line of the verdict.
struct Check {
    let passed: Bool
    let what: String
}

func report(_ checks: [Check]) -> Never {
    for check in checks { print("  \(check.passed ? "ok  " : "FAIL") \(check.what)") }
    let passed = checks.allSatisfy(\.passed)
    print(passed ? "PASS" : "FAIL")
    exit(passed ? 0 : 1)
}

func milliseconds(_ duration: Duration) -> String { format(duration.microseconds / 1000, 0) + " ms" }

/// The demo's finance leads, who may write spend for their own partner.
func writers(_ ledger: LedgerUnderCheck) throws -> [(partner: String, token: String)] {
    try ["kestrelford-trust", "kestrelford-council", "harbour-lights", "open-door", "kestrelford-icb"].map {
        ($0, try ledger.token("finance@\($0).example.org"))
    }
}

func auditor(_ ledger: LedgerUnderCheck) throws -> String {
    guard let email = ledger.tokens.keys.sorted().first(where: { $0.hasPrefix("auditor@") }) else {
        throw CheckFailure("the demo has no auditor")
    }
    return try ledger.token(email)
}

/// The head of an import of `bodyLength` bytes by `token`, and the CSV's header line.
func importOpening(port: Int, token: String, bodyLength: Int) -> [UInt8] {
    let head = HTTPConnection.head(
        "POST", "\(LedgerUnderCheck.base)/spend/imports", port: port,
        headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "text/csv")], bodyLength: bodyLength)
    return Array((head + LedgerUnderCheck.csvHeader).utf8)
}

func row(partner: String, reference: String) -> String {
    "2025-05-14,\(partner),STAFF,1.00,Availability check,Acme,\(reference)\n"
}

func runSlowClients(_ options: Options, _ ledger: LedgerUnderCheck) async throws -> [Check] {
    let clients = options.clients ?? 4
    // Every upload admitted, the hardest case: none is turned away with a 429.
    let service = try await ledger.serve([
        "--imports-per-caller", String(max(1, options.slow)), "--imports-per-alliance",
        String(max(1, options.slow)),
    ])
    let port = service.port
    let writers = try writers(ledger)
    let reader = try auditor(ledger)
    let seconds = Double(options.seconds)

    _ = try await SteadyClients(
        count: clients, port: port, reader: reader, writers: writers, label: "WARM"
    )
    .stop(after: 1)
    let baseline = try await SteadyClients(
        count: clients, port: port, reader: reader, writers: writers, label: "BASE"
    )
    .stop(after: seconds)

    let uploads = (0..<options.slow).map { index in
        let writer = writers[index % writers.count]
        return SlowClient(
            port: port, opening: importOpening(port: port, token: writer.token, bodyLength: 100_000_000),
            drip: Array(row(partner: writer.partner, reference: "SLOW-\(index)").utf8),
            every: .milliseconds(100))
    }
    let heads = (0..<options.slow).map { _ in
        SlowClient(
            port: port, opening: Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8),
            drip: Array("X-Trickle: 1\r\n".utf8), every: .milliseconds(100))
    }
    try await Task.sleep(for: .seconds(1))
    let loaded = try await SteadyClients(
        count: clients, port: port, reader: reader, writers: writers, label: "LOAD"
    )
    .stop(after: seconds)
    let slowClients = uploads + heads
    let stillOpen = slowClients.filter { $0.failure == nil && $0.endedByServerAfter == nil }.count
    let trickled = slowClients.map(\.bytesSent).reduce(0, +)
    for client in slowClients { client.stop() }
    try await Task.sleep(for: .seconds(1))
    // Requests get slower as the alliance's spend grows, slow clients or not: the phase with
    // them is compared with the mean of one before and one after it.
    let after = try await SteadyClients(
        count: clients, port: port, reader: reader, writers: writers, label: "AFTER"
    )
    .stop(after: seconds)
    let status = try await service.stop(with: SIGTERM)

    let base99 = (baseline.measurement.percentile(0.99) + after.measurement.percentile(0.99)) / 2
    let loaded99 = loaded.measurement.percentile(0.99)
    let bound = 2 * base99 + 100
    let worst = (loaded.measurement.latencies.last ?? .nan) / 1000
    print(
        "slow clients: \(options.slow) trickling uploads + \(options.slow) trickling heads; \(clients) other clients reading and writing spend, \(options.seconds) s each phase; load average \(loadAverage())"
    )
    print("| phase | requests | failed | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for (name, tally) in [
        ("without slow clients, before", baseline), ("with slow clients", loaded),
        ("without slow clients, after", after),
    ] {
        let measurement = tally.measurement
        print(
            "| \(name) | \(tally.answered) | \(tally.failed) | \(format(measurement.percentile(0.5), 1)) | \(format(measurement.percentile(0.99), 1)) | \(format((measurement.latencies.last ?? .nan) / 1000, 1)) |"
        )
    }
    print(
        "slow clients still open at the end: \(stillOpen) of \(slowClients.count), \(trickled) bytes trickled"
    )
    if let failure = loaded.firstFailure ?? baseline.firstFailure ?? after.firstFailure {
        print("first failure: \(failure)")
    }
    return [
        Check(
            passed: loaded99 <= bound,
            what:
                "p99 with slow clients \(format(loaded99, 1)) ms ≤ 2 × \(format(base99, 1)) (mean p99 without) + 100 = \(format(bound, 1)) ms"
        ),
        Check(
            passed: worst < 2000,
            what: "every request with slow clients answered within 2 s (max \(format(worst, 1)) ms)"),
        Check(
            passed: baseline.failed + loaded.failed + after.failed == 0 && loaded.answered > 0,
            what:
                "no request failed (\(baseline.failed + after.failed) without, \(loaded.failed) with slow clients)"
        ),
        Check(
            passed: stillOpen == slowClients.count,
            what: "the slow clients were held, not refused: \(stillOpen) open"),
        Check(passed: status == 0, what: "the service exited \(status) on SIGTERM"),
    ]
}

/// An import whose body is still arriving: a row every 200 ms, its last `after` after it started.
final class InFlightUpload: Sendable {
    struct Outcome: Sendable {
        var status: Int?
        var closes = false
        var failure: String?
        var bodyEnded: ContinuousClock.Instant?
    }

    let rows: Int
    private let outcome = Mutex(Outcome())
    private let done = Atomic(false)

    init(port: Int, writer: (partner: String, token: String), label: String, rows: Int) {
        self.rows = rows
        let lines = (0..<rows).map { Array(row(partner: writer.partner, reference: "\(label)-\($0)").utf8) }
        let length = LedgerUnderCheck.csvHeader.utf8.count + lines.map(\.count).reduce(0, +)
        Thread { [self] in
            defer { done.store(true, ordering: .releasing) }
            do {
                let connection = try HTTPConnection(port: port, timeout: .seconds(60))
                try connection.write(importOpening(port: port, token: writer.token, bodyLength: length))
                for line in lines {
                    Thread.sleep(forTimeInterval: 0.2)
                    try connection.write(line)
                }
                outcome.withLock { $0.bodyEnded = .now }
                let answer = try connection.readAnswer()
                outcome.withLock {
                    $0.status = answer.status
                    $0.closes = answer.headers["connection"]?.lowercased() == "close"
                    if answer.status != 200 { $0.failure = String(answer.body.prefix(300)) }
                }
            } catch {
                outcome.withLock { $0.failure = "\(error)" }
            }
        }.start()
    }

    func wait() -> Outcome {
        while !done.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.02) }
        return outcome.withLock { $0 }
    }
}

func runGracefulShutdown(_ options: Options, _ ledger: LedgerUnderCheck) async throws -> [Check] {
    let clients = options.clients ?? 8
    let sessionsBefore = Set(try await ledger.otherSessions().keys)
    let storedBefore = try await ledger.cluster.spendEntries(in: ledger.allianceID)
    let service = try await ledger.serve(["--shutdown-grace-seconds", String(options.grace)])
    let port = service.port
    let writers = try writers(ledger)
    let load = SteadyClients(
        count: clients, port: port, reader: try auditor(ledger), writers: writers, label: "TERM")
    // 20 rows at 200 ms: the bodies end about two seconds after the signal.
    let uploads = (0..<2).map {
        InFlightUpload(port: port, writer: writers[$0], label: "INFLIGHT-\($0)", rows: 20)
    }
    try await Task.sleep(for: .seconds(2))
    let logBeforeSignal = ledger.serverLog().end
    let signalled = ContinuousClock.now
    kill(service.processIdentifier, SIGTERM)
    try await Task.sleep(for: .milliseconds(500))
    let refusesNewConnections: Bool
    do {
        _ = try HTTPConnection(port: port, timeout: .seconds(2))
        refusesNewConnections = false
    } catch {
        refusesNewConnections = true
    }
    let exit = try await withThrowingTaskGroup(of: Int32?.self) { group in
        group.addTask { try await service.waitForExit() }
        group.addTask {
            try await Task.sleep(for: .seconds(options.grace + 20))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
    let exitedAfter = ContinuousClock.now - signalled
    if exit == nil { kill(service.processIdentifier, SIGKILL) }
    let tally = load.stop()
    let outcomes = uploads.map { $0.wait() }
    // A server process ends a moment after its client has gone.
    var leftSessions = try await ledger.otherSessions(excluding: sessionsBefore)
    for _ in 0..<20 where !leftSessions.isEmpty {
        try await Task.sleep(for: .milliseconds(100))
        leftSessions = try await ledger.otherSessions(excluding: sessionsBefore)
    }
    // A session whose client went without saying goodbye (its pool never closed it) is logged.
    let abandoned = ledger.serverLog(from: logBeforeSignal).text.split(separator: "\n")
        .filter { $0.contains("unexpected EOF on client connection") }.count
    let stored = try await ledger.cluster.spendEntries(in: ledger.allianceID) - storedBefore
    let imported = zip(uploads, outcomes).filter { $0.1.status == 200 }.map(\.0.rows).reduce(0, +)
    let expected = tally.acknowledgedWrites + imported
    let serverErrors = tally.answeredByStatus.filter { $0.key >= 500 }.values.reduce(0, +)

    print(
        "graceful shutdown: \(clients) clients reading and writing spend, 2 CSV uploads still arriving at SIGTERM; grace \(options.grace) s; load average \(loadAverage())"
    )
    print(
        "requests answered \(tally.answered) (\(tally.answeredByStatus.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))), sent on a connection the service was closing and unanswered \(tally.unanswered), connections refused after the signal \(tally.refusedConnections)"
    )
    for (index, outcome) in outcomes.enumerated() {
        let bodyEnded = outcome.bodyEnded.map { milliseconds($0 - signalled) } ?? "never"
        print(
            "upload \(index): body ended \(bodyEnded) after SIGTERM, answered \(outcome.status.map(String.init) ?? "nothing")\(outcome.closes ? " with Connection: close" : "")\(outcome.failure.map { ": \($0)" } ?? "")"
        )
    }
    print(
        "exit status \(exit.map(String.init) ?? "none (killed)") \(milliseconds(exitedAfter)) after SIGTERM; spend stored \(stored), acknowledged \(expected); database sessions left \(leftSessions.count), abandoned without a goodbye \(abandoned)"
    )
    let expiry = try await graceExpiry(ledger, writer: writers[0])
    print(
        "grace expiry: an upload that never ends, grace 2 s: exit status \(expiry.status.map(String.init) ?? "none (killed)") \(milliseconds(expiry.after)) after SIGTERM"
    )
    return [
        Check(
            passed: expiry.status != nil && expiry.after < .seconds(5),
            what:
                "with a request that never ends, it exits when the 2 s grace period is over (\(milliseconds(expiry.after)))"
        ),
        Check(passed: refusesNewConnections, what: "a new connection 0.5 s after SIGTERM is refused"),
        Check(
            passed: outcomes.allSatisfy { $0.status == 200 && ($0.bodyEnded ?? signalled) > signalled },
            what: "both uploads still arriving at SIGTERM were imported (200)"),
        Check(passed: serverErrors == 0, what: "no request answered 5xx (\(serverErrors))"),
        Check(
            passed: stored == expected,
            what: "spend stored (\(stored)) is exactly what was acknowledged (\(expected))"),
        Check(
            passed: exit == 0 && exitedAfter < .seconds(options.grace),
            what: "exited 0 within the \(options.grace) s grace period (\(milliseconds(exitedAfter)))"),
        Check(
            passed: leftSessions.isEmpty && abandoned == 0,
            what: "its database sessions ended, none abandoned in a transaction"),
        Check(
            passed: service.log.contains("stopped"),
            what: "the service logged that it stopped (the sweep ended and the pool closed before)"),
    ]
}

/// A service with a grace period of two seconds and an upload that never ends: how long after
/// SIGTERM it exits, and how.
func graceExpiry(_ ledger: LedgerUnderCheck, writer: (partner: String, token: String)) async throws -> (
    status: Int32?, after: Duration
) {
    let service = try await ledger.serve(["--shutdown-grace-seconds", "2"])
    let upload = SlowClient(
        port: service.port,
        opening: importOpening(port: service.port, token: writer.token, bodyLength: 100_000_000),
        drip: Array(row(partner: writer.partner, reference: "ENDLESS").utf8), every: .milliseconds(100))
    defer { upload.stop() }
    try await Task.sleep(for: .milliseconds(500))
    let signalled = ContinuousClock.now
    kill(service.processIdentifier, SIGTERM)
    let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
        group.addTask { try await service.waitForExit() }
        group.addTask {
            try await Task.sleep(for: .seconds(30))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
    let after = ContinuousClock.now - signalled
    if status == nil { kill(service.processIdentifier, SIGKILL) }
    return (status, after)
}

extension SteadyClients {
    /// Lets them run `seconds`, then stops them.
    func stop(after seconds: Double) async throws -> Tally {
        try await Task.sleep(for: .seconds(seconds))
        return stop()
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
guard ["slow-clients", "graceful-shutdown"].contains(options.mode) else {
    FileHandle.standardError.write(
        Data("usage: availability-check slow-clients|graceful-shutdown [--binary PATH] [options]\n".utf8))
    exit(2)
}
let logger = quietLogger("availability-check")
let ledger = try await LedgerUnderCheck.start(binary: options.binary, logger: logger)
let checks: [Check]
do {
    checks =
        options.mode == "slow-clients"
        ? try await runSlowClients(options, ledger) : try await runGracefulShutdown(options, ledger)
} catch {
    await ledger.cluster.stop()
    print("FAIL: \(error)")
    exit(1)
}
await ledger.cluster.stop()
report(checks)
