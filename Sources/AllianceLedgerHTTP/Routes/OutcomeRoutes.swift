import AllianceLedger
import Hummingbird

/// Outcomes: finance people record measurements; everyone in the alliance reads the terms in
/// force, every measurement and each period's payment (open books). Terms are set, and payments
/// posted, only by carried decisions.
struct OutcomeRoutes {
    let services: APIServices

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.get("outcomes/terms") { request, context in
            try context.require(.everyone)
            let year = try BooksRoutes.financialYear(
                try Query(request, allowed: ["year"]), of: context.alliance)
            return Answer(try await services.outcomes.terms(year: year, in: context.alliance))
        }
        routes.post("outcomes/measurements") { request, context in
            try context.require(.finance)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: MeasurementBody.self,
                location: { "\(context.base)/outcomes/measurements/\($0.id)" }
            ) { body, connection in
                try await services.outcomes.record(
                    body.request, in: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.get("outcomes/measurements") { request, context in
            try context.require(.everyone)
            let period = try Self.period(try Query(request, allowed: ["period"]), of: context.alliance)
            // A period holds a few measurements per measure (corrections included), so it is
            // answered whole, in one page: a cursor would only split what belongs together.
            return Answer(
                ListPage(
                    items: try await services.outcomes.measurements(
                        of: period.description, in: context.alliance),
                    nextCursor: nil))
        }
        routes.get("outcomes/measurements/{id}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            return Answer(
                try await services.outcomes.measurement(try Self.measurementID(context), in: context.alliance)
            )
        }
        // A review's answer is the measurement as the review left it, and that is where it is read.
        routes.post("outcomes/measurements/{id}/validation") { request, context in
            try context.require([.finance, .auditor])
            let id = try Self.measurementID(context)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: ValidationBody.self,
                location: { "\(context.base)/outcomes/measurements/\($0.id)" }
            ) { body, connection in
                try await services.outcomes.review(
                    id, as: .validated, note: body.note, in: context.alliance, by: context.caller,
                    on: connection)
            }
        }
        routes.post("outcomes/measurements/{id}/rejection") { request, context in
            try context.require([.finance, .auditor])
            let id = try Self.measurementID(context)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: RejectionBody.self,
                location: { "\(context.base)/outcomes/measurements/\($0.id)" }
            ) { body, connection in
                try await services.outcomes.review(
                    id, as: .rejected, note: body.reason, in: context.alliance, by: context.caller,
                    on: connection)
            }
        }
        routes.get("outcomes/payments/{period}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let period = try context.parameters.require("period")
            return Answer(try await services.outcomes.payment(for: period, in: context.alliance))
        }
        return routes
    }

    /// `{id}`: a measurement's id; anything else names no measurement.
    private static func measurementID(_ context: AllianceRequestContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text), id > 0 else {
            throw Problem.notFound(
                "measurement-not-found", "There is no such measurement",
                "\"\(text)\" is not a measurement id: ids are whole numbers from 1")
        }
        return id
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
        guard period.kind != .range, !period.isMonthRange else {
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

/// `{"note"}`: what the validator checked the figure against; optional.
struct ValidationBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case note }

    let note: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        note = try fields.decodeIfPresent(String.self, forKey: .note) ?? ""
    }
}

/// `{"reason"}`: why the figure cannot stand; required.
struct RejectionBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case reason }

    let reason: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        reason = try fields.decode(String.self, forKey: .reason)
    }
}
