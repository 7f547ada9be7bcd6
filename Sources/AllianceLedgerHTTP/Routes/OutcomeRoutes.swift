import AllianceLedger
import Hummingbird
import Postgres

/// Outcomes: finance people record measurements; everyone in the alliance reads the terms in
/// force, every measurement and each period's payment (open books). Terms are set, and payments
/// posted, only by carried decisions.
struct OutcomeRoutes {
    let services: APIServices

    func register(on routes: RouteTable) {
        let services = services
        routes.get("/v1/alliances/{alliance}/outcomes/terms") { request, context in
            let query = try Query(request, allowed: ["year"])
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let year = try BooksRoutes.financialYear(query, of: alliance)
            return try JSONAnswer.encode(try await services.outcomes.terms(year: year, in: alliance))
        }
        routes.post("/v1/alliances/{alliance}/outcomes/measurements") { request, context in
            let (caller, alliance) = try await services.authorize(request, context, roles: [.finance])
            let (body, bytes) = try await JSONBody.decode(
                MeasurementBody.self, from: request, context: context)
            return try await services.creating(request, caller: caller, body: bytes) {
                try await services.outcomes.record(body.request, in: alliance, by: caller)
            }
        }
        routes.get("/v1/alliances/{alliance}/outcomes/measurements") { request, context in
            let query = try Query(request, allowed: ["period"])
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let period = try Self.period(query, of: alliance)
            // A period holds a few measurements per measure (corrections included), so it is
            // answered whole, in one page: a cursor would only split what belongs together.
            return try JSONAnswer.encode(
                ListPage(
                    items: try await services.outcomes.measurements(of: period.description, in: alliance),
                    nextCursor: nil))
        }
        routes.get("/v1/alliances/{alliance}/outcomes/payments/{period}") { request, context in
            _ = try Query(request, allowed: [])
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let period = try context.parameters.require("period")
            return try JSONAnswer.encode(try await services.outcomes.payment(for: period, in: alliance))
        }
    }

    /// The required `period` query parameter: a financial year, a quarter or a month, the
    /// periods outcomes are measured by.
    private static func period(_ query: Query, of alliance: Alliance) throws -> Period {
        guard let text = query["period"] else {
            throw Problem.invalidQuery(
                "period", "period is required: a financial year, quarter or month such as FY2025-Q1")
        }
        let period: Period
        do {
            period = try Period(parsing: text, financialYearStartMonth: alliance.financialYearStartMonth)
        } catch {
            throw Problem.invalidQuery("period", "\(error)")
        }
        guard period.kind != .range else {
            throw Problem.invalidQuery(
                "period", "period must be a financial year, a quarter or a month, not a range of days")
        }
        return period
    }
}

/// `{"measure","period","value","evidence"}`: a value with at most four decimal places.
struct MeasurementBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case measure, period, value, evidence }

    let request: MeasurementRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try MeasurementRequest(
            measure: try fields.decode(String.self, forKey: .measure),
            period: try fields.decode(String.self, forKey: .period),
            value: try fields.decodeMeasureValue(forKey: .value),
            evidence: try fields.decode(String.self, forKey: .evidence))
    }
}
