import Postgres

/// `riskShare.setTerms`: sets how a financial year's gain (underspend) and pain (overspend) are
/// shared.
struct RiskShareSetTermsAction: DecisionActionKind {
    static let type = "riskShare.setTerms"

    let terms: RiskShareTerms

    var action: DecisionAction { .riskShareSetTerms(terms) }

    init(terms: RiskShareTerms) { self.terms = terms }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(TermsField.self)
        let year = try DecisionAction.decodeYear(container, .year)
        let gain = try Self.decodeShares(container, .gain)
        let pain = try Self.decodeShares(container, .pain)
        let side =
            try !container.contains(.partnerSide) || container.decodeNil(forKey: .partnerSide)
            ? RiskSharePartnerSide.whole
            : try Self.decodePartnerSide(container.superDecoder(forKey: .partnerSide))
        terms = try DecisionAction.naming(container) {
            try RiskShareTerms(year: year, gain: gain, pain: pain, partnerSide: side)
        }
    }

    /// The terms' own fields beside `type`, as the terms are written everywhere else.
    func encodeFields(to encoder: any Encoder) throws { try terms.encode(to: encoder) }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await RiskShareBook.resolve(terms, in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await RiskShareBook.apply(terms, decision: decision.id, in: decision.alliance, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        .riskShareTerms(
            year: terms.year, try await RiskShareBook.terms(setBy: decision, in: alliance.id, on: connection))
    }

    func summary(money: (Int64) -> String) -> String {
        func shares(_ list: [RiskShare]) -> String {
            list.map {
                "\($0.partner) \(Money.percent($0.share))" + ($0.cap.map { " (cap \(money($0)))" } ?? "")
            }
            .joined(separator: ", ")
        }
        return "FY\(terms.year) gain \(shares(terms.gain)); pain \(shares(terms.pain))"
            + terms.partnerSide.summary(money: money)
    }

    func field(concerning error: LedgerError) -> String? {
        guard case .partnerNotFound(let slug) = error else { return nil }
        return terms.gain.firstIndex { $0.partner == slug }.map { "gain[\($0)].partner" }
            ?? terms.pain.firstIndex { $0.partner == slug }.map { "pain[\($0)].partner" }
    }

    private static func decodeShares(_ container: KeyedDecodingContainer<TermsField>, _ key: TermsField)
        throws -> [RiskShare]
    {
        var shares: [RiskShare] = []
        var list = try container.nestedUnkeyedContainer(forKey: key)
        while !list.isAtEnd {
            let item = try list.superDecoder().strictContainer(ShareField.self)
            shares.append(
                try DecisionAction.naming(item) {
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
                    try DecisionAction.naming(item) {
                        try RiskShareBand(
                            upTo: item.decodeIfPresent(Int.self, forKey: .upTo),
                            share: item.decode(Int.self, forKey: .share))
                    })
            }
            return bands
        }
        let gainBands = try bands(.gainBands)
        let painBands = try bands(.painBands)
        return try DecisionAction.naming(container) {
            try RiskSharePartnerSide(
                gainBands: gainBands, painBands: painBands,
                gainCap: container.decodeMinorUnitsIfPresent(forKey: .gainCap),
                painCap: container.decodeMinorUnitsIfPresent(forKey: .painCap),
                fee: container.decodeMinorUnitsIfPresent(forKey: .fee))
        }
    }
}

private enum TermsField: String, CodingKey, CaseIterable { case type, year, gain, pain, partnerSide }
private enum ShareField: String, CodingKey, CaseIterable { case partner, share, cap }
private enum PartnerSideField: String, CodingKey, CaseIterable {
    case gainBands, painBands, gainCap, painCap, fee
}
private enum BandField: String, CodingKey, CaseIterable { case upTo, share }

extension RiskShareTerms: Encodable {
    /// The terms' fields, as the `riskShare.setTerms` action writes them beside its `type`:
    /// written out for the year's name (`FY2025`); the shares, bands and partner side are
    /// `Encodable` where they are declared, an absent cap or fee written as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TermsField.self)
        try container.encode(DecisionAction.yearName(year), forKey: .year)
        try container.encode(gain, forKey: .gain)
        try container.encode(pain, forKey: .pain)
        try container.encode(partnerSide, forKey: .partnerSide)
    }
}

extension RiskSharePartnerSide {
    /// `; partner side: gain 50% up to 10% of target, 25% beyond, capped at 100000.00; fee 250000.00`,
    /// or nothing when the whole difference goes to the partners.
    func summary(money: (Int64) -> String) -> String {
        guard self != .whole else { return "" }
        func bands(_ bands: [RiskShareBand], cap: Int64?) -> String {
            bands.map { band in
                Money.percent(band.share)
                    + (band.upTo.map { " up to \(Money.percent($0)) of target" }
                        ?? (bands.count > 1 ? " beyond" : ""))
            }.joined(separator: ", ") + (cap.map { ", capped at \(money($0))" } ?? "")
        }
        return
            "; partner side: gain \(bands(gainBands, cap: gainCap)); pain \(bands(painBands, cap: painCap))"
            + (fee.map { "; fee \(money($0))" } ?? "")
    }
}

extension RiskShareSetTermsAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .riskShareTerms(let year, let terms) = effect else { return nil }
        return "set the gain and pain shares of \(terms.count) partners for FY\(year)"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .riskShareTerms(let year, let terms) = effect else { return nil }
        return "set the gain and pain shares of \(terms.count) partners for \(DecisionAction.yearName(year))"
    }
}
