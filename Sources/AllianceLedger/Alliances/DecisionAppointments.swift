import Postgres

/// What the actions that appoint people share: `partner.admit` (its first admin),
/// `partner.appointAdmin` and `auditor.appoint`.
enum DecisionAppointments {
    /// A new person appointed by a carried decision to `role`, of `partner` (nil: of none).
    static func appoint(
        _ appointee: Appointee, partner: Int64?, role: Role, for decision: CarryingDecision,
        on connection: PostgresConnection
    ) async throws {
        let person = try await AllianceDirectory.insertPerson(
            appointee, partner: partner, in: decision.alliance, by: .decision,
            details: ["decision": decision.reference], on: connection)
        try await AllianceDirectory.grant(
            [role], to: person, by: .decision(decision.id), actor: .decision, in: decision.alliance,
            details: ["decision": decision.reference], on: connection)
    }

    /// Refuses an address a current person of the alliance has.
    static func checkAddressFree(
        _ person: Appointee, field: String, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let taken = try await connection.query(
            """
            SELECT 1 FROM people
            WHERE alliance_id = \(alliance.id.rawValue) AND lower(email) = lower(\(person.email)) AND removed_at IS NULL
            """)
        guard taken.isEmpty else {
            throw LedgerError.invalidField(
                field, reason: "\(person.email) is already a person of \(alliance.slug)")
        }
    }

    /// The admin or auditor the carried decision appointed, as they are now.
    static func appointed(
        by decision: Int64, type: String, in alliance: Alliance, on connection: PostgresConnection
    ) async throws -> DecisionEffect? {
        let appointed = try await connection.query(
            """
            SELECT person_id FROM role_grants WHERE alliance_id = \(alliance.id.rawValue) AND grantor_decision_id = \(decision)
            """
        ).first?.decode("person_id", as: Int64.self)
        guard let appointed else { return nil }
        return .personAppointed(
            type: type, try await AllianceDirectory.people(in: alliance.id, id: appointed, on: connection)[0])
    }

    /// `appointed ada@mind.example admin of mind`, or `… auditor`.
    static func effectSummary(_ effect: DecisionEffect) -> String? {
        guard case .personAppointed(_, let person) = effect else { return nil }
        return "appointed \(person.email) \(person.partner.map { "admin of \($0)" } ?? "auditor")"
    }

    /// A published statement names the person by id, not by address.
    static func statementSummary(_ effect: DecisionEffect) -> String? {
        guard case .personAppointed(let type, let person) = effect else { return nil }
        return "\(type): appointed person \(person.id)"
    }
}
