import AllianceLedger
import Dates
import Hummingbird

/// Alliances, partners, budget lines, people and their tokens. The operator creates an alliance
/// and sets it up until its first carried decision; from then on a partner's people are the
/// business of that partner's admins, and alliance-wide structure changes by decision. The
/// library decides who may act for which partner; a route states only the role it needs.
struct DirectoryRoutes {
    let services: APIServices

    /// `POST /v1/alliances`: the operator's, under `/v1` where no alliance is named yet.
    var operatorRoutes: RouteCollection<LedgerRequestContext> {
        let routes = RouteCollection(context: LedgerRequestContext.self)
        let services = services
        routes.post("alliances") { request, context in
            let caller = try context.authenticatedCaller()
            guard caller.identity == .operator else {
                throw Problem.forbidden("only the operator's token creates alliances")
            }
            return try await services.creations.create(
                request, context: context, caller: caller, body: AllianceBody.self,
                location: { "/v1/alliances/\($0.slug)" }
            ) { body, connection in
                try await services.directory.create(body.request, by: caller, on: connection)
            }
        }
        // The operator's own tokens, by id: so that a leaked one can be found and revoked.
        routes.get("tokens") { request, context in
            let caller = try context.authenticatedCaller()
            let page = try Query(request, allowed: Query.paging).page(order: .oldestFirst)
            return Answer(
                try page.page(
                    of: try await services.tokens.operatorTokens(by: caller), listing: "tokens", id: \.id))
        }
        routes.post("tokens/{token}/revocation") { request, context in
            let caller = try context.authenticatedCaller()
            guard caller.identity == .operator else {
                throw Problem.forbidden("only the operator's token revokes operator tokens")
            }
            let id = try Self.tokenID(context.parameters)
            // Only operator tokens here: a person's token is revoked under its alliance.
            guard try await services.tokens.operatorTokens(by: caller).contains(where: { $0.id == id }) else {
                throw LedgerError.tokenNotFound(id)
            }
            return try await services.creations.create(
                request, context: context, caller: caller, body: EmptyBody.self, status: .ok,
                location: { _ in nil }
            ) { _, connection in
                try await services.tokens.revoke(id, by: caller, on: connection)
            }
        }
        return routes
    }

    /// Everything under `/v1/alliances/{alliance}`.
    var allianceRoutes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.get { _, context in
            try context.require(.everyone)
            return Answer(context.alliance)
        }

        // Partners and budget lines are the operator's to set up; afterwards decisions add them.
        routes.post("partners") { request, context in
            try context.requireOperator()
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: PartnerBody.self,
                location: { "\(context.base)/partners/\($0.slug)" }
            ) { body, connection in
                try await services.directory.addPartner(
                    body.request, to: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.get("partners") { request, context in
            try context.require(.everyone)
            let page = try Query(request, allowed: Query.paging).page()
            return Answer(
                try page.page(
                    of: try await services.directory.partners(in: context.alliance.id), listing: "partners",
                    id: \.id))
        }
        routes.get("partners/{partner}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            return Answer(
                try await services.directory.partner(
                    try context.parameters.require("partner"), in: context.alliance.id))
        }

        routes.post("budget-lines") { request, context in
            try context.requireOperator()
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: BudgetLineBody.self,
                location: { "\(context.base)/budget-lines/\($0.code)" }
            ) { body, connection in
                try await services.directory.addBudgetLine(
                    body.request, to: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.get("budget-lines") { request, context in
            try context.require(.everyone)
            let page = try Query(request, allowed: Query.paging).page()
            return Answer(
                try page.page(
                    of: try await services.directory.budgetLines(in: context.alliance.id),
                    listing: "budget-lines", id: \.id))
        }
        routes.get("budget-lines/{code}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            return Answer(
                try await services.directory.budgetLine(
                    try context.parameters.require("code"), in: context.alliance.id))
        }

        // An admin adds people to their own partner; the operator, to any, while setting up.
        routes.post("people") { request, context in
            try context.require(.admin)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: PersonBody.self,
                location: { "\(context.base)/people/\($0.id)" }
            ) { body, connection in
                try await services.directory.addPerson(
                    body.request, to: context.alliance, by: context.caller, on: connection)
            }
        }
        // E-mail addresses are personal data: admins and auditors see people.
        routes.get("people") { request, context in
            try context.require([.admin, .auditor])
            let page = try Query(request, allowed: Query.paging).page()
            return Answer(
                try page.page(
                    of: try await services.directory.people(in: context.alliance.id), listing: "people",
                    id: \.id))
        }
        routes.get("people/{person}") { request, context in
            try context.require([.admin, .auditor])
            _ = try Query(request, allowed: [])
            return Answer(
                try await services.directory.person(try Self.personID(context), in: context.alliance.id))
        }
        // Sets exactly the roles listed: a roles change is idempotent by nature, so it takes no key.
        routes.patch("people/{person}") { request, context in
            try context.require(.admin)
            let id = try Self.personID(context)
            let body = try await request.decode(as: RolesBody.self, context: context)
            return Answer(
                try await services.directory.setRoles(
                    body.roles, of: id, in: context.alliance, by: context.caller))
        }
        // Ends every role and revokes every token; the person stays in the records that name them.
        routes.post("people/{person}/removal") { request, context in
            try context.require(.admin)
            let id = try Self.personID(context)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: EmptyBody.self, status: .ok,
                location: { _ in nil }
            ) { _, connection in
                try await services.directory.removePerson(
                    id, in: context.alliance, by: context.caller, on: connection)
            }
        }

        routes.post("people/{person}/tokens") { request, context in
            try context.require(.admin)
            let id = try Self.personID(context)
            let person = try await services.directory.person(id, in: context.alliance.id)
            // A token is shown once: never stored as an answer, never cached on the way.
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: TokenBody.self, kept: false,
                headers: [.cacheControl: "no-store"],
                location: { (issued: IssuedToken) in "\(context.base)/people/\(id)/tokens/\(issued.id)" }
            ) { body, connection in
                let issued = try await services.tokens.issue(
                    for: person, in: context.alliance, by: context.caller, expiresAt: body.expiresAt,
                    on: connection)
                return IssuedToken(id: issued.id, token: issued.token)
            }
        }
        routes.get("people/{person}/tokens/{token}") { request, context in
            try context.require(.admin)
            _ = try Query(request, allowed: [])
            let person = try await services.directory.person(
                try Self.personID(context), in: context.alliance.id)
            return Answer(try await services.tokens.token(try Self.tokenID(context), of: person))
        }
        // The person themselves, an admin of their partner, or the operator (an incident, at any
        // time): the library decides which, so any person of the alliance may ask.
        routes.post("people/{person}/tokens/{token}/revocation") { request, context in
            try context.require(.everyone)
            let person = try await services.directory.person(
                try Self.personID(context), in: context.alliance.id)
            let id = try Self.tokenID(context)
            // The path names the token's owner: a token of anyone else is not found here.
            _ = try await services.tokens.token(id, of: person)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: EmptyBody.self, status: .ok,
                location: { _ in nil }
            ) { _, connection in
                try await services.tokens.revoke(id, in: context.alliance, by: context.caller, on: connection)
            }
        }
        return routes
    }

    /// `{person}`: a person's id; anything else names nobody.
    private static func personID(_ context: AllianceRequestContext) throws -> Int64 {
        let text = try context.parameters.require("person")
        guard let id = Int64(text), id > 0 else { throw LedgerError.personNotFound(text) }
        return id
    }

    /// `{token}`: a token's id, never the token itself; anything else names no token.
    private static func tokenID(_ context: AllianceRequestContext) throws -> Int64 {
        try tokenID(context.parameters)
    }

    private static func tokenID(_ parameters: Parameters) throws -> Int64 {
        let text = try parameters.require("token")
        guard let id = Int64(text), id > 0 else {
            throw Problem.notFound(
                "token-not-found", "There is no such token", "\"\(text)\" is not a token id")
        }
        return id
    }
}

/// `{"expiresAt"?}`: when the new token stops working, in RFC 3339; absent, it works until
/// revoked.
struct TokenBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case expiresAt }

    let expiresAt: Timestamp?

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        expiresAt = try fields.decodeIfPresent(String.self, forKey: .expiresAt).map { text in
            guard let instant = Timestamp(iso8601: text) else {
                throw LedgerError.invalidField(
                    fields.path(of: .expiresAt),
                    reason:
                        "must be an instant in RFC 3339 with its offset, e.g. 2027-01-01T00:00:00Z, not \"\(text)\""
                )
            }
            return instant
        }
    }
}

/// A new token, shown once; its id is in the answer's `Location`, not its body.
struct IssuedToken: Encodable {
    let id: Int64
    let token: String

    private enum CodingKeys: String, CodingKey { case token }
}
struct AllianceBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable {
        case slug, name, currency, financialYearStartMonth, contractStart, contractEnd, abstention
    }

    let request: AllianceRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try AllianceRequest(
            slug: try fields.decode(String.self, forKey: .slug),
            name: try fields.decode(String.self, forKey: .name),
            currency: try fields.decodeIfPresent(String.self, forKey: .currency) ?? "GBP",
            financialYearStartMonth: try fields.decodeIfPresent(Int.self, forKey: .financialYearStartMonth)
                ?? 4,
            contractStart: try fields.decodeDateIfPresent(forKey: .contractStart),
            contractEnd: try fields.decodeDateIfPresent(forKey: .contractEnd),
            abstention: try fields.decodeChoiceIfPresent(Abstention.self, forKey: .abstention) ?? .blocks)
    }
}

struct PartnerBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case slug, name, kind, joinedOn }

    let request: PartnerRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try PartnerRequest(
            slug: try fields.decode(String.self, forKey: .slug),
            name: try fields.decode(String.self, forKey: .name),
            kind: try fields.decodeChoice(PartnerKind.self, forKey: .kind),
            joinedOn: try fields.decodeDateIfPresent(forKey: .joinedOn))
    }
}

struct BudgetLineBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case code, name }

    let request: BudgetLineRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try BudgetLineRequest(
            code: try fields.decode(String.self, forKey: .code),
            name: try fields.decode(String.self, forKey: .name))
    }
}

struct PersonBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case name, email, partner, roles }

    let request: PersonRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try PersonRequest(
            name: try fields.decode(String.self, forKey: .name),
            email: try fields.decode(String.self, forKey: .email),
            partner: try fields.decode(String.self, forKey: .partner),
            roles: try fields.decodeRoles(forKey: .roles))
    }
}

/// `{"roles":[…]}`: the roles a person is to hold, exactly; at least one (to end them all,
/// remove the person).
struct RolesBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case roles }

    let roles: Set<Role>

    init(from decoder: any Decoder) throws {
        roles = try decoder.strictContainer(Field.self).decodeRoles(forKey: .roles)
    }
}

extension KeyedDecodingContainer {
    /// A list of roles, each named once: a repeated or unknown one is refused by its place in
    /// the list rather than silently merged or dropped.
    fileprivate func decodeRoles(forKey key: Key) throws -> Set<Role> {
        var list = try nestedUnkeyedContainer(forKey: key)
        var roles: Set<Role> = []
        while !list.isAtEnd {
            let text = try list.decode(String.self)
            guard let role = Role(rawValue: text) else {
                throw Problem.invalidField(
                    "roles[\(list.currentIndex - 1)]",
                    "roles may be \(Role.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(text)\""
                )
            }
            guard roles.insert(role).inserted else {
                throw Problem.invalidField(
                    "roles[\(list.currentIndex - 1)]", "roles names \"\(text)\" twice; name each role once")
            }
        }
        return roles
    }
}
