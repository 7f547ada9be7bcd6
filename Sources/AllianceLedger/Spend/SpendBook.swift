public import Postgres

/// What a finance lead records: money a partner spent on a budget line.
public struct SpendRequest: Hashable, Sendable {
    public let partner: String
    public let budgetLine: String
    /// Minor units, more than zero.
    public let amount: Int64
    public let incurredOn: CalendarDate
    public let description: String
    public let supplier: String
    /// The partner's own reference, e.g. an invoice number; imports skip a reference the
    /// partner already recorded.
    public let reference: String

    /// The longest description, supplier and reference, in characters (code points); a spend
    /// file's rows have the same limits.
    public static let maximumDescription = 1000
    public static let maximumSupplier = 200
    public static let maximumReference = 200

    public init(
        partner: String, budgetLine: String, amount: Int64, incurredOn: CalendarDate, description: String,
        supplier: String = "", reference: String = ""
    ) throws(LedgerError) {
        guard amount > 0 else {
            throw .invalidText(field: "amount", reason: "must be more than zero minor units, not \(amount)")
        }
        try Validate.amount(amount, field: "amount")
        try Validate.text(description, field: "description", maximumLength: SpendRequest.maximumDescription)
        try Validate.optionalText(supplier, field: "supplier", maximumLength: SpendRequest.maximumSupplier)
        try Validate.optionalText(reference, field: "reference", maximumLength: SpendRequest.maximumReference)
        self.partner = partner
        self.budgetLine = budgetLine
        self.amount = amount
        self.incurredOn = incurredOn
        self.description = description
        self.supplier = supplier
        self.reference = reference
    }
}

/// A recorded spend: a journal entry of kind spend, read back in the finance lead's terms.
/// Its id is its journal sequence.
public struct Spend: Hashable, Sendable {
    public let id: Int64
    public let partner: String
    public let budgetLine: String
    public let amount: Int64
    public let incurredOn: CalendarDate
    public let description: String
    public let supplier: String
    public let reference: String
    public let recordedBy: String
    public let recordedAt: Timestamp
    public let hash: Digest
    /// The reversal entry's sequence, once reversed.
    public let reversedBy: Int64?
    /// True when an idempotent retry answered the entry recorded before.
    public let replayed: Bool

    public var sequence: Int64 { id }
}

/// Records, reverses and lists spend. Each spend is one balanced journal entry: the partner's
/// cost account for the line (`partner:<slug>:cost:<LINE>`) debited, its funding account
/// (`partner:<slug>:funding`) credited.
public struct SpendBook: Sendable {
    public let ledger: Ledger
    public let directory: AllianceDirectory

    public init(ledger: Ledger) {
        self.ledger = ledger
        directory = AllianceDirectory(pool: ledger.pool)
    }

    public func record(
        _ request: SpendRequest, in alliance: Alliance, by caller: Caller, idempotencyKey: String? = nil
    ) async throws -> Spend {
        // The role first, then what the request names (so an unknown partner is "not found"
        // rather than "not yours"), then whether the partner is the caller's own.
        try caller.require([.finance], in: alliance.id)
        try await AllianceSetup.requireOperatorWindow(
            caller, in: alliance, doing: "record spend", pool: ledger.pool)
        let partner = try await directory.partner(
            request.partner, withLine: request.budgetLine, in: alliance.id)
        try caller.require(.finance, for: request.partner, in: alliance.id)
        guard partner.isMember(on: request.incurredOn) else {
            throw LedgerError.invalidText(
                field: "incurredOn",
                reason:
                    "\(request.incurredOn) is outside \(partner.slug)'s membership (from \(partner.joinedOn)\(partner.leftOn.map { " to \($0)" } ?? ""))"
            )
        }
        guard alliance.contractCovers(request.incurredOn) else {
            throw LedgerError.invalidText(
                field: "incurredOn", reason: "\(request.incurredOn) is outside the contract's dates")
        }
        let entry = try EntryRequest(
            kind: .spend, effectiveOn: request.incurredOn, description: request.description,
            metadata: SpendBook.metadata(request),
            postings: [
                .init(partner.costAccount(request.budgetLine), request.amount),
                .init(partner.fundingAccount, -request.amount),
            ],
            recordedBy: caller.name, idempotencyKey: idempotencyKey)
        let posted = try await ledger.post(entry, to: alliance.id)
        return try SpendBook.spend(posted.entry, reversedBy: nil, replayed: posted.replayed)
    }

    /// Corrects a spend by a reversal entry that gives the reason; answers the reversal.
    public func reverse(
        _ id: Int64, reason: String, in alliance: Alliance, by caller: Caller, idempotencyKey: String? = nil
    ) async throws -> PostedEntry {
        let original = try await spend(id, in: alliance.id)
        try caller.require(.finance, for: original.partner, in: alliance.id)
        try await AllianceSetup.requireOperatorWindow(
            caller, in: alliance, doing: "reverse spend", pool: ledger.pool)
        return try await ledger.reverse(
            try ReversalRequest(
                sequence: id, reason: reason, effectiveOn: max(CalendarDate.today, original.incurredOn),
                recordedBy: caller.name, idempotencyKey: idempotencyKey),
            in: alliance.id)
    }

    public func spend(_ id: Int64, in alliance: AllianceID) async throws -> Spend {
        let entry: JournalEntry
        do {
            entry = try await ledger.entry(id, in: alliance)
        } catch LedgerError.entryNotFound {
            throw LedgerError.spendNotFound(id)
        }
        guard entry.kind == .spend else { throw LedgerError.spendNotFound(id) }
        return try SpendBook.spend(
            entry, reversedBy: try await reversals(of: [id], in: alliance)[id], replayed: false)
    }

    /// Spend, newest first, optionally of one partner and line, incurred within a range of days.
    public func list(
        in alliance: AllianceID, partner: String? = nil, budgetLine: String? = nil,
        incurredFrom: CalendarDate? = nil, incurredTo: CalendarDate? = nil, page: PageRequest = PageRequest()
    ) async throws -> ListPage<Spend> {
        var metadata: [String: String] = [:]
        metadata["partner"] = partner
        metadata["budgetLine"] = budgetLine
        let found = try await ledger.entries(
            in: alliance,
            matching: JournalFilter(
                kinds: [.spend], effectiveFrom: incurredFrom, effectiveTo: incurredTo, metadata: metadata),
            page: page)
        let reversed = try await reversals(of: found.items.map(\.sequence), in: alliance)
        return ListPage(
            items: try found.items.map {
                try SpendBook.spend($0, reversedBy: reversed[$0.sequence], replayed: false)
            },
            nextCursor: found.nextCursor)
    }

    private func reversals(of sequences: [Int64], in alliance: AllianceID) async throws -> [Int64: Int64] {
        guard !sequences.isEmpty else { return [:] }
        let rows = try await ledger.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT reverses, sequence FROM journal_entries
                WHERE alliance_id = \(alliance.rawValue) AND reverses = ANY(\(sequences)::bigint[])
                """)
        }
        var reversedBy: [Int64: Int64] = [:]
        for row in rows { reversedBy[try row.decode("reverses")] = try row.decode("sequence") }
        return reversedBy
    }

    static func metadata(_ request: SpendRequest) -> [String: String] {
        [
            "partner": request.partner, "budgetLine": request.budgetLine, "supplier": request.supplier,
            "reference": request.reference,
        ]
    }

    static func spend(_ entry: JournalEntry, reversedBy: Int64?, replayed: Bool) throws -> Spend {
        guard let partner = entry.metadata["partner"], let line = entry.metadata["budgetLine"],
            let cost = entry.postings.first(where: { $0.amount > 0 })
        else {
            throw LedgerError.invalidMetadata("of spend entry \(entry.sequence) lacks its partner or line")
        }
        return Spend(
            id: entry.sequence, partner: partner, budgetLine: line, amount: cost.amount,
            incurredOn: entry.effectiveOn, description: entry.description,
            supplier: entry.metadata["supplier"] ?? "", reference: entry.metadata["reference"] ?? "",
            recordedBy: entry.recordedBy, recordedAt: entry.recordedAt, hash: entry.hash,
            reversedBy: reversedBy,
            replayed: replayed)
    }
}
