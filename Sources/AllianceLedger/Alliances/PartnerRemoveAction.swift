import Dates
import Postgres

/// `partner.remove`: records the day a partner leaves; it votes on nothing opened after that
/// day.
struct PartnerRemoveAction: DecisionActionKind {
    static let type = "partner.remove"

    let partner: String
    let leftOn: CalendarDate

    var action: DecisionAction { .partnerRemove(partner: partner, leftOn: leftOn) }

    private enum Field: String, CodingKey, CaseIterable { case type, partner, leftOn }

    init(partner: String, leftOn: CalendarDate) {
        self.partner = partner
        self.leftOn = leftOn
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        partner = try container.decode(String.self, forKey: .partner)
        leftOn = try container.decodeDate(forKey: .leftOn)
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(partner, forKey: .partner)
        try container.encode(leftOn, forKey: .leftOn)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await removablePartner(in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        let removed = try await removablePartner(in: decision.alliance, on: connection)
        try await connection.execute(
            """
            SELECT partners_remove(\(decision.alliance.id.rawValue), \(removed.id), \(leftOn), \(decision.id))
            """)
        try await GovernanceLog.append(
            "partner.removed", by: .decision,
            details: ["decision": decision.reference, "partner": partner, "leftOn": leftOn.description],
            in: decision.alliance.id, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        try await connection.query(
            """
            SELECT \(AllianceDirectory.partnerColumns) FROM partners
            WHERE alliance_id = \(alliance.id.rawValue) AND removed_by = \(decision)
            """
        ).first.map { .partnerRemoved(try AllianceDirectory.partner($0)) }
    }

    func summary(money: (Int64) -> String) -> String { "\(partner) leaves on \(leftOn)" }

    func field(concerning error: LedgerError) -> String? {
        guard case .partnerNotFound = error else { return nil }
        return "partner"
    }

    /// The partner, once it is known not to have left already and `leftOn` is not before it
    /// joined.
    private func removablePartner(in alliance: Alliance, on connection: PostgresConnection) async throws
        -> Partner
    {
        let found = try await AllianceDirectory.partner(partner, in: alliance.id, on: connection)
        if let left = found.leftOn {
            throw LedgerError.exists("partner \(partner) already left on \(left)")
        }
        guard leftOn >= found.joinedOn else {
            throw LedgerError.invalidField(
                "leftOn", reason: "\(leftOn) is before \(partner) joined on \(found.joinedOn)")
        }
        return found
    }
}

extension PartnerRemoveAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .partnerRemoved(let partner) = effect else { return nil }
        return "\(partner.slug) leaves on \(partner.leftOn?.description ?? "?")"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .partnerRemoved(let partner) = effect else { return nil }
        return "\(partner.slug) leaves on \(partner.leftOn?.description ?? "")"
    }
}
