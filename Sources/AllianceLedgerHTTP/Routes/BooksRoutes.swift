import AllianceLedger
import Hummingbird
import Postgres

/// Reading the books: budgets and their history (everyone in the alliance), and balances, the
/// journal and its verification (auditors and admins).
struct BooksRoutes {
    let services: APIServices

    static let readers: Set<Role> = [.auditor, .admin]

    func register(on routes: RouteTable) {
        let services = services
        routes.get("/v1/alliances/{alliance}/budgets") { request, context in
            let query = try Query(request, allowed: ["year"])
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let year = try Self.financialYear(query, of: alliance)
            return try JSONAnswer.encode(
                BudgetYear(year: year, lines: try await services.budgets.figures(year: year, in: alliance.id))
            )
        }
        routes.get("/v1/alliances/{alliance}/budgets/history") { request, context in
            let query = try Query(request, allowed: Query.paging.union(["year"]))
            let page = try query.page(order: .oldestFirst)
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let year = try Self.financialYear(query, of: alliance)
            // The history only grows, oldest first, so a change's place in it is a stable cursor.
            let changes = try await services.budgets.history(year: year, in: alliance.id).enumerated()
            let listed = try page.page(
                of: Array(changes), listing: "budget-history-FY\(year)", id: { Int64($0.offset + 1) })
            return try JSONAnswer.encode(
                ListPage(items: listed.items.map(\.element), nextCursor: listed.nextCursor))
        }
        routes.get("/v1/alliances/{alliance}/balances") { request, context in
            let query = try Query(request, allowed: ["asOf"])
            let day = try query.date("asOf")
            let alliance = try await services.authorize(request, context, roles: Self.readers).alliance
            return try JSONAnswer.encode(
                BalanceSheet(
                    asOf: day, accounts: try await services.ledger.balances(in: alliance.id, asOf: day)))
        }
        routes.get("/v1/alliances/{alliance}/journal") { request, context in
            let query = try Query(request, allowed: Query.paging.union(["kind", "account", "from", "to"]))
            let page = try query.page(order: .oldestFirst)
            var filter = JournalFilter()
            if let kind = query["kind"] {
                guard let value = EntryKind(rawValue: kind) else {
                    throw Problem.invalidQuery(
                        "kind",
                        "kind must be one of \(EntryKind.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(kind)\""
                    )
                }
                filter.kinds = [value]
            }
            do {
                filter.account = try query["account"].map { try AccountCode($0) }
            } catch {
                throw Problem.invalidQuery("account", "\(error)")
            }
            filter.effectiveFrom = try query.date("from")
            filter.effectiveTo = try query.date("to")
            let alliance = try await services.authorize(request, context, roles: Self.readers).alliance
            return try JSONAnswer.encode(
                try await services.ledger.entries(in: alliance.id, matching: filter, page: page))
        }
        routes.get("/v1/alliances/{alliance}/verify") { request, context in
            _ = try Query(request, allowed: [])
            let alliance = try await services.authorize(request, context, roles: Self.readers).alliance
            return try JSONAnswer.encode(try await services.ledger.verify(alliance.id))
        }
    }

    /// The required `year` query parameter: a financial year such as FY2025.
    static func financialYear(_ query: Query, of alliance: Alliance) throws -> Int {
        guard let text = query["year"] else {
            throw Problem.invalidQuery("year", "year is required: a financial year such as FY2025")
        }
        do {
            return try Period.financialYear(named: text, startMonth: alliance.financialYearStartMonth)
        } catch {
            throw Problem.invalidQuery("year", "\(error)")
        }
    }
}
