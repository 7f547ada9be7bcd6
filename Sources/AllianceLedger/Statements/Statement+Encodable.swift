// The statement's JSON: `alliance-ledger-statement/1`. Every key is always written (an absent
// optional as null), so that the published bytes depend on nothing but the figures. A part whose
// JSON is just its stored properties is `Encodable` where it is declared (Statement.swift), its
// optionals `@ExplicitNull`; those here have keys or values of their own. Canonical JSON
// (RFC 8785) sorts the keys; the order here is for reading.

extension Statement: Encodable {
    // The format's name is a constant of the type, not a stored value.
    private enum CodingKeys: String, CodingKey {
        case format, number, previousHash, header, period, budget, yearToDate, spend, outcomes, riskShare,
            decisions, commentary, integrity, restates
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Statement.format, forKey: .format)
        try container.encode(number, forKey: .number)
        try container.encode(previousHash, forKey: .previousHash)
        try container.encode(header, forKey: .header)
        try container.encode(period, forKey: .period)
        try container.encode(budget, forKey: .budget)
        try container.encode(yearToDate, forKey: .yearToDate)
        try container.encode(spend, forKey: .spend)
        try container.encode(outcomes, forKey: .outcomes)
        try container.encode(riskShare, forKey: .riskShare)
        try container.encode(decisions, forKey: .decisions)
        try container.encode(commentary, forKey: .commentary)
        try container.encode(integrity, forKey: .integrity)
        try container.encode(restates, forKey: .restates)
    }
}

extension Statement.BudgetRow: Encodable {
    // `variance` and `remaining` are computed; the year's figures are nested.
    private enum CodingKeys: String, CodingKey {
        case partner, budgetLine, budget, actual, variance, decisions, yearBudget, fullYearBudget, remaining
    }
    private enum YearKeys: String, CodingKey { case original, revised }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(budgetLine, forKey: .budgetLine)
        try container.encode(budget, forKey: .budget)
        try container.encode(actual, forKey: .actual)
        try container.encode(variance, forKey: .variance)
        try container.encode(decisions, forKey: .decisions)
        var year = container.nestedContainer(keyedBy: YearKeys.self, forKey: .yearBudget)
        try year.encode(yearOriginal, forKey: .original)
        try year.encode(yearRevised, forKey: .revised)
        try container.encode(fullYear, forKey: .fullYearBudget)
        try container.encode(fullYear.map { $0 - actual }, forKey: .remaining)
    }
}

extension Statement.BudgetTotal: Encodable {
    // `variance` and `remaining` are computed.
    private enum CodingKeys: String, CodingKey {
        case key, budget, actual, variance, fullYearBudget, remaining
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(budget, forKey: .budget)
        try container.encode(actual, forKey: .actual)
        try container.encode(variance, forKey: .variance)
        try container.encode(fullYear, forKey: .fullYearBudget)
        try container.encode(fullYear.map { $0 - actual }, forKey: .remaining)
    }
}

extension Statement.SpendRow: Encodable {
    // `net` is computed.
    private enum CodingKeys: String, CodingKey {
        case partner, budgetLine, entries, entriesTotal, reversals, reversalsTotal, net
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(budgetLine, forKey: .budgetLine)
        try container.encode(entries, forKey: .entries)
        try container.encode(entriesTotal, forKey: .entriesTotal)
        try container.encode(reversals, forKey: .reversals)
        try container.encode(reversalsTotal, forKey: .reversalsTotal)
        try container.encode(net, forKey: .net)
    }
}

extension Statement.OutcomePeriod: Encodable {
    // `unearned` is computed.
    private enum CodingKeys: String, CodingKey {
        case period, pool, measures, earned, unearned, allocations, paid
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(period, forKey: .period)
        try container.encode(pool, forKey: .pool)
        try container.encode(measures, forKey: .measures)
        try container.encode(earned, forKey: .earned)
        try container.encode(unearned, forKey: .unearned)
        try container.encode(allocations, forKey: .allocations)
        try container.encode(paid, forKey: .paid)
    }
}

extension Statement.MeasureLine: Encodable {
    // `unearned` is computed.
    private enum CodingKeys: String, CodingKey {
        case code, name, unit, direction, rule, weight, target, measurement, attainment, available, earned,
            unearned, state, reporter, reviewer
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(direction, forKey: .direction)
        try container.encode(rule, forKey: .rule)
        try container.encode(weight, forKey: .weight)
        try container.encode(target, forKey: .target)
        try container.encode(measurement, forKey: .measurement)
        try container.encode(attainment, forKey: .attainment)
        try container.encode(available, forKey: .available)
        try container.encode(earned, forKey: .earned)
        try container.encode(unearned, forKey: .unearned)
        try container.encode(state, forKey: .state)
        try container.encode(reporter, forKey: .reporter)
        try container.encode(reviewer, forKey: .reviewer)
    }
}

extension Statement.RiskShareSection: Encodable {
    // `difference` and `ownerSide` are computed.
    private enum CodingKeys: String, CodingKey {
        case year, terms, target, actual, difference, gainBands, painBands, gainCap, painCap, fee,
            partnerSideBeforeCap, partnerSide, ownerSide, allocations, unallocated, provisional, settled,
            postSettlementAdjustments
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(year, forKey: .year)
        try container.encode(terms, forKey: .terms)
        try container.encode(target, forKey: .target)
        try container.encode(actual, forKey: .actual)
        try container.encode(difference, forKey: .difference)
        try container.encode(gainBands, forKey: .gainBands)
        try container.encode(painBands, forKey: .painBands)
        try container.encode(gainCap, forKey: .gainCap)
        try container.encode(painCap, forKey: .painCap)
        try container.encode(fee, forKey: .fee)
        try container.encode(partnerSideBeforeCap, forKey: .partnerSideBeforeCap)
        try container.encode(partnerSide, forKey: .partnerSide)
        try container.encode(ownerSide, forKey: .ownerSide)
        try container.encode(allocations, forKey: .allocations)
        try container.encode(unallocated, forKey: .unallocated)
        try container.encode(provisional, forKey: .provisional)
        try container.encode(settled, forKey: .settled)
        try container.encode(postSettlementAdjustments, forKey: .postSettlementAdjustments)
    }
}
