import Postgres

/// `outcomes.setTerms`: sets a financial year's outcome measures, pool and partners' shares of
/// it.
struct OutcomesSetTermsAction: DecisionActionKind {
    static let type = "outcomes.setTerms"

    let terms: OutcomeTerms

    var action: DecisionAction { .outcomesSetTerms(terms) }

    init(terms: OutcomeTerms) { self.terms = terms }

    init(fields decoder: any Decoder) throws { terms = try Self.decodeTerms(decoder) }

    /// The terms' own fields beside `type`, as the terms are written everywhere else.
    func encodeFields(to encoder: any Encoder) throws { try terms.encode(to: encoder) }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await OutcomeBook.checkTerms(
            terms, requireReporters: true, in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await OutcomeBook.setTerms(terms, decision: decision.id, in: decision.alliance, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        .outcomeTerms(try await OutcomeBook.terms(setBy: decision, in: alliance.id, on: connection).terms)
    }

    func summary(money: (Int64) -> String) -> String {
        "FY\(terms.year), a pool of \(money(terms.pool)) paid \(terms.frequency.adverb); "
            + "measures "
            + terms.measures.map { "\($0.code) \(Money.percent($0.weight))" }.joined(separator: ", ")
            + "; shares "
            + terms.shares.map { "\($0.partner) \(Money.percent($0.share))" }.joined(separator: ", ")
    }

    private enum TermsField: String, CodingKey, CaseIterable {
        case type, year, frequency, pool, measures, shares
    }
    private enum MeasureField: String, CodingKey, CaseIterable {
        case code, name, unit, direction, baseline, target, weight, rule, reporter, periods
    }
    private enum PeriodFiguresField: String, CodingKey, CaseIterable {
        case period, target, floor, cap, bands
    }
    private enum RuleField: String, CodingKey, CaseIterable { case type, floor, cap, bands }
    private enum PaymentBandField: String, CodingKey, CaseIterable { case from, factor }
    private enum OutcomeShareField: String, CodingKey, CaseIterable { case partner, share }

    private static func decodeTerms(_ decoder: any Decoder) throws -> OutcomeTerms {
        let container = try decoder.strictContainer(TermsField.self)
        let year = try DecisionAction.decodeYear(container, .year)
        var measures: [OutcomeMeasure] = []
        var list = try container.nestedUnkeyedContainer(forKey: .measures)
        while !list.isAtEnd {
            let item = try list.superDecoder().strictContainer(MeasureField.self)
            let rule = try decodeRule(item.superDecoder(forKey: .rule))
            var periods: [PeriodFigures] = []
            if try item.contains(.periods) && !item.decodeNil(forKey: .periods) {
                var periodList = try item.nestedUnkeyedContainer(forKey: .periods)
                while !periodList.isAtEnd {
                    periods.append(try decodePeriodFigures(periodList.superDecoder(), ruleType: rule.type))
                }
            }
            measures.append(
                try DecisionAction.naming(item) {
                    try OutcomeMeasure(
                        code: item.decode(String.self, forKey: .code),
                        name: item.decode(String.self, forKey: .name),
                        unit: item.decode(String.self, forKey: .unit),
                        direction: item.decodeChoice(MeasureDirection.self, forKey: .direction),
                        baseline: item.decodeMeasureValueIfPresent(forKey: .baseline),
                        target: item.decodeMeasureValue(forKey: .target),
                        weight: item.decode(Int.self, forKey: .weight),
                        rule: rule, reporter: item.decodeIfPresent(String.self, forKey: .reporter),
                        periods: periods)
                })
        }
        var shares: [OutcomeShare] = []
        var shareList = try container.nestedUnkeyedContainer(forKey: .shares)
        while !shareList.isAtEnd {
            let item = try shareList.superDecoder().strictContainer(OutcomeShareField.self)
            shares.append(
                try DecisionAction.naming(item) {
                    try OutcomeShare(
                        partner: item.decode(String.self, forKey: .partner),
                        share: item.decode(Int.self, forKey: .share))
                })
        }
        return try DecisionAction.naming(container) {
            try OutcomeTerms(
                year: year,
                frequency: container.decodeChoiceIfPresent(OutcomeFrequency.self, forKey: .frequency)
                    ?? .year,
                pool: container.decodeMinorUnits(forKey: .pool), measures: measures, shares: shares)
        }
    }

    /// `{"period","target"}` with the floor and cap of a linear rule, or the bands of a bands
    /// rule: a period's own figures, under the measure's rule.
    private static func decodePeriodFigures(_ decoder: any Decoder, ruleType: String) throws -> PeriodFigures
    {
        let container = try decoder.strictContainer(PeriodFiguresField.self)
        let allowed: [PeriodFiguresField] =
            ruleType == "linear" ? [.floor, .cap] : ruleType == "bands" ? [.bands] : []
        for key in [PeriodFiguresField.floor, .cap, .bands]
        where container.contains(key) && !allowed.contains(key) {
            throw LedgerError.invalidField(
                container.path(of: key), reason: "is not part of a \(ruleType) rule")
        }
        let period = try container.decode(String.self, forKey: .period)
        let target = try container.decodeMeasureValue(forKey: .target)
        let rule: PaymentRule
        switch ruleType {
        case "linear":
            rule = .linear(
                floor: try container.decodeMeasureValue(forKey: .floor),
                cap: try container.decodeMeasureValueIfPresent(forKey: .cap))
        case "bands":
            rule = .bands(try decodeBands(container, forKey: .bands))
        default:
            rule = .threshold
        }
        return PeriodFigures(period: period, target: target, rule: rule)
    }

    /// A rule's bands, `{"from","factor"}` each, for the year's rule and a period's alike.
    private static func decodeBands<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key)
        throws -> [PaymentBand]
    {
        var bands: [PaymentBand] = []
        var list = try container.nestedUnkeyedContainer(forKey: key)
        while !list.isAtEnd {
            let item = try list.superDecoder().strictContainer(PaymentBandField.self)
            let from = try item.decodeMeasureValue(forKey: .from)
            bands.append(
                try DecisionAction.naming(item) {
                    try PaymentBand(from: from, factor: item.decode(Int.self, forKey: .factor))
                })
        }
        return bands
    }

    private static func decodeRule(_ decoder: any Decoder) throws -> PaymentRule {
        let container = try decoder.strictContainer(RuleField.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "threshold":
            for key in [RuleField.floor, .cap, .bands] where container.contains(key) {
                throw LedgerError.invalidField(
                    container.path(of: key), reason: "is not part of a threshold rule")
            }
            return .threshold
        case "linear":
            guard !container.contains(.bands) else {
                throw LedgerError.invalidField(
                    container.path(of: .bands), reason: "is not part of a linear rule")
            }
            return .linear(
                floor: try container.decodeMeasureValue(forKey: .floor),
                cap: try container.decodeMeasureValueIfPresent(forKey: .cap))
        case "bands":
            for key in [RuleField.floor, .cap] where container.contains(key) {
                throw LedgerError.invalidField(
                    container.path(of: key), reason: "is not part of a bands rule")
            }
            return .bands(try decodeBands(container, forKey: .bands))
        default:
            throw LedgerError.invalidField(
                container.path(of: .type),
                reason:
                    "must be one of \(PaymentRule.types.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(type)\""
            )
        }
    }
}

extension OutcomesSetTermsAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .outcomeTerms(let terms) = effect else { return nil }
        return
            "set FY\(terms.year)'s outcome terms: \(terms.measures.count) measure\(terms.measures.count == 1 ? "" : "s"), "
            + "a pool of \(money(terms.pool)) paid \(terms.frequency.adverb), "
            + "shared by \(terms.shares.count) partner\(terms.shares.count == 1 ? "" : "s")"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .outcomeTerms(let terms) = effect else { return nil }
        return
            "set \(DecisionAction.yearName(terms.year))'s outcome terms: \(terms.measures.count) measures, a pool of \(money(terms.pool))"
    }
}
