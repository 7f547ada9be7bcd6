import AllianceLedger
import Hummingbird
import Postgres

/// Risk/reward: everyone in the alliance reads a year's gain/pain position, as it stands or as
/// settled (open books). Terms are set, and a year settled, only by carried decisions.
struct RiskShareRoutes {
    let services: APIServices

    func register(on routes: RouteTable) {
        let services = services
        routes.get("/v1/alliances/{alliance}/risk-share/{year}") { request, context in
            _ = try Query(request, allowed: [])
            let alliance = try await services.authorize(request, context, roles: DirectoryRoutes.everyone)
                .alliance
            let text = try context.parameters.require("year")
            let year: Int
            do {
                year = try Period.financialYear(named: text, startMonth: alliance.financialYearStartMonth)
            } catch {
                throw LedgerError.invalidText(field: "year", reason: "\(error)")
            }
            return try JSONAnswer.encode(try await services.riskShares.statement(year: year, in: alliance))
        }
    }
}
