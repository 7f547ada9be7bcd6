import Crypto
import Dates
public import Postgres

/// What an import does when some rows cannot be recorded.
public enum SpendImportMode: String, Hashable, Sendable, CaseIterable, Codable {
    /// One bad row and nothing is recorded: the file is corrected and imported again whole.
    case allOrNothing = "all-or-nothing"
    /// The good rows are recorded and the bad ones reported; once corrected, the whole file
    /// can be imported again, since the rows already recorded then count as duplicates.
    case skipInvalid = "skip-invalid"
}

/// The outcome of an import: how many rows were read, recorded, already there or refused,
/// with the first refusals by line.
public struct SpendImportReport: Hashable, Sendable, Encodable {
    /// How many row errors a report lists; `invalid` counts them all. A million bad rows are
    /// usually one mistake, and the first thousand show it.
    public static let maximumErrors = 1000

    public let mode: SpendImportMode
    /// Data lines read, good or bad (not the header, nor blank lines at the end).
    public let rows: Int
    /// Spend entries posted: zero when the import was not committed.
    public let recorded: Int
    /// Rows whose partner already recorded their reference: skipped, so importing a file again
    /// records nothing twice.
    public let duplicates: Int
    /// Rows refused, each with its reasons.
    public let invalid: Int
    /// The first ``maximumErrors`` refused rows, in line order.
    public let errors: [SpendImportRowError]
    /// Whether the import's transaction committed; false when an all-or-nothing import met a
    /// bad row, and then nothing changed.
    public let committed: Bool
    /// The journal sequences of the first and last entries posted, when any were.
    @ExplicitNull public private(set) var firstSequence: Int64?
    @ExplicitNull public private(set) var lastSequence: Int64?
    /// The import's number in the alliance's record of imports; nil for an all-or-nothing
    /// import refused before it appended anything.
    @ExplicitNull public private(set) var importID: Int64?
    /// Set when this import finished an unfinished one of the same file, after a crash or an
    /// error: the lines up to this one had been appended before, and the counts include them.
    @ExplicitNull public private(set) var resumedAfterLine: Int?

    enum CodingKeys: String, CodingKey {
        case mode, rows, recorded, duplicates, invalid, errors, committed, firstSequence, lastSequence
        case importID = "importId"
        case resumedAfterLine
    }
}

/// How far an import has got, for progress bars. Reading streams the file into the database;
/// posting checks each staged row and records the good ones.
public struct SpendImportProgress: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        case reading
        case posting
    }

    public let phase: Phase
    public let rowsRead: Int
    public let bytesRead: Int64
    /// Rows checked (and posted, when good) so far, out of `rowsToCheck`: the rows read that
    /// the file reader accepted. Both zero while reading.
    public let rowsChecked: Int
    public let rowsToCheck: Int
}

/// Imports spend from a CSV file (see ``SpendCSVParser`` for its format) into an alliance's
/// journal, each good row becoming the same spend entry that ``SpendBook/record(_:in:by:idempotencyKey:)``
/// posts.
///
/// 1. **Reading.** The file streams through: its rows go straight from the parser into a
///    `COPY` to a temporary table, so memory holds one chunk of the file, never the file.
/// 2. **Checking, whole.** One set-based query checks every row against the directory and the
///    journal (partner, line, membership, contract dates, the caller's right to record for the
///    partner, a reference already recorded or repeated in the file), on one snapshot and
///    without holding the chain head. In all-or-nothing mode one bad row and nothing is
///    appended.
/// 3. **Appending, a chunk at a time.** The good rows are planned and appended in chunks of at
///    most ``rowsPerChunk`` rows and ``chunkDuration``, each chunk its own transaction holding
///    the alliance's chain head only while it runs, so that other writers interleave. A chunk re-reads only the
///    entries written since the check, to skip a reference someone else recorded meanwhile.
///
/// An import is recorded (`spend_imports`) with how far it has got, in the transaction of each
/// chunk: after a crash it is known exactly which rows are in, and importing the same file
/// again resumes after them, never recording a row twice.
public struct SpendImporter: Sendable {
    /// Rows fetched, and entries appended by one `ledger_append` call, at a time: bounds
    /// memory and the size of each statement, and how far past ``chunkDuration`` a chunk can
    /// run, which is checked between batches.
    public static let batchSize = 250

    /// The most rows one chunk's transaction appends.
    public static let defaultRowsPerChunk = 10_000
    /// How long a chunk appends before it commits and lets the head go: what a writer of the
    /// same alliance waits at most for an import's chunk, on top of its own write. Measured:
    /// a chunk of 10,000 rows took 5 s with 20 writers at work on 2 cores, too long to wait.
    public static let defaultChunkDuration: Duration = .milliseconds(200)

    public let ledger: Ledger
    public let rowsPerChunk: Int
    public let chunkDuration: Duration

    public init(
        ledger: Ledger, rowsPerChunk: Int = SpendImporter.defaultRowsPerChunk,
        chunkDuration: Duration = SpendImporter.defaultChunkDuration
    ) {
        precondition(rowsPerChunk > 0, "a chunk holds at least one row")
        self.ledger = ledger
        self.rowsPerChunk = rowsPerChunk
        self.chunkDuration = chunkDuration
    }

    /// Imports the CSV bytes of `chunks`: a file (`FileByteChunks`), bytes in memory
    /// (`MemoryByteChunks`) or a request body.
    ///
    /// `progress` is called on the importing task after each chunk read and each batch
    /// posted, so it should return at once (print, or store for a later look).
    ///
    /// - Throws: ``SpendCSVError`` for a missing or wrong header or an unreadable file,
    ///   `LedgerError.forbidden` when the caller may not record spend in the alliance at all,
    ///   `LedgerError.exists` when an unfinished import of the file was in the other mode,
    ///   and whatever the chunks or the database throw. The chunks appended before an error
    ///   stay, recorded as the import's progress; importing the file again resumes after them.
    public func importSpend<Chunks: AsyncSequence>(
        from chunks: Chunks, into alliance: Alliance, by caller: Caller, mode: SpendImportMode,
        progress: (@Sendable (SpendImportProgress) -> Void)? = nil
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try await ledger.pool.withConnection { connection in
            try await importSpend(
                from: chunks, into: alliance, by: caller, mode: mode, progress: progress, on: connection)
        }
    }

    /// Imports on `connection`, which must not be in a transaction: the import runs several,
    /// one per chunk. `eachTransaction` is run first in each (a statement timeout, say), and
    /// `completing` last in the one that finishes the import, with its report, so that what the
    /// caller stores with the outcome (an idempotent answer) commits exactly with it. An
    /// all-or-nothing import with bad rows appends nothing and runs no `completing`.
    public func importSpend<Chunks: AsyncSequence>(
        from chunks: Chunks, into alliance: Alliance, by caller: Caller, mode: SpendImportMode,
        progress: (@Sendable (SpendImportProgress) -> Void)? = nil, on connection: PostgresConnection,
        eachTransaction: (@Sendable (PostgresConnection) async throws -> Void)? = nil,
        completing: (@Sendable (PostgresConnection, SpendImportReport) async throws -> Void)? = nil
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try caller.require([.finance], in: alliance.id)
        try await AllianceSetup.requireOperatorWindow(
            caller, in: alliance, doing: "import spend", on: connection)
        let run = ImportRun(
            alliance: alliance, caller: caller, mode: mode, rowsPerChunk: rowsPerChunk,
            chunkDuration: chunkDuration, progress: progress,
            eachTransaction: eachTransaction, completing: completing)
        do {
            let report = try await run.perform(reading: chunks, on: connection)
            try await run.cleanUp(on: connection)
            return report
        } catch {
            // Best effort: a lost connection is closed by the pool, and its session's tables and
            // locks go with it.
            try? await run.cleanUp(on: connection)
            throw error
        }
    }
}

/// One import's work, on its connection.
struct ImportRun {
    let alliance: Alliance
    let caller: Caller
    let mode: SpendImportMode
    let rowsPerChunk: Int
    let chunkDuration: Duration
    let progress: (@Sendable (SpendImportProgress) -> Void)?
    let eachTransaction: (@Sendable (PostgresConnection) async throws -> Void)?
    let completing: (@Sendable (PostgresConnection, SpendImportReport) async throws -> Void)?

    /// The partner a finance lead records for; nil for the operator, who records for all.
    var onlyPartner: String? {
        if case .person(let person) = caller.identity { person.partner } else { nil }
    }

    func perform<Chunks: AsyncSequence>(
        reading chunks: Chunks, on connection: PostgresConnection
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        let staged = try await stage(chunks, on: connection)
        // A second import of the file waits for the first to finish, and then finds its rows
        // recorded; in a transaction for `eachTransaction`'s timeout, which the wait is under.
        let lock = ImportRecord.FileLock(alliance: alliance.id, file: staged.digest)
        try await connection.withTransaction { connection in
            try await eachTransaction?(connection)
            try await lock.take(on: connection)
        }
        do {
            let report = try await checkAndAppend(staged, on: connection)
            try await lock.release(on: connection)
            // The entries are committed: statistics that could not be refreshed (a timeout, a
            // lost connection) slow reads only until autovacuum's next look, and must not turn
            // a recorded import into a reported failure.
            if report.recorded > 0 {
                try? await LedgerStore.refreshStatistics(appended: report.recorded, on: connection)
            }
            return report
        } catch {
            try? await lock.release(on: connection)
            throw error
        }
    }

    private func checkAndAppend(_ staged: Staged, on connection: PostgresConnection) async throws
        -> SpendImportReport
    {
        let record = try await ImportRecord.unfinished(
            alliance: alliance.id, file: staged.digest, mode: mode, on: connection)
        let resumeAfter = record?.appendedThroughLine ?? 0
        let checked = try await check(staged, after: resumeAfter, on: connection)
        let invalid = staged.invalid(after: resumeAfter) + checked.invalid
        if mode == .allOrNothing && invalid > 0 {
            // Read only here: otherwise the chunks report the checked rows' refusals as they pass.
            let refused = try await connection.query(
                """
                SELECT line, problem FROM pg_temp.spend_import_checked
                WHERE problem IS NOT NULL AND line > \(resumeAfter)
                ORDER BY line LIMIT \(Int64(SpendImportReport.maximumErrors))
                """
            ).map { SpendImportRowError(line: try $0.decode("line"), reason: try $0.decode("problem")) }
            return SpendImportReport(
                mode: mode, rows: staged.rowsRead, recorded: 0, duplicates: checked.duplicates,
                invalid: invalid,
                errors: Array(
                    (staged.errors(after: resumeAfter) + refused).sorted { $0.line < $1.line }
                        .prefix(SpendImportReport.maximumErrors)),
                committed: false, firstSequence: nil, lastSequence: nil,
                importID: record?.id, resumedAfterLine: record == nil ? nil : resumeAfter)
        }
        var appending = Appending(run: self, staged: staged, checked: checked, record: record)
        return try await appending.all(on: connection)
    }

    /// Drops the tables the import left in the session.
    func cleanUp(on connection: PostgresConnection) async throws {
        try await connection.execute(
            "DROP TABLE IF EXISTS pg_temp.spend_import_rows, pg_temp.spend_import_checked")
    }

    // MARK: Reading

    struct Staged {
        var rowsRead = 0
        var bytesRead: Int64 = 0
        var rowsStaged = 0
        /// Every line the parser refused, in order: an import resumed after a line counts
        /// those after it.
        var invalidLines: [Int] = []
        var errors: [SpendImportRowError] = []
        /// The last line of the file that held a row, good or bad.
        var lastLine = 0
        /// The file's SHA-256: the same file imported again resumes an unfinished import.
        var digest = Digest(Array(repeating: 0, count: 32))

        /// The parser's first refusals after `line`, for an import resumed after it.
        func errors(after line: Int) -> [SpendImportRowError] {
            errors.filter { $0.line > line }
        }

        /// Lines the parser refused after `first` and up to `last`.
        func invalid(after first: Int, through last: Int = .max) -> Int {
            refused(through: last) - refused(through: first)
        }

        /// Lines the parser refused up to `line`: a binary search of the ascending lines.
        private func refused(through line: Int) -> Int {
            var low = 0
            var high = invalidLines.count
            while low < high {
                let middle = (low + high) / 2
                if invalidLines[middle] <= line { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    static let stagingColumns = [
        "line", "incurred_on", "partner", "budget_line", "amount", "description", "supplier", "reference",
        "expense_type", "expense_type_label", "supplier_type", "supplier_id", "irrecoverable_vat",
    ]

    /// Parses the chunks and copies every row the parser accepts into `spend_import_rows`, a
    /// temporary table of the session, dropped when the import ends; the parser's refusals are
    /// kept aside.
    private func stage<Chunks: AsyncSequence>(
        _ chunks: Chunks, on connection: PostgresConnection
    ) async throws -> Staged
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try await cleanUp(on: connection)
        // In a transaction of its own for `eachTransaction`'s settings (a long statement timeout
        // for a long file); the table stays for the session.
        return try await connection.withTransaction { connection in
            try await eachTransaction?(connection)
            return try await stage(chunks, into: connection)
        }
    }

    private func stage<Chunks: AsyncSequence>(
        _ chunks: Chunks, into connection: PostgresConnection
    ) async throws -> Staged
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try await connection.execute(
            """
            CREATE TEMPORARY TABLE spend_import_rows (
                line integer NOT NULL, incurred_on date NOT NULL, partner text NOT NULL,
                budget_line text NOT NULL, amount bigint NOT NULL, description text NOT NULL,
                supplier text NOT NULL, reference text NOT NULL, expense_type text NOT NULL,
                expense_type_label text NOT NULL, supplier_type text NOT NULL, supplier_id text NOT NULL,
                irrecoverable_vat bigint
            )
            """)
        var staged = Staged()
        var parser = SpendCSVParser(currency: alliance.currency)
        var rows: [SpendCSVParser.Row] = []
        var encoder = CopyTextEncoder()
        var hasher = SHA256()
        func take(_ rows: [SpendCSVParser.Row]) {
            for row in rows {
                staged.rowsRead += 1
                switch row {
                case .success(let row):
                    staged.rowsStaged += 1
                    staged.lastLine = row.line
                    encoder.row(row)
                case .failure(let error):
                    staged.invalidLines.append(error.line)
                    staged.lastLine = error.line
                    if staged.errors.count < SpendImportReport.maximumErrors { staged.errors.append(error) }
                }
            }
        }
        _ = try await connection.copyIn(table: "spend_import_rows", columns: ImportRun.stagingColumns) {
            writer in
            for try await chunk in chunks {
                staged.bytesRead += Int64(chunk.count)
                hasher.update(data: Array(chunk))
                rows.removeAll(keepingCapacity: true)
                try parser.feed(chunk, into: &rows)
                take(rows)
                try await writer.writeRaw(encoder.bytes)
                encoder.bytes.removeAll(keepingCapacity: true)
                progress?(
                    SpendImportProgress(
                        phase: .reading, rowsRead: staged.rowsRead, bytesRead: staged.bytesRead,
                        rowsChecked: 0,
                        rowsToCheck: 0))
            }
            rows.removeAll(keepingCapacity: true)
            try parser.finish(into: &rows)
            take(rows)
            try await writer.writeRaw(encoder.bytes)
        }
        staged.digest = Digest(Array(hasher.finalize()))
        return staged
    }

    // MARK: Checking

    /// What the check found in the lines after the one an import resumes after.
    struct Checked {
        var invalid = 0
        var duplicates = 0
        var good = 0
        /// The alliance's last entry when the check read the journal: a reference recorded
        /// after it was not seen by the check.
        var headSequence: Int64 = 0
    }

    /// Checks every staged row on one snapshot, into `spend_import_checked` (each row with
    /// why it cannot be recorded and whether it is recorded already), without holding the head.
    private func check(_ staged: Staged, after resumeAfter: Int, on connection: PostgresConnection)
        async throws
        -> Checked
    {
        try await connection.withTransaction(.repeatableRead) { connection in
            try await eachTransaction?(connection)
            // The checking query's estimated cost invites JIT compilation, for nothing: measured
            // as a third of the server's time on an import when it reached the triggers.
            try await connection.execute("SET LOCAL jit = off")
            var checked = Checked()
            // First, so that the snapshot the check reads is taken with it.
            checked.headSequence = try await connection.query(
                "SELECT sequence FROM journal_heads WHERE alliance_id = \(alliance.id.rawValue)"
            ).single().decode("sequence")
            try await connection.execute("CREATE TEMPORARY TABLE spend_import_checked AS " + checkingQuery)
            // The checked rows carry everything the chunks need. Dropped now, the staged rows'
            // pages (150 MB for a million rows) are never written to disk: left until the import
            // ends, the kernel writes them out about 30 s after the staging, in the middle of the
            // posting, and every other writer's commit waits for its WAL flush behind them.
            try await connection.execute("DROP TABLE pg_temp.spend_import_rows")
            // The chunks read the rows in line order from here, a batch at a time: by the index,
            // which a temporary table's missing statistics could make the planner pass over for
            // a sort of the whole table per batch.
            try await connection.execute("CREATE INDEX ON pg_temp.spend_import_checked (line)")
            try await connection.execute("ANALYZE pg_temp.spend_import_checked")
            let counts = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE problem IS NOT NULL) AS invalid,
                       count(*) FILTER (WHERE duplicate) AS duplicates,
                       count(*) FILTER (WHERE problem IS NULL AND NOT duplicate) AS good
                FROM pg_temp.spend_import_checked WHERE line > \(resumeAfter)
                """
            ).single()
            checked.invalid = Int(try counts.decode("invalid", as: Int64.self))
            checked.duplicates = Int(try counts.decode("duplicates", as: Int64.self))
            checked.good = Int(try counts.decode("good", as: Int64.self))
            return checked
        }
    }

    /// A staged row's expense type: an empty code is none.
    static func expenseType(code: String, label: String) throws -> ExpenseType? {
        code.isEmpty ? nil : try ExpenseType(code: code, label: label)
    }

    static func supplierType(_ text: String) throws -> SupplierType? {
        text.isEmpty ? nil : try SupplierType(parsing: text, field: "supplier_type")
    }

    /// Every staged row in line order, with why it cannot be recorded (NULL when it can) and
    /// whether its partner already recorded its reference. A row the caller may record and
    /// whose reference is already recorded is a duplicate whatever else is true of it today
    /// (the partner may since have left): importing a file again records nothing twice.
    private var checkingQuery: PostgresQuery {
        let allianceID = alliance.id.rawValue
        let forbidden: PostgresQuery =
            if let onlyPartner {
                "CASE WHEN s.partner <> \(onlyPartner) THEN \(caller.name + " acts for " + onlyPartner + ", not ") || s.partner END"
            } else {
                "NULL"
            }
        return """
            SELECT s.line, s.incurred_on, s.partner, s.budget_line, s.amount, s.description, s.supplier,
                   s.reference, s.expense_type, s.expense_type_label, s.supplier_type, s.supplier_id,
                   s.irrecoverable_vat, forbidden.reason IS NULL AND recorded.found AS duplicate,
                   CASE
                       WHEN forbidden.reason IS NOT NULL THEN forbidden.reason
                       WHEN recorded.found THEN NULL
                       ELSE nullif(concat_ws('; ',
                           CASE WHEN p.id IS NULL
                               THEN 'partner ' || s.partner || ' does not exist in this alliance' END,
                           CASE WHEN l.id IS NULL
                               THEN 'budget line ' || s.budget_line || ' does not exist in this alliance' END,
                           CASE WHEN s.incurred_on < p.joined_on OR s.incurred_on > p.left_on
                               THEN 'date ' || to_char(s.incurred_on, 'YYYY-MM-DD') || ' is outside '
                                   || p.slug || '''s membership (from ' || to_char(p.joined_on, 'YYYY-MM-DD')
                                   || coalesce(' to ' || to_char(p.left_on, 'YYYY-MM-DD'), '') || ')' END,
                           CASE WHEN s.incurred_on < a.contract_start OR s.incurred_on > a.contract_end
                               THEN 'date ' || to_char(s.incurred_on, 'YYYY-MM-DD')
                                   || ' is outside the contract''s dates ('
                                   || coalesce(to_char(a.contract_start, 'YYYY-MM-DD'), '…') || ' to '
                                   || coalesce(to_char(a.contract_end, 'YYYY-MM-DD'), '…') || ')' END,
                           CASE WHEN s.amount <= 0 THEN 'amount must be more than zero' END,
                           CASE WHEN s.first_line <> s.line
                               THEN 'reference ' || s.reference || ' of partner ' || s.partner
                                   || ' repeats line ' || s.first_line END), '')
                   END AS problem
            FROM (
                SELECT r.*, min(r.line) OVER (PARTITION BY r.partner, r.reference) AS first_line
                FROM spend_import_rows AS r
            ) AS s
            JOIN alliances AS a ON a.id = \(allianceID)
            LEFT JOIN partners AS p ON p.alliance_id = a.id AND p.slug = s.partner
            LEFT JOIN budget_lines AS l ON l.alliance_id = a.id AND l.code = s.budget_line
            CROSS JOIN LATERAL (SELECT \(forbidden) AS reason) AS forbidden
            CROSS JOIN LATERAL (
                SELECT EXISTS (
                    SELECT 1 FROM journal_entries AS e
                    WHERE e.alliance_id = a.id AND e.kind = 'spend'
                      AND e.metadata ->> 'partner' = s.partner AND e.metadata ->> 'reference' = s.reference
                ) AS found
            ) AS recorded
            ORDER BY s.line
            """
    }
}

/// Rows in the text format of `COPY`: tab-separated, with backslash, tab and line breaks
/// escaped. The parser has already refused NUL, which text cannot hold.
private struct CopyTextEncoder {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(FileByteChunks.defaultChunkSize * 2)
    }

    mutating func row(_ row: SpendImportRow) {
        integer(Int64(row.line))
        tab()
        text(row.incurredOn.description)
        tab()
        text(row.partner)
        tab()
        text(row.budgetLine)
        tab()
        integer(row.amount)
        tab()
        text(row.description)
        tab()
        text(row.supplier)
        tab()
        text(row.reference)
        tab()
        text(row.expenseType?.code ?? "")
        tab()
        text(row.expenseType?.label ?? "")
        tab()
        text(row.supplierType?.rawValue ?? "")
        tab()
        text(row.supplierID)
        tab()
        if let vat = row.irrecoverableVAT {
            integer(vat)
        } else {
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "N")])
        }
        bytes.append(0x0A)
    }

    private mutating func tab() { bytes.append(0x09) }

    private mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    private mutating func text(_ value: String) {
        // Most fields hold nothing to escape: one scan, then one copy rather than a byte at a time.
        let escaped: (UInt8) -> Bool = { $0 == 0x5C || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard value.utf8.contains(where: escaped) else {
            bytes.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            default: bytes.append(byte)
            }
        }
    }
}
