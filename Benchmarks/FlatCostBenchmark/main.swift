import AllianceLedger
import BenchmarkSupport
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres
import ServiceHarness

// Flat cost as history grows (issue 21): one alliance's journal grown to each size in turn
// (default 10k, 100k, 1M and 3M entries, by imports of generated spend), and at each size the
// operations whose cost must not grow with history:
//
// - recording spend: p50 and p99 latency of 16 clients recording at once;
// - a balance read (every account's current balance);
// - a month's statement preview;
// - the first page of the journal, and a page deep in it by cursor;
// - an inclusion proof of an entry in the current tree;
// - publishing a month statement, which verifies the journal since the last statement (the
//   clients' entries recorded since), builds the month from its totals and writes its files.
//
// Each read is the median of the calls of `--seconds` (at least `--runs` calls) after an untimed
// warm-up, once no autovacuum worker runs. Every figure is also taken on a peer: an alliance of
// the same shape whose journal stays near the first size (it takes only the same clients' writes),
// its reads called in turn with the grown one's, its recording in four slices in turn with the
// grown one's, its month's publication straight after the grown one's. The goal is each figure's
// ratio to the peer's, at most 20% above that ratio at the first size: what the machine's other
// work does to a figure it does to the peer's at the same moments. Each figure as measured is
// printed too, against its first. Full verification of the whole journal is linear by nature: its
// rate in entries per second (the median of three) is reported at each size, PASS at 200,000 or
// more, next to the rate of the same verification on a single connection.
// See Benchmarks/README.md.
//
//   swift run --package-path Benchmarks -c release flat-cost-benchmark \
//       [--sizes 10000,100000,1000000,3000000] [--runs 9] [--seconds 1]

struct Options {
    var sizes = [10_000, 100_000, 1_000_000, 3_000_000]
    var runs = 9
    /// Each figure is timed over at least this many seconds (and `runs` calls).
    var seconds = 1.0
    var clients = 16
    var writesPerClient = 40
    /// Statements slower than this many milliseconds are printed from the server's log at the
    /// end, to find what grows; nil logs none.
    var slowStatementMilliseconds: Int?

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next() ?? ""
            switch argument {
            case "--sizes": sizes = value.split(separator: ",").compactMap { Int($0) }.sorted()
            case "--runs": runs = max(1, Int(value) ?? runs)
            case "--seconds": seconds = max(0, Double(value) ?? seconds)
            case "--clients": clients = max(1, Int(value) ?? clients)
            case "--writes-per-client": writesPerClient = max(1, Int(value) ?? writesPerClient)
            case "--log-slow-statements": slowStatementMilliseconds = Int(value)
            default: refuseUnknownOption(argument)
            }
        }
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let logger = quietLogger("benchmark")
let partners = ["riverside-icb", "riverside-trust", "riverside-council", "harbour-lights", "open-door"]
let lines = (1...20).map { "LINE\($0 < 10 ? "0" : "")\($0)" }
let clock = ContinuousClock()

print(
    "flat-cost-benchmark: sizes \(options.sizes.map(String.init).joined(separator: ", ")) entries, \(options.runs) runs, \(options.clients) clients"
)
print("load average before: \(loadAverage())")

let bench = try await MigratedCluster.start(
    named: "flat-cost-benchmark", databaseName: "bench", maximumConnections: 40, logger: logger)
let csvPath = bench.directory + "-spend.csv"
defer {
    bench.stopImmediately()
    try? FileManager.default.removeItem(atPath: csvPath)
}
print("PostgreSQL \(try await bench.serverVersion())")
if let milliseconds = options.slowStatementMilliseconds {
    try await bench.ownerPool.withConnection { connection in
        // ALTER SYSTEM takes no parameters; the number is the benchmark's own option, an Int.
        try await connection.runScript(
            trustedSQL: "ALTER SYSTEM SET log_min_duration_statement = \(milliseconds)")
        // And their plans, those of statements inside functions too, for the sessions the
        // pools open from here on: copied out at the end.
        try await connection.execute("LOAD 'auto_explain'")
        try await connection.execute("ALTER SYSTEM SET session_preload_libraries = 'auto_explain'")
        try await connection.runScript(
            trustedSQL: "ALTER SYSTEM SET auto_explain.log_min_duration = \(milliseconds)")
        try await connection.execute("ALTER SYSTEM SET auto_explain.log_nested_statements = on")
        try await connection.execute("SELECT pg_reload_conf()")
    }
}
let pool = bench.makeServicePool(maximumConnections: options.clients + 4)
let ledger = Ledger(pool: pool)
let alonePool = bench.makeServicePool(maximumConnections: 1)
let aloneLedger = Ledger(pool: alonePool)
let directory = AllianceDirectory(pool: pool)
let statements = Statements(pool: pool)
let spendBook = SpendBook(ledger: ledger)

// MARK: The alliances: five partners, twenty lines, a finance lead and board member each

/// An alliance of the benchmark's shape, with its partners' leads in partner order.
func makeAlliance(slug: String, name: String) async throws -> (Alliance, [Caller]) {
    let alliance = try await directory.createBenchmarkAlliance(
        slug: slug, name: name, partners: partners, budgetLines: lines)
    var leads: [Caller] = []
    for partner in partners {
        let person = try await directory.addPerson(
            try PersonRequest(
                name: "Lead \(partner)", email: "lead@\(partner).example", partner: partner,
                roles: [.finance, .board]),
            to: alliance)
        leads.append(Caller(identity: .person(person), tokenID: nil))
    }
    return (alliance, leads)
}

/// The alliance whose journal grows.
let (alliance, financeLeads) = try await makeAlliance(
    slug: "riverside-flat-cost", name: "Riverside (flat cost benchmark)")
/// The peer, whose journal stays at the first size: its reads, timed beside the grown
/// alliance's, show what the machine does to both.
let (peer, peerLeads) = try await makeAlliance(slug: "harbour-peer", name: "Harbour (the peer)")

// MARK: Measurements

/// An alliance a read is timed on: the grown one or the peer, with the lead who publishes its
/// statements, its journal's size and the page 150 entries from its end.
struct Side {
    let alliance: Alliance
    let publisher: Caller
    let size: Int64
    let deepPage: PageRequest

    init(alliance: Alliance, publisher: Caller, size: Int64) throws {
        self.alliance = alliance
        self.publisher = publisher
        self.size = size
        deepPage = try PageRequest(limit: 100, order: .oldestFirst, cursor: deepCursor(size))
    }
}

/// The median seconds of `read` on the grown alliance and on the peer, called in turn, at
/// least `options.runs` times each and as many as `options.seconds` hold (at most 5,000), after
/// one untimed call of each: the median of a handful of calls of a few milliseconds is at the
/// mercy of whatever else the machine does in those milliseconds, and the peer's calls take
/// their share of it at the same moments. `read` is also given the call's number, from 1.
func timed(
    _ grown: Side, beside peer: Side, _ read: (_ side: Side, _ call: Int64) async throws -> Void
) async throws -> Reading {
    var call: Int64 = 1
    try await read(grown, call)
    try await read(peer, call)
    var runs: [Double] = []
    var peerRuns: [Double] = []
    let window = clock.now + .milliseconds(Int(options.seconds * 1000))
    while runs.count < options.runs || (clock.now < window && runs.count < 5000) {
        call += 1
        var started = clock.now
        try await read(grown, call)
        runs.append((clock.now - started).seconds)
        started = clock.now
        try await read(peer, call)
        peerRuns.append((clock.now - started).seconds)
    }
    return Reading(grown: median(runs), peer: median(peerRuns))
}

/// Waits, at most two minutes, until no autovacuum worker is running, and returns the seconds
/// waited: the figures are of the database at rest, at every size alike.
func autovacuumAtRest() async throws -> Double {
    let started = clock.now
    while (clock.now - started) < .seconds(120) {
        let working: Int64 = try await bench.ownerPool.withConnection { connection in
            try await connection.query(
                "SELECT count(*) AS working FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            ).single().decode("working")
        }
        if working == 0 { break }
        try await Task.sleep(for: .milliseconds(200))
    }
    return (clock.now - started).seconds
}

/// The journal of `alliance` grown to `size` entries by importing generated spend, as the
/// command line does.
func grow(_ alliance: Alliance, to size: Int, from current: Int) async throws {
    guard size > current else { return }
    try? FileManager.default.removeItem(atPath: csvPath)
    // References continue from the rows already imported, so nothing is a duplicate.
    let first = try await bench.spendEntries(in: alliance.id) + 1
    try SpendFile.write(
        rows: first + (size - current) - 1, from: first, partners: partners, lines: lines, lineStride: 12,
        to: csvPath)
    let report = try await SpendImporter(ledger: ledger).importSpend(
        from: FileByteChunks(path: csvPath), into: alliance, by: .commandLine, mode: .allOrNothing)
    guard report.invalid == 0, report.recorded == size - current else {
        throw BenchmarkFailure("the import did not record every row: \(report)")
    }
}

func journalSize(_ alliance: Alliance) async throws -> Int64 {
    try await pool.withConnection { connection in
        try await connection.query(
            "SELECT sequence FROM journal_heads WHERE alliance_id = \(alliance.id.rawValue)"
        ).single().decode("sequence")
    }
}

/// Months after FY2025, which the imports never touch, one pair per size: the first is
/// published to verify the growth, the second holds the clients' entries and is the timed one.
func month(_ index: Int) throws -> Period {
    try Period.month(year: 2026, month: 4 + index)
}

/// A read's median seconds on the grown alliance, and on the peer at the same moments.
struct Reading {
    var grown = 0.0
    var peer = 0.0
}

struct Figures {
    var size: Int64 = 0
    var recordP50 = Reading()
    var recordP99 = Reading()
    var balances = Reading()
    var preview = Reading()
    var firstPage = Reading()
    var deepPage = Reading()
    var proof = Reading()
    var publication = Reading()
    var verificationRate = 0.0
    var aloneVerificationRate = 0.0
}

/// Entries per second of one full verification by `ledger`, which must find the journal intact.
func verificationRate(_ ledger: Ledger) async throws -> Double {
    let started = clock.now
    let verification = try await ledger.verify(alliance.id)
    guard verification.isIntact else {
        throw BenchmarkFailure("the journal does not verify: \(verification)")
    }
    return Double(verification.entries) / (clock.now - started).seconds
}

/// Runs `body` with auto_explain logging every statement, with its buffers (pages found in
/// PostgreSQL's cache, and read from outside it), then back to `milliseconds`. The pools'
/// sessions take the setting from the configuration, reloaded before and after.
func explainingEverything(restoringTo milliseconds: Int, _ body: () async throws -> Void) async throws {
    func threshold(_ value: Int, buffers: Bool) async throws {
        try await bench.ownerPool.withConnection { connection in
            // One at a time: several statements in one script would be one transaction, in
            // which ALTER SYSTEM cannot run.
            for setting in [
                "auto_explain.log_min_duration = \(value)",
                "auto_explain.log_analyze = \(buffers ? "on" : "off")",
                "auto_explain.log_buffers = \(buffers ? "on" : "off")", "auto_explain.log_timing = off",
            ] {
                try await connection.runScript(trustedSQL: "ALTER SYSTEM SET \(setting)")
            }
            try await connection.execute("SELECT pg_reload_conf()")
        }
        // Each session reads the reloaded configuration before its next statement.
        try await Task.sleep(for: .milliseconds(300))
    }
    try await threshold(0, buffers: true)
    try await body()
    try await threshold(milliseconds, buffers: false)
}

/// The cursor of the page that starts 150 entries from the end of a journal of `size`.
func deepCursor(_ size: Int64) throws -> String {
    try PageRequest(limit: 100, order: .oldestFirst).cursor(after: size - 150)
}

/// 16 clients record `writes` spends each at once in `alliance`, on day `on`: every latency.
/// `label` keeps their references apart from any other call's.
func recording(
    in alliance: Alliance, by leads: [Caller], on day: CalendarDate, label: String, writes: Int
) async throws -> Throughput {
    let started = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for client in 0..<options.clients {
            group.addTask {
                let lead = leads[client % leads.count]
                let partner = partners[client % partners.count]
                var latencies: [Double] = []
                for write in 0..<writes {
                    let request = try SpendRequest(
                        partner: partner, budgetLine: lines[write % lines.count], amount: Int64(1000 + write),
                        incurredOn: day, description: "Recorded at size \(label)",
                        supplier: "Acme Staffing", reference: "FLAT-\(label)-\(client)-\(write)")
                    let started = ContinuousClock.now
                    _ = try await spendBook.record(request, in: alliance, by: lead)
                    latencies.append((ContinuousClock.now - started).microseconds)
                }
                return latencies
            }
        }
        var all: [Double] = []
        for try await latencies in group { all += latencies }
        return all
    }
    return Throughput(
        operations: latencies.count, seconds: (clock.now - started).seconds, latencies: latencies.sorted())
}

/// Publishes `period` of `alliance`: the seconds it took.
func publish(_ period: Period, of alliance: Alliance, by publisher: Caller) async throws -> Double {
    let started = clock.now
    _ = try await statements.publish(
        try PublicationRequest(period: period.description, supersedes: nil, reason: nil),
        origin: Statements.origin(publicBaseURL: "https://ledger.example.org", alliance: alliance.slug),
        in: alliance, by: publisher)
    return (clock.now - started).seconds
}

/// One spend on every partner's every line in each month the rounds will use, recorded before
/// anything is timed. A statement reads its whole financial year's totals; without this, each
/// round's clients would add a month of totals (a hundred rows) to the year that every later
/// preview reads, and the preview would grow with the benchmark's rounds rather than with the
/// journal.
func fillTheYear(of alliance: Alliance, leads: [Caller], months: Int) async throws {
    for index in 0..<months {
        let day = try month(index).first
        for (client, lead) in leads.enumerated() {
            for line in lines {
                let request = try SpendRequest(
                    partner: partners[client], budgetLine: line, amount: 100, incurredOn: day,
                    description: "The year's totals, filled in", supplier: "Acme Staffing",
                    reference: "FLAT-YEAR-\(index)-\(client)-\(line)")
                _ = try await spendBook.record(request, in: alliance, by: lead)
            }
        }
    }
}

let yearStarted = clock.now
try await fillTheYear(of: alliance, leads: financeLeads, months: 2 * options.sizes.count)
try await fillTheYear(of: peer, leads: peerLeads, months: 2 * options.sizes.count)
print(
    "the year's months filled in, in both alliances: \(2 * options.sizes.count) months × \(partners.count * lines.count) accounts in \(format((clock.now - yearStarted).seconds, 1)) s"
)
let peerSize = options.sizes.first ?? 0
try await grow(peer, to: peerSize, from: 0)
let peerEntries = try await journalSize(peer)
print("the peer: \(peerEntries) entries")

var results: [Figures] = []
var current = 0
for (round, size) in options.sizes.enumerated() {
    let growStarted = clock.now
    try await grow(alliance, to: size, from: current)
    current = size
    let grown = (clock.now - growStarted).seconds
    // The growth is one bulk load, which autovacuum then vacuums for minutes on a journal of a
    // million entries: the figures are of the journal at rest, so that work is done here, as
    // autovacuum would do it, and not left to compete with what is timed. The whole database:
    // the alliance's accounts, created seconds before the first size, would otherwise still
    // be planned as the empty table autovacuum last saw, as no real alliance's are for long.
    let vacuumStarted = clock.now
    try await bench.ownerPool.withConnection { connection in
        try await connection.execute("VACUUM (ANALYZE)")
    }
    let vacuumed = (clock.now - vacuumStarted).seconds
    // The month totals and the balances are updated in place by every commit, not appended:
    // their size is what the statement's read of a year of totals and a balance read scan,
    // printed so that churn shows. (Both alliances' rows.)
    let kept = try await bench.ownerPool.withConnection { connection in
        try await connection.query(
            """
            SELECT pg_relation_size('account_month_totals') / current_setting('block_size')::int AS total_pages,
                   (SELECT count(*) FROM account_month_totals) AS totals,
                   pg_relation_size('account_balances') / current_setting('block_size')::int AS balance_pages,
                   (SELECT count(*) FROM account_balances) AS balances
            """
        ).single()
    }
    print(
        "size \(size): month totals \(try kept.decode("totals", as: Int64.self)) rows in \(try kept.decode("total_pages", as: Int64.self)) pages, balances \(try kept.decode("balances", as: Int64.self)) rows in \(try kept.decode("balance_pages", as: Int64.self)) pages"
    )
    let publisher = financeLeads[0]
    // Publish a month after the growth (untimed): it verifies every entry since the last
    // statement, so that the timed one verifies only the clients' entries. The peer's too, so
    // that its timed one verifies as many.
    _ = try await publish(try month(2 * round), of: alliance, by: publisher)
    _ = try await publish(try month(2 * round), of: peer, by: peerLeads[0])

    var figures = Figures()
    // A few writes per client first, untimed, so that the first size's figures are not those
    // of connections and caches still warming up.
    let recordingDay = try month(2 * round + 1).first
    _ = try await recording(
        in: alliance, by: financeLeads, on: recordingDay, label: "\(round)-warm-up", writes: 5)
    _ = try await recording(in: peer, by: peerLeads, on: recordingDay, label: "\(round)-warm-up", writes: 5)
    let quietBeforeRecording = try await autovacuumAtRest()
    // The clients' writes in four slices, the grown alliance's and the peer's in turn (each
    // pair in the other order from the last), so that both sides' latencies, the p99 above all,
    // come from the same stretch of the machine's time: one round on each side, one after the
    // other, left one side a stall the other did not see (p99 ratios from 1.03 to 1.61 at one
    // size, with no trend across sizes).
    var grownLatencies: [Double] = []
    var peerLatencies: [Double] = []
    var grownSeconds = 0.0
    var peerSeconds = 0.0
    for slice in 0..<4 {
        let writes = options.writesPerClient / 4 + (slice < options.writesPerClient % 4 ? 1 : 0)
        guard writes > 0 else { continue }
        let label = "\(round)-\(slice)"
        for grown in slice % 2 == 0 ? [true, false] : [false, true] {
            let recorded = try await recording(
                in: grown ? alliance : peer, by: grown ? financeLeads : peerLeads, on: recordingDay,
                label: label, writes: writes)
            if grown {
                grownLatencies += recorded.latencies
                grownSeconds += recorded.seconds
            } else {
                peerLatencies += recorded.latencies
                peerSeconds += recorded.seconds
            }
        }
    }
    let recorded = Throughput(
        operations: grownLatencies.count, seconds: grownSeconds, latencies: grownLatencies.sorted())
    let peerRecorded = Throughput(
        operations: peerLatencies.count, seconds: peerSeconds, latencies: peerLatencies.sorted())
    let quietAfterRecording = try await autovacuumAtRest()
    // Throughput's percentiles are in milliseconds; the figures, in seconds.
    figures.recordP50 = Reading(
        grown: recorded.percentile(0.5) / 1000, peer: peerRecorded.percentile(0.5) / 1000)
    figures.recordP99 = Reading(
        grown: recorded.percentile(0.99) / 1000, peer: peerRecorded.percentile(0.99) / 1000)
    figures.size = try await journalSize(alliance)
    let peerJournal = try await journalSize(peer)
    let grownSide = try Side(alliance: alliance, publisher: publisher, size: figures.size)
    let peerSide = try Side(alliance: peer, publisher: peerLeads[0], size: peerJournal)
    figures.balances = try await timed(grownSide, beside: peerSide) { side, _ in
        _ = try await ledger.balances(in: side.alliance.id)
    }
    let timedMonth = try month(2 * round + 1).description
    figures.preview = try await timed(grownSide, beside: peerSide) { side, _ in
        _ = try await statements.preview(timedMonth, in: side.alliance, by: side.publisher)
    }
    if let milliseconds = options.slowStatementMilliseconds {
        // One more preview and one more proof with every statement's plan and time logged, the
        // nested ones too: what a figure that grows spends its time on. Nothing else runs now.
        try await explainingEverything(restoringTo: milliseconds) {
            _ = try await statements.preview(timedMonth, in: alliance, by: publisher)
            _ = try await statements.inclusionProof(
                sequence: figures.size / 3, treeSize: figures.size, in: alliance.id)
            _ = try await ledger.entries(in: alliance.id, page: grownSide.deepPage)
        }
    }
    figures.firstPage = try await timed(grownSide, beside: peerSide) { side, _ in
        _ = try await ledger.entries(
            in: side.alliance.id, page: try PageRequest(limit: 100, order: .oldestFirst))
    }
    figures.deepPage = try await timed(grownSide, beside: peerSide) { side, _ in
        _ = try await ledger.entries(in: side.alliance.id, page: side.deepPage)
    }
    // Each call proves another entry, 7,919 (a prime) entries on, round the journal.
    figures.proof = try await timed(grownSide, beside: peerSide) { side, call in
        _ = try await statements.inclusionProof(
            sequence: call * 7919 % side.size + 1, treeSize: side.size, in: side.alliance.id)
    }
    // The month of the clients' entries, then the peer's: each verifies the 720 entries since
    // its alliance's last statement (the clients' 640 and their 80 of warm-up).
    figures.publication = Reading(
        grown: try await publish(try month(2 * round + 1), of: alliance, by: publisher),
        peer: try await publish(try month(2 * round + 1), of: peer, by: peerLeads[0]))
    // Full verification three times, each followed by the same on a pool of one connection,
    // which cannot spare the verifier a second reader: the one-connection verifier of before
    // the readers shared a snapshot, in the same conditions. The medians are reported.
    var sharedRates: [Double] = []
    var aloneRates: [Double] = []
    for _ in 0..<3 {
        sharedRates.append(try await verificationRate(ledger))
        aloneRates.append(try await verificationRate(aloneLedger))
    }
    figures.verificationRate = median(sharedRates)
    figures.aloneVerificationRate = median(aloneRates)
    results.append(figures)
    print(
        "size \(figures.size): grown in \(format(grown, 1)) s, vacuumed in \(format(vacuumed, 1)) s, waited \(format(quietBeforeRecording + quietAfterRecording, 1)) s for autovacuum; record p50 \(format(figures.recordP50.grown * 1000, 1)) ms p99 \(format(figures.recordP99.grown * 1000, 1)) ms (peer \(format(figures.recordP50.peer * 1000, 1)), \(format(figures.recordP99.peer * 1000, 1))); balances \(format(figures.balances.grown * 1000, 2)) ms (peer \(format(figures.balances.peer * 1000, 2))); preview \(format(figures.preview.grown * 1000, 2)) ms (peer \(format(figures.preview.peer * 1000, 2))); pages \(format(figures.firstPage.grown * 1000, 2))/\(format(figures.deepPage.grown * 1000, 2)) ms (peer \(format(figures.firstPage.peer * 1000, 2))/\(format(figures.deepPage.peer * 1000, 2))); proof \(format(figures.proof.grown * 1000, 2)) ms (peer \(format(figures.proof.peer * 1000, 2))); month publication \(format(figures.publication.grown * 1000, 1)) ms (peer \(format(figures.publication.peer * 1000, 1))); verification \(format(figures.verificationRate)) entries/s (on one connection \(format(figures.aloneVerificationRate))); load \(loadAverage())"
    )
}

// MARK: The report

print("")
print(
    "| operation | " + results.map { "\($0.size) entries" }.joined(separator: " | ")
        + " | largest ÷ first | goal |")
print("|---|" + results.map { _ in "---|" }.joined() + "---|---|")
/// One line of the table: the figure at each size (seconds shown as milliseconds, or a ratio
/// as it is), and the largest against the first; against the goal when `goal` (the rows
/// beside the peer), else for information.
func row(
    _ name: String, _ figures: [Figures], ratios: Bool = false, goal: Bool, _ value: (Figures) -> Double
) -> Bool {
    guard let first = figures.first.map(value), first > 0 else { return true }
    let ratio = (figures.map(value).max() ?? first) / first
    let passed = ratio <= 1.2
    print(
        "| \(name) | "
            + figures.map { ratios ? format(value($0), 2) : format(value($0) * 1000, 2) + " ms" }
            .joined(separator: " | ") + " | \(format(ratio, 2)) | "
            + (goal ? "≤ 1.20 \(passed ? "PASS" : "FAIL")" : "(the machine's moments and the journal)") + " |"
    )
    return passed
}
let measured: [(String, (Figures) -> Reading)] = [
    ("record spend, p50 of \(options.clients) clients", \.recordP50),
    ("record spend, p99 of \(options.clients) clients", \.recordP99),
    ("balance read", \.balances),
    ("month statement preview", \.preview),
    ("journal, first page", \.firstPage),
    ("journal, deep page by cursor", \.deepPage),
    ("inclusion proof", \.proof),
    ("month statement publication (verifies since the last)", \.publication),
]
// Each figure as measured: what the machine's other work did at each size's moments, and the
// journal's growth, together.
for (name, reading) in measured { _ = row(name, results, goal: false) { reading($0).grown } }
// The goal: each figure against the peer's at the same moments (the reads call in turn, the
// recording goes in slices in turn, the publication straight after), so that what is left is the
// journal's growth (the standard of Benchmarks/README.md: a peer measured in the same run).
var failed = false
for (name, reading) in measured {
    let passed = row("\(name) ÷ the peer's at the same moments", results, ratios: true, goal: true) {
        reading($0).grown / reading($0).peer
    }
    if !passed { failed = true }
}
let slowest = results.map(\.verificationRate).min() ?? 0
let verificationPassed = slowest >= 200_000
if !verificationPassed { failed = true }
print(
    "| full verification, entries/s | " + results.map { format($0.verificationRate) }.joined(separator: " | ")
        + " | | ≥ 200,000 \(verificationPassed ? "PASS" : "FAIL") |")
print(
    "| full verification on one connection (a pool of one), entries/s | "
        + results.map { format($0.aloneVerificationRate) }.joined(separator: " | ") + " | | |")
print("")
print("load average after: \(loadAverage())")
if options.slowStatementMilliseconds != nil,
    let log = try? String(contentsOfFile: bench.directory + "/postgresql.log", encoding: .utf8)
{
    print("statements slower than \(options.slowStatementMilliseconds ?? 0) ms:")
    for line in log.split(separator: "\n") where line.contains("duration:") { print(line.prefix(600)) }
    let plans = NSTemporaryDirectory() + "flat-cost-benchmark-plans.log"
    try? FileManager.default.removeItem(atPath: plans)
    try? log.write(toFile: plans, atomically: true, encoding: .utf8)
    print("their plans: \(plans)")
}
print(failed ? "FAIL" : "PASS")
await pool.close()
await alonePool.close()
await bench.stop()
