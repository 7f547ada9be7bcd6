import Dates

extension RiskShareStatement {
    /// Refuses a settlement of the year unless it is not yet settled and it ended before
    /// `today` (its last day is `yearEnds`).
    func checkSettleable(yearEnds last: CalendarDate, today: CalendarDate) throws(LedgerError) {
        let name = DecisionAction.yearName(position.year)
        if let settled {
            throw .exists("\(name) was already settled by \(settled.decision)")
        }
        guard last < today else {
            throw .invalidField(
                "year", reason: "\(name) has not ended: it can be settled from the day after \(last)")
        }
    }
}

extension RiskSharePosition {
    /// Refuses to settle a position other than the one voted on: `partnerSide` as the decision
    /// was proposed (nil when it did not say), `reference` the decision.
    func checkPartnerSide(asProposed partnerSide: Int64?, by reference: String) throws(LedgerError) {
        if let partnerSide, partnerSide != self.partnerSide {
            throw .invalidField(
                "partnerSide",
                reason:
                    "was \(partnerSide) when \(reference) was proposed but the budgets, spend or terms now give \(self.partnerSide): propose it again"
            )
        }
    }

    /// What the partners' parts add up to: the partner side less what caps left unallocated.
    var allocated: Int64 { allocations.reduce(0) { $0 + $1.amount } }

    /// The postings of the settlement's entry: the alliance's risk/reward account debited with a
    /// gain (credited with a pain), each partner's funding credited with its gain (debited with
    /// its pain).
    var postings: [EntryRequest.Posting] {
        EntryRequest.Posting.settlement(
            debiting: RiskSharePosition.account, parts: allocations.map { ($0.partner, $0.amount) })
    }

    /// The alliance's account of gains paid to, and pains borne by, the partners.
    static let account = AccountCode(trusted: "alliance:risk-share")
}
