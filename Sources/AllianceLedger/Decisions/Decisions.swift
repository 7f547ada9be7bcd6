public import Dates
import Foundation
public import Postgres

/// The alliance board's decisions: proposed by a board member, voted on by one board member per
/// partner, carried the moment every partner agrees (under the alliance's abstention rule), and
/// then applied in the same transaction, exactly once however many final votes race.
///
/// Time comes from `clock`, so that tests can stand at a decision's closing time; the database
/// checks that the times it is given are consistent (no vote after closing, no rejection or
/// lapse before it).
public struct Decisions: Sendable {
    public let pool: PostgresPool
    public let clock: @Sendable () -> Timestamp

    public init(pool: PostgresPool, clock: @escaping @Sendable () -> Timestamp) {
        self.pool = pool
        self.clock = clock
    }

    /// Decisions on the system clock.
    public init(pool: PostgresPool) {
        self.init(pool: pool, clock: { Timestamp(Date()) })
    }

    // MARK: Proposing, voting, withdrawing

    public func propose(_ proposal: DecisionProposal, in alliance: Alliance, by caller: Caller) async throws
        -> Decision
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await propose(proposal, in: alliance, by: caller, on: connection)
        }
    }

    /// Proposes inside the caller's transaction: the decision exists once that commits.
    public func propose(
        _ proposal: DecisionProposal, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> Decision {
        let proposer = try Decisions.boardMember(caller, in: alliance, doing: "propose a decision")
        let now = clock()
        let closesAt =
            proposal.closesAt
            ?? Timestamp(microsecondsSince1970: now.microsecondsSince1970 + DecisionProposal.defaultOpenFor)
        guard closesAt > now else {
            throw LedgerError.invalidField("closesAt", reason: "must be in the future, not \(closesAt)")
        }
        let validated: (any DecisionActionKind)?
        do {
            validated = try await proposal.action?.kind.validated(
                for: ProposalContext(alliance: alliance, proposer: caller, today: now.calendarDate),
                on: connection)
        } catch LedgerError.invalidField(let field, let reason) {
            // The action's checks name its own fields; the proposal holds it as `action`.
            throw LedgerError.invalidField("action." + field, reason: reason)
        }
        let actionType = validated?.wireType
        let actionFormat = validated?.format
        let actionBody = try validated?.storedBody()
        let id: Int64
        do {
            id = try await connection.query(
                """
                SELECT decision_open(\(alliance.id.rawValue), \(proposal.title), \(proposal.description),
                                     \(actionType), \(actionFormat), \(actionBody)::jsonb, \(proposer.id), \(now),
                                     \(closesAt)) AS id
                """
            ).single().decode("id", as: Int64.self)
        } catch {
            // By the constraint's name: a title or description the database refuses is a fault
            // of that field, not of the electorate.
            if error.violates(constraint: "decision_electorate_present") {
                throw LedgerError.invalidField("alliance", reason: "has no current partners to vote")
            }
            throw LedgerError(violation: error) ?? error
        }
        let decision = try await Decisions.read(.id(id), in: alliance, on: connection)
        try await GovernanceLog.append(
            "decision.proposed", by: .caller(caller),
            details: [
                "decision": decision.reference, "title": proposal.title, "action": actionType ?? "",
                "closesAt": closesAt.description,
            ], in: alliance.id, on: connection)
        return decision
    }

    /// Casts the caller's partner's vote. `partner`, when given, must be the caller's own: a
    /// board member votes for their own partner only.
    public func vote(
        _ choice: VoteChoice, reason: String? = nil, on reference: DecisionReference, in alliance: Alliance,
        by caller: Caller, for partner: String? = nil
    ) async throws -> Decision {
        try await pool.withTransaction(.readCommitted) { connection in
            try await vote(
                choice, reason: reason, on: reference, in: alliance, by: caller, for: partner, on: connection)
        }
    }

    /// Votes inside the caller's transaction. The answer is read there too: the decision as this
    /// vote left it, so that exactly one of racing final votes answers "carried".
    public func vote(
        _ choice: VoteChoice, reason: String? = nil, on reference: DecisionReference, in alliance: Alliance,
        by caller: Caller, for partner: String? = nil, on connection: PostgresConnection
    ) async throws -> Decision {
        let voter = try Decisions.boardMember(caller, in: alliance, doing: "vote")
        guard let voterPartner = voter.partner else {
            throw LedgerError.forbidden("\(voter.email) belongs to no partner, so has no vote")
        }
        if let partner, partner != voterPartner {
            throw LedgerError.forbidden("\(voter.email) votes for \(voterPartner), not \(partner)")
        }
        let reason = try choice.recordedReason(reason)
        // A decision past its closing time is settled first, so that the refusal says how it
        // closed; if the vote fails, that settling goes with it and the next read repeats it.
        try await settleIfDue(reference, in: alliance, on: connection)
        let (open, now) = try await Decisions.lockOpen(reference, in: alliance, clock: clock, on: connection)
        let partnerID = try await connection.query(
            """
            SELECT e.partner_id FROM decision_electorate AS e
            JOIN partners AS p ON p.alliance_id = e.alliance_id AND p.id = e.partner_id
            WHERE e.alliance_id = \(alliance.id.rawValue) AND e.decision_id = \(open.id)
              AND p.slug = \(voterPartner)
            """
        ).first?.decode("partner_id", as: Int64.self)
        guard let partnerID else {
            throw LedgerError.forbidden(
                "\(voterPartner) has no vote on \(open.reference): it was not a partner when the decision opened"
            )
        }
        // The board appointment the vote is cast under: one that held when the decision opened
        // and holds now.
        let appointment = try await connection.query(
            """
            SELECT b.appointment_id FROM decision_board AS b
            JOIN person_roles AS r ON r.alliance_id = b.alliance_id AND r.grant_id = b.appointment_id
            WHERE b.alliance_id = \(alliance.id.rawValue) AND b.decision_id = \(open.id) AND r.person_id = \(voter.id)
            """
        ).first?.decode("appointment_id", as: Int64.self)
        guard let appointment else {
            throw LedgerError.forbidden(
                "\(voter.email) was not a board member of \(voterPartner) when \(open.reference) opened, or is no longer one"
            )
        }
        do {
            try await connection.execute(
                """
                INSERT INTO decision_votes (alliance_id, decision_id, partner_id, person_id, appointment_id, vote,
                                            reason, cast_at)
                VALUES (\(alliance.id.rawValue), \(open.id), \(partnerID), \(voter.id), \(appointment),
                        \(choice.rawValue), \(reason), \(now))
                """)
        } catch {
            guard error.violates(constraint: "decision_votes_one_per_instant") else { throw error }
            throw LedgerError.voteConflict(reference: open.reference, partner: voterPartner)
        }
        try await GovernanceLog.append(
            "vote.cast", by: .caller(caller),
            details: [
                "decision": open.reference, "partner": voterPartner, "vote": choice.rawValue,
                "reason": reason ?? "",
            ], in: alliance.id, on: connection)
        // The decision as this vote leaves it is both the tally to judge and, unless the vote
        // carries it, the answer.
        let voted = try await Decisions.read(.id(open.id), in: alliance, on: connection)
        guard open.lifecycle.state(after: .vote(voted.tally), at: now) == .carried else { return voted }
        try await Decisions.carry(open, in: alliance, at: now, by: .caller(caller), on: connection)
        return try await Decisions.read(.id(open.id), in: alliance, on: connection)
    }

    /// The proposer takes the decision back while it is open.
    public func withdraw(_ reference: DecisionReference, in alliance: Alliance, by caller: Caller)
        async throws
        -> Decision
    {
        try await pool.withTransaction(.readCommitted) { connection in
            try await withdraw(reference, in: alliance, by: caller, on: connection)
        }
    }

    /// Withdraws inside the caller's transaction.
    public func withdraw(
        _ reference: DecisionReference, in alliance: Alliance, by caller: Caller,
        on connection: PostgresConnection
    ) async throws -> Decision {
        let person = try Decisions.boardMember(caller, in: alliance, doing: "withdraw a decision")
        try await settleIfDue(reference, in: alliance, on: connection)
        let (open, now) = try await Decisions.lockOpen(reference, in: alliance, clock: clock, on: connection)
        guard open.proposer == person.id else {
            throw LedgerError.forbidden("only the proposer of \(open.reference) may withdraw it")
        }
        guard let withdrawn = open.lifecycle.state(after: .withdrawal, at: now) else {
            throw LedgerError.decisionClosed(
                reference: open.reference, state: open.lifecycle.closedReason(at: now) ?? open.state.rawValue)
        }
        try await connection.execute(
            """
            UPDATE decisions SET state = \(withdrawn.rawValue), closed_at = \(now), withdrawn_by = \(person.id)
            WHERE alliance_id = \(alliance.id.rawValue) AND id = \(open.id)
            """)
        try await Decisions.logClosing(
            open, as: withdrawn.rawValue, by: .caller(caller), in: alliance.id, on: connection)
        return try await Decisions.read(.id(open.id), in: alliance, on: connection)
    }

    // MARK: Reading

    /// The decision with every vote, settled first if its closing time has passed, so that the
    /// answer never depends on when the background sweep last ran.
    public func decision(_ reference: DecisionReference, in alliance: Alliance) async throws -> Decision {
        try await settleIfDue(reference, in: alliance)
        return try await pool.withConnection { connection in
            try await Decisions.read(reference, in: alliance, on: connection)
        }
    }

    /// The alliance's decisions, optionally in one state, newest first by default.
    public func list(in alliance: Alliance, state: DecisionState? = nil, page: PageRequest = PageRequest())
        async throws -> ListPage<Decision>
    {
        try await settleDue(in: alliance.id)
        let after = try page.position(listing: "decisions")
        return try await pool.withConnection { connection in
            var query: PostgresQuery =
                "SELECT \(Decisions.columns) FROM decisions WHERE alliance_id = \(alliance.id.rawValue)"
            if let state { query.append(" AND state = \(state.rawValue)") }
            switch page.order {
            case .newestFirst:
                if let after { query.append(" AND id < \(after)") }
                query.append(" ORDER BY id DESC")
            case .oldestFirst:
                if let after { query.append(" AND id > \(after)") }
                query.append(" ORDER BY id")
            }
            query.append(" LIMIT \(Int64(page.limit + 1))")
            let rows = Array(try await connection.query(query))
            let decisions = try await Decisions.decisions(
                Array(rows.prefix(page.limit)), in: alliance, on: connection)
            let next =
                rows.count > page.limit
                ? decisions.last.map { page.cursor(after: $0.id, listing: "decisions") } : nil
            return ListPage(items: decisions, nextCursor: next)
        }
    }

    // MARK: Closing time

    /// Settles every open decision whose closing time has passed, in every alliance: what the
    /// service's background sweep runs. Returns how many it settled.
    @discardableResult
    public func settleDue() async throws -> Int {
        try await settle(dueIn: nil)
    }

    func settleDue(in alliance: AllianceID) async throws {
        _ = try await settle(dueIn: alliance)
    }

    private func settle(dueIn alliance: AllianceID?) async throws -> Int {
        let now = clock()
        let due = try await pool.withConnection { connection in
            var query: PostgresQuery =
                "SELECT alliance_id, id FROM decisions WHERE state = 'open' AND closes_at <= \(now)"
            if let alliance { query.append(" AND alliance_id = \(alliance.rawValue)") }
            query.append(" ORDER BY closes_at LIMIT 1000")
            return try await connection.query(query).map {
                (AllianceID(try $0.decode("alliance_id")), try $0.decode("id", as: Int64.self))
            }
        }
        var settled = 0
        for (alliance, id) in due {
            if try await settle(id, in: alliance, at: now) { settled += 1 }
        }
        return settled
    }

    private func settleIfDue(_ reference: DecisionReference, in alliance: Alliance) async throws {
        try await pool.withTransaction(.readCommitted) { connection in
            try await settleIfDue(reference, in: alliance, on: connection)
        }
    }

    private func settleIfDue(
        _ reference: DecisionReference, in alliance: Alliance, on connection: PostgresConnection
    ) async throws {
        let now = clock()
        let due = try await connection.query(
            """
            SELECT id FROM decisions
            WHERE alliance_id = \(alliance.id.rawValue) AND \(Decisions.matching(reference))
              AND state = 'open' AND closes_at <= \(now)
            """
        ).first?.decode("id", as: Int64.self)
        if let due { _ = try await Decisions.settle(due, in: alliance.id, at: now, on: connection) }
    }

    /// Closes one decision at its closing time: rejected when a partner objects (or, where
    /// abstention blocks, abstains), else lapsed. False when someone else got there first.
    @discardableResult
    private func settle(_ id: Int64, in alliance: AllianceID, at now: Timestamp) async throws -> Bool {
        try await pool.withTransaction(.readCommitted) { connection in
            try await Decisions.settle(id, in: alliance, at: now, on: connection)
        }
    }

    private static func settle(
        _ id: Int64, in alliance: AllianceID, at now: Timestamp, on connection: PostgresConnection
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT \(Decisions.columns) FROM decisions
            WHERE alliance_id = \(alliance.rawValue) AND id = \(id) AND state = 'open' AND closes_at <= \(now)
            FOR UPDATE
            """)
        guard let row = rows.first else { return false }
        let open = try OpenDecision(row)
        let tally = DecisionTally(
            votes: try await Decisions.votes(of: [id], in: alliance, on: connection)[id] ?? [],
            electorate: try await Decisions.electorate(of: [id], in: alliance, on: connection)[id] ?? [])
        guard let state = open.lifecycle.state(after: .closingTime(tally), at: now) else { return false }
        try await connection.execute(
            """
            UPDATE decisions SET state = \(state.rawValue), closed_at = closes_at
            WHERE alliance_id = \(alliance.rawValue) AND id = \(id)
            """)
        try await logClosing(open, as: state.rawValue, by: .service, in: alliance, on: connection)
        return true
    }

    // MARK: Carrying

    /// Marks the decision carried and applies its action, or marks it failed (with the reason)
    /// when the action can no longer apply, leaving the books as they were.
    private static func carry(
        _ open: OpenDecision, in alliance: Alliance, at now: Timestamp, by actor: GovernanceActor,
        on connection: PostgresConnection
    ) async throws {
        try await connection.execute("SAVEPOINT carrying")
        do {
            try await connection.execute(
                """
                UPDATE decisions SET state = 'carried', closed_at = \(now)
                WHERE alliance_id = \(alliance.id.rawValue) AND id = \(open.id)
                """)
            try await open.action?.kind.apply(
                for: CarryingDecision(
                    id: open.id, reference: open.reference, alliance: alliance, today: now.calendarDate),
                on: connection)
            try await connection.execute("RELEASE SAVEPOINT carrying")
            try await logClosing(open, as: "carried", by: actor, in: alliance.id, on: connection)
        } catch let error where Decisions.cannotApply(error) {
            try await connection.execute("ROLLBACK TO SAVEPOINT carrying")
            try await connection.execute(
                """
                UPDATE decisions SET state = 'failed', closed_at = \(now), failure = \(Decisions.describe(error))
                WHERE alliance_id = \(alliance.id.rawValue) AND id = \(open.id)
                """)
            try await logClosing(
                open, as: "failed", by: actor, failure: Decisions.describe(error), in: alliance.id,
                on: connection)
        }
    }

    /// The governance log's record of a decision closing: carried, failed, rejected, lapsed or
    /// withdrawn. What a carried action did is logged by the action, record by record.
    private static func logClosing(
        _ open: OpenDecision, as state: String, by actor: GovernanceActor, failure: String? = nil,
        in alliance: AllianceID, on connection: PostgresConnection
    ) async throws {
        var details = ["decision": open.reference, "state": state, "action": open.action?.type ?? ""]
        if let failure { details["failure"] = failure }
        try await GovernanceLog.append(
            "decision.closed", by: actor, details: details, in: alliance, on: connection)
    }

    /// Whether an error applying an action means the action no longer fits the books (the
    /// decision fails) rather than that the database could not be reached (the vote fails).
    private static func cannotApply(_ error: any Error) -> Bool {
        switch error {
        case is LedgerError: true
        case let error as PostgresError:
            error.sqlState?.errorClass == "23" || error.sqlState == .insufficientPrivilege
        default: false
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as LedgerError: error.description
        case let error as PostgresError: error.message
        default: "\(error)"
        }
    }

    // MARK: Helpers

    private static func boardMember(_ caller: Caller, in alliance: Alliance, doing what: String)
        throws(LedgerError)
        -> Person
    {
        try caller.require([.board], in: alliance.id)
        guard case .person(let person) = caller.identity else {
            throw .forbidden("only a board member of a partner may \(what); the operator has no partner")
        }
        return person
    }

    /// The open decision, locked until the transaction ends; refused when closed or past its
    /// closing time.
    ///
    /// The time is read from `clock` once the lock is held, so that what happens to a decision is
    /// stamped in the order it commits: a partner's later vote is the one that counts.
    private static func lockOpen(
        _ reference: DecisionReference, in alliance: Alliance, clock: () -> Timestamp,
        on connection: PostgresConnection
    ) async throws -> (decision: OpenDecision, now: Timestamp) {
        let rows = try await connection.query(
            """
            SELECT \(columns) FROM decisions
            WHERE alliance_id = \(alliance.id.rawValue) AND \(matching(reference)) FOR UPDATE
            """)
        guard let row = rows.first else { throw LedgerError.decisionNotFound(reference.description) }
        let open = try OpenDecision(row)
        let now = clock()
        if let closed = open.lifecycle.closedReason(at: now) {
            throw LedgerError.decisionClosed(reference: open.reference, state: closed)
        }
        return (open, now)
    }

    private static func matching(_ reference: DecisionReference) -> PostgresQuery {
        switch reference {
        case .id(let id): "id = \(id)"
        case .number(let number): "number = \(Int32(clamping: number))"
        }
    }

    static func read(
        _ reference: DecisionReference, in alliance: Alliance, on connection: PostgresConnection
    )
        async throws -> Decision
    {
        let rows = try await connection.query(
            """
            SELECT \(columns) FROM decisions
            WHERE alliance_id = \(alliance.id.rawValue) AND \(matching(reference))
            """)
        guard let row = rows.first else { throw LedgerError.decisionNotFound(reference.description) }
        return try await decisions([row], in: alliance, on: connection)[0]
    }

    static let columns: PostgresQuery = """
        id, number, title, description, action_type, action_format, action::text AS action, proposer_id, proposed_at, closes_at,
        abstention, state, closed_at, failure,
        (SELECT email FROM people WHERE people.alliance_id = decisions.alliance_id AND people.id = proposer_id) AS proposer
        """

    /// Whole decisions from their rows: electorates and votes in one statement each.
    private static func decisions(
        _ rows: [PostgresRow], in alliance: Alliance, on connection: PostgresConnection
    )
        async throws -> [Decision]
    {
        let ids = try rows.map { try $0.decode("id", as: Int64.self) }
        let electorates = try await electorate(of: ids, in: alliance.id, on: connection)
        let votes = try await votes(of: ids, in: alliance.id, on: connection)
        var decisions: [Decision] = []
        for row in rows {
            let open = try OpenDecision(row)
            decisions.append(
                Decision(
                    id: open.id, number: open.number, title: try row.decode("title"),
                    description: try row.decode("description"), action: open.action,
                    proposer: try row.decode("proposer"), proposedAt: try row.decode("proposed_at"),
                    closesAt: open.closesAt, abstention: open.abstention, state: open.state,
                    closedAt: try row.decode("closed_at"), failure: try row.decode("failure"),
                    electorate: electorates[open.id] ?? [], votes: votes[open.id] ?? [],
                    effect: open.state == .carried
                        ? try await open.action?.kind.effect(of: open.id, in: alliance, on: connection) : nil)
            )
        }
        return decisions
    }

    private static func electorate(
        of ids: [Int64], in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> [Int64: [String]]
    {
        var electorates: [Int64: [String]] = [:]
        for row in try await connection.query(
            """
            SELECT e.decision_id, p.slug FROM decision_electorate AS e
            JOIN partners AS p ON p.alliance_id = e.alliance_id AND p.id = e.partner_id
            WHERE e.alliance_id = \(alliance.rawValue) AND e.decision_id = ANY(\(ids)::bigint[])
            ORDER BY p.slug
            """)
        {
            electorates[try row.decode("decision_id"), default: []].append(try row.decode("slug"))
        }
        return electorates
    }

    private static func votes(of ids: [Int64], in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> [Int64: [DecisionVote]]
    {
        var votes: [Int64: [DecisionVote]] = [:]
        for row in try await connection.query(
            """
            SELECT v.decision_id, p.slug, people.email, v.vote, v.reason, v.cast_at,
                   v.id = first_value(v.id) OVER (
                       PARTITION BY v.decision_id, v.partner_id ORDER BY v.cast_at DESC, v.id DESC) AS current
            FROM decision_votes AS v
            JOIN partners AS p ON p.alliance_id = v.alliance_id AND p.id = v.partner_id
            JOIN people ON people.alliance_id = v.alliance_id AND people.id = v.person_id
            WHERE v.alliance_id = \(alliance.rawValue) AND v.decision_id = ANY(\(ids)::bigint[])
            ORDER BY v.cast_at, v.id
            """)
        {
            votes[try row.decode("decision_id"), default: []].append(
                DecisionVote(
                    partner: try row.decode("slug"), person: try row.decode("email"),
                    vote: try row.decode("vote", as: VoteChoice.self),
                    reason: try row.decode("reason"),
                    castAt: try row.decode("cast_at"), current: try row.decode("current")))
        }
        return votes
    }

    /// The journal entry a carried action posted, when it posted one.
    static func entry(_ sequence: Int64?, in alliance: AllianceID, on connection: PostgresConnection)
        async throws -> JournalEntry?
    {
        guard let sequence else { return nil }
        return try await LedgerStore.entries(alliance, sequences: [sequence], on: connection).first
    }
}

/// The columns of a decision that voting and settling need.
private struct OpenDecision {
    let id: Int64
    let number: Int
    let proposer: Int64
    let action: DecisionAction?
    let closesAt: Timestamp
    let abstention: Abstention
    let state: DecisionState

    var reference: String { Decision.reference(number) }
    var lifecycle: DecisionLifecycle {
        DecisionLifecycle(state: state, closesAt: closesAt, abstention: abstention)
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        number = Int(try row.decode("number", as: Int32.self))
        proposer = try row.decode("proposer_id")
        action = try DecisionActionKinds.stored(
            type: row.decode("action_type"), format: row.decode("action_format"), body: row.decode("action"))
        closesAt = try row.decode("closes_at")
        abstention = try row.decode("abstention", as: Abstention.self)
        state = try row.decode("state", as: DecisionState.self)
    }
}
