public import AllianceLedger
public import Postgres

/// The alliance board, for tests that need a carried decision (budgets change only by one).
public enum Board {
    /// Proposes `action` and has every partner approve it, through a board member of each
    /// partner (created for the purpose where a partner has none). Returns the decision, which
    /// is carried, or failed when the action could not apply.
    @discardableResult
    public static func carry(
        _ action: DecisionAction?, title: String = "Agreed by the board", in alliance: Alliance,
        pool: PostgresPool
    ) async throws -> Decision {
        let members = try await boardMembers(in: alliance, pool: pool)
        let decisions = Decisions(pool: pool)
        guard let proposer = members.values.first else { throw LedgerError.forbidden("no partners") }
        let proposed = try await decisions.propose(
            try DecisionProposal(title: title, action: action), in: alliance, by: caller(proposer))
        var decision = proposed
        for partner in proposed.electorate {
            guard let member = members[partner] else { continue }
            decision = try await decisions.vote(
                .approve, on: .id(proposed.id), in: alliance, by: caller(member))
        }
        return decision
    }

    /// One board member per partner, by partner slug.
    public static func boardMembers(in alliance: Alliance, pool: PostgresPool) async throws -> [String:
        Person]
    {
        let directory = AllianceDirectory(pool: pool)
        let people = try await directory.people(in: alliance.id)
        var members: [String: Person] = [:]
        for person in people where person.roles.contains(.board) {
            guard let partner = person.partner else { continue }
            members[partner] = members[partner] ?? person
        }
        for partner in try await directory.partners(in: alliance.id) where members[partner.slug] == nil {
            // The operator appoints while the alliance is set up; afterwards the partner's admin.
            let admin = people.first { $0.partner == partner.slug && $0.roles.contains(.admin) }
            members[partner.slug] = try await directory.addPerson(
                try PersonRequest(
                    name: "Board member for \(partner.slug)",
                    email: "board.\(partner.slug)@\(alliance.slug).test",
                    partner: partner.slug, roles: [.board]),
                to: alliance, by: admin.map(caller) ?? .commandLine)
        }
        return members
    }

    public static func caller(_ person: Person) -> Caller { Caller(identity: .person(person), tokenID: nil) }
}
