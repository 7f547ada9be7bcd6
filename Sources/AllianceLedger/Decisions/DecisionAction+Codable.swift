import Dates
import Postgres

// The wire format of an action, read strictly: HTTP bodies and the command line's
// `--action-file` read it with the same code, and the database keeps it as written here.

extension DecisionAction: Codable {
    private enum TypeField: String, CodingKey, CaseIterable { case type }
    private enum BudgetSetField: String, CodingKey, CaseIterable { case type, year, lines }
    private enum BudgetLineField: String, CodingKey, CaseIterable { case partner, budgetLine, amount }
    private enum AdmitField: String, CodingKey, CaseIterable { case type, partner, joinedOn, admin }
    private enum AppointeeField: String, CodingKey, CaseIterable { case name, email }
    private enum AppointAdminField: String, CodingKey, CaseIterable { case type, partner, person }
    private enum AppointAuditorField: String, CodingKey, CaseIterable { case type, person }
    private enum AddLineField: String, CodingKey, CaseIterable { case type, code, name }
    private enum SettingsField: String, CodingKey, CaseIterable {
        case type, abstention, localTransparencyThreshold, centralTransparencyThreshold
    }
    private enum NewPartnerField: String, CodingKey, CaseIterable { case slug, name, kind }
    private enum RemoveField: String, CodingKey, CaseIterable { case type, partner, leftOn }
    fileprivate enum TermsField: String, CodingKey, CaseIterable { case type, year, gain, pain, partnerSide }
    fileprivate enum ShareField: String, CodingKey, CaseIterable { case partner, share, cap }
    fileprivate enum PartnerSideField: String, CodingKey, CaseIterable {
        case gainBands, painBands, gainCap, painCap, fee
    }
    fileprivate enum BandField: String, CodingKey, CaseIterable { case upTo, share }
    private enum OutcomeTermsField: String, CodingKey, CaseIterable {
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
    private enum ApproveField: String, CodingKey, CaseIterable { case type, period, earned }
    private enum SettleField: String, CodingKey, CaseIterable { case type, year, partnerSide }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeField.self).decode(String.self, forKey: .type)
        switch type {
        case "budget.set":
            let container = try decoder.strictContainer(BudgetSetField.self)
            let year = try Self.decodeYear(container, .year)
            var lines: [BudgetSetting] = []
            var list = try container.nestedUnkeyedContainer(forKey: .lines)
            while !list.isAtEnd {
                let line = try list.superDecoder().strictContainer(BudgetLineField.self)
                lines.append(
                    try Self.naming(line) {
                        try BudgetSetting(
                            partner: line.decode(String.self, forKey: .partner),
                            budgetLine: line.decode(String.self, forKey: .budgetLine),
                            amount: line.decodeMinorUnits(forKey: .amount))
                    })
            }
            guard !lines.isEmpty else {
                throw LedgerError.invalidField(
                    container.path(of: .lines), reason: "must list at least one figure")
            }
            self = .budgetSet(year: year, lines: lines)
        case "partner.admit":
            let container = try decoder.strictContainer(AdmitField.self)
            let partner = try container.superDecoder(forKey: .partner).strictContainer(NewPartnerField.self)
            let request = try Self.naming(partner) {
                try PartnerRequest(
                    slug: partner.decode(String.self, forKey: .slug),
                    name: partner.decode(String.self, forKey: .name),
                    kind: partner.decodeChoice(PartnerKind.self, forKey: .kind))
            }
            let admin =
                try container.contains(.admin) && !container.decodeNil(forKey: .admin)
                ? try Self.decodeAppointee(container.superDecoder(forKey: .admin)) : nil
            self = .partnerAdmit(request, joinedOn: try container.decodeDate(forKey: .joinedOn), admin: admin)
        case "partner.remove":
            let container = try decoder.strictContainer(RemoveField.self)
            self = .partnerRemove(
                partner: try container.decode(String.self, forKey: .partner),
                leftOn: try container.decodeDate(forKey: .leftOn))
        case "riskShare.setTerms":
            let container = try decoder.strictContainer(TermsField.self)
            let year = try Self.decodeYear(container, .year)
            let gain = try Self.decodeShares(container, .gain)
            let pain = try Self.decodeShares(container, .pain)
            let side =
                try !container.contains(.partnerSide) || container.decodeNil(forKey: .partnerSide)
                ? RiskSharePartnerSide.whole
                : try Self.decodePartnerSide(container.superDecoder(forKey: .partnerSide))
            self = .riskShareSetTerms(
                try Self.naming(container) {
                    try RiskShareTerms(year: year, gain: gain, pain: pain, partnerSide: side)
                })
        case "outcomes.setTerms":
            self = .outcomesSetTerms(try Self.decodeOutcomeTerms(decoder))
        case "outcomePayments.approve":
            let container = try decoder.strictContainer(ApproveField.self)
            let period = try container.decode(String.self, forKey: .period)
            guard (try? Period(parsing: period)) != nil else {
                throw LedgerError.invalidField(
                    container.path(of: .period),
                    reason:
                        "must name a financial year, quarter or month, such as FY2025, FY2025-Q3 or 2025-10, not \"\(period)\""
                )
            }
            self = .outcomePaymentsApprove(
                period: period, earned: try container.decodeMinorUnitsIfPresent(forKey: .earned))
        case "riskShare.settle":
            let container = try decoder.strictContainer(SettleField.self)
            self = .riskShareSettle(
                year: try Self.decodeYear(container, .year),
                partnerSide: try container.decodeMinorUnitsIfPresent(forKey: .partnerSide))
        case "partner.appointAdmin":
            let container = try decoder.strictContainer(AppointAdminField.self)
            self = .partnerAppointAdmin(
                partner: try container.decode(String.self, forKey: .partner),
                person: try Self.decodeAppointee(container.superDecoder(forKey: .person)))
        case "auditor.appoint":
            let container = try decoder.strictContainer(AppointAuditorField.self)
            self = .auditorAppoint(try Self.decodeAppointee(container.superDecoder(forKey: .person)))
        case "budgetLine.add":
            let container = try decoder.strictContainer(AddLineField.self)
            self = .budgetLineAdd(
                try Self.naming(container) {
                    try BudgetLineRequest(
                        code: container.decode(String.self, forKey: .code),
                        name: container.decode(String.self, forKey: .name))
                })
        case "alliance.setSettings":
            let container = try decoder.strictContainer(SettingsField.self)
            self = .allianceSetSettings(
                try Self.naming(container) {
                    try AllianceSettings(
                        abstention: container.decodeChoiceIfPresent(Abstention.self, forKey: .abstention),
                        localTransparencyThreshold: container.decodeMinorUnitsIfPresent(
                            forKey: .localTransparencyThreshold),
                        centralTransparencyThreshold: container.decodeMinorUnitsIfPresent(
                            forKey: .centralTransparencyThreshold))
                })
        default:
            let container = try decoder.container(keyedBy: TypeField.self)
            throw LedgerError.invalidField(
                container.path(of: .type),
                reason:
                    "must be one of \(Self.types.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(type)\""
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .budgetSet(let year, let lines):
            var container = encoder.container(keyedBy: BudgetSetField.self)
            try container.encode(type, forKey: .type)
            try container.encode(Self.yearName(year), forKey: .year)
            var list = container.nestedUnkeyedContainer(forKey: .lines)
            for line in lines {
                var item = list.nestedContainer(keyedBy: BudgetLineField.self)
                try item.encode(line.partner, forKey: .partner)
                try item.encode(line.budgetLine, forKey: .budgetLine)
                try item.encode(line.amount, forKey: .amount)
            }
        case .partnerAdmit(let request, let joinedOn, let admin):
            var container = encoder.container(keyedBy: AdmitField.self)
            try container.encode(type, forKey: .type)
            var partner = container.nestedContainer(keyedBy: NewPartnerField.self, forKey: .partner)
            try partner.encode(request.slug, forKey: .slug)
            try partner.encode(request.name, forKey: .name)
            try partner.encode(request.kind, forKey: .kind)
            try container.encode(joinedOn, forKey: .joinedOn)
            // Null only on decisions made before partners were admitted with their admin.
            if let admin {
                try Self.encode(admin, in: &container, forKey: .admin)
            } else {
                try container.encodeNil(forKey: .admin)
            }
        case .partnerAppointAdmin(let partner, let person):
            var container = encoder.container(keyedBy: AppointAdminField.self)
            try container.encode(type, forKey: .type)
            try container.encode(partner, forKey: .partner)
            try Self.encode(person, in: &container, forKey: .person)
        case .auditorAppoint(let person):
            var container = encoder.container(keyedBy: AppointAuditorField.self)
            try container.encode(type, forKey: .type)
            try Self.encode(person, in: &container, forKey: .person)
        case .budgetLineAdd(let request):
            var container = encoder.container(keyedBy: AddLineField.self)
            try container.encode(type, forKey: .type)
            try container.encode(request.code, forKey: .code)
            try container.encode(request.name, forKey: .name)
        case .allianceSetSettings(let settings):
            var container = encoder.container(keyedBy: SettingsField.self)
            try container.encode(type, forKey: .type)
            // Every setting, null for one the decision leaves as it is.
            try container.encode(settings.abstention, forKey: .abstention)
            try container.encode(settings.localTransparencyThreshold, forKey: .localTransparencyThreshold)
            try container.encode(settings.centralTransparencyThreshold, forKey: .centralTransparencyThreshold)
        case .partnerRemove(let partner, let leftOn):
            var container = encoder.container(keyedBy: RemoveField.self)
            try container.encode(type, forKey: .type)
            try container.encode(partner, forKey: .partner)
            try container.encode(leftOn, forKey: .leftOn)
        case .riskShareSetTerms(let terms):
            var container = encoder.container(keyedBy: TypeField.self)
            try container.encode(type, forKey: .type)
            try terms.encode(to: encoder)
        case .outcomesSetTerms(let terms):
            // The terms' own fields beside `type`, as the terms are written everywhere else.
            var container = encoder.container(keyedBy: TypeField.self)
            try container.encode(type, forKey: .type)
            try terms.encode(to: encoder)
        case .outcomePaymentsApprove(let period, let earned):
            var container = encoder.container(keyedBy: ApproveField.self)
            try container.encode(type, forKey: .type)
            try container.encode(period, forKey: .period)
            try container.encode(earned, forKey: .earned)
        case .riskShareSettle(let year, let partnerSide):
            var container = encoder.container(keyedBy: SettleField.self)
            try container.encode(type, forKey: .type)
            try container.encode(Self.yearName(year), forKey: .year)
            try container.encode(partnerSide, forKey: .partnerSide)
        }
    }

    static func yearName(_ year: Int) -> String { "FY" + CalendarDate.fourDigits(year) }

    private static func decodeYear<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key)
        throws
        -> Int
    {
        let text = try container.decode(String.self, forKey: key)
        guard let year = try? Period.financialYear(named: text, startMonth: 4) else {
            throw LedgerError.invalidField(
                container.path(of: key),
                reason: "must name a financial year such as FY2025, not \"\(text)\"")
        }
        return year
    }

    private static func decodeShares(_ container: KeyedDecodingContainer<TermsField>, _ key: TermsField)
        throws
        -> [RiskShare]
    {
        var shares: [RiskShare] = []
        var list = try container.nestedUnkeyedContainer(forKey: key)
        while !list.isAtEnd {
            let item = try list.superDecoder().strictContainer(ShareField.self)
            shares.append(
                try naming(item) {
                    try RiskShare(
                        partner: item.decode(String.self, forKey: .partner),
                        share: item.decode(Int.self, forKey: .share),
                        cap: item.decodeMinorUnitsIfPresent(forKey: .cap))
                })
        }
        return shares
    }

    private static func decodePartnerSide(_ decoder: any Decoder) throws -> RiskSharePartnerSide {
        let container = try decoder.strictContainer(PartnerSideField.self)
        func bands(_ key: PartnerSideField) throws -> [RiskShareBand] {
            guard container.contains(key), try !container.decodeNil(forKey: key) else {
                return RiskShareBand.whole
            }
            var bands: [RiskShareBand] = []
            var list = try container.nestedUnkeyedContainer(forKey: key)
            while !list.isAtEnd {
                let item = try list.superDecoder().strictContainer(BandField.self)
                bands.append(
                    try naming(item) {
                        try RiskShareBand(
                            upTo: item.decodeIfPresent(Int.self, forKey: .upTo),
                            share: item.decode(Int.self, forKey: .share))
                    })
            }
            return bands
        }
        let gainBands = try bands(.gainBands)
        let painBands = try bands(.painBands)
        return try naming(container) {
            try RiskSharePartnerSide(
                gainBands: gainBands, painBands: painBands,
                gainCap: container.decodeMinorUnitsIfPresent(forKey: .gainCap),
                painCap: container.decodeMinorUnitsIfPresent(forKey: .painCap),
                fee: container.decodeMinorUnitsIfPresent(forKey: .fee))
        }
    }

    private static func decodeOutcomeTerms(_ decoder: any Decoder) throws -> OutcomeTerms {
        let container = try decoder.strictContainer(OutcomeTermsField.self)
        let year = try decodeYear(container, .year)
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
                try naming(item) {
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
                try naming(item) {
                    try OutcomeShare(
                        partner: item.decode(String.self, forKey: .partner),
                        share: item.decode(Int.self, forKey: .share))
                })
        }
        return try naming(container) {
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
                try naming(item) {
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

    /// Runs a request's own checks, naming a faulty field by its whole path in the document.
    private static func naming<Key: CodingKey, Value>(
        _ container: KeyedDecodingContainer<Key>, _ make: () throws -> Value
    ) throws -> Value {
        do {
            return try make()
        } catch LedgerError.invalidField(let field, let reason) {
            // A check inside names its field from where it stands; one already named by a
            // nested call starts with this container's path.
            let prefix = fieldPath(container.codingPath)
            guard !prefix.isEmpty, field != prefix, !field.hasPrefix(prefix + "."),
                !field.hasPrefix(prefix + "[")
            else { throw LedgerError.invalidField(field, reason: reason) }
            throw LedgerError.invalidField(prefix + "." + field, reason: reason)
        }
    }
}

extension RiskShareTerms: Encodable {
    /// The terms' fields, as the `riskShare.setTerms` action writes them beside its `type`.
    public func encode(to encoder: any Encoder) throws {
        typealias Field = DecisionAction.TermsField
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        for (key, shares) in [(Field.gain, gain), (.pain, pain)] {
            var list = container.nestedUnkeyedContainer(forKey: key)
            for share in shares {
                var item = list.nestedContainer(keyedBy: DecisionAction.ShareField.self)
                try item.encode(share.partner, forKey: .partner)
                try item.encode(share.share, forKey: .share)
                // Written even when absent, as null: every key of an answer is always there.
                try item.encode(share.cap, forKey: .cap)
            }
        }
        var side = container.nestedContainer(
            keyedBy: DecisionAction.PartnerSideField.self, forKey: .partnerSide)
        for (key, bands) in [
            (DecisionAction.PartnerSideField.gainBands, partnerSide.gainBands),
            (.painBands, partnerSide.painBands),
        ] {
            var list = side.nestedUnkeyedContainer(forKey: key)
            for band in bands {
                var item = list.nestedContainer(keyedBy: DecisionAction.BandField.self)
                try item.encode(band.upTo, forKey: .upTo)
                try item.encode(band.share, forKey: .share)
            }
        }
        try side.encode(partnerSide.gainCap, forKey: .gainCap)
        try side.encode(partnerSide.painCap, forKey: .painCap)
        try side.encode(partnerSide.fee, forKey: .fee)
    }
}

extension DecisionAction {
    /// `{"name","email"}`: someone a decision appoints.
    fileprivate static func decodeAppointee(_ decoder: any Decoder) throws -> Appointee {
        let container = try decoder.strictContainer(AppointeeField.self)
        return try naming(container) {
            try Appointee(
                name: container.decode(String.self, forKey: .name),
                email: container.decode(String.self, forKey: .email))
        }
    }

    fileprivate static func encode<Key: CodingKey>(
        _ appointee: Appointee, in container: inout KeyedEncodingContainer<Key>, forKey key: Key
    ) throws {
        var person = container.nestedContainer(keyedBy: AppointeeField.self, forKey: key)
        try person.encode(appointee.name, forKey: .name)
        try person.encode(appointee.email, forKey: .email)
    }
}
