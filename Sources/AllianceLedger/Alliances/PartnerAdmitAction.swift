import Dates
import Postgres

/// `partner.admit`: admits a new partner from `joinedOn`, opening its accounts, with its first
/// admin (a proposal must name one; decisions made before admins were appointed by decision
/// have none).
struct PartnerAdmitAction: DecisionActionKind {
    static let type = "partner.admit"

    let request: PartnerRequest
    let joinedOn: CalendarDate
    let admin: Appointee?

    var action: DecisionAction { .partnerAdmit(request, joinedOn: joinedOn, admin: admin) }

    private enum Field: String, CodingKey, CaseIterable { case type, partner, joinedOn, admin }
    private enum NewPartnerField: String, CodingKey, CaseIterable { case slug, name, kind }

    init(request: PartnerRequest, joinedOn: CalendarDate, admin: Appointee?) {
        self.request = request
        self.joinedOn = joinedOn
        self.admin = admin
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        let partner = try container.superDecoder(forKey: .partner).strictContainer(NewPartnerField.self)
        request = try DecisionAction.naming(partner) {
            try PartnerRequest(
                slug: partner.decode(String.self, forKey: .slug),
                name: partner.decode(String.self, forKey: .name),
                kind: partner.decodeChoice(PartnerKind.self, forKey: .kind))
        }
        admin =
            try container.contains(.admin) && !container.decodeNil(forKey: .admin)
            ? try DecisionAction.decodeAppointee(container.superDecoder(forKey: .admin)) : nil
        joinedOn = try container.decodeDate(forKey: .joinedOn)
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        var partner = container.nestedContainer(keyedBy: NewPartnerField.self, forKey: .partner)
        try partner.encode(request.slug, forKey: .slug)
        try partner.encode(request.name, forKey: .name)
        try partner.encode(request.kind, forKey: .kind)
        try container.encode(joinedOn, forKey: .joinedOn)
        // Null only on decisions made before partners were admitted with their admin.
        if let admin {
            try DecisionAction.encode(admin, in: &container, forKey: .admin)
        } else {
            try container.encodeNil(forKey: .admin)
        }
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        try await checkAdmission(in: proposal.alliance, on: connection)
        guard let admin else {
            throw LedgerError.invalidField(
                "admin", reason: "is required: the new partner's first admin, {\"name\", \"email\"}")
        }
        try await DecisionAppointments.checkAddressFree(
            admin, field: "admin.email", in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await checkAdmission(in: decision.alliance, on: connection)
        let partner = try await AllianceDirectory.insertPartner(
            request, joinedOn: joinedOn, admittedBy: decision.id, in: decision.alliance, actor: .decision,
            details: ["decision": decision.reference], on: connection)
        if let admin {
            try await DecisionAppointments.checkAddressFree(
                admin, field: "admin.email", in: decision.alliance, on: connection)
            try await DecisionAppointments.appoint(
                admin, partner: partner.id, role: .admin, for: decision, on: connection)
        }
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        try await connection.query(
            """
            SELECT \(AllianceDirectory.partnerColumns) FROM partners
            WHERE alliance_id = \(alliance.id.rawValue) AND admitted_by = \(decision)
            """
        ).first.map { .partnerAdmitted(try AllianceDirectory.partner($0)) }
    }

    func summary(money: (Int64) -> String) -> String {
        "\(request.slug) (\(request.name), \(request.kind.rawValue)) from \(joinedOn)"
            + (admin.map { ", its admin \($0.name) <\($0.email)>" } ?? "")
    }

    /// Refuses a partner that exists already, or a joining day outside the contract.
    private func checkAdmission(in alliance: Alliance, on connection: PostgresConnection) async throws {
        let existing = try await connection.query(
            "SELECT 1 FROM partners WHERE alliance_id = \(alliance.id.rawValue) AND slug = \(request.slug)")
        guard existing.isEmpty else {
            throw LedgerError.exists("partner \(request.slug) already exists in \(alliance.slug)")
        }
        guard alliance.contractCovers(joinedOn) else {
            throw LedgerError.invalidField("joinedOn", reason: "\(joinedOn) is outside the contract's dates")
        }
    }
}

extension PartnerAdmitAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .partnerAdmitted(let partner) = effect else { return nil }
        return "admitted \(partner.slug) from \(partner.joinedOn)"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        effectSummary(effect, money: money)
    }
}
