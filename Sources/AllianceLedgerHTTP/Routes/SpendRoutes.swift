import AllianceLedger
import Hummingbird

/// Spend: finance leads record and correct their own partner's; everyone in the alliance reads
/// all of it (open books).
struct SpendRoutes {
    let services: APIServices

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.post("spend") { request, context in
            try context.require(.finance)
            let body = try await request.decode(as: SpendBody.self, context: context)
            // The journal keeps the key with the entry, in the same statement: no separate claim.
            let key = try IdempotencyKey(request, caller: context.caller)
            let spend = try await services.spendBook.record(
                body.request, in: context.alliance, by: context.caller, idempotencyKey: key?.journalKey)
            return Answer(
                spend, status: .created,
                headers: Self.headers(location: "\(context.base)/spend/\(spend.id)", replayed: spend.replayed)
            )
        }
        routes.get("spend") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: Query.paging.union(["partner", "line", "period"]))
            let page = try query.page()
            let alliance = context.alliance
            // A filter that names nothing is a mistake to report, not an empty page.
            if let partner = query["partner"] {
                _ = try await services.directory.partner(partner, in: alliance.id)
            }
            if let line = query["line"] { _ = try await services.directory.budgetLine(line, in: alliance.id) }
            let period = try query["period"].map { text in
                do {
                    return try Period(
                        parsing: text, financialYearStartMonth: alliance.financialYearStartMonth)
                } catch {
                    throw Problem.invalidQuery("period", "\(error)")
                }
            }
            return Answer(
                try await services.spendBook.list(
                    in: alliance.id, partner: query["partner"], budgetLine: query["line"],
                    incurredFrom: period?.first, incurredTo: period?.last, page: page))
        }
        routes.get("spend/{id}") { _, context in
            try context.require(.everyone)
            return Answer(
                try await services.spendBook.spend(try Self.spendID(context), in: context.alliance.id))
        }
        routes.post("spend/{id}/reversal") { request, context in
            try context.require(.finance)
            let id = try Self.spendID(context)
            let body = try await request.decode(as: ReversalBody.self, context: context)
            let key = try IdempotencyKey(request, caller: context.caller)
            let reversal = try await services.spendBook.reverse(
                id, reason: body.reason, in: context.alliance, by: context.caller,
                idempotencyKey: key?.journalKey)
            return Answer(
                reversal.entry, status: .created,
                headers: Self.headers(
                    location: "\(context.base)/journal/\(reversal.entry.sequence)",
                    replayed: reversal.replayed))
        }
        return routes
    }

    /// A new entry's headers: where to read it, and whether this is a retry's replay.
    private static func headers(location: String, replayed: Bool) -> HTTPFields {
        var headers: HTTPFields = [.location: location]
        if replayed { headers[.idempotentReplayed] = "true" }
        return headers
    }

    private static func spendID(_ context: AllianceRequestContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text), id > 0 else {
            throw Problem.notFound(
                "spend-not-found", "There is no such spend",
                "\"\(text)\" is not a spend id: ids are whole numbers from 1")
        }
        return id
    }
}

struct SpendBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable {
        case partner, budgetLine, amount, incurredOn, description, supplier, reference
        case expenseType, supplierType, supplierId, irrecoverableVat
    }

    let request: SpendRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try SpendRequest(
            partner: try fields.decode(String.self, forKey: .partner),
            budgetLine: try fields.decode(String.self, forKey: .budgetLine),
            amount: try fields.decodeMinorUnits(forKey: .amount),
            incurredOn: try fields.decodeDate(forKey: .incurredOn),
            description: try fields.decode(String.self, forKey: .description),
            supplier: try fields.decodeIfPresent(String.self, forKey: .supplier) ?? "",
            reference: try fields.decodeIfPresent(String.self, forKey: .reference) ?? "",
            expenseType: try fields.decodeIfPresent(ExpenseTypeBody.self, forKey: .expenseType)?.type,
            supplierType: try fields.decodeChoiceIfPresent(SupplierType.self, forKey: .supplierType),
            supplierID: try fields.decodeIfPresent(String.self, forKey: .supplierId) ?? "",
            irrecoverableVAT: try fields.decodeMinorUnitsIfPresent(forKey: .irrecoverableVat))
    }

}

/// A spend's expense type: `{"code": "5201", "label": "Agency staff"}`, the label optional.
struct ExpenseTypeBody: Decodable {
    enum Field: String, CodingKey, CaseIterable { case code, label }

    let type: ExpenseType

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        type = try ExpenseType(
            code: try fields.decode(String.self, forKey: .code),
            label: try fields.decodeIfPresent(String.self, forKey: .label) ?? "")
    }
}

struct ReversalBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case reason }

    let reason: String

    init(from decoder: any Decoder) throws {
        reason = try decoder.strictContainer(Field.self).decode(String.self, forKey: .reason)
    }
}
