public import AllianceLedger
import Dates

/// Why a benchmark run stopped: a tool failed or a check did not hold.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension AllianceDirectory {
    /// A benchmark's alliance: a contract from April 2025 to March 2030, the `budgetLines`
    /// (each named by its code) and the `partners` (each named by its slug).
    public func createBenchmarkAlliance(
        slug: String, name: String, partners: [String], budgetLines: [String]
    ) async throws -> Alliance {
        let alliance = try await create(
            try AllianceRequest(
                slug: slug, name: name, contractStart: CalendarDate(year: 2025, month: 4, day: 1),
                contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
        for budgetLine in budgetLines {
            try await addBudgetLine(try BudgetLineRequest(code: budgetLine, name: budgetLine), to: alliance)
        }
        for partner in partners {
            try await addPartner(try PartnerRequest(slug: partner, name: partner, kind: .other), to: alliance)
        }
        return alliance
    }

    /// A finance lead for each of `partners` (already in the alliance), each with an API token,
    /// in `partners` order: the callers of the benchmarks that record spend over HTTP.
    public func addFinanceLeads(to alliance: Alliance, partners: [String], tokens: TokenStore) async throws
        -> [(partner: String, token: String)]
    {
        var leads: [(partner: String, token: String)] = []
        for partner in partners {
            let person = try await addPerson(
                try PersonRequest(
                    name: "Finance \(partner)", email: "finance@\(partner).example.org", partner: partner,
                    roles: [.finance]),
                to: alliance)
            leads.append((partner, try await tokens.issue(for: person)))
        }
        return leads
    }
}
