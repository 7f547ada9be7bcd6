extension EntryRequest.Posting {
    /// The postings of an entry that pays partners from one of the alliance's accounts, as an
    /// outcome payment or a risk/reward settlement posts it: `account` debited with the sum of
    /// the parts, each partner's funding credited with its part (a negative part, a pain, is a
    /// debit). Partners whose part is zero get no posting; the postings always sum to zero.
    static func settlement(debiting account: AccountCode, parts: [(partner: String, amount: Int64)]) -> [Self]
    {
        let paid = parts.filter { $0.amount != 0 }
        return [Self(account, paid.reduce(0) { $0 + $1.amount })]
            + paid.map { Self(Partner.fundingAccount(of: $0.partner), -$0.amount) }
    }
}
