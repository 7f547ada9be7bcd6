extension OutcomeMeasurement {
    /// The role `person` reviews the measurement under: finance for a finance person of a
    /// partner, auditor otherwise. Refused for a measurement already reviewed, a figure of the
    /// person's own partner, a person without the role, and a measurement a later correction
    /// superseded. `verdict` names the review in the refusals.
    func reviewerRole(of person: Person, verdict: MeasurementState) throws(LedgerError) -> Role {
        let verb = verdict == .validated ? "validate" : "reject"
        if let review {
            throw .exists(
                "measurement \(id) was already \(review.verdict.rawValue)\(review.partner.map { " by \($0)" } ?? ""): a correction is a new measurement"
            )
        }
        // Four eyes: never the reporting partner's own people.
        if person.partner != nil, person.partner == reporter {
            throw .forbidden(
                "measurement \(id) of \(measure) is \(reporter ?? "")'s own figure: a finance person of another partner or an auditor must \(verb) it"
            )
        }
        let role: Role = person.roles.contains(.finance) && person.partner != nil ? .finance : .auditor
        guard person.roles.contains(role) else {
            throw .forbidden("this needs the role auditor or finance")
        }
        guard current else {
            throw .exists(
                "measurement \(id) of \(measure) for \(period) is superseded by a later correction: \(verb) the latest"
            )
        }
        return role
    }
}
