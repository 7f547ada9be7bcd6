import Postgres

/// `partner.appointAdmin`: appoints the admin of a partner that has none, one admitted
/// without or one that lost its last. A person of that partner with this address is made
/// admin; else a new person is.
struct PartnerAppointAdminAction: DecisionActionKind {
    static let type = "partner.appointAdmin"

    let partner: String
    let person: Appointee

    var action: DecisionAction { .partnerAppointAdmin(partner: partner, person: person) }

    private enum Field: String, CodingKey, CaseIterable { case type, partner, person }

    init(partner: String, person: Appointee) {
        self.partner = partner
        self.person = person
    }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        partner = try container.decode(String.self, forKey: .partner)
        person = try DecisionAction.decodeAppointee(container.superDecoder(forKey: .person))
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(partner, forKey: .partner)
        try DecisionAction.encode(person, in: &container, forKey: .person)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        _ = try await appointment(in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        switch try await appointment(in: decision.alliance, on: connection) {
        case .existing(let id):
            try await AllianceDirectory.grant(
                [.admin], to: id, by: .decision(decision.id), actor: .decision, in: decision.alliance,
                details: ["decision": decision.reference], on: connection)
        case .new(let partner):
            try await DecisionAppointments.appoint(
                person, partner: partner, role: .admin, for: decision, on: connection)
        }
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        try await DecisionAppointments.appointed(by: decision, type: Self.type, in: alliance, on: connection)
    }

    func summary(money: (Int64) -> String) -> String {
        "\(person.name) <\(person.email)> as admin of \(partner)"
    }

    /// Whom appointing the person makes admin: a current person of that partner with that
    /// address, or a new one.
    private enum Appointment {
        case existing(Int64)
        case new(partner: Int64)
    }

    /// Refused when the partner has left, has an admin already, or the address is someone
    /// else's.
    private func appointment(in alliance: Alliance, on connection: PostgresConnection) async throws
        -> Appointment
    {
        let found = try await AllianceDirectory.partner(partner, in: alliance.id, on: connection)
        if let left = found.leftOn {
            throw LedgerError.exists("partner \(partner) left on \(left)")
        }
        let admins = try await connection.query(
            """
            SELECT p.email FROM people AS p
            JOIN person_roles AS r ON r.alliance_id = p.alliance_id AND r.person_id = p.id AND r.role = 'admin'
            WHERE p.alliance_id = \(alliance.id.rawValue) AND p.partner_id = \(found.id) AND p.removed_at IS NULL
            ORDER BY p.email
            """
        ).map { try $0.decode("email", as: String.self) }
        guard admins.isEmpty else {
            throw LedgerError.exists(
                "\(partner) has an admin already (\(admins.joined(separator: ", "))), who appoints its people"
            )
        }
        let holder = try await connection.query(
            """
            SELECT id, partner_id FROM people
            WHERE alliance_id = \(alliance.id.rawValue) AND lower(email) = lower(\(person.email)) AND removed_at IS NULL
            """
        ).first
        guard let holder else { return .new(partner: found.id) }
        guard try holder.decode("partner_id", as: Int64?.self) == found.id else {
            throw LedgerError.invalidField(
                "person.email", reason: "\(person.email) is a person of another partner, or of none")
        }
        return .existing(try holder.decode("id"))
    }
}

extension PartnerAppointAdminAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        DecisionAppointments.effectSummary(effect)
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        DecisionAppointments.statementSummary(effect)
    }
}
