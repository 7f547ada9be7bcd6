// The wire form of decisions, shared by the HTTP API and the command line's JSON. A vote and a
// tally are `Encodable` where they are declared, their optionals `@ExplicitNull`; those here
// compute a key or write an enumeration's cases as objects.

extension Decision: Encodable {
    // Written out because two keys are computed: `number` is the reference (`D-0001`), not the
    // stored number, and `tally` is counted from the votes.
    private enum CodingKeys: String, CodingKey {
        case id, number, title, description, state, abstention, proposer, proposedAt, closesAt, closedAt
        case electorate, votes, tally, action, effect, failure
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(reference, forKey: .number)
        try container.encode(title, forKey: .title)
        try container.encode(description, forKey: .description)
        try container.encode(state, forKey: .state)
        try container.encode(abstention, forKey: .abstention)
        try container.encode(proposer, forKey: .proposer)
        try container.encode(proposedAt, forKey: .proposedAt)
        try container.encode(closesAt, forKey: .closesAt)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(electorate, forKey: .electorate)
        try container.encode(votes, forKey: .votes)
        try container.encode(tally, forKey: .tally)
        try container.encode(action, forKey: .action)
        try container.encode(effect, forKey: .effect)
        try container.encode(failure, forKey: .failure)
    }
}

extension DecisionEffect: Encodable {
    // An enumeration with payloads: each case is an object whose `type` names the action.
    private enum CodingKeys: String, CodingKey {
        case type, year, budgetChanges, partner, terms, payment, settlement, entry, person, budgetLine,
            abstention, localTransparencyThreshold, centralTransparencyThreshold
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .budgetChanges(let year, let changes):
            try container.encode("budget.set", forKey: .type)
            try container.encode(DecisionAction.yearName(year), forKey: .year)
            try container.encode(changes, forKey: .budgetChanges)
        case .partnerAdmitted(let partner):
            try container.encode("partner.admit", forKey: .type)
            try container.encode(partner, forKey: .partner)
        case .partnerRemoved(let partner):
            try container.encode("partner.remove", forKey: .type)
            try container.encode(partner, forKey: .partner)
        case .riskShareTerms(let year, let terms):
            try container.encode("riskShare.setTerms", forKey: .type)
            try container.encode(DecisionAction.yearName(year), forKey: .year)
            try container.encode(terms, forKey: .terms)
        case .outcomeTerms(let terms):
            try container.encode("outcomes.setTerms", forKey: .type)
            try container.encode(DecisionAction.yearName(terms.year), forKey: .year)
            try container.encode(terms, forKey: .terms)
        case .outcomePayment(let payment, let entry):
            try container.encode("outcomePayments.approve", forKey: .type)
            try container.encode(payment, forKey: .payment)
            try container.encode(entry, forKey: .entry)
        case .riskShareSettlement(let statement, let entry):
            try container.encode("riskShare.settle", forKey: .type)
            try container.encode(DecisionAction.yearName(statement.position.year), forKey: .year)
            try container.encode(statement, forKey: .settlement)
            try container.encode(entry, forKey: .entry)
        case .personAppointed(let type, let person):
            try container.encode(type, forKey: .type)
            try container.encode(person, forKey: .person)
        case .budgetLineAdded(let line):
            try container.encode("budgetLine.add", forKey: .type)
            try container.encode(line, forKey: .budgetLine)
        case .settingsChanged(let settings):
            try container.encode("alliance.setSettings", forKey: .type)
            try container.encode(settings.abstention, forKey: .abstention)
            try container.encode(settings.localTransparencyThreshold, forKey: .localTransparencyThreshold)
            try container.encode(settings.centralTransparencyThreshold, forKey: .centralTransparencyThreshold)
        }
    }
}
