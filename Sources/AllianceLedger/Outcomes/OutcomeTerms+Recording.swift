extension OutcomeTerms {
    /// The measure a finance person of `partner` records as `code`: refused when the terms have
    /// no such measure, or when it is reported by another partner (terms that name no reporter
    /// let any partner's finance people record it).
    func measure(_ code: String, recordedFor partner: String?) throws(LedgerError) -> OutcomeMeasure {
        guard let measure = measures.first(where: { $0.code == code }) else {
            throw .invalidField(
                "measure",
                reason:
                    "\(code) is not a measure of \(DecisionAction.yearName(year))'s outcome terms (\(measures.map(\.code).joined(separator: ", ")))"
            )
        }
        if let reporter = measure.reporter, reporter != partner {
            throw .forbidden(
                "\(measure.code) is reported by \(reporter): only its finance people record it, not \(partner ?? "a person of no partner")"
            )
        }
        return measure
    }
}
