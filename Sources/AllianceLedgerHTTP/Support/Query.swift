import AllianceLedger
import Dates
import Hummingbird

/// Query parameters, read strictly: an unknown one is refused, as a misspelt filter would
/// otherwise silently widen a listing.
struct Query {
    private let parameters: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            guard allowed.contains(name) else {
                throw Problem.invalidQuery(
                    name,
                    "\(name) is not a parameter of this operation; it takes \(allowed.sorted().joined(separator: ", "))"
                )
            }
            guard parameters[name] == nil else {
                throw Problem.invalidQuery(name, "\(name) is given more than once")
            }
            // PostgreSQL text cannot hold NUL, so no value with one names anything.
            guard !value.utf8.contains(0) else {
                throw Problem.invalidQuery(name, "\(name) cannot contain a NUL character")
            }
            parameters[name] = String(value)
        }
        self.parameters = parameters
    }

    subscript(_ name: String) -> String? { parameters[name] }

    func date(_ name: String) throws -> CalendarDate? {
        try parameters[name].map { text in
            guard let date = CalendarDate(iso8601: text) else {
                throw Problem.invalidQuery(
                    name, "\(name) must be \(CalendarDate.iso8601Form), not \"\(text)\"")
            }
            return date
        }
    }

    /// `limit` and `cursor`, as every listing takes them.
    func page(order: PageRequest.Order = .newestFirst) throws -> PageRequest {
        var limit = 100
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw Problem.invalidQuery(
                    "limit",
                    "limit must be a whole number from 1 to \(PageRequest.maximumLimit), not \"\(text)\"")
            }
            limit = value
        }
        return try PageRequest(limit: limit, order: order, cursor: parameters["cursor"])
    }

    static let paging: Set<String> = ["limit", "cursor"]
}
