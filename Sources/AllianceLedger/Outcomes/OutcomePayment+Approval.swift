import Dates

extension OutcomePayment {
    /// Refuses an approval of the payment unless it is not yet posted, its period ended before
    /// `today` (the period's last day is `periodEnds`), and every measure's latest measurement
    /// is validated.
    func checkApprovable(periodEnds last: CalendarDate, today: CalendarDate) throws(LedgerError) {
        if let posted {
            throw .exists("outcomes for \(period) were already paid by \(posted.decision)")
        }
        guard last < today else {
            throw .invalidField(
                "period", reason: "\(period) has not ended: it can be paid from the day after \(last)")
        }
        if let missing = results.first(where: { $0.latest == nil && $0.actual == nil }) {
            throw .invalidField(
                "period", reason: "\(period) has no measurement of \(missing.measure.code) yet")
        }
        // Four eyes before money moves: every figure paid on was validated by someone of
        // another partner, or by an auditor.
        if let pending = results.first(where: { $0.actual == nil }), let latest = pending.latest {
            throw .invalidField(
                "period",
                reason:
                    "\(period)'s latest measurement of \(pending.measure.code) (\(latest.id)) is \(latest.state.rawValue): \(latest.state == .rejected ? "the reporting partner must record a correction, and it be validated," : "it must be validated") before the payment is approved"
            )
        }
    }

    /// Refuses to post a payment other than the one voted on: `earned` as the decision was
    /// proposed (nil when it did not say), `reference` the decision.
    func checkEarned(asProposed earned: Int64?, by reference: String) throws(LedgerError) {
        if let earned, earned != self.earned {
            throw .invalidField(
                "earned",
                reason:
                    "was \(earned) when \(reference) was proposed but the measurements now earn \(self.earned): propose it again"
            )
        }
    }

    /// The postings of the payment's entry: the alliance's outcome payments debited with what was
    /// earned, each partner's funding credited with its part.
    var postings: [EntryRequest.Posting] {
        EntryRequest.Posting.settlement(
            debiting: OutcomePayment.account, parts: allocations.map { ($0.partner, $0.amount) })
    }

    /// The alliance's account of outcome payments made.
    static let account = AccountCode(trusted: "alliance:outcome-payments")
}
