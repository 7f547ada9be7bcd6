import Postgres

// The wire format of an action, read strictly: HTTP bodies and the command line's
// `--action-file` read it with the same code, and the database keeps it as written here.

extension DecisionAction: Codable {
    private enum TypeField: String, CodingKey, CaseIterable { case type }
    private enum BudgetSetField: String, CodingKey, CaseIterable { case type, year, lines }
    private enum BudgetLineField: String, CodingKey, CaseIterable { case partner, budgetLine, amount }
    private enum AdmitField: String, CodingKey, CaseIterable { case type, partner, joinedOn }
    private enum NewPartnerField: String, CodingKey, CaseIterable { case slug, name, kind }
    private enum RemoveField: String, CodingKey, CaseIterable { case type, partner, leftOn }
    private enum TermsField: String, CodingKey, CaseIterable { case type, year, gain, pain }
    private enum ShareField: String, CodingKey, CaseIterable { case partner, share, cap }

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
                throw LedgerError.invalidText(
                    field: container.path(of: .lines), reason: "must list at least one figure")
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
            self = .partnerAdmit(request, joinedOn: try container.decodeDate(forKey: .joinedOn))
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
            self = .riskShareSetTerms(
                try Self.naming(container) { try RiskShareTerms(year: year, gain: gain, pain: pain) })
        case let later where DecisionAction.comingWithOutcomes.contains(later):
            let container = try decoder.container(keyedBy: TypeField.self)
            throw LedgerError.invalidText(
                field: container.path(of: .type),
                reason:
                    "\"\(later)\" cannot be proposed yet: it needs outcome measures and risk/reward settlement, which this version does not have"
            )
        default:
            let container = try decoder.container(keyedBy: TypeField.self)
            throw LedgerError.invalidText(
                field: container.path(of: .type),
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
        case .partnerAdmit(let request, let joinedOn):
            var container = encoder.container(keyedBy: AdmitField.self)
            try container.encode(type, forKey: .type)
            var partner = container.nestedContainer(keyedBy: NewPartnerField.self, forKey: .partner)
            try partner.encode(request.slug, forKey: .slug)
            try partner.encode(request.name, forKey: .name)
            try partner.encode(request.kind, forKey: .kind)
            try container.encode(joinedOn, forKey: .joinedOn)
        case .partnerRemove(let partner, let leftOn):
            var container = encoder.container(keyedBy: RemoveField.self)
            try container.encode(type, forKey: .type)
            try container.encode(partner, forKey: .partner)
            try container.encode(leftOn, forKey: .leftOn)
        case .riskShareSetTerms(let terms):
            var container = encoder.container(keyedBy: TermsField.self)
            try container.encode(type, forKey: .type)
            try container.encode(Self.yearName(terms.year), forKey: .year)
            for (key, shares) in [(TermsField.gain, terms.gain), (.pain, terms.pain)] {
                var list = container.nestedUnkeyedContainer(forKey: key)
                for share in shares {
                    var item = list.nestedContainer(keyedBy: ShareField.self)
                    try item.encode(share.partner, forKey: .partner)
                    try item.encode(share.share, forKey: .share)
                    // Written even when absent, as null: every key of an answer is always there.
                    try item.encode(share.cap, forKey: .cap)
                }
            }
        }
    }

    static func yearName(_ year: Int) -> String { "FY" + CalendarDate.fourDigits(year) }

    private static func decodeYear<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key)
        throws
        -> Int
    {
        let text = try container.decode(String.self, forKey: key)
        guard let year = try? Period.financialYear(named: text, startMonth: 4) else {
            throw LedgerError.invalidText(
                field: container.path(of: key),
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

    /// Runs a request's own checks, naming a faulty field by its whole path in the document.
    private static func naming<Key: CodingKey, Value>(
        _ container: KeyedDecodingContainer<Key>, _ make: () throws -> Value
    ) throws -> Value {
        do {
            return try make()
        } catch LedgerError.invalidText(let field, let reason) where !field.contains(".") {
            let prefix = fieldPath(container.codingPath)
            throw LedgerError.invalidText(
                field: prefix.isEmpty ? field : prefix + "." + field, reason: reason)
        }
    }
}
