import AllianceLedger
import BenchmarkSupport
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import Synchronization

// Spend-import benchmark: rows per second of `SpendImporter` on a generated CSV file, next to
// a raw `COPY` of the same file into a plain table on the same private cluster in the same
// run, with the peak resident memory of this process. Both run with fsync and
// synchronous_commit on, as the embedded default does. See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release import-benchmark [--rows 1000000] [--verify]

struct Options {
    var rows = 1_000_000
    var verify = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = iterator.next().flatMap { Int($0) } ?? rows
            case "--verify": verify = true
            default:
                refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")

let bench = try await BenchmarkCluster.start(
    named: "import-benchmark", maximumConnections: 20, logger: logger)
let csvPath = bench.directory + "-spend.csv"
defer {
    bench.stopImmediately()
    try? FileManager.default.removeItem(atPath: csvPath)
}
let ownerPool = bench.ownerPool
let serverVersion = try await bench.serverVersion()
let servicePool = bench.makeServicePool(maximumConnections: 4)

// MARK: The alliance and the file

let partners = ["sel-icb", "slam", "lambeth", "certitude", "thamesreach"]
let lines = ["STAFF", "PREMISES", "COMMISSIONED", "PEER"]
let directoryService = AllianceDirectory(pool: servicePool)
let alliance = try await directoryService.createBenchmarkAlliance(
    slug: "benchmark", name: "Benchmark Alliance", partners: partners, lines: lines)

let fileBytes = try SpendFile.write(rows: options.rows, partners: partners, lines: lines, to: csvPath)
let residentBefore = ProcessMemory.snapshot().residentMB

print("Spend import benchmark: \(options.rows) rows, \(format(Double(fileBytes) / 1e6, 1)) MB of CSV")
print(
    "PostgreSQL \(serverVersion), fsync on, synchronous_commit on; \(ProcessInfo.processInfo.activeProcessorCount) cores; \(Date())"
)
print("load average before: \(loadAverage())")
print("")

// MARK: Raw COPY, the ceiling

/// The same file through `COPY … FROM STDIN (FORMAT csv, HEADER)` into a plain table with no
/// index, check or trigger: what PostgreSQL does with these bytes on this machine right now.
func rawCopy() async throws -> Duration {
    try await ownerPool.withConnection { connection in
        try await connection.execute(
            """
            CREATE TABLE raw_spend (
                incurred_on date, partner text, budget_line text, amount numeric, description text,
                supplier text, reference text)
            """)
        try await connection.execute("CHECKPOINT")
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try await connection.copyIn(
            table: "raw_spend",
            columns: [
                "incurred_on", "partner", "budget_line", "amount", "description", "supplier", "reference",
            ],
            format: .csv(header: true)
        ) { writer in
            for try await chunk in FileByteChunks(path: csvPath) { try await writer.writeRaw(chunk) }
        }
        let elapsed = clock.now - start
        precondition(loaded == options.rows, "the raw COPY loaded \(loaded) rows, not \(options.rows)")
        try await connection.execute("DROP TABLE raw_spend")
        try await connection.execute("CHECKPOINT")
        return elapsed
    }
}

// MARK: The import

final class PhaseClock: Sendable {
    private let postingStarted = Mutex<ContinuousClock.Instant?>(nil)

    @Sendable func note(_ progress: SpendImportProgress) {
        guard progress.phase == .posting else { return }
        postingStarted.withLock { $0 = $0 ?? ContinuousClock.now }
    }

    var posting: ContinuousClock.Instant? { postingStarted.withLock { $0 } }
}

func runImport() async throws -> (report: SpendImportReport, total: Duration, reading: Duration) {
    let importer = SpendImporter(ledger: Ledger(pool: servicePool))
    let phases = PhaseClock()
    let clock = ContinuousClock()
    let start = clock.now
    let report = try await importer.importSpend(
        from: FileByteChunks(path: csvPath), into: alliance, by: .commandLine, mode: .allOrNothing,
        progress: phases.note)
    let end = clock.now
    return (report, end - start, (phases.posting ?? end) - start)
}

let raw = try await rawCopy()
let rawRate = Double(options.rows) / raw.seconds
let imported = try await runImport()
precondition(
    imported.report.recorded == options.rows && imported.report.invalid == 0,
    "the import did not record every row: \(imported.report)")
let importRate = Double(options.rows) / imported.total.seconds
let peakAfterImport = ProcessMemory.snapshot().peakMB
let again = try await runImport()
precondition(again.report.duplicates == options.rows, "importing again was not all duplicates")

print("| | seconds | rows/s | of raw COPY |")
print("|---|---|---|---|")
print("| raw COPY (plain table, no index) | \(format(raw.seconds, 2)) | \(format(rawRate)) | 100% |")
print(
    "| import, all-or-nothing | \(format(imported.total.seconds, 2)) | \(format(importRate)) | \(format(importRate / rawRate * 100, 1))% |"
)
print(
    "| of which reading into staging | \(format(imported.reading.seconds, 2)) | \(format(Double(options.rows) / imported.reading.seconds)) | |"
)
print(
    "| of which checking and posting | \(format((imported.total - imported.reading).seconds, 2)) | \(format(Double(options.rows) / (imported.total - imported.reading).seconds)) | |"
)
print(
    "| same file again (all duplicates) | \(format(again.total.seconds, 2)) | \(format(Double(options.rows) / again.total.seconds)) | \(format(Double(options.rows) / again.total.seconds / rawRate * 100, 1))% |"
)
print("")
print(
    "peak RSS of this process: \(Int(ProcessMemory.snapshot().peakMB)) MB (after the first import \(Int(peakAfterImport)) MB; \(Int(residentBefore)) MB before it)"
)
if options.verify {
    let clock = ContinuousClock()
    let start = clock.now
    let verification = try await Ledger(pool: servicePool).verify(alliance.id)
    precondition(verification.isIntact, "the imported journal does not verify: \(verification)")
    print("verify: \(verification.entries) entries intact in \(format((clock.now - start).seconds, 1)) s")
}
print("load average after: \(loadAverage())")
await servicePool.close()
await ownerPool.close()
