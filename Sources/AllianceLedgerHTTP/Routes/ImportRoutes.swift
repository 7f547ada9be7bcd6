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
            guard let key = try IdempotencyKey(request, caller: caller) else {
                return try JSONAnswer.encode(
                    try await Self.run(
                        importer, request, alliance: alliance, caller: caller, mode: mode, fingerprint: nil))
            }
            // The fingerprint covers the body, which is known only once read: claim first, and
            // compare a retry's body with the first one's as it streams past.
            let fingerprint = RequestFingerprint(request)
            switch try await services.idempotency.claim(key, fingerprint: nil) {
            case .inProgress:
                throw Problem.requestInProgress
            case .completed(let earlier, let status, let answer):
                for try await _ in LimitedBody(
                    body: request.body, limit: Self.bodyLimit, fingerprint: fingerprint)
                {}
                guard fingerprint.finalize() == earlier, let answer else {
                    throw Problem.idempotencyKeyReused(
                        "Idempotency-Key \"\(key.key)\" was used for a different import; use a new key for a new file"
                    )
                }
                return JSONAnswer.bytes(answer, status: HTTPResponse.Status(code: status), replayed: true)
            case .claimed:
                break
            case .replay, .reused:
                // Only a claim with a fingerprint is answered so.
                throw Problem.internalError
            }
            let answer: [UInt8]
            do {
                answer = try JSONAnswer.data(
                    try await Self.run(
                        importer, request, alliance: alliance, caller: caller, mode: mode,
                        fingerprint: fingerprint))
            } catch {
                try? await services.idempotency.release(key)
                throw error
            }
            try await services.idempotency.complete(
                key, status: 200, body: answer, fingerprint: fingerprint.finalize())
            return JSONAnswer.bytes(answer, status: .ok, replayed: false)
        }
    }

    /// Imports the body; a report that did not commit (all-or-nothing with bad rows) is the
    /// problem `import-rejected`, carrying the report.
    private static func run(
        _ importer: SpendImporter, _ request: Request, alliance: Alliance, caller: Caller,
        mode: SpendImportMode,
        fingerprint: RequestFingerprint?
    ) async throws -> SpendImportReport {
        let report: SpendImportReport
        do {
            report = try await importer.importSpend(
                from: LimitedBody(body: request.body, limit: bodyLimit, fingerprint: fingerprint),
                into: alliance,
                by: caller, mode: mode)
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
