import AllianceLedger
import Dates
import Hummingbird

/// The board's decisions: board members propose, vote for their own partner and withdraw their
/// own proposals; everyone in the alliance reads every decision with every vote (open books).
struct DecisionRoutes {
    let services: APIServices

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.post("decisions") { request, context in
            try context.require(.board)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: ProposalBody.self,
                location: { Self.location($0, in: context) }
            ) { body, connection in
                try await services.decisions.propose(
                    body.proposal, in: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.get("decisions") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: Query.paging.union(["state"]))
            let page = try query.page()
            let state = try query["state"].map { text in
                guard let state = DecisionState(rawValue: text) else {
                    throw Problem.invalidQuery(
                        "state",
                        "state must be one of \(DecisionState.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\""
                    )
                }
                return state
            }
            return Answer(try await services.decisions.list(in: context.alliance, state: state, page: page))
        }
        routes.get("decisions/{id}") { _, context in
            try context.require(.everyone)
            return Answer(
                try await services.decisions.decision(try Self.reference(context), in: context.alliance))
        }
        // A vote's answer is the decision as the vote left it, and that is where it is read.
        routes.post("decisions/{id}/votes") { request, context in
            try context.require(.board)
            let reference = try Self.reference(context)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: VoteBody.self,
                location: { Self.location($0, in: context) }
            ) { body, connection in
                try await services.decisions.vote(
                    body.vote, reason: body.reason, on: reference, in: context.alliance, by: context.caller,
                    for: body.partner, on: connection)
            }
        }
        // Nothing new is created: the answer is the decision, now withdrawn.
        routes.post("decisions/{id}/withdrawal") { request, context in
            try context.require(.board)
            let reference = try Self.reference(context)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: EmptyBody.self, status: .ok,
                location: { _ in nil }
            ) { _, connection in
                try await services.decisions.withdraw(
                    reference, in: context.alliance, by: context.caller, on: connection)
            }
        }
        return routes
    }

    private static func location(_ decision: Decision, in context: AllianceRequestContext) -> String {
        "\(context.base)/decisions/\(decision.reference)"
    }

    /// `{id}`: the decision's id, or its number `D-0001`; anything else names no decision.
    private static func reference(_ context: AllianceRequestContext) throws -> DecisionReference {
        let text = try context.parameters.require("id")
        guard let reference = DecisionReference(text) else { throw LedgerError.decisionNotFound(text) }
        return reference
    }
}

/// `{"title","description"?,"closesAt"?,"action"?}`: a closing time in RFC 3339 (seven days on
/// when absent), and an action in the library's strict wire format (none: a resolution).
struct ProposalBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case title, description, closesAt, action }

    let proposal: DecisionProposal

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        let closesAt = try fields.decodeIfPresent(String.self, forKey: .closesAt).map { text in
            guard let instant = Timestamp(iso8601: text) else {
                throw LedgerError.invalidField(
                    fields.path(of: .closesAt),
                    reason:
                        "must be an instant in RFC 3339 with its offset, e.g. 2025-06-01T17:00:00Z, not \"\(text)\""
                )
            }
            return instant
        }
        proposal = try DecisionProposal(
            title: try fields.decode(String.self, forKey: .title),
            description: try fields.decodeIfPresent(String.self, forKey: .description) ?? "",
            closesAt: closesAt,
            action: try fields.decodeIfPresent(DecisionAction.self, forKey: .action))
    }
}

/// `{"vote","reason"?,"partner"?}`: the partner, when given, must be the voter's own.
struct VoteBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case vote, reason, partner }

    let vote: VoteChoice
    let reason: String?
    let partner: String?

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        vote = try fields.decodeChoice(VoteChoice.self, forKey: .vote)
        reason = try fields.decodeIfPresent(String.self, forKey: .reason)
        partner = try fields.decodeIfPresent(String.self, forKey: .partner)
    }
}
