import AllianceLedger
import Hummingbird

/// The governance log: every governing act of the alliance (decisions and votes, people and
/// roles, tokens, structure and settings), with who did it, when and in which request. It names
/// people and partners, so it is read by those who oversee the alliance rather than by everyone:
/// auditors and every partner's admins (and the operator).
struct GovernanceRoutes {
    let services: APIServices

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        // Oldest first, as the chain runs: a record's sequence is a stable cursor.
        routes.get("audit") { request, context in
            try context.require(GovernanceLog.readers)
            let page = try Query(request, allowed: Query.paging).page(order: .oldestFirst)
            return Answer(
                try await services.governance.records(in: context.alliance.id, page: page, by: context.caller)
            )
        }
        // The chain recomputed here, as `GET …/verify` does the journal's, so an auditor can
        // check it without a connection to the database.
        routes.get("audit/verify") { request, context in
            try context.require(GovernanceLog.readers)
            _ = try Query(request, allowed: [])
            return Answer(try await services.governance.verify(context.alliance.id, by: context.caller))
        }
        return routes
    }
}
