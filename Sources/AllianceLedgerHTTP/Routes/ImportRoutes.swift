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

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        let importer = importer
        routes.post("spend/imports") { request, context in
            try context.require(.finance)
            let mode = try Self.mode(try Query(request, allowed: ["mode"]))
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.textCsv) == true else {
                throw Problem.unsupportedMediaType(expected: "text/csv", found: mediaType)
            }
            let key = try IdempotencyKey(request, caller: context.caller)
            // The fingerprint covers the body, known only once read: it is fed as the body
            // streams into the import, or, when an answer is stored already, as it is drained.
            let fingerprint = RequestFingerprint(request)
            let body = LimitedBody(body: request.body, limit: Self.bodyLimit, fingerprint: fingerprint)
            let (alliance, caller) = (context.alliance, context.caller)
            let outcome = try await services.creations.run(
                key, fingerprint: fingerprint.finalize, attempts: 1
            ) {
                connection in
                let report = try await Self.run(
                    importer, body, alliance: alliance, caller: caller, mode: mode, on: connection)
                return IdempotentCreations.Created(
                    status: .ok, body: try context.responseEncoder.data(report), location: nil)
            }
            if case .stored = outcome {
                for try await _ in body {}
            }
            return try IdempotentCreations.response(outcome, key: key, fingerprint: fingerprint.finalize())
        }
        return routes
    }

    /// Imports the body; a report that did not commit (all-or-nothing with bad rows) is the
    /// problem `import-rejected`, carrying the report, and the transaction rolls back.
    private static func run(
        _ importer: SpendImporter, _ body: LimitedBody, alliance: Alliance, caller: Caller,
        mode: SpendImportMode,
        on connection: PostgresConnection
    ) async throws -> SpendImportReport {
        let report: SpendImportReport
        do {
            report = try await importer.importSpend(
                from: body, into: alliance, by: caller, mode: mode, on: connection)
        } catch let error as SpendCSVError {
            throw Problem.invalidField("body", "the file cannot be imported: \(error)")
        }
        guard report.committed else {
            throw Problem(
                status: .unprocessableContent, type: "/problems/import-rejected",
                title: "The import has invalid rows and recorded nothing",
                detail:
                    "\(report.invalid) of \(report.rows) rows are invalid; correct them and import again, or import with mode=skip-invalid",
                members: ["report": Data(try JSONAnswerEncoder().data(report))])
        }
        return report
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
    /// Fed every byte that passes, when the request is idempotent.
    var fingerprint: RequestFingerprint? = nil

    struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: RequestBody.AsyncIterator
        let limit: Int
        let fingerprint: RequestFingerprint?
        var seen = 0

        mutating func next() async throws -> [UInt8]? {
            guard let chunk = try await chunks.next() else { return nil }
            seen += chunk.readableBytes
            guard seen <= limit else { throw Problem.bodyTooLarge(limit: limit) }
            let bytes = Array(chunk.readableBytesView)
            fingerprint?.update(bytes)
            return bytes
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), limit: limit, fingerprint: fingerprint)
    }
}
