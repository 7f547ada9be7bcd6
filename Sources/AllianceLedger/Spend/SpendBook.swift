public import Dates
import Postgres

/// Who was paid, as the UK transparency files classify suppliers. An individual's name and the
/// purpose of what they were paid are personal data: published files redact them.
public enum SupplierType: String, Hashable, Sendable, CaseIterable, Encodable {
    case company
    case charity
    case publicBody = "public-body"
    case individual

    /// From its written form, naming the field that held it.
    public init(parsing text: String, field: String) throws(LedgerError) {
        guard let type = SupplierType(rawValue: text) else {
            throw .invalidField(
                field,
                reason:
                    "must be one of \(SupplierType.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text.prefix(40))\""
            )
        }
        self = type
    }
}

/// What kind of cost a spend is, in the partner's chart of accounts (e.g. a CIPFA or NHS
/// subjective code) and in words: the transparency files' "Expense Type".
public struct ExpenseType: Hashable, Sendable, Encodable {
    public let code: String
    public let label: String

    public static let maximumCode = 50
    public static let maximumLabel = 200

    /// `fields` name the code and label where a refusal reports them.
    public init(
        code: String, label: String = "",
        fields: (code: String, label: String) = ("expenseType.code", "expenseType.label")
    ) throws(LedgerError) {
        try Validate.text(code, field: fields.code, maximumLength: ExpenseType.maximumCode)
        try Validate.optionalText(label, field: fields.label, maximumLength: ExpenseType.maximumLabel)
        self.code = code
        self.label = label
    }
}

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
    /// Optional classification for the published transparency files.
    public let expenseType: ExpenseType?
    public let supplierType: SupplierType?
    /// The supplier's Companies House or charity number: a company's, charity's or public
    /// body's, never an individual's.
    public let supplierID: String
    /// VAT that cannot be recovered, minor units, beside the net `amount`.
    public let irrecoverableVAT: Int64?

    /// The longest description, supplier and reference, in characters (code points); a spend
    /// file's rows have the same limits.
    public static let maximumDescription = 1000
    public static let maximumSupplier = 200
    public static let maximumReference = 200
    public static let maximumSupplierID = 50

    public init(
        partner: String, budgetLine: String, amount: Int64, incurredOn: CalendarDate, description: String,
        supplier: String = "", reference: String = "", expenseType: ExpenseType? = nil,
        supplierType: SupplierType? = nil, supplierID: String = "", irrecoverableVAT: Int64? = nil
    ) throws(LedgerError) {
        guard amount > 0 else {
            throw .invalidField("amount", reason: "must be more than zero minor units, not \(amount)")
        }
        try Validate.amount(amount, field: "amount")
        try Validate.text(description, field: "description", maximumLength: SpendRequest.maximumDescription)
        try Validate.optionalText(supplier, field: "supplier", maximumLength: SpendRequest.maximumSupplier)
        try Validate.optionalText(reference, field: "reference", maximumLength: SpendRequest.maximumReference)
        if let reason = SpendRequest.supplierIDProblem(supplierID, type: supplierType) {
            throw .invalidField("supplierId", reason: reason)
        }
        if let irrecoverableVAT {
            guard irrecoverableVAT >= 0 else {
                throw .invalidField(
                    "irrecoverableVat",
                    reason: "must be zero or more minor units, not \(irrecoverableVAT)")
            }
            try Validate.amount(irrecoverableVAT, field: "irrecoverableVat")
        }
        self.partner = partner
        self.budgetLine = budgetLine
        self.amount = amount
        self.incurredOn = incurredOn
        self.description = description
        self.supplier = supplier
        self.reference = reference
        self.expenseType = expenseType
        self.supplierType = supplierType
        self.supplierID = supplierID
        self.irrecoverableVAT = irrecoverableVAT
    }

    /// Why a supplier id cannot be recorded, or nil: letters, digits and inner hyphens as
    /// registers write them (`SC012345`, `1123456-1`), read by the supplier's type, and never an
    /// individual's, which would be personal data.
    static func supplierIDProblem(_ id: String, type: SupplierType?) -> String? {
        guard !id.isEmpty else { return nil }
        guard let type else { return "needs the supplier's type (company, charity or public-body)" }
        guard type != .individual else {
            return "is not recorded for an individual: it would be personal data"
        }
        let bytes = Array(id.utf8)
        let isAlphanumeric = { (byte: UInt8) in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }
        guard bytes.count <= maximumSupplierID, let first = bytes.first, let last = bytes.last,
            isAlphanumeric(first), isAlphanumeric(last),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
        else {
            return
                "must be letters, digits and inner hyphens, at most \(maximumSupplierID), such as SC012345 or 1123456-1"
        }
        return nil
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
    public let expenseType: ExpenseType?
    public let supplierType: SupplierType?
    public let supplierID: String
    public let irrecoverableVAT: Int64?
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
        let entry = try request.entry(
            for: partner, in: alliance, recordedBy: caller.name, idempotencyKey: idempotencyKey)
        let posted = try await ledger.post(entry, to: alliance.id)
        return try Spend(entry: posted.entry, reversedBy: nil, replayed: posted.replayed)
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
        return try Spend(
            entry: entry, reversedBy: try await reversals(of: [id], in: alliance)[id], replayed: false)
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
                try Spend(entry: $0, reversedBy: reversed[$0.sequence], replayed: false)
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

    /// The entry's metadata. The optional fields are written only when given, so spend recorded
    /// without them has the same metadata, and hash, as before they existed.
    static func metadata(_ request: SpendRequest) -> [String: String] {
        var metadata = [
            "partner": request.partner, "budgetLine": request.budgetLine, "supplier": request.supplier,
            "reference": request.reference,
        ]
        if let type = request.expenseType {
            metadata[MetadataKey.expenseType] = type.code
            if !type.label.isEmpty { metadata[MetadataKey.expenseTypeLabel] = type.label }
        }
        metadata[MetadataKey.supplierType] = request.supplierType?.rawValue
        if !request.supplierID.isEmpty { metadata[MetadataKey.supplierID] = request.supplierID }
        metadata[MetadataKey.irrecoverableVAT] = request.irrecoverableVAT.map { String($0) }
        return metadata
    }

    /// The metadata keys of the optional fields, as SQL/0013 checks them.
    enum MetadataKey {
        static let expenseType = "expenseType"
        static let expenseTypeLabel = "expenseTypeLabel"
        static let supplierType = "supplierType"
        static let supplierID = "supplierId"
        static let irrecoverableVAT = "irrecoverableVat"
    }
}
