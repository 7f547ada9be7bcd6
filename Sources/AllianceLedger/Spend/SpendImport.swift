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
/// The file streams through: its rows go straight from the parser into a `COPY` to a
/// temporary table, so memory holds one chunk of the file, never the file. Then, in the same
/// transaction and holding the alliance's chain head, one query checks every row against the
/// directory and the journal (partner, line, membership, contract dates, the caller's right
/// to record for the partner, a reference already recorded or repeated in the file), and the
/// good rows are planned and appended through `ledger_append` a batch at a time. Nothing is
/// committed unless the whole import is: a thrown error, or a bad row in all-or-nothing mode,
/// leaves the books as they were.
public struct SpendImporter: Sendable {
    /// Rows fetched, and entries appended by one `ledger_append` call, at a time: bounds
    /// memory and the size of each statement. (Written into the FETCH statement itself, which
    /// takes no parameters.)
    public static let batchSize = 1000

    public let ledger: Ledger

    public init(ledger: Ledger) {
        self.ledger = ledger
    }

    /// Imports the CSV bytes of `chunks`: a file (`FileByteChunks`), bytes in memory
    /// (`MemoryByteChunks`) or a request body.
    ///
    /// `progress` is called on the importing task after each chunk read and each batch
    /// posted, so it should return at once (print, or store for a later look).
    ///
    /// - Throws: ``SpendCSVError`` for a missing or wrong header or an unreadable file,
    ///   `LedgerError.forbidden` when the caller may not record spend in the alliance at all,
    ///   and whatever the chunks or the database throw. Nothing is recorded then.
    public func importSpend<Chunks: AsyncSequence>(
        from chunks: Chunks, into alliance: Alliance, by caller: Caller, mode: SpendImportMode,
        progress: (@Sendable (SpendImportProgress) -> Void)? = nil
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try await ledger.pool.withConnection { connection in
            do {
                // One attempt only: the chunks can be read once, so the transaction cannot be
                // started over.
                return try await connection.withTransaction { connection in
                    let report = try await importSpend(
                        from: chunks, into: alliance, by: caller, mode: mode, progress: progress,
                        on: connection)
                    guard report.committed else { throw RollBack(report: report) }
                    return report
                }
            } catch let rollBack as RollBack {
                return rollBack.report
            }
        }
    }

    /// Imports inside the caller's transaction, which must be started only once: the chunks
    /// can be read once. A report that says `committed: false` (all-or-nothing with bad rows)
    /// has appended its good rows all the same: the caller must then roll the transaction back.
    public func importSpend<Chunks: AsyncSequence>(
        from chunks: Chunks, into alliance: Alliance, by caller: Caller, mode: SpendImportMode,
        progress: (@Sendable (SpendImportProgress) -> Void)? = nil, on connection: PostgresConnection
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try caller.require([.finance], in: alliance.id)
        try await AllianceSetup.requireOperatorWindow(
            caller, in: alliance, doing: "import spend", on: connection)
        return try await ImportRun(alliance: alliance, caller: caller, mode: mode, progress: progress)
            .perform(reading: chunks, on: connection)
    }

    /// Carries an uncommitted report out of the transaction, rolling it back on the way.
    private struct RollBack: Error {
        let report: SpendImportReport
    }
}

/// One import's work, inside its transaction.
private struct ImportRun {
    let alliance: Alliance
    let caller: Caller
    let mode: SpendImportMode
    let progress: (@Sendable (SpendImportProgress) -> Void)?

    /// The partner a finance lead records for; nil for the operator, who records for all.
    var onlyPartner: String? {
        if case .person(let person) = caller.identity { person.partner } else { nil }
    }

    func perform<Chunks: AsyncSequence>(
        reading chunks: Chunks, on connection: PostgresConnection
    ) async throws -> SpendImportReport
    where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        // The checking query's estimated cost invites JIT compilation, and the triggers of
        // ledger_append then compile too, batch after batch: measured as a third of the
        // server's time on an import, for nothing.
        try await connection.execute("SET LOCAL jit = off")
        // The import appends a batch at a time in one transaction: each month-total cell is
        // counted once, at commit, not once per batch (SQL/0012).
        try await connection.execute("SET LOCAL alliance_ledger.month_totals = 'at-commit'")
        let staged = try await stage(chunks, on: connection)
        let head = try await LedgerStore.lockHead(alliance.id, on: connection)
        let posted = try await checkAndPost(staged, head: head, on: connection)
        let invalid = staged.invalid + posted.invalid
        let errors = (staged.errors + posted.errors).sorted { $0.line < $1.line }
        let committed = mode == .skipInvalid || invalid == 0
        return SpendImportReport(
            mode: mode, rows: staged.rowsRead, recorded: committed ? posted.recorded : 0,
            duplicates: posted.duplicates, invalid: invalid,
            errors: Array(errors.prefix(SpendImportReport.maximumErrors)), committed: committed,
            firstSequence: committed ? posted.firstSequence : nil,
            lastSequence: committed ? posted.lastSequence : nil)
    }

    // MARK: Reading

    struct Staged {
        var rowsRead = 0
        var bytesRead: Int64 = 0
        var rowsStaged = 0
        var invalid = 0
        var errors: [SpendImportRowError] = []
    }

    static let stagingColumns = [
        "line", "incurred_on", "partner", "budget_line", "amount", "description", "supplier", "reference",
        "expense_type", "expense_type_label", "supplier_type", "supplier_id", "irrecoverable_vat",
    ]

    /// Parses the chunks and copies every row the parser accepts into `spend_import_rows`, a
    /// temporary table that goes with the transaction; the parser's refusals are kept aside.
    private func stage<Chunks: AsyncSequence>(
        _ chunks: Chunks, on connection: PostgresConnection
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
            ) ON COMMIT DROP
            """)
        var staged = Staged()
        var parser = SpendCSVParser(currency: alliance.currency)
        var rows: [SpendCSVParser.Row] = []
        var encoder = CopyTextEncoder()
        func take(_ rows: [SpendCSVParser.Row]) {
            for row in rows {
                staged.rowsRead += 1
                switch row {
                case .success(let row):
                    staged.rowsStaged += 1
                    encoder.row(row)
                case .failure(let error):
                    staged.invalid += 1
                    if staged.errors.count < SpendImportReport.maximumErrors { staged.errors.append(error) }
                }
            }
        }
        _ = try await connection.copyIn(table: "spend_import_rows", columns: ImportRun.stagingColumns) {
            writer in
            for try await chunk in chunks {
                staged.bytesRead += Int64(chunk.count)
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
        return staged
    }

    // MARK: Checking and posting

    struct Posted {
        var recorded = 0
        var duplicates = 0
        var invalid = 0
        var errors: [SpendImportRowError] = []
        var firstSequence: Int64?
        var lastSequence: Int64?

        mutating func refuse(_ line: Int, _ reason: String) {
            invalid += 1
            if errors.count < SpendImportReport.maximumErrors {
                errors.append(SpendImportRowError(line: line, reason: reason))
            }
        }
    }

    /// Walks the staged rows in line order through a cursor over the checking query, and
    /// appends the good ones a batch at a time. In all-or-nothing mode, posting stops at the
    /// first bad row (the transaction will roll back) while the checking goes on, so the
    /// report still lists every bad row.
    ///
    /// The client plans a batch (hashes, encodings) while the server appends the one before
    /// it and fetches the one after, so that the two can work at once.
    ///
    /// Every entry is recorded at the head's clock, the database's `now()`: the start of the
    /// transaction, which the triggers allow entries to be at most a minute ahead of. A later
    /// reading would be refused after a long read of the file.
    private func checkAndPost(
        _ staged: Staged, head: LedgerStore.Head, on connection: PostgresConnection
    ) async throws -> Posted {
        var posting = Posting(
            staged: staged, mode: mode,
            planner: BatchPlanner(
                alliance: alliance.id, headSequence: head.sequence, headHash: head.hash,
                lastRecordedAt: head.lastRecordedAt, recordedAt: max(head.clock, head.lastRecordedAt),
                accounts: try await LedgerStore.accountStates(alliance.id, on: connection), recordedKeys: [:],
                targets: [:]))
        try await connection.execute("DECLARE spend_import_checked NO SCROLL CURSOR FOR " + checkingQuery)
        let fetch: PostgresQuery = "FETCH FORWARD 1000 FROM spend_import_checked"
        let first = try await connection.query(fetch)
        var ahead = first.isEmpty ? first : try await connection.query(fetch)
        var entries = try posting.plan(first, caller: caller)
        var checked = first.count
        while !entries.isEmpty || !ahead.isEmpty {
            var statements: [PostgresQuery] = []
            if !entries.isEmpty { statements.append(try LedgerStore.appendStatement(entries)) }
            let fetching = !ahead.isEmpty
            if fetching { statements.append(fetch) }
            let sending = statements
            async let answered = connection.pipeline(sending)
            let next = try posting.plan(ahead, caller: caller)
            let results = try await answered
            posting.appended(entries)
            checked += ahead.count
            progress?(
                SpendImportProgress(
                    phase: .posting, rowsRead: staged.rowsRead, bytesRead: staged.bytesRead,
                    rowsChecked: checked,
                    rowsToCheck: staged.rowsStaged))
            if fetching, let fetched = results.last { ahead = fetched }
            entries = next
        }
        try await connection.execute("CLOSE spend_import_checked")
        return posting.posted
    }

    /// What the checked rows come to: the planner on the chain as planned so far, and the
    /// counts of the report.
    struct Posting {
        let staged: Staged
        let mode: SpendImportMode
        var planner: BatchPlanner
        var posted = Posted()
        /// A few partners and lines make every row's accounts: built and checked once each.
        var accountCodes: [String: (funding: AccountCode, cost: [String: AccountCode])] = [:]

        /// Sorts checked rows into refused, duplicate and good, and plans the good ones' entries.
        mutating func plan(_ rows: PostgresRows, caller: Caller) throws -> [JournalEntry] {
            var requests: [AppendRequest] = []
            var lines: [Int] = []
            requests.reserveCapacity(rows.count)
            lines.reserveCapacity(rows.count)
            for row in rows {
                let line: Int = try row.decode("line")
                if let problem: String = try row.decode("problem") {
                    posted.refuse(line, problem)
                } else if try row.decode("duplicate", as: Bool.self) {
                    posted.duplicates += 1
                } else if mode == .skipInvalid || staged.invalid + posted.invalid == 0 {
                    do {
                        requests.append(.post(try entry(row, recordedBy: caller.name)))
                        lines.append(line)
                    } catch let error as LedgerError {
                        posted.refuse(line, error.description)
                    }
                }
            }
            guard !requests.isEmpty else { return [] }
            let plan = planner.plan(requests)
            for (line, outcome) in zip(lines, plan.outcomes) {
                if case .refused(let error) = outcome { posted.refuse(line, error.description) }
            }
            return plan.entries
        }

        mutating func appended(_ entries: [JournalEntry]) {
            guard let first = entries.first, let last = entries.last else { return }
            posted.recorded += entries.count
            posted.firstSequence = posted.firstSequence ?? first.sequence
            posted.lastSequence = last.sequence
        }

        /// The entry ``SpendBook`` would post for the row: the same kind, metadata, postings
        /// and recorder, effective on the day the spend was incurred.
        private mutating func entry(_ row: PostgresRow, recordedBy: String) throws -> EntryRequest {
            let partner: String = try row.decode("partner")
            let line: String = try row.decode("budget_line")
            let amount: Int64 = try row.decode("amount")
            var codes = accountCodes[partner] ?? (Partner.fundingAccount(of: partner), [:])
            let cost = codes.cost[line] ?? Partner.costAccount(of: partner, line: line)
            if codes.cost[line] == nil {
                codes.cost[line] = cost
                accountCodes[partner] = codes
            }
            let request = try SpendRequest(
                partner: partner, budgetLine: line, amount: amount, incurredOn: try row.decode("incurred_on"),
                description: try row.decode("description"), supplier: try row.decode("supplier"),
                reference: try row.decode("reference"),
                expenseType: try ImportRun.expenseType(
                    code: try row.decode("expense_type"), label: try row.decode("expense_type_label")),
                supplierType: try ImportRun.supplierType(try row.decode("supplier_type")),
                supplierID: try row.decode("supplier_id"),
                irrecoverableVAT: try row.decode("irrecoverable_vat"))
            return try EntryRequest(
                kind: .spend, effectiveOn: request.incurredOn, description: request.description,
                metadata: SpendBook.metadata(request),
                postings: [.init(cost, amount), .init(codes.funding, -amount)],
                recordedBy: recordedBy)
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
