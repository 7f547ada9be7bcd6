import Postgres

/// `auditor.appoint`: appoints an auditor who belongs to no partner, such as the external
/// auditor.
struct AuditorAppointAction: DecisionActionKind {
    static let type = "auditor.appoint"

    let person: Appointee

    var action: DecisionAction { .auditorAppoint(person) }

    private enum Field: String, CodingKey, CaseIterable { case type, person }

    init(person: Appointee) { self.person = person }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        person = try DecisionAction.decodeAppointee(container.superDecoder(forKey: .person))
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try DecisionAction.encode(person, in: &container, forKey: .person)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        try await DecisionAppointments.checkAddressFree(
            person, field: "person.email", in: proposal.alliance, on: connection)
        return self
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await DecisionAppointments.checkAddressFree(
            person, field: "person.email", in: decision.alliance, on: connection)
        try await DecisionAppointments.appoint(
            person, partner: nil, role: .auditor, for: decision, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        try await DecisionAppointments.appointed(by: decision, type: Self.type, in: alliance, on: connection)
    }

    func summary(money: (Int64) -> String) -> String {
        "\(person.name) <\(person.email)> as an auditor of no partner"
    }
}

extension AuditorAppointAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        DecisionAppointments.effectSummary(effect)
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        DecisionAppointments.statementSummary(effect)
    }
}
