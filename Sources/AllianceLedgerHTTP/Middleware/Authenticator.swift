import AllianceLedger
import Foundation
import Hummingbird

/// Resolves who is asking from the bearer token, and under `/v1/alliances/{alliance}` the
/// alliance too, once per request and into the context, before any handler runs: a missing,
/// unknown or revoked token is 401 before anything else is looked at (query, body, alliance),
/// so only holders of a valid token learn which alliances exist. A person's token works in
/// its own alliance only.
struct Authenticator: RouterMiddleware {
    typealias Context = LedgerRequestContext

    let tokens: TokenStore
    let credentials: CredentialCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let token = try Self.bearerToken(request)
        if let slug = context.parameters.get("alliance") {
            let (caller, alliance) = try await callerAndAlliance(token: token, slug: slug)
            context.record.caller = Self.name(caller)
            context.alliance = alliance
            context.caller = caller
        } else {
            let caller = try await caller(token: token)
            context.record.caller = Self.name(caller)
            context.caller = caller
        }
        return try await next(request, context)
    }

    private func caller(token: String) async throws -> Caller {
        if let caller = credentials.caller(token: token) { return caller }
        let caller = try await tokens.authenticate(token)
        credentials.remember(caller, token: token)
        return caller
    }

    /// Both in one statement when neither is cached: the token is judged before the alliance.
    private func callerAndAlliance(token: String, slug: String) async throws -> (Caller, Alliance) {
        if let caller = credentials.caller(token: token), let alliance = credentials.alliance(slug: slug) {
            try caller.requireMembership(of: alliance)
            return (caller, alliance)
        }
        let found = try await tokens.authenticate(token, in: slug)
        credentials.remember(found.caller, token: token)
        credentials.remember(found.alliance)
        return found
    }

    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthenticated("send the header Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthenticated("the Authorization header must be Bearer <token>")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// How logs name a caller: by id, never by token or e-mail.
    static func name(_ caller: Caller) -> String {
        switch caller.identity {
        case .operator: "operator-token:\(caller.tokenID.map(String.init) ?? "none")"
        case .person(let person): "person:\(person.id)"
        }
    }
}
