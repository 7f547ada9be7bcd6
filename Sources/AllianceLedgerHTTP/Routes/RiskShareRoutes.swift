import AllianceLedger
import Hummingbird

/// Risk/reward: everyone in the alliance reads a year's gain/pain position, as it stands or as
/// settled (open books). Terms are set, and a year settled, only by carried decisions.
struct RiskShareRoutes {
    let services: APIServices

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        routes.get("risk-share/{year}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let text = try context.parameters.require("year")
            let year: Int
            do {
                year = try Period.financialYear(
                    named: text, startMonth: context.alliance.financialYearStartMonth)
            } catch {
                throw LedgerError.invalidField("year", reason: "\(error)")
            }
            return Answer(try await services.riskShares.statement(year: year, in: context.alliance))
        }
        return routes
    }
}
