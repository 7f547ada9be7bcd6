import Dates
import Postgres

/// An import's append phase: chunk after chunk, each its own transaction holding the
/// alliance's chain head only while it runs, and recording how far the import has got.
struct Appending {
    let run: ImportRun
    let staged: ImportRun.Staged
    let checked: ImportRun.Checked
    /// Nil until the first chunk records the import.
    var record: ImportRecord?
    let resumedAfterLine: Int?
    /// Every line up to this one is settled.
    var line: Int
    /// The alliance's last entry as this import last saw it: entries after it were written by
    /// others since, and the check did not see their references.
    var knownHead: Int64
    /// The spend references others recorded since the check, kept for every later chunk: a row
    /// of any later line may repeat one.
    var recordedSince: Set<String> = []
    /// The report's figures so far, earlier runs' included.
    var recorded: Int
    var duplicates: Int
    var invalid: Int
    var firstSequence: Int64?
    var lastSequence: Int64?
    var errors: [SpendImportRowError]
    /// Rows refused as the chunks pass them; each source of refusals keeps its first
    /// ``SpendImportReport/maximumErrors``, so the report's first ones are exact.
    var refusedWhileAppending = 0
    var rowsChecked = 0
    /// A few partners and lines make every row's accounts: built and checked once each.
    var accountCodes: [String: (funding: AccountCode, cost: [String: AccountCode])] = [:]

    init(run: ImportRun, staged: ImportRun.Staged, checked: ImportRun.Checked, record: ImportRecord?) {
        self.run = run
        self.staged = staged
        self.checked = checked
        self.record = record
        resumedAfterLine = record?.appendedThroughLine
        line = record?.appendedThroughLine ?? 0
        knownHead = checked.headSequence
        recorded = record?.recorded ?? 0
        duplicates = record?.duplicates ?? 0
        invalid = record?.invalid ?? 0
        firstSequence = record?.firstSequence
        lastSequence = record?.lastSequence
        // The parser's refusals; the checked rows' are added as the chunks pass them.
        errors = staged.errors(after: record?.appendedThroughLine ?? 0)
    }

    var report: SpendImportReport {
        SpendImportReport(
            mode: run.mode, rows: staged.rowsRead, recorded: recorded, duplicates: duplicates,
            invalid: invalid,
            errors: Array(errors.sorted { $0.line < $1.line }.prefix(SpendImportReport.maximumErrors)),
            committed: true, firstSequence: firstSequence, lastSequence: lastSequence, importID: record?.id,
            resumedAfterLine: resumedAfterLine)
    }

    mutating func all(on connection: PostgresConnection) async throws -> SpendImportReport {
        var finished = false
        while !finished {
            finished = try await connection.withTransaction { connection in try await chunk(on: connection) }
        }
        return report
    }

    /// Appends the next chunk in the connection's transaction; true when it was the last.
    private mutating func chunk(on connection: PostgresConnection) async throws -> Bool {
        try await run.eachTransaction?(connection)
        // The triggers of ledger_append compile their statements batch after batch when JIT
        // is on: a third of the server's time on an import, for nothing.
        try await connection.execute("SET LOCAL jit = off")
        // A chunk appends a batch at a time: each month-total cell is counted, and each balance
        // moved, once, at commit, not once per batch (SQL/0012, SQL/0023). The planner below
        // carries the balances from batch to batch, and checks the floors, itself.
        try await connection.execute("SET LOCAL alliance_ledger.totals = 'at-commit'")
        if record == nil {
            record = try await ImportRecord.start(
                alliance: run.alliance.id, file: staged.digest, mode: run.mode, by: run.caller,
                rows: staged.rowsRead, on: connection)
        }
        // Entries are recorded at the head's clock, the database's now(): the start of this
        // chunk's transaction.
        let head = try await LedgerStore.lockHead(run.alliance.id, on: connection)
        recordedSince.formUnion(
            try await references(after: knownHead, through: head.sequence, on: connection))
        var planner = BatchPlanner(
            alliance: run.alliance.id, headSequence: head.sequence, headHash: head.hash,
            lastRecordedAt: head.lastRecordedAt, recordedAt: max(head.clock, head.lastRecordedAt),
            accounts: try await LedgerStore.accountStates(run.alliance.id, on: connection), recordedKeys: [:],
            targets: [:])
        let rowsPerChunk = run.rowsPerChunk
        let clock = ContinuousClock()
        let started = clock.now
        func fetch(after line: Int, taken: Int) -> (query: PostgresQuery, limit: Int) {
            let limit = min(SpendImporter.batchSize, rowsPerChunk - taken)
            return (
                """
                SELECT * FROM pg_temp.spend_import_checked WHERE line > \(line)
                ORDER BY line LIMIT \(Int64(limit))
                """, limit
            )
        }
        // The client plans a batch (hashes, and the append statement's encoding) while the server
        // appends the one before it and fetches the one after, so that the two work at once and
        // the server waits for the client only for a round trip between batches.
        var fetching = fetch(after: line, taken: 0)
        var rows = try await connection.query(fetching.query)
        var taken = 0
        var through = line
        var planned: (entries: [JournalEntry], statement: PostgresQuery)?
        var exhausted = false
        while true {
            taken += rows.count
            if let last = rows.last { through = try last.decode("line") }
            exhausted = rows.count < fetching.limit
            let more = !exhausted && taken < rowsPerChunk && clock.now - started < run.chunkDuration
            var statements: [PostgresQuery] = []
            if let planned { statements.append(planned.statement) }
            if more {
                fetching = fetch(after: through, taken: taken)
                statements.append(fetching.query)
            }
            let sending = statements
            async let answered = sending.isEmpty ? [] : connection.pipeline(sending)
            let entries = try plan(rows, with: &planner)
            let next = try entries.isEmpty ? nil : (entries, LedgerStore.appendStatement(entries))
            let results = try await answered
            if let planned { appended(planned.entries) }
            planned = next
            rowsChecked += rows.count
            run.progress?(
                SpendImportProgress(
                    phase: .posting, rowsRead: staged.rowsRead, bytesRead: staged.bytesRead,
                    rowsChecked: rowsChecked, rowsToCheck: checked.good + checked.duplicates + checked.invalid
                ))
            guard more, let fetched = results.last else { break }
            rows = fetched
        }
        if let planned {
            try await connection.execute(planned.statement)
            appended(planned.entries)
        }
        let settled = exhausted ? max(staged.lastLine, through) : through
        invalid += staged.invalid(after: line, through: settled)
        line = settled
        knownHead = planner.headSequence
        guard let record else { preconditionFailure("the chunk recorded its import above") }
        try await record.advance(to: self, finished: exhausted, on: connection)
        if exhausted { try await run.completing?(connection, report) }
        return exhausted
    }

    /// The spend references recorded by others between the check and this chunk.
    private func references(after first: Int64, through last: Int64, on connection: PostgresConnection)
        async throws -> Set<String>
    {
        guard last > first else { return [] }
        var references: Set<String> = []
        for row in try await connection.query(
            """
            SELECT metadata ->> 'partner' AS partner, metadata ->> 'reference' AS reference
            FROM journal_entries
            WHERE alliance_id = \(run.alliance.id.rawValue) AND sequence > \(first) AND sequence <= \(last)
              AND kind = 'spend'
            """)
        {
            let partner: String? = try row.decode("partner")
            let reference: String? = try row.decode("reference")
            if let partner, let reference { references.insert(Self.key(partner, reference)) }
        }
        return references
    }

    /// A partner's reference as one string: a partner's slug holds no NUL.
    private static func key(_ partner: String, _ reference: String) -> String {
        partner + "\u{0}" + reference
    }

    /// Sorts checked rows into refused, duplicate and good, and plans the good ones' entries.
    private mutating func plan(_ rows: PostgresRows, with planner: inout BatchPlanner) throws
        -> [JournalEntry]
    {
        var requests: [AppendRequest] = []
        var lines: [Int] = []
        requests.reserveCapacity(rows.count)
        lines.reserveCapacity(rows.count)
        for row in rows {
            let line: Int = try row.decode("line")
            if let problem: String = try row.decode("problem") {
                refuse(line, problem)
            } else if try row.decode("duplicate", as: Bool.self) {
                duplicates += 1
            } else if !recordedSince.isEmpty,
                recordedSince.contains(Self.key(try row.decode("partner"), try row.decode("reference")))
            {
                duplicates += 1
            } else {
                do {
                    requests.append(.post(try entry(row, recordedBy: run.caller.name)))
                    lines.append(line)
                } catch let error as LedgerError {
                    guard run.mode == .skipInvalid else { throw stopped(at: line, error.description) }
                    refuse(line, error.description)
                }
            }
        }
        guard !requests.isEmpty else { return [] }
        let plan = planner.plan(requests)
        for (line, outcome) in zip(lines, plan.outcomes) {
            guard case .refused(let error) = outcome else { continue }
            // All-or-nothing, the check found every row good: this is the state moving under
            // the import. The chunk rolls back, and the import stops where it is.
            guard run.mode == .skipInvalid else { throw stopped(at: line, error.description) }
            refuse(line, error.description)
        }
        return plan.entries
    }

    /// Why an all-or-nothing import stopped at a row the check found good.
    private func stopped(at line: Int, _ reason: String) -> LedgerError {
        .invalidField(
            "file",
            reason:
                "line \(line) could not be recorded (\(reason)); the lines up to \(self.line) are recorded (import \(record?.id ?? 0)), the rest is not: correct the line and import the file again to finish"
        )
    }

    private mutating func refuse(_ line: Int, _ reason: String) {
        invalid += 1
        refusedWhileAppending += 1
        if refusedWhileAppending <= SpendImportReport.maximumErrors {
            errors.append(SpendImportRowError(line: line, reason: reason))
        }
    }

    private mutating func appended(_ entries: [JournalEntry]) {
        guard let first = entries.first, let last = entries.last else { return }
        recorded += entries.count
        firstSequence = firstSequence ?? first.sequence
        lastSequence = last.sequence
    }

    /// The entry ``SpendBook`` would post for the row: the same kind, metadata, postings
    /// and recorder, effective on the day the spend was incurred.
    private mutating func entry(_ row: PostgresRow, recordedBy: String) throws -> EntryRequest {
        let partner: String = try row.decode("partner")
        let line: String = try row.decode("budget_line")
        let amount: Int64 = try row.decode("amount")
        var codes = accountCodes[partner] ?? (Partner.fundingAccount(of: partner), [:])
        let cost = codes.cost[line] ?? Partner.costAccount(of: partner, budgetLine: line)
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

/// An import as `spend_imports` records it: how far it has got.
struct ImportRecord {
    let id: Int64
    let appendedThroughLine: Int
    let recorded: Int
    let duplicates: Int
    let invalid: Int
    let firstSequence: Int64?
    let lastSequence: Int64?

    /// The alliance's unfinished import of the file, to resume; nil when there is none.
    static func unfinished(
        alliance: AllianceID, file: Digest, mode: SpendImportMode, on connection: PostgresConnection
    ) async throws -> ImportRecord? {
        guard
            let row = try await connection.query(
                """
                SELECT id, mode, appended_through_line, recorded, duplicates, invalid, first_sequence, last_sequence
                FROM spend_imports
                WHERE alliance_id = \(alliance.rawValue) AND file_sha256 = \(file) AND finished_at IS NULL
                """
            ).first
        else { return nil }
        let record = ImportRecord(
            id: try row.decode("id"),
            appendedThroughLine: Int(try row.decode("appended_through_line", as: Int32.self)),
            recorded: Int(try row.decode("recorded", as: Int32.self)),
            duplicates: Int(try row.decode("duplicates", as: Int32.self)),
            invalid: Int(try row.decode("invalid", as: Int32.self)),
            firstSequence: try row.decode("first_sequence"),
            lastSequence: try row.decode("last_sequence"))
        let stored: String = try row.decode("mode")
        guard stored == mode.rawValue else {
            throw LedgerError.exists(
                "import \(record.id) of this file stopped after line \(record.appendedThroughLine) in mode \(stored): import the file again in that mode to finish it"
            )
        }
        return record
    }

    /// Records a new import, in the transaction of its first chunk.
    static func start(
        alliance: AllianceID, file: Digest, mode: SpendImportMode, by caller: Caller, rows: Int,
        on connection: PostgresConnection
    ) async throws -> ImportRecord {
        let id: Int64 = try await connection.query(
            """
            INSERT INTO spend_imports (alliance_id, file_sha256, mode, started_by, rows)
            VALUES (\(alliance.rawValue), \(file), \(mode.rawValue), \(caller.name), \(Int32(clamping: rows)))
            RETURNING id
            """
        ).single().decode("id")
        return ImportRecord(
            id: id, appendedThroughLine: 0, recorded: 0, duplicates: 0, invalid: 0, firstSequence: nil,
            lastSequence: nil)
    }

    /// Records how far the import has got, in the transaction of the chunk that got it there.
    func advance(to appending: Appending, finished: Bool, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            UPDATE spend_imports
            SET appended_through_line = \(Int32(clamping: appending.line)),
                recorded = \(Int32(clamping: appending.recorded)), duplicates = \(Int32(clamping: appending.duplicates)),
                invalid = \(Int32(clamping: appending.invalid)), first_sequence = \(appending.firstSequence),
                last_sequence = \(appending.lastSequence), finished_at = CASE WHEN \(finished) THEN now() END
            WHERE alliance_id = \(appending.run.alliance.id.rawValue) AND id = \(id)
            """)
    }

    /// Keeps a second import of the same file into the alliance from running at the same time:
    /// a session lock (taken in a transaction, it outlives it), so that a crashed import's goes
    /// with its connection.
    struct FileLock {
        let alliance: AllianceID
        let file: Digest

        private var key: PostgresQuery {
            "hashtextextended('spend import ' || \(alliance.rawValue)::text || ' ' || \(file.description), 0)"
        }

        func take(on connection: PostgresConnection) async throws {
            try await connection.execute("SELECT pg_advisory_lock(\(key))")
        }

        func release(on connection: PostgresConnection) async throws {
            try await connection.execute("SELECT pg_advisory_unlock(\(key))")
        }
    }
}
