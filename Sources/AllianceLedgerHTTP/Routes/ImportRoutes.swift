import AllianceLedger
import Foundation
import Hummingbird
import Postgres

/// Bulk spend from CSV: the request body streams into the importer (COPY into a staging table,
/// posted in one transaction), so a million-row file never sits in the server's memory.
struct ImportRoutes {
    let services: APIServices
    let importer: SpendImporter

    /// Well above a million rows (about 80 MB); beyond it the upload is refused, not buffered.
    static let bodyLimit = 512 * 1024 * 1024

    func register(on routes: RouteTable) {
        let services = services
        let importer = importer
        routes.post("/v1/alliances/{alliance}/spend/imports") { request, context in
            let query = try Query(request, allowed: ["mode"])
            let mode = try Self.mode(query)
            let (caller, alliance) = try await services.authorize(request, context, roles: [.finance])
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.textCsv) == true else {
                throw Problem.unsupportedMediaType(expected: "text/csv", found: mediaType)
            }
            let report: SpendImportReport
            do {
                report = try await importer.importSpend(
                    from: LimitedBody(body: request.body, limit: Self.bodyLimit), into: alliance, by: caller,
                    mode: mode)
            } catch let error as SpendCSVError {
                throw Problem.invalidField("body", "the file cannot be imported: \(error)")
            }
            guard report.committed else {
                throw Problem(
                    status: .unprocessableContent, type: "/problems/import-rejected",
                    title: "The import has invalid rows and recorded nothing",
                    detail:
                        "\(report.invalid) of \(report.rows) rows are invalid; correct them and import again, or import with mode=skip-invalid",
                    members: ["report": Data(try JSONAnswer.data(report))])
            }
            return try JSONAnswer.encode(report)
        }
    }

    private static func mode(_ query: Query) throws -> SpendImportMode {
        guard let text = query["mode"] else { return .allOrNothing }
        guard let mode = SpendImportMode(rawValue: text) else {
            throw Problem.invalidQuery(
                "mode",
                "mode must be \(SpendImportMode.allCases.map(\.rawValue).joined(separator: " or ")), not \"\(text)\""
            )
        }
        return mode
    }
}

/// A request body as byte chunks for the importer, refused once it passes `limit` bytes.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let body: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await chunks.next() else { return nil }
            seen += chunk.readableBytes
            guard seen <= limit else { throw Problem.bodyTooLarge(limit: limit) }
            return Array(chunk.readableBytesView)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), limit: limit)
    }
}
