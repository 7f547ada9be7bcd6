import Foundation

// How outcome terms, measurements and payments, and risk/reward statements, are written in
// JSON: the same for HTTP answers, the command line and a decision's action and effect. Shares,
// bands and allocations are `Encodable` where they are declared; those here write the year by
// its name (`FY2025`), flatten a rule, a result or a position into the object, or compute a key.

extension MeasureValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimal)
    }
}

extension OutcomeTerms: Encodable {
    private enum CodingKeys: String, CodingKey { case year, frequency, pool, measures, shares }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        try container.encode(frequency, forKey: .frequency)
        try container.encode(pool, forKey: .pool)
        try container.encode(measures, forKey: .measures)
        try container.encode(shares, forKey: .shares)
    }
}

extension OutcomeMeasure: Encodable {
    private enum CodingKeys: String, CodingKey {
        case code, name, unit, direction, baseline, target, weight, rule, reporter, periods
    }
    private enum RuleKeys: String, CodingKey { case type, floor, cap, bands }
    private enum PeriodKeys: String, CodingKey { case period, target, floor, cap, bands }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(direction, forKey: .direction)
        try container.encode(baseline, forKey: .baseline)
        try container.encode(target, forKey: .target)
        try container.encode(weight, forKey: .weight)
        var rule = container.nestedContainer(keyedBy: RuleKeys.self, forKey: .rule)
        try rule.encode(self.rule.type, forKey: .type)
        try Self.encodeFigures(of: self.rule, in: &rule, floor: .floor, cap: .cap, bands: .bands)
        try container.encode(reporter, forKey: .reporter)
        var periods = container.nestedUnkeyedContainer(forKey: .periods)
        for figures in self.periods {
            var item = periods.nestedContainer(keyedBy: PeriodKeys.self)
            try item.encode(figures.period, forKey: .period)
            try item.encode(figures.target, forKey: .target)
            try Self.encodeFigures(of: figures.rule, in: &item, floor: .floor, cap: .cap, bands: .bands)
        }
    }

    /// A rule's floor and cap, or its bands: what a period may set apart from its target.
    private static func encodeFigures<Key: CodingKey>(
        of rule: PaymentRule, in container: inout KeyedEncodingContainer<Key>, floor floorKey: Key,
        cap capKey: Key,
        bands bandsKey: Key
    ) throws {
        switch rule {
        case .threshold: break
        case .linear(let floor, let cap):
            try container.encode(floor, forKey: floorKey)
            try container.encode(cap, forKey: capKey)
        case .bands(let bands):
            try container.encode(bands, forKey: bandsKey)
        }
    }
}

extension OutcomeMeasurement: Encodable {
    // Written out because `state` is computed from the review (provisional until there is one).
    private enum CodingKeys: String, CodingKey {
        case id, measure, period, value, evidence, recordedBy, recordedAt, current, reporter, state, review
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(measure, forKey: .measure)
        try container.encode(period, forKey: .period)
        try container.encode(value, forKey: .value)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(recordedBy, forKey: .recordedBy)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(current, forKey: .current)
        try container.encode(reporter, forKey: .reporter)
        try container.encode(state, forKey: .state)
        try container.encode(review, forKey: .review)
    }
}

extension OutcomePayment: Encodable {
    private enum CodingKeys: String, CodingKey {
        case period, year, termsDecision, pool, earned, unearned, measured, validated, measures, allocations,
            posted
    }
    private enum ResultKeys: String, CodingKey {
        case code, name, unit, direction, weight, target, actual, attainment, earned, measurement, reported,
            state, reporter, flag
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(period, forKey: .period)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        try container.encode(termsDecision, forKey: .termsDecision)
        try container.encode(pool, forKey: .pool)
        try container.encode(earned, forKey: .earned)
        try container.encode(unearned, forKey: .unearned)
        try container.encode(measured, forKey: .measured)
        try container.encode(validated, forKey: .validated)
        var list = container.nestedUnkeyedContainer(forKey: .measures)
        for result in results {
            var item = list.nestedContainer(keyedBy: ResultKeys.self)
            try item.encode(result.measure.code, forKey: .code)
            try item.encode(result.measure.name, forKey: .name)
            try item.encode(result.measure.unit, forKey: .unit)
            try item.encode(result.measure.direction, forKey: .direction)
            try item.encode(result.measure.weight, forKey: .weight)
            try item.encode(result.measure.target, forKey: .target)
            try item.encode(result.actual, forKey: .actual)
            try item.encode(result.attainment, forKey: .attainment)
            try item.encode(result.earned, forKey: .earned)
            try item.encode(result.latest?.id, forKey: .measurement)
            try item.encode(result.latest?.value, forKey: .reported)
            try item.encode(result.latest?.state, forKey: .state)
            try item.encode(result.measure.reporter, forKey: .reporter)
            try item.encode(result.flag, forKey: .flag)
        }
        try container.encode(allocations, forKey: .allocations)
        try container.encode(posted, forKey: .posted)
    }
}

extension RiskShareStatement: Encodable {
    private enum CodingKeys: String, CodingKey {
        case year, termsDecision, terms, target, actual, difference, partnerSideBeforeCap, partnerSide,
            ownerSide, fee, partnersReceive, ownerPays, allocations, unallocated, settled
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(DecisionAction.yearName(position.year), forKey: .year)
        try container.encode(termsDecision, forKey: .termsDecision)
        try container.encode(terms, forKey: .terms)
        try container.encode(position.target, forKey: .target)
        try container.encode(position.actual, forKey: .actual)
        try container.encode(position.difference, forKey: .difference)
        try container.encode(position.partnerSideBeforeCap, forKey: .partnerSideBeforeCap)
        try container.encode(position.partnerSide, forKey: .partnerSide)
        try container.encode(position.ownerSide, forKey: .ownerSide)
        try container.encode(position.fee, forKey: .fee)
        try container.encode(position.partnersReceive, forKey: .partnersReceive)
        try container.encode(position.ownerPays, forKey: .ownerPays)
        try container.encode(position.allocations, forKey: .allocations)
        try container.encode(position.unallocated, forKey: .unallocated)
        try container.encode(settled, forKey: .settled)
    }
}
