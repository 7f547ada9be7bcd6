import BenchmarkSupport
import Foundation
import Logging
import ServiceHarness

// HTTP spend-recording benchmark: spend recorded through the HTTP service, driven by wrk from
// its own process at 16 and 64 keep-alive connections, next to the same recording through
// the library (`SpendBook.record`, alone and with the service's per-request look-ups of caller
// and alliance) and to pgbench running the ledger benchmark's raw SQL, all on one private
// durable cluster in one run; with the server's peak resident memory and a check that every
// journal verifies and holds exactly the entries that were answered.
// See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release http-benchmark \
//       [--seconds 5] [--clients 16,64] [--wrk-threads 1]

struct Options {
    var seconds = 5
    var clients = [16, 64]
    var warmupSeconds = 1
    /// wrk's threads. One keeps up with this service and leaves the two cores to the server
    /// and PostgreSQL.
    var wrkThreads = 1

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--seconds": seconds = Int(value) ?? seconds
            case "--clients": clients = value.split(separator: ",").compactMap { Int($0) }
            case "--wrk-threads": wrkThreads = Int(value) ?? wrkThreads
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("http-benchmark")
guard let wrk = ExternalProgram.locate("wrk"), let curl = ExternalProgram.locate("curl") else {
    FileHandle.standardError.write(
        Data("http-benchmark needs wrk and curl on PATH (Debian: apt-get install -y wrk curl)\n".utf8))
    exit(2)
}
let tools = HTTPRun.Tools(wrk: wrk, curl: curl, wrkThreads: options.wrkThreads)

let bench = try await MigratedCluster.start(named: "http-benchmark", databaseName: "bench", logger: logger)
let serverVersion = try await bench.serverVersion()
print(
    "HTTP spend-recording benchmark: \(options.seconds) s per run after \(options.warmupSeconds) s warm-up (library, HTTP); one alliance, five partners; look-ups: the caller and alliance read per call, as the service does"
)
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; wrk \(tools.wrkThreads) thread(s); \(Date())"
)
print("load average before: \(loadAverage())")
print("")

var rows: [[String]] = []
var checks: [String] = []
var problems = 0
// The cluster is stopped on every way out, so that a failed run leaves no server behind.
do {
    for (index, clients) in options.clients.enumerated() {
        let round = index + 1
        let raw = try await RawCeiling.run(clients: clients, seconds: options.seconds, on: bench)
        let library = try await LibraryRun.run(
            clients: clients, seconds: options.seconds, warmupSeconds: options.warmupSeconds, round: round,
            lookups: false, on: bench)
        let lookups = try await LibraryRun.run(
            clients: clients, seconds: options.seconds, warmupSeconds: options.warmupSeconds, round: round,
            lookups: true, on: bench)
        let http = try await HTTPRun.run(
            clients: clients, seconds: options.seconds, warmupSeconds: options.warmupSeconds, round: round,
            tools: tools, on: bench)
        let libraryRate = library.measurement.perSecond
        rows.append([
            String(clients), format(raw.perSecond), format(libraryRate),
            format(library.measurement.percentile(0.5), 2),
            format(library.measurement.percentile(0.99), 2), format(lookups.measurement.perSecond),
            format(http.measured.perSecond),
            format(http.measured.p50Microseconds / 1000, 2), format(http.measured.p99Microseconds / 1000, 2),
            format(http.measured.perSecond / libraryRate * 100) + "%", String(http.unsuccessful),
            format(http.before.residentMB, 1), format(http.after.peakMB, 1), format(http.after.residentMB, 1),
        ])

        // Every answer the clients saw is a row, and every row an answer the server gave: wrk
        // leaves requests in flight at its deadline, which the server still answers (at most one
        // per connection per wrk run), so its own count is the exact one.
        let libraryExact = library.spendEntries == library.calls && lookups.spendEntries == lookups.calls
        let httpExact = http.spendEntries == http.serverCreated
        let inFlight = http.serverCreated - http.twoHundreds
        let inFlightPlausible = (0...(2 * clients)).contains(inFlight)
        func verdict(_ fine: Bool, _ good: String, _ bad: String) -> String { fine ? good : bad }
        let serverAnswers = http.serverAnswers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        let libraryCheck: String =
            "library \(library.calls) + \(lookups.calls) calls (without, with look-ups), "
            + "\(library.spendEntries) + \(lookups.spendEntries) spend entries ("
            + verdict(libraryExact, "equal", "DIFFERENT") + "), journals "
            + verdict(library.intact && lookups.intact, "verify", "DO NOT VERIFY")
        let httpCheck: String =
            "HTTP \(http.twoHundreds) 2xx seen by wrk + \(inFlight) answered after wrk stopped = "
            + "\(http.serverCreated) 201 by the server, \(http.spendEntries) spend entries ("
            + verdict(httpExact && inFlightPlausible, "equal", "DIFFERENT") + "), journal "
            + verdict(http.intact, "verifies", "DOES NOT VERIFY")
            + "; server's spend answers by status: " + serverAnswers.joined(separator: ", ")
            + verdict(http.peakWasReset, "", "; peak RSS NOT reset (is /proc/self/clear_refs writable?)")
        checks.append("\(clients) clients: \(libraryCheck); \(httpCheck)")
        if let failure = http.measured.firstFailure ?? http.warmup.firstFailure {
            checks.append("\(clients) clients: first non-2xx answer: \(failure)")
        }
        if !libraryExact || !httpExact || !inFlightPlausible || !library.intact || !lookups.intact
            || !http.intact
            || http.unsuccessful > 0
        {
            problems += 1
        }
    }
} catch {
    print("benchmark failed: \(error)")
    await bench.stop()
    exit(1)
}

let header = [
    "clients", "pgbench tps", "library entries/s", "p50 ms", "p99 ms", "library + look-ups /s",
    "HTTP requests/s", "p50 ms", "p99 ms",
    "HTTP/library", "non-2xx", "RSS before MB", "peak RSS MB", "RSS after MB",
]
print("| " + header.joined(separator: " | ") + " |")
print("|" + String(repeating: "---|", count: header.count))
for row in rows { print("| " + row.joined(separator: " | ") + " |") }
print("")
for check in checks { print(check) }
print("load average after: \(loadAverage())")
await bench.stop()
if problems > 0 {
    print("FAILED: \(problems) run(s) with non-2xx answers, unequal counts or a journal that does not verify")
    exit(1)
}
