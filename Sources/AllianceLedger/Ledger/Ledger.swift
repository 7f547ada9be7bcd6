public import Dates
public import Postgres

/// The alliance's double-entry journal: accounts, entries, balances and their verification.
///
/// Give it a pool whose sessions run as `Ledger.serviceRole`: that role can read the ledger
/// and append to it through the database's own functions, and nothing else, so even a bug
/// in this program cannot edit or delete history.
public struct Ledger: Sendable {
    /// The database role the service's sessions run as (see `SQL/0002_ledger.sql`).
    public static let serviceRole = "alliance_ledger_service"

    /// The role the service logs in as on the embedded cluster, whose owner is the superuser:
    /// it holds `serviceRole` and nothing else, so no `RESET ROLE` reaches more.
    public static let serviceLogin = "alliance_ledger_login"

    /// Creates `login` (unless it exists) as a role that can log in and has no privilege of its
    /// own: not a superuser, no databases, no roles, and `NOINHERIT`, so that only `SET ROLE`
    /// to `serviceRole`, which it is granted, gives it the service's rights. Creates
    /// `serviceRole` first if need be, as the first migration would. Roles belong to the whole
    /// cluster, so another process may be creating the same one: that counts as existing.
    public static func createServiceLogin(_ login: String = serviceLogin, on connection: PostgresConnection)
        async throws
    {
        try await createServiceRole(on: connection)
        try await createRole(login, "LOGIN NOINHERIT", on: connection)
        try await connection.execute("GRANT \(identifier: serviceRole) TO \(identifier: login)")
    }

    /// Creates `serviceRole` unless it exists, as the first migration would: before restoring a
    /// backup, whose grants name it, into a cluster that has never had it.
    public static func createServiceRole(on connection: PostgresConnection) async throws {
        try await createRole(serviceRole, "NOLOGIN", on: connection)
    }

    private static func createRole(
        _ role: String, _ options: PostgresQuery, on connection: PostgresConnection
    )
        async throws
    {
        let exists = try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \(role)) AS exists"
        ).single().decode("exists", as: Bool.self)
        guard !exists else { return }
        do {
            try await connection.execute(
                "CREATE ROLE \(identifier: role) \(options) NOSUPERUSER NOCREATEDB NOCREATEROLE")
        } catch {
            guard error.sqlState == .duplicateObject || error.sqlState == .uniqueViolation else {
                throw error
            }
        }
    }

    public let pool: PostgresPool
    private let writer: JournalWriter

    /// - Parameters:
    ///   - writers: how many batches may be in flight at once, each for different alliances;
    ///     more than the pool's connections would only wait for them. Two measured best on a
    ///     2-core machine with 8 alliances and 16 clients (Benchmarks/README.md): more mean
    ///     smaller batches, each paying for its own commit.
    ///   - minimumConcurrentBatchSize: the most appends a batch waits for before it starts
    ///     while another is in flight. It waits for its share of the callers (their number over
    ///     `writers`), up to this; fewer appends wait for the batch in flight to end and go in
    ///     the next, sharing its statement and commit. At most `maximumBatchSize`; eight
    ///     measured best with 8 alliances and 16 clients (Benchmarks/README.md).
    ///   - maximumBatchSize: the most entries one transaction appends.
    ///   - queueLimit: the most appends that wait for a batch; past it one is refused at once
    ///     with ``LedgerError/writerQueueFull(limit:)``. The default is a few seconds of the
    ///     writer's work on a small machine (about 3,000 entries a second): a caller queued
    ///     deeper would wait longer than a client, or its load balancer, waits for an answer.
    public init(
        pool: PostgresPool, writers: Int = 2, minimumConcurrentBatchSize: Int = 8,
        maximumBatchSize: Int = 128,
        queueLimit: Int = 10_000
    ) {
        precondition((1...64).contains(writers), "a ledger runs 1 to 64 writers")
        precondition((1...1000).contains(maximumBatchSize), "a batch holds 1 to 1000 entries")
        precondition(minimumConcurrentBatchSize > 0, "a batch beside others holds at least one entry")
        precondition(queueLimit > 0, "a ledger queues at least one append")
        self.pool = pool
        self.writer = JournalWriter(
            pool: pool, concurrentBatches: writers,
            minimumConcurrentBatchSize: min(minimumConcurrentBatchSize, maximumBatchSize),
            maximumBatchSize: maximumBatchSize, queueLimit: queueLimit)
    }

    // MARK: Accounts

    /// Opens an account. Its balance starts at zero, so a floor, when given, must not be
    /// above zero.
    @discardableResult
    public func openAccount(
        _ code: AccountCode, type: AccountType, floor: Int64? = nil, in alliance: AllianceID
    ) async throws -> Account {
        if let floor, floor > 0 {
            throw LedgerError.invalidField(
                "floor", reason: "cannot be above zero, where a new account starts")
        }
        do {
            let row = try await pool.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO accounts (alliance_id, code, type, floor)
                    VALUES (\(alliance.rawValue), \(code.rawValue), \(type), \(floor))
                    RETURNING id
                    """
                ).single()
            }
            return Account(id: try row.decode("id"), alliance: alliance, code: code, type: type, floor: floor)
        } catch let error as PostgresError where error.violates(constraint: "accounts_code_key") {
            throw LedgerError.accountExists(code)
        } catch let error as PostgresError where error.sqlState == .foreignKeyViolation {
            throw LedgerError.allianceNotFound(alliance.description)
        }
    }

    public func accounts(in alliance: AllianceID) async throws -> [Account] {
        try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT id, code, type, floor FROM accounts
                WHERE alliance_id = \(alliance.rawValue) ORDER BY code
                """
            ).map { row in try Ledger.account(row, alliance: alliance) }
        }
    }

    static func account(_ row: PostgresRow, alliance: AllianceID) throws -> Account {
        Account(
            id: try row.decode("id"), alliance: alliance, code: AccountCode(trusted: try row.decode("code")),
            type: try row.decode("type"), floor: try row.decode("floor"))
    }

    // MARK: Writing

    /// Records an entry. With an idempotency key, a repeat of the same request returns the
    /// original entry (`replayed` is true) and a different request with the key is refused.
    public func post(_ request: EntryRequest, to alliance: AllianceID) async throws -> PostedEntry {
        try await writer.submit(.post(request), to: alliance)
    }

    /// Records the reversal of an entry: a new entry whose postings negate the original's.
    /// An entry is reversed at most once, and a reversal cannot itself be reversed.
    public func reverse(_ request: ReversalRequest, in alliance: AllianceID) async throws -> PostedEntry {
        try await writer.submit(.reverse(request), to: alliance)
    }

    // MARK: Reading entries

    public func entry(_ sequence: Int64, in alliance: AllianceID) async throws -> JournalEntry {
        let entries = try await pool.withConnection { connection in
            try await LedgerStore.entries(alliance, sequences: [sequence], on: connection)
        }
        guard let entry = entries.first else { throw LedgerError.entryNotFound(sequence: sequence) }
        return entry
    }

    /// One page of entries matching `filter`, newest first unless the page asks otherwise.
    public func entries(
        in alliance: AllianceID, matching filter: JournalFilter = JournalFilter(),
        page: PageRequest = PageRequest()
    ) async throws -> ListPage<JournalEntry> {
        try await pool.withConnection { connection in
            var query: PostgresQuery =
                "SELECT \(LedgerStore.entryColumns) FROM journal_entries AS e WHERE alliance_id = \(alliance.rawValue)"
            query.append(try filter.conditions(alliance: alliance))
            if let after = try page.position() {
                query.append(
                    page.order == .newestFirst ? " AND sequence < \(after)" : " AND sequence > \(after)")
            }
            query.append(page.order == .newestFirst ? " ORDER BY sequence DESC" : " ORDER BY sequence")
            query.append(" LIMIT \(page.limit + 1)")
            let rows = try await connection.query(query)
            var entries = try await LedgerStore.entries(from: rows, alliance: alliance, on: connection)
            let hasMore = entries.count > page.limit
            if hasMore { entries.removeLast() }
            let next = hasMore ? entries.last.map { page.cursor(after: $0.sequence) } : nil
            return ListPage(items: entries, nextCursor: next)
        }
    }

    // MARK: Balances

    /// Every account's balance: current (one row read per account, whatever the history), or
    /// as of the end of a day (summed from the postings of entries effective by then).
    public func balances(in alliance: AllianceID, asOf day: CalendarDate? = nil) async throws
        -> [AccountBalance]
    {
        try await pool.withConnection { connection in
            let rows: PostgresRows
            if let day {
                rows = try await connection.query(
                    """
                    SELECT a.id, a.code, a.type, a.floor, coalesce(sum(p.amount), 0) AS balance
                    FROM accounts AS a
                    LEFT JOIN (postings AS p JOIN journal_entries AS e
                            ON e.alliance_id = p.alliance_id AND e.sequence = p.entry_sequence
                           AND e.effective_on <= \(day))
                        ON p.alliance_id = a.alliance_id AND p.account_id = a.id
                    WHERE a.alliance_id = \(alliance.rawValue)
                    GROUP BY a.id, a.code, a.type, a.floor ORDER BY a.code
                    """)
            } else {
                rows = try await connection.query(
                    """
                    SELECT a.id, a.code, a.type, a.floor, b.balance
                    FROM accounts AS a
                    JOIN account_balances AS b ON b.alliance_id = a.alliance_id AND b.account_id = a.id
                    WHERE a.alliance_id = \(alliance.rawValue) ORDER BY a.code
                    """)
            }
            return try rows.map { row in
                AccountBalance(
                    account: try Ledger.account(row, alliance: alliance),
                    balance: try row.decodeTotal("balance"))
            }
        }
    }

    /// Every account's balance on its debit or credit side, with the totals of each side, which
    /// are equal when the books balance.
    public func trialBalance(in alliance: AllianceID, asOf day: CalendarDate? = nil) async throws
        -> TrialBalance
    {
        try TrialBalance(asOf: day, balances: try await balances(in: alliance, asOf: day))
    }
}

/// An account and its signed balance (debits positive) in minor units.
public struct AccountBalance: Hashable, Sendable {
    public let account: Account
    public let balance: Int64

    /// The balance on the account's normal side: positive when the account holds what it
    /// usually holds (a cost on an expense account, a fund on a liability).
    public var normalBalance: Int64 { balance * account.type.normalSide }
}

/// Every account's balance at one moment: what `balance` and `GET …/balances` answer.
public struct BalanceSheet: Hashable, Sendable, Encodable {
    /// The day the balances are at the end of; nil for now.
    @ExplicitNull public private(set) var asOf: CalendarDate?
    public let accounts: [AccountBalance]

    public init(asOf: CalendarDate?, accounts: [AccountBalance]) {
        self.asOf = asOf
        self.accounts = accounts
    }
}

public struct TrialBalance: Hashable, Sendable {
    /// An account's balance as a debit or a credit: `lines` in the JSON, as published.
    public struct Row: Hashable, Sendable, Encodable {
        public let account: AccountCode
        public let type: AccountType
        public let debit: Int64
        public let credit: Int64
    }

    public let asOf: CalendarDate?
    public let rows: [Row]
    public let totalDebits: Int64
    public let totalCredits: Int64

    public var isBalanced: Bool { totalDebits == totalCredits }

    init(asOf: CalendarDate?, balances: [AccountBalance]) throws(LedgerError) {
        var rows: [Row] = []
        var debits: Int64 = 0
        var credits: Int64 = 0
        for balance in balances {
            let debit = max(balance.balance, 0)
            let (credit, negationOverflow) = Int64(0).subtractingReportingOverflow(min(balance.balance, 0))
            let (newDebits, debitOverflow) = debits.addingReportingOverflow(debit)
            let (newCredits, creditOverflow) = credits.addingReportingOverflow(credit)
            guard !negationOverflow, !debitOverflow, !creditOverflow else { throw .amountOverflow }
            debits = newDebits
            credits = newCredits
            rows.append(
                Row(account: balance.account.code, type: balance.account.type, debit: debit, credit: credit))
        }
        self.asOf = asOf
        self.rows = rows
        totalDebits = debits
        totalCredits = credits
    }
}
