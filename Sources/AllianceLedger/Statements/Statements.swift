import Crypto
public import Dates
import Foundation
public import Postgres

/// A published statement as its listing shows it: the frozen body's hash, the chain, and the
/// co-signatures gathered since (which never change the body).
public struct StatementListing: Hashable, Sendable {
    public enum State: String, Sendable {
        case published
        case superseded
    }

    public struct Signature: Hashable, Sendable, Encodable {
        public let partner: String
        public let key: Int64
        public let at: Timestamp

        private enum CodingKeys: String, CodingKey {
            case partner, key
            case at = "signedAt"
        }
    }

    public let number: String
    public let period: String
    public let state: State
    public let hash: Digest
    public let previousHash: Digest?
    public let publishedAt: Timestamp
    public let publishedBy: String
    public let supersedes: String?
    public let reason: String?
    public let signatures: [Signature]
    /// How many of the partners current at publication have signed, of how many.
    public let signedBy: Int
    public let partners: Int

    /// Every partner current at publication has signed.
    public var cosignedByAll: Bool { signedBy >= partners }
}

/// What a publication asks for: the period, and for a restatement the statement it supersedes
/// and why.
public struct PublicationRequest: Hashable, Sendable {
    public let period: String
    public let supersedes: String?
    public let reason: String?

    public init(period: String, supersedes: String? = nil, reason: String? = nil) throws(LedgerError) {
        if let supersedes, Statement.number(supersedes) == nil {
            throw .invalidField(
                "supersedes", reason: "must name a statement such as S-0001, not \"\(supersedes)\"")
        }
        if let reason { try Validate.text(reason, field: "reason", maximumLength: 2000) }
        guard (supersedes == nil) == (reason == nil) else {
            throw .invalidField(
                supersedes == nil ? "supersedes" : "reason",
                reason:
                    "a restatement names the statement it supersedes and gives a reason; give both or neither"
            )
        }
        self.period = period
        self.supersedes = supersedes
        self.reason = reason
    }
}

/// Open-book statements: previewed live, published as frozen canonical JSON chained per
/// alliance, restated with a reason, and co-signed by every partner's board over a checkpoint.
public struct Statements: Sendable {
    public let pool: PostgresPool
    public let clock: @Sendable () -> Timestamp
    /// The right edges and upper tiles of the trees proofs were made in (``TreeTileCache``),
    /// shared by copies of this value.
    let treeTiles: TreeTileCache

    public init(pool: PostgresPool, clock: @escaping @Sendable () -> Timestamp) {
        self.init(pool: pool, clock: clock, treeTiles: TreeTileCache())
    }

    init(pool: PostgresPool, clock: @escaping @Sendable () -> Timestamp, treeTiles: TreeTileCache) {
        self.pool = pool
        self.clock = clock
        self.treeTiles = treeTiles
    }

    /// Statements on the system clock.
    public init(pool: PostgresPool) {
        self.init(pool: pool, clock: { Timestamp(Date()) })
    }

    /// A checkpoint's first line: the public base URL's host (and port and path) with the
    /// alliance, e.g. `ledger.example.org/alliances/lambeth` — scheme and trailing slash
    /// dropped, so the same service under http and https names one origin.
    public static func origin(publicBaseURL: String, alliance slug: String) -> String {
        var base = Substring(publicBaseURL)
        if let scheme = base.range(of: "://") { base = base[scheme.upperBound...] }
        while base.hasSuffix("/") { base = base.dropLast() }
        return "\(base)/alliances/\(slug)"
    }

    // MARK: Periods

    /// A statement's period: whole months within one financial year, through the one period
    /// parser.
    public static func period(_ text: String, of alliance: Alliance) throws(LedgerError) -> Period {
        let period: Period
        do {
            period = try Period(parsing: text, financialYearStartMonth: alliance.financialYearStartMonth)
        } catch {
            throw .invalidField("period", reason: error.description)
        }
        if case .range = period.kind {
            throw .invalidField(
                "period",
                reason:
                    "a statement covers whole months: write a month, a quarter, a financial year or months such as 2025-04..2025-09, not days"
            )
        }
        let year = Period.financialYear(
            containing: period.first, startMonth: alliance.financialYearStartMonth)
        guard
            year
                == Period.financialYear(containing: period.last, startMonth: alliance.financialYearStartMonth)
        else {
            throw .invalidField(
                "period",
                reason: "\(period) runs over two financial years; a statement covers months of one")
        }
        return period
    }

    // MARK: Preview

    /// The statement of `period` as it stands, for any person of the alliance.
    public func preview(_ text: String, in alliance: Alliance, by caller: Caller) async throws -> Statement {
        try caller.require(Set(Role.allCases), in: alliance.id)
        let period = try Statements.period(text, of: alliance)
        return try await pool.withTransaction(.repeatableRead) { connection in
            try await connection.execute("SET TRANSACTION READ ONLY")
            var statement = try await StatementBuilder.build(period, in: alliance, on: connection)
            // A preview verifies nothing itself: it reports the point the last publication
            // verified the journal through, which the next one continues from.
            if let last = try await Statements.last(in: alliance.id, on: connection) {
                statement.integrity.verifiedThrough = .init(sequence: last.treeSize, at: last.publishedAt)
            }
            return statement
        }
    }

    // MARK: Publishing

    /// Publishes a period that has ended: frozen as canonical JSON, numbered, chained to the
    /// alliance's previous statement, after verifying the journal since the previous one. By a
    /// finance lead or a board member. `origin` is the checkpoint's first line.
    public func publish(
        _ request: PublicationRequest, origin: String, in alliance: Alliance, by caller: Caller
    ) async throws -> StatementListing {
        try await pool.withTransaction(.repeatableRead) { connection in
            try await publish(request, origin: origin, in: alliance, by: caller, on: connection)
        }
    }

    public func publish(
        _ request: PublicationRequest, origin: String, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> StatementListing {
        let now = clock()
        let (period, current, publisher) = try await Statements.admit(
            request, in: alliance, by: caller, now: now, on: connection)
        let last = try await Statements.last(in: alliance.id, on: connection)
        var statement = try await StatementBuilder.build(period, in: alliance, on: connection)
        guard statement.integrity.trialBalance == 0 else {
            throw LedgerError.journalDoesNotVerify(
                "the trial balance is \(statement.integrity.trialBalance), not zero")
        }
        let verified = try await Statements.verifyJournal(
            since: last, through: statement.integrity.headSequence, in: alliance.id, on: connection,
            pool: pool)
        let number = (last?.number ?? 0) + 1
        statement.number = Statement.reference(number)
        statement.previousHash = last?.hash.description
        statement.header.origin = origin
        statement.header.publishedBy = .init(
            name: publisher.name, email: publisher.email, partner: publisher.partner)
        statement.header.publishedAt = now
        statement.integrity.verifiedThrough = .init(sequence: verified, at: now)
        if let current, let reason = request.reason {
            statement.restates = Statement.Restatement(
                supersedes: current.reference, reason: reason,
                changes: try await Statements.changes(
                    since: current.headSequence, in: period, alliance: alliance.id, on: connection))
        }
        let body = try StatementJSON.canonical(statement)
        let hash = Digest(Array(SHA256.hash(data: body)))
        let governanceSize = statement.integrity.governanceTreeSize
        // The files are written from the same snapshot, in the same transaction; their
        // SHA256SUMS's hash goes into the checkpoint.
        let files = try await StatementFiles.write(
            statement, body: body, alliance: alliance,
            thresholds: try await TransparencyThresholds.of(alliance.id, on: connection), on: connection)
        let sums = files.sumsHash
        try await Statements.insertNumbered(
            """
            INSERT INTO statements (alliance_id, number, period, period_from, period_to, body, hash, previous_hash,
                                    supersedes, reason, published_at, published_by, origin, partners,
                                    journal_tree_size, journal_root, governance_tree_size, governance_root,
                                    files_hash)
            SELECT \(alliance.id.rawValue), \(Int32(number)), \(period.description), \(period.first), \(period.last),
                   \(Data(body)), \(Data(hash.bytes)), \(last.map { Data($0.hash.bytes) }),
                   \(current.map { Int32($0.number) }), \(request.reason), \(now),
                   \(publisher.id), \(origin), array_agg(p.id ORDER BY p.id),
                   \(statement.integrity.treeSize), \(Data(try Digest(hex: statement.integrity.treeRoot).bytes)),
                   \(governanceSize), \(Data(try Digest(hex: statement.integrity.governanceTreeRoot).bytes)),
                   \(Data(sums.bytes))
            FROM partners AS p
            WHERE p.alliance_id = \(alliance.id.rawValue) AND p.joined_on <= \(now.calendarDate)
              AND (p.left_on IS NULL OR p.left_on >= \(now.calendarDate))
            """, on: connection)
        try await StatementFiles.store(files, number: number, in: alliance.id, on: connection)
        try await GovernanceLog.append(
            "statement.published", by: .caller(caller),
            details: [
                "statement": Statement.reference(number), "period": period.description,
                "hash": hash.description,
                "supersedes": current?.reference ?? "",
            ], in: alliance.id, on: connection)
        return try await Statements.listing(number, in: alliance.id, on: connection)
    }

    /// Inserts a statement numbered after the last one its snapshot saw. Two publications of one
    /// alliance at once (two requests, or two instances of the service) number theirs after the
    /// same last statement, from snapshots that cannot see each other, and the second to commit
    /// is refused by the statements' key: that is a serialization failure, reported as one so
    /// that its transaction runs again on a snapshot that sees the first, where it finds the
    /// period published (409) or numbers after it.
    private static func insertNumbered(
        _ statement: PostgresQuery, on connection: PostgresConnection
    ) async throws(PostgresError) {
        do throws(PostgresError) {
            try await connection.execute(statement)
        } catch {
            guard error.violates(constraint: "statements_pkey") else { throw error }
            throw PostgresError(
                .server, "another publication of the alliance committed first",
                sqlState: .serializationFailure, constraint: error.constraint)
        }
    }

    /// What a publication must pass before anything is built, whether it runs now or is asked
    /// for in the background: a finance lead or board member as publisher, a period that has
    /// ended, and either no statement of it yet or its current one superseded by name.
    static func admit(
        _ request: PublicationRequest, in alliance: Alliance, by caller: Caller, now: Timestamp,
        on connection: PostgresConnection
    ) async throws -> (period: Period, current: Published?, publisher: Person) {
        try caller.require([.finance, .board], in: alliance.id)
        guard case .person(let publisher) = caller.identity else {
            throw LedgerError.forbidden(
                "a statement is published by a finance lead or a board member, not the operator")
        }
        let period = try Statements.period(request.period, of: alliance)
        guard period.last < now.calendarDate else {
            throw LedgerError.invalidField(
                "period",
                reason: "\(period) has not ended: it can be published from \(period.last.adding(days: 1))")
        }
        let current = try await Statements.current(
            period: period.description, in: alliance.id, on: connection)
        switch (current, request.supersedes) {
        case (let current?, nil):
            throw LedgerError.exists(
                "\(period) has statement \(current.reference): publish again with \"supersedes\": \"\(current.reference)\" and a reason"
            )
        case (let current?, let supersedes?) where supersedes != current.reference:
            throw LedgerError.invalidField(
                "supersedes",
                reason: "\(period)'s current statement is \(current.reference), not \(supersedes)")
        case (nil, let supersedes?):
            throw LedgerError.invalidField(
                "supersedes", reason: "\(period) has no statement for \(supersedes) to supersede")
        default: break
        }
        return (period, current, publisher)
    }

    /// The journal verified entry by entry since the previous statement (all of it for the
    /// first), and its stored tree checked against what the previous statement published: the
    /// point verified through. The pages are read by `connection` and, when `pool` can spare
    /// one and there is more than a page, a second connection on its transaction's snapshot.
    static func verifyJournal(
        since last: Published?, through head: Int64, in alliance: AllianceID,
        on connection: PostgresConnection, pool: PostgresPool
    ) async throws -> Int64 {
        let start = last?.treeSize ?? 0
        if let last {
            let root = try await TreeStore.journal.root(size: last.treeSize, in: alliance, on: connection)
            guard root == last.treeRoot else {
                throw LedgerError.journalDoesNotVerify(
                    "the journal's tree at \(last.treeSize) entries no longer has the root \(last.reference) published"
                )
            }
        }
        var walk = ChainWalk(
            alliance: alliance, accounts: try await LedgerStore.accountCodes(alliance, on: connection),
            after: start, hash: last?.headHash)
        let wanted = head - start > Ledger.verificationPageSize ? Ledger.verificationReaders : 1
        try await LedgerStore.withSnapshotReaders(sharing: connection, pool: pool, upTo: wanted) { readers in
            // Each page's entries and the tree's leaves for them are read together, ahead of the
            // check of the page before.
            try await LedgerStore.forEachPage(
                from: start + 1, through: head, pageSize: Ledger.verificationPageSize,
                firstPageSize: Ledger.verificationFirstPageSize, readers: readers.count,
                read: { reader, range in
                    let connection = readers[reader]
                    let entries = try await LedgerStore.storedPage(alliance, in: range, on: connection)
                    let leaves = try await TreeStore.journal.leaves(
                        range.lowerBound - 1...range.upperBound - 1, in: alliance, on: connection)
                    return (entries: entries, leaves: leaves)
                },
                check: { page in
                    let (entries, stored) = page
                    try walk.check(entries) { sequence, hash in
                        if stored[sequence - 1] != TreeStore.leaf(hash) {
                            throw LedgerError.journalDoesNotVerify(
                                "entry \(sequence) is not the tree's leaf \(sequence - 1)")
                        }
                    }
                })
        }
        if let mismatch = walk.firstMismatch {
            throw LedgerError.journalDoesNotVerify(mismatch.problem)
        }
        return head
    }

    /// Entries recorded after `sequence` that count in the period, on the partners' cost
    /// accounts: what a restatement lists as changed since the statement it supersedes.
    static func changes(
        since sequence: Int64, in period: Period, alliance: AllianceID, on connection: PostgresConnection
    ) async throws -> [Statement.Change] {
        let postings = StatementBuilder.costPostings(
            in: alliance, after: sequence, countingFrom: period.first, to: period.last)
        return try await connection.query(
            """
            SELECT e.sequence, e.kind, e.effective_on, a.code, p.amount, e.description \(postings)
            ORDER BY e.sequence, p.line
            """
        ).map { row in
            let code = try row.decode("code", as: String.self).split(separator: ":")
            return Statement.Change(
                sequence: try row.decode("sequence"), kind: try row.decode("kind"),
                effectiveOn: try row.decode("effective_on"), partner: String(code[1]),
                budgetLine: String(code[3]),
                amount: try row.decode("amount"), description: try row.decode("description"))
        }
    }

    // MARK: Reading

    /// A published statement's exact bytes.
    public func body(_ number: String, in alliance: AllianceID) async throws -> (bytes: [UInt8], hash: Digest)
    {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                "SELECT body, hash FROM statements WHERE alliance_id = \(alliance.rawValue) AND number = \(Int32(clamping: value))"
            )
        }
        guard let row = rows.first else { throw LedgerError.statementNotFound(number) }
        return (Array(try row.decode("body", as: Data.self)), try row.decode("hash"))
    }

    /// Every published statement, newest first.
    public func list(in alliance: AllianceID) async throws -> [StatementListing] {
        try await pool.withConnection { connection in
            try await Statements.listings(nil, in: alliance, on: connection)
        }
    }

    public func listing(_ number: String, in alliance: AllianceID) async throws -> StatementListing {
        guard let value = Statement.number(number) else { throw LedgerError.statementNotFound(number) }
        return try await pool.withConnection { connection in
            try await Statements.listing(value, in: alliance, on: connection)
        }
    }

    static func listing(_ number: Int, in alliance: AllianceID, on connection: PostgresConnection)
        async throws
        -> StatementListing
    {
        guard let listing = try await listings(number, in: alliance, on: connection).first else {
            throw LedgerError.statementNotFound(Statement.reference(number))
        }
        return listing
    }

    private static func listings(_ number: Int?, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [StatementListing]
    {
        let rows = try await connection.query(
            """
            SELECT s.number, s.period, s.hash, s.previous_hash, s.published_at, people.email, s.supersedes, s.reason,
                   EXISTS (SELECT 1 FROM statements AS later
                           WHERE later.alliance_id = s.alliance_id AND later.supersedes = s.number) AS superseded,
                   cardinality(s.partners) AS expected,
                   (SELECT count(DISTINCT g.partner_id) FROM statement_signatures AS g
                    WHERE g.alliance_id = s.alliance_id AND g.statement_number = s.number
                      AND g.partner_id = ANY(s.partners)) AS signed
            FROM statements AS s
            JOIN people ON people.alliance_id = s.alliance_id AND people.id = s.published_by
            WHERE s.alliance_id = \(alliance.rawValue) AND (\(number.map(Int32.init))::integer IS NULL OR s.number = \(number.map(Int32.init)))
            ORDER BY s.number DESC
            """)
        var signatures: [Int: [StatementListing.Signature]] = [:]
        for row in try await connection.query(
            """
            SELECT g.statement_number, p.slug, g.key_id, g.signed_at FROM statement_signatures AS g
            JOIN partners AS p ON p.alliance_id = g.alliance_id AND p.id = g.partner_id
            WHERE g.alliance_id = \(alliance.rawValue) AND (\(number.map(Int32.init))::integer IS NULL OR g.statement_number = \(number.map(Int32.init)))
            ORDER BY g.signed_at, g.key_id
            """)
        {
            signatures[Int(try row.decode("statement_number", as: Int32.self)), default: []].append(
                .init(
                    partner: try row.decode("slug"), key: try row.decode("key_id"),
                    at: try row.decode("signed_at")))
        }
        return try rows.map { row in
            let number = Int(try row.decode("number", as: Int32.self))
            let expected = Int(try row.decode("expected", as: Int32.self))
            let signed = Int(try row.decode("signed", as: Int64.self))
            return StatementListing(
                number: Statement.reference(number), period: try row.decode("period"),
                state: try row.decode("superseded", as: Bool.self) ? .superseded : .published,
                hash: try row.decode("hash"), previousHash: try row.decode("previous_hash"),
                publishedAt: try row.decode("published_at"), publishedBy: try row.decode("email"),
                supersedes: try row.decode("supersedes", as: Int32?.self).map {
                    Statement.reference(Int($0))
                },
                reason: try row.decode("reason"), signatures: signatures[number] ?? [], signedBy: signed,
                partners: expected)
        }
    }

    /// What the chain needs of a published statement.
    struct Published {
        /// 1 for S-0001, as stored.
        let number: Int
        let hash: Digest
        let treeSize: Int64
        let treeRoot: Digest
        let headHash: Digest?
        let headSequence: Int64
        let publishedAt: Timestamp

        /// `S-0001`.
        var reference: String { Statement.reference(number) }
    }

    static func last(in alliance: AllianceID, on connection: PostgresConnection) async throws -> Published? {
        try await published(where: "TRUE", in: alliance, on: connection)
    }

    /// The statement of `period` that is not superseded.
    static func current(period: String, in alliance: AllianceID, on connection: PostgresConnection)
        async throws
        -> Published?
    {
        try await published(
            where: """
                s.period = \(period) AND NOT EXISTS (SELECT 1 FROM statements AS later
                    WHERE later.alliance_id = s.alliance_id AND later.supersedes = s.number)
                """, in: alliance, on: connection)
    }

    private static func published(
        where condition: PostgresQuery, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> Published?
    {
        guard
            let row = try await connection.query(
                """
                SELECT s.number, s.hash, s.journal_tree_size, s.journal_root, s.published_at, e.hash AS head_hash
                FROM statements AS s
                LEFT JOIN journal_entries AS e ON e.alliance_id = s.alliance_id AND e.sequence = s.journal_tree_size
                WHERE s.alliance_id = \(alliance.rawValue) AND \(condition)
                ORDER BY s.number DESC LIMIT 1
                """
            ).first
        else { return nil }
        let size: Int64 = try row.decode("journal_tree_size")
        return Published(
            number: Int(try row.decode("number", as: Int32.self)),
            hash: try row.decode("hash"),
            treeSize: size, treeRoot: try row.decode("journal_root"), headHash: try row.decode("head_hash"),
            headSequence: size, publishedAt: try row.decode("published_at"))
    }
}

extension Digest {
    /// From 64 hexadecimal characters.
    init(hex: String) throws(LedgerError) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else {
            throw .invalidField("hash", reason: "is not 64 hexadecimal characters")
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)
            else {
                throw .invalidField("hash", reason: "is not 64 hexadecimal characters")
            }
            bytes.append(byte)
        }
        self.init(bytes)
    }
}

/// A statement as canonical JSON (RFC 8785): the bytes that are hashed, stored and signed.
enum StatementJSON {
    /// Every number must be an integer within ±(2^53 − 1), which JCS writes exactly: a figure
    /// beyond it publishes nothing rather than a rounded number.
    static func canonical(_ statement: Statement) throws -> [UInt8] {
        do {
            return try CanonicalJSON.encode(statement)
        } catch let error as CanonicalJSONError {
            throw LedgerError.invalidField(
                "period", reason: "cannot be published exactly: \(error.description)")
        }
    }
}
