import Postgres

/// Why the ledger refused a request. Every refusal leaves the books as they were.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case allianceNotFound(String)
    case accountNotFound(AccountCode)
    case accountExists(AccountCode)
    case invalidAccountCode(String)
    case tooFewPostings(count: Int)
    case tooManyPostings(count: Int)
    case zeroAmount(line: Int)
    case unbalanced(total: Int64)
    /// A sum of amounts, or a balance, would not fit in 64 bits.
    case amountOverflow
    case floorCrossed(account: AccountCode, balance: Int64, floor: Int64)
    /// The idempotency key was used by an earlier, different request.
    case idempotencyConflict(key: String, sequence: Int64)
    case entryNotFound(sequence: Int64)
    case alreadyReversed(sequence: Int64, by: Int64)
    case cannotReverseReversal(sequence: Int64)
    /// A field of the request is invalid: the field's name (a JSON key, a path such as
    /// `action.amount`, or a query parameter) and why, as a phrase that follows it.
    case invalidField(String, reason: String)
    /// Publishing would state a journal that does not verify (an entry's hash, link or
    /// postings, its tree against a published root, the trial balance): nothing is published.
    case journalDoesNotVerify(String)
    /// The stored tree lacks a node that a tree of this size must have: the stored tree was
    /// tampered with or lost.
    case treeNodeMissing(treeSize: Int64, node: String)
    /// A JSON document has a field its type does not take; the path names it.
    case unknownField(String)
    case invalidMetadata(String)
    case invalidPage(String)
    case partnerNotFound(String)
    case budgetLineNotFound(String)
    case personNotFound(String)
    case spendNotFound(Int64)
    case tokenNotFound(Int64)
    case decisionNotFound(String)
    case measurementNotFound(Int64)
    case statementNotFound(String)
    case publicationNotFound(Int64)
    case keyNotFound(Int64)
    /// No carried decision has set the outcome or risk/reward terms a year needs; the text says
    /// which.
    case termsNotFound(String)
    /// The decision is closed (or past its closing time) and takes no more votes or changes.
    case decisionClosed(reference: String, state: String)
    /// The partner already has a vote at this very instant, so which is latest is undecided.
    case voteConflict(reference: String, partner: String)
    /// Something with this name or key exists already; the text says what.
    case exists(String)
    /// The caller is known but may not do this; the text says why.
    case forbidden(String)
    /// No caller could be identified: a missing, unknown or revoked token.
    case unauthenticated(String)
    /// The journal writer has as many appends waiting as it queues: nothing was written, and
    /// the caller may try again shortly.
    case writerQueueFull(limit: Int)

    public var description: String {
        switch self {
        case .allianceNotFound(let alliance): "alliance \(alliance) does not exist"
        case .accountNotFound(let code): "account \(code) does not exist"
        case .accountExists(let code): "account \(code) already exists"
        case .invalidAccountCode(let text):
            "\"\(text)\" is not an account code: use segments of letters, digits, _ and -, joined by colons"
        case .tooFewPostings(let count): "an entry needs at least two postings, not \(count)"
        case .tooManyPostings(let count):
            "an entry may have at most \(EntryRequest.maximumPostings) postings, not \(count)"
        case .zeroAmount(let line): "posting \(line) has a zero amount"
        case .unbalanced(let total): "the postings sum to \(total), not zero"
        case .amountOverflow: "the amounts are too large: a total or a balance would exceed 64 bits"
        case .floorCrossed(let account, let balance, let floor):
            "account \(account) would go to \(balance), below its floor of \(floor)"
        case .idempotencyConflict(let key, let sequence):
            "idempotency key \"\(key)\" was already used for a different request (entry \(sequence))"
        case .entryNotFound(let sequence): "entry \(sequence) does not exist"
        case .alreadyReversed(let sequence, let by): "entry \(sequence) was already reversed by entry \(by)"
        case .cannotReverseReversal(let sequence):
            "entry \(sequence) is a reversal and cannot itself be reversed; record the original again"
        case .invalidField(let field, let reason): "\(field) \(reason)"
        case .journalDoesNotVerify(let reason): "\(reason): nothing is published"
        case .treeNodeMissing(let size, let node): "the tree of \(size) entries has no stored \(node)"
        case .unknownField(let field): "\(field) is not a field of this request"
        case .invalidMetadata(let reason): "metadata \(reason)"
        case .invalidPage(let reason): reason
        case .partnerNotFound(let partner): "partner \(partner) does not exist in this alliance"
        case .budgetLineNotFound(let budgetLine): "budget line \(budgetLine) does not exist in this alliance"
        case .personNotFound(let person): "person \(person) does not exist in this alliance"
        case .spendNotFound(let id): "spend \(id) does not exist in this alliance"
        case .tokenNotFound(let id): "token \(id) does not exist in this alliance"
        case .decisionNotFound(let reference): "decision \(reference) does not exist in this alliance"
        case .measurementNotFound(let id): "measurement \(id) does not exist in this alliance"
        case .statementNotFound(let number): "statement \(number) does not exist in this alliance"
        case .publicationNotFound(let id): "publication \(id) does not exist in this alliance"
        case .keyNotFound(let id): "key \(id) is not a key of that partner"
        case .termsNotFound(let text): text
        case .decisionClosed(let reference, let state):
            "decision \(reference) is \(state): it takes no more votes"
        case .voteConflict(let reference, let partner):
            "\(partner) already voted on \(reference) at this instant; vote again to change it"
        case .exists(let what): what
        case .forbidden(let reason): reason
        case .unauthenticated(let reason): reason
        case .writerQueueFull(let limit):
            "the journal writer has \(limit) appends waiting, as many as it queues; nothing was written"
        }
    }
}

extension LedgerError {
    /// Runs `operation`, reporting missing terms as a fault of the request's `field`: where a
    /// request names a period or a year to act on (a measurement, an approval, a settlement),
    /// terms it lacks make the request invalid rather than something not found.
    static func reportingMissingTerms<Value>(as field: String, _ operation: () async throws -> Value)
        async throws -> Value
    {
        do {
            return try await operation()
        } catch LedgerError.termsNotFound(let text) {
            throw LedgerError.invalidField(field, reason: "names a year without terms: \(text)")
        }
    }
}

extension LedgerError {
    /// The request field that each of the schema's checks on what a request stores guards.
    /// The library checks the same limits first, so one of these refusals means the two
    /// disagree: a fault of ours, but the caller still hears which field, not that the service
    /// failed.
    static let fieldsByConstraint: [String: String] = [
        "alliances_name_present": "name", "alliances_slug_format": "slug",
        "alliances_currency_format": "currency", "alliances_contract_dates": "contractEnd",
        "alliances_contract_start_years": "contractStart", "alliances_contract_end_years": "contractEnd",
        "partners_name_present": "name", "partners_slug_format": "slug", "partners_joined_years": "joinedOn",
        "partners_left_years": "leftOn",
        "budget_lines_code_format": "code", "budget_lines_name_present": "name",
        "people_name_present": "name", "people_email_format": "email",
        "journal_entries_description_length": "description",
        "journal_entries_recorded_by_length": "recordedBy",
        "journal_entries_idempotency_key_length": "Idempotency-Key",
        "journal_entries_effective_years": "effectiveOn",
        "postings_amount_bound": "amount",
        "decisions_title_present": "title", "decisions_description_length": "description",
        "decisions_closes_years": "closesAt",
        "decision_votes_reason_length": "reason", "decision_votes_objection_reason": "reason",
        "outcome_measures_name_present": "action", "outcome_measures_unit_length": "action",
        "outcome_measurements_evidence_present": "evidence",
        "budgets_amount_bound": "action", "budget_changes_amount_bound": "action",
        "outcome_terms_pool_bound": "action", "risk_share_terms_caps_bound": "action",
        "risk_share_partner_sides_amounts_bound": "action",
    ]

    /// A violation of one of the checks in ``fieldsByConstraint`` as the refusal of its field;
    /// nil for any other error.
    public init?(violation error: any Error) {
        guard let error = error as? PostgresError, error.sqlState?.errorClass == "23",
            let constraint = error.constraint, let field = LedgerError.fieldsByConstraint[constraint]
        else { return nil }
        self = .invalidField(field, reason: "is outside what the database takes (\(constraint))")
    }
}
