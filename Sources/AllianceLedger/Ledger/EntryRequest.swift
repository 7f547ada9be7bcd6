public import Dates
import Postgres

/// A request to record a new entry.
public struct EntryRequest: Hashable, Sendable {
    /// One posting of the entry to record: an account by its code and a signed amount.
    public struct Posting: Hashable, Sendable {
        public let account: AccountCode
        /// Signed minor units: debits positive, credits negative.
        public let amount: Int64

        public init(_ account: AccountCode, _ amount: Int64) {
            self.account = account
            self.amount = amount
        }
    }

    /// The former name of ``Posting``: "line" named five things (see docs/glossary.md).
    @available(*, deprecated, renamed: "Posting")
    public typealias Line = Posting

    public static let maximumPostings = 1000

    public let kind: EntryKind
    public let effectiveOn: CalendarDate
    public let description: String
    public let metadata: [String: String]
    public let postings: [Posting]
    public let recordedBy: String
    /// When set, a repeat of the same request returns the original entry instead of recording
    /// it twice, and a different request with the same key is refused.
    public let idempotencyKey: String?

    /// Checks everything that can be checked without the books: at least two postings, none
    /// zero, summing to zero without overflow, and text fields within their limits.
    public init(
        kind: EntryKind, effectiveOn: CalendarDate, description: String,
        metadata: [String: String] = [:], postings: [Posting], recordedBy: String,
        idempotencyKey: String? = nil
    ) throws(LedgerError) {
        guard kind != .reversal else {
            throw .invalidField("kind", reason: "reversal is recorded with reverse(), not post()")
        }
        guard postings.count >= 2 else { throw .tooFewPostings(count: postings.count) }
        guard postings.count <= EntryRequest.maximumPostings else {
            throw .tooManyPostings(count: postings.count)
        }
        var total: Int64 = 0
        for (index, line) in postings.enumerated() {
            guard line.amount != 0 else { throw .zeroAmount(line: index + 1) }
            try Validate.amount(line.amount, field: "postings[\(index)].amount")
            let (sum, overflow) = total.addingReportingOverflow(line.amount)
            guard !overflow else { throw .amountOverflow }
            total = sum
        }
        guard total == 0 else { throw .unbalanced(total: total) }
        try Validate.text(description, field: "description", maximumLength: 1000)
        try Validate.text(recordedBy, field: "recordedBy", maximumLength: Validate.maximumEmailLength)
        if let idempotencyKey {
            try Validate.text(idempotencyKey, field: "idempotency key", maximumLength: 200)
        }
        try EntryRequest.checkMetadata(metadata)
        self.kind = kind
        self.effectiveOn = effectiveOn
        self.description = description
        self.metadata = metadata
        self.postings = postings
        self.recordedBy = recordedBy
        self.idempotencyKey = idempotencyKey
    }

    /// ``Validate/text(_:field:maximumLength:)`` under its former name, for the one caller left
    /// (a person's name in People.swift, which is being rewritten elsewhere): remove it once
    /// that caller says `Validate.text`.
    static func checkText(_ text: String, field: String, maximumLength: Int) throws(LedgerError) {
        try Validate.text(text, field: field, maximumLength: maximumLength)
    }

    static func checkMetadata(_ metadata: [String: String]) throws(LedgerError) {
        guard metadata.count <= 50 else { throw .invalidMetadata("has more than 50 keys") }
        for (key, value) in metadata {
            guard !key.isEmpty, Validate.length(of: key) <= 100, Validate.length(of: value) <= 1000 else {
                throw .invalidMetadata("keys are 1 to 100 characters and values at most 1000")
            }
            guard !key.utf8.contains(0), !value.utf8.contains(0) else {
                throw .invalidMetadata("cannot contain a NUL character")
            }
        }
    }
}

/// A request to reverse an entry: a new entry whose postings negate the original's exactly.
public struct ReversalRequest: Hashable, Sendable {
    public let sequence: Int64
    public let reason: String
    public let effectiveOn: CalendarDate
    public let recordedBy: String
    public let idempotencyKey: String?

    public init(
        sequence: Int64, reason: String, effectiveOn: CalendarDate, recordedBy: String,
        idempotencyKey: String? = nil
    ) throws(LedgerError) {
        guard sequence > 0 else { throw .entryNotFound(sequence: sequence) }
        try Validate.text(reason, field: "reason", maximumLength: 1000)
        try Validate.text(recordedBy, field: "recordedBy", maximumLength: Validate.maximumEmailLength)
        if let idempotencyKey {
            try Validate.text(idempotencyKey, field: "idempotency key", maximumLength: 200)
        }
        self.sequence = sequence
        self.reason = reason
        self.effectiveOn = effectiveOn
        self.recordedBy = recordedBy
        self.idempotencyKey = idempotencyKey
    }
}
