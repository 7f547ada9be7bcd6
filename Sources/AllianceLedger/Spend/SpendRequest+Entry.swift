import Dates

extension SpendRequest {
    /// The journal entry the spend becomes: the partner's cost account for the line debited,
    /// its funding account credited.
    ///
    /// Refused when the spend was incurred outside the partner's membership or the contract's
    /// dates: the rules a spend must satisfy beyond its own fields, given the partner it names
    /// (whose holding the line, and the caller's right to record for it, the book checks
    /// against the directory first).
    func entry(
        for partner: Partner, in alliance: Alliance, recordedBy: String, idempotencyKey: String?
    ) throws(LedgerError) -> EntryRequest {
        guard partner.isMember(on: incurredOn) else {
            throw .invalidField(
                "incurredOn",
                reason:
                    "\(incurredOn) is outside \(partner.slug)'s membership (from \(partner.joinedOn)\(partner.leftOn.map { " to \($0)" } ?? ""))"
            )
        }
        guard alliance.contractCovers(incurredOn) else {
            throw .invalidField("incurredOn", reason: "\(incurredOn) is outside the contract's dates")
        }
        return try EntryRequest(
            kind: .spend, effectiveOn: incurredOn, description: description,
            metadata: SpendBook.metadata(self),
            postings: [
                .init(partner.costAccount(budgetLine), amount),
                .init(partner.fundingAccount, -amount),
            ],
            recordedBy: recordedBy, idempotencyKey: idempotencyKey)
    }
}
