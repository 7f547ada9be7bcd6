import AllianceLedger
import Hummingbird
import Postgres

/// Alliances, partners, budget lines, people and their tokens. Admins set an alliance up; the
/// operator creates alliances and may act as an admin of any of them.
struct DirectoryRoutes {
    let services: APIServices

    /// Anyone of the alliance may read who takes part.
    static let everyone: Set<Role> = Set(Role.allCases)

    func register(on routes: RouteTable) {
        let services = services
        routes.post("/v1/alliances") { request, context in
            let caller = try await services.caller(request)
            guard caller.identity == .operator else {
                throw Problem.forbidden("only the operator's token creates alliances")
            }
            let (body, bytes) = try await JSONBody.decode(AllianceBody.self, from: request, context: context)
            return try await services.creating(request, caller: caller, body: bytes) {
                try await services.directory.create(body.request)
            }
        }
        routes.get("/v1/alliances/{alliance}") { request, context in
            try JSONAnswer.encode(
                try await services.authorize(request, context, roles: Self.everyone).alliance)
        }

        routes.post("/v1/alliances/{alliance}/partners") { request, context in
            let (caller, alliance) = try await services.authorize(request, context, roles: [.admin])
            let (body, bytes) = try await JSONBody.decode(PartnerBody.self, from: request, context: context)
            return try await services.creating(request, caller: caller, body: bytes) {
                try await services.directory.addPartner(body.request, to: alliance)
            }
        }
        routes.get("/v1/alliances/{alliance}/partners") { request, context in
            let page = try Query(request, allowed: Query.paging).page()
            let alliance = try await services.authorize(request, context, roles: Self.everyone).alliance
            return try JSONAnswer.encode(
                try page.page(
                    of: try await services.directory.partners(in: alliance.id), listing: "partners", id: \.id)
            )
        }

        routes.post("/v1/alliances/{alliance}/budget-lines") { request, context in
            let (caller, alliance) = try await services.authorize(request, context, roles: [.admin])
            let (body, bytes) = try await JSONBody.decode(
                BudgetLineBody.self, from: request, context: context)
            return try await services.creating(request, caller: caller, body: bytes) {
                try await services.directory.addBudgetLine(body.request, to: alliance)
            }
        }
        routes.get("/v1/alliances/{alliance}/budget-lines") { request, context in
            let page = try Query(request, allowed: Query.paging).page()
            let alliance = try await services.authorize(request, context, roles: Self.everyone).alliance
            return try JSONAnswer.encode(
                try page.page(
                    of: try await services.directory.budgetLines(in: alliance.id), listing: "budget-lines",
                    id: \.id))
        }

        routes.post("/v1/alliances/{alliance}/people") { request, context in
            let (caller, alliance) = try await services.authorize(request, context, roles: [.admin])
            let (body, bytes) = try await JSONBody.decode(PersonBody.self, from: request, context: context)
            return try await services.creating(request, caller: caller, body: bytes) {
                try await services.directory.addPerson(body.request, to: alliance)
            }
        }
        routes.get("/v1/alliances/{alliance}/people") { request, context in
            let page = try Query(request, allowed: Query.paging).page()
            // E-mail addresses are personal data: admins and auditors see the list.
            let alliance = try await services.authorize(request, context, roles: [.admin, .auditor]).alliance
            return try JSONAnswer.encode(
                try page.page(
                    of: try await services.directory.people(in: alliance.id), listing: "people", id: \.id))
        }

        routes.post("/v1/alliances/{alliance}/people/{person}/tokens") { request, context in
            let (caller, alliance) = try await services.authorize(request, context, roles: [.admin])
            let text = try context.parameters.require("person")
            guard let id = Int64(text), id > 0 else { throw LedgerError.personNotFound(text) }
            let (_, bytes) = try await JSONBody.decode(TokenBody.self, from: request, context: context)
            let person = try await services.directory.person(id, in: alliance.id)
            return try await services.creating(request, caller: caller, body: bytes, storesAnswer: false) {
                IssuedToken(token: try await services.tokens.issue(for: person))
            }
        }
    }
}

struct IssuedToken: Encodable {
    let token: String
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
        var roleList = try fields.nestedUnkeyedContainer(forKey: .roles)
        var roles: Set<Role> = []
        while !roleList.isAtEnd {
            let text = try roleList.decode(String.self)
            guard let role = Role(rawValue: text) else {
                throw Problem.invalidField(
                    "roles[\(roleList.currentIndex - 1)]",
                    "roles may be \(Role.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(text)\""
                )
            }
            guard roles.insert(role).inserted else {
                throw Problem.invalidField(
                    "roles[\(roleList.currentIndex - 1)]",
                    "roles names \"\(text)\" twice; name each role once")
            }
        }
        request = try PersonRequest(
            name: try fields.decode(String.self, forKey: .name),
            email: try fields.decode(String.self, forKey: .email),
            partner: try fields.decode(String.self, forKey: .partner), roles: roles)
    }
}

/// Issuing a token takes no fields: `{}`.
struct TokenBody: JSONRequest {
    enum Field: CodingKey, CaseIterable {}

    init(from decoder: any Decoder) throws {
        _ = try decoder.strictContainer(Field.self)
    }
}
