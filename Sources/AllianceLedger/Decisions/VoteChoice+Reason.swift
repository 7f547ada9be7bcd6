extension VoteChoice {
    /// The reason recorded with a vote of this choice: a blank one is none, and an objection
    /// needs one, so that the proposer can see what would need to change.
    func recordedReason(_ reason: String?) throws(LedgerError) -> String? {
        let reason = reason.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        if let reason { try Validate.text(reason, field: "reason", maximumLength: 2000) }
        if self == .object && reason == nil {
            throw .invalidField("reason", reason: "is required to object: say what would need to change")
        }
        return reason
    }
}
