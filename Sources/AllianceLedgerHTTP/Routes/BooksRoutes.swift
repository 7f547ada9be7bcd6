import AllianceLedger
import Hummingbird

/// Reading the books: budgets and their history (everyone in the alliance), and balances, the
/// journal and its verification (auditors and admins).
struct BooksRoutes {
    let services: APIServices

    static let readers: Set<Role> = [.auditor, .admin]

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.get("budgets") { request, context in
            try context.require(.everyone)
            let year = try Self.financialYear(try Query(request, allowed: ["year"]), of: context.alliance)
            return Answer(
                BudgetYear(
                    year: year,
                    figures: try await services.budgets.figures(year: year, in: context.alliance.id)
                ))
        }
        routes.get("budgets/history") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: Query.paging.union(["year"]))
            let page = try query.page(order: .oldestFirst)
            let year = try Self.financialYear(query, of: context.alliance)
            // The history only grows, oldest first, so a change's place in it is a stable cursor.
            let changes = try await services.budgets.history(year: year, in: context.alliance.id).enumerated()
            let listed = try page.page(
                of: Array(changes), listing: "budget-history-FY\(year)", id: { Int64($0.offset + 1) })
            return Answer(ListPage(items: listed.items.map(\.element), nextCursor: listed.nextCursor))
        }
        routes.get("balances") { request, context in
            try context.require(Self.readers)
            let day = try Query(request, allowed: ["asOf"]).date("asOf")
            return Answer(
                BalanceSheet(
                    asOf: day,
                    accounts: try await services.ledger.balances(in: context.alliance.id, asOf: day)))
        }
        routes.get("journal") { request, context in
            try context.require(Self.readers)
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
            return Answer(
                try await services.ledger.entries(in: context.alliance.id, matching: filter, page: page))
        }
        routes.get("journal/{sequence}") { request, context in
            try context.require(Self.readers)
            _ = try Query(request, allowed: [])
            let text = try context.parameters.require("sequence")
            guard let sequence = Int64(text), sequence > 0 else {
                throw Problem.notFound(
                    "entry-not-found", "There is no such journal entry",
                    "\"\(text)\" is not a sequence: entries are numbered from 1")
            }
            return Answer(try await services.ledger.entry(sequence, in: context.alliance.id))
        }
        routes.get("verify") { request, context in
            try context.require(Self.readers)
            _ = try Query(request, allowed: [])
            return Answer(try await services.ledger.verify(context.alliance.id))
        }
        return routes
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
