// The statement's JSON: `alliance-ledger-statement/1`. Keys are written explicitly, every one of
// them always (an absent optional as null), so that the published bytes depend on nothing but
// the figures. Canonical JSON (RFC 8785) sorts the keys; the order here is for reading.

extension Statement: Encodable {
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

extension Statement.Header: Encodable {
    private enum CodingKeys: String, CodingKey {
        case alliance, origin, basis, journalHead, publishedBy, publishedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alliance, forKey: .alliance)
        try container.encode(origin, forKey: .origin)
        try container.encode(basis, forKey: .basis)
        try container.encode(journalHead, forKey: .journalHead)
        try container.encode(publishedBy, forKey: .publishedBy)
        try container.encode(publishedAt, forKey: .publishedAt)
    }
}

extension Statement.Head: Encodable {
    private enum CodingKeys: String, CodingKey { case sequence, hash }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(hash, forKey: .hash)
    }
}

extension Statement.Publisher: Encodable {
    private enum CodingKeys: String, CodingKey { case name, email, partner }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(partner, forKey: .partner)
    }
}

extension Statement.BudgetSection: Encodable {
    private enum CodingKeys: String, CodingKey { case from, to, rows, byPartner, byLine, total }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(rows, forKey: .rows)
        try container.encode(byPartner, forKey: .byPartner)
        try container.encode(byLine, forKey: .byLine)
        try container.encode(total, forKey: .total)
    }
}

extension Statement.BudgetRow: Encodable {
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

extension Statement.OutcomeSection: Encodable {
    private enum CodingKeys: String, CodingKey { case terms, frequency, periods }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(terms, forKey: .terms)
        try container.encode(frequency, forKey: .frequency)
        try container.encode(periods, forKey: .periods)
    }
}

extension Statement.OutcomePeriod: Encodable {
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
    private enum CodingKeys: String, CodingKey {
        case code, name, unit, direction, rule, weight, target, measurement, attainment, available, earned,
            unearned, state, reporter, reviewer
    }
    private enum ReviewerKeys: String, CodingKey { case kind, partner }

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
        if let reviewer {
            var item = container.nestedContainer(keyedBy: ReviewerKeys.self, forKey: .reviewer)
            try item.encode(reviewer.kind, forKey: .kind)
            try item.encode(reviewer.partner, forKey: .partner)
        } else {
            try container.encodeNil(forKey: .reviewer)
        }
    }
}

extension Statement.Allocation: Encodable {
    private enum CodingKeys: String, CodingKey { case partner, share, amount, cap }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(share, forKey: .share)
        try container.encode(amount, forKey: .amount)
        try container.encode(cap, forKey: .cap)
    }
}

extension Statement.Posting: Encodable {
    private enum CodingKeys: String, CodingKey { case decision, entry }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decision, forKey: .decision)
        try container.encode(entry, forKey: .entry)
    }
}

extension Statement.RiskShareSection: Encodable {
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

extension Statement.Band: Encodable {
    private enum CodingKeys: String, CodingKey { case upTo, share }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(upTo, forKey: .upTo)
        try container.encode(share, forKey: .share)
    }
}

extension Statement.DecisionRecord: Encodable {
    private enum CodingKeys: String, CodingKey {
        case number, title, state, proposer, proposedAt, closesAt, closedAt, action, electorate, votes,
            effect,
            entry
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(title, forKey: .title)
        try container.encode(state, forKey: .state)
        try container.encode(proposer, forKey: .proposer)
        try container.encode(proposedAt, forKey: .proposedAt)
        try container.encode(closesAt, forKey: .closesAt)
        try container.encode(closedAt, forKey: .closedAt)
        try container.encode(action, forKey: .action)
        try container.encode(electorate, forKey: .electorate)
        try container.encode(votes, forKey: .votes)
        try container.encode(effect, forKey: .effect)
        try container.encode(entry, forKey: .entry)
    }
}

extension Statement.Vote: Encodable {
    private enum CodingKeys: String, CodingKey { case partner, person, vote, reason, castAt, current }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(person, forKey: .person)
        try container.encode(vote, forKey: .vote)
        try container.encode(reason, forKey: .reason)
        try container.encode(castAt, forKey: .castAt)
        try container.encode(current, forKey: .current)
    }
}

extension Statement.Integrity: Encodable {
    private enum CodingKeys: String, CodingKey {
        case entries, trialBalance, headSequence, headHash, treeSize, treeRoot, governanceTreeSize,
            governanceTreeRoot, verifiedThrough
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(trialBalance, forKey: .trialBalance)
        try container.encode(headSequence, forKey: .headSequence)
        try container.encode(headHash, forKey: .headHash)
        try container.encode(treeSize, forKey: .treeSize)
        try container.encode(treeRoot, forKey: .treeRoot)
        try container.encode(governanceTreeSize, forKey: .governanceTreeSize)
        try container.encode(governanceTreeRoot, forKey: .governanceTreeRoot)
        try container.encode(verifiedThrough, forKey: .verifiedThrough)
    }
}
