import AllianceLedger
import Foundation
import Hummingbird
import Postgres

/// Bulk spend from CSV: the request body is spooled to a nameless temporary file as it arrives,
/// and only once it is whole does the import take a database connection (COPY into a staging
/// table, checked whole, appended a chunk per transaction; the idempotent answer is stored in
/// the last). A million-row file never sits in the server's memory, and a
/// client that sends slowly never holds a database connection while it does.
struct ImportRoutes {
    let services: APIServices
    let importer: SpendImporter
    let admission: ImportAdmission
    /// `statement_timeout` for an import's transaction, longer than the service's own: a
    /// million rows are checked by one query. Nil leaves the session's.
    let statementTimeout: Duration?

    /// Well above a million rows (about 80 MB); beyond it the upload is refused, not stored.
    static let bodyLimit = 512 * 1024 * 1024

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        let importer = importer
        let admission = admission
        let statementTimeout = statementTimeout
        routes.post("spend/imports") { request, context in
            try context.require(.finance)
            let mode = try Self.mode(try Query(request, allowed: ["mode"]))
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.textCsv) == true else {
                throw Problem.unsupportedMediaType(expected: "text/csv", found: mediaType)
            }
            let key = try IdempotencyKey(request, caller: context.caller)
            let (alliance, caller) = (context.alliance, context.caller)
            return try await admission.withUpload(by: Authenticator.name(caller), into: alliance.id) {
                // The fingerprint covers the body, fed as the body arrives.
                let fingerprint = RequestFingerprint(request)
                let spool = try await SpooledBody.receive(
                    LimitedBody(body: request.body, limit: Self.bodyLimit, fingerprint: fingerprint))
                // The spool can be read again, so a deadlock starts the import over, as it does
                // any other transaction.
                let encoder = context.responseEncoder
                @Sendable func answer(_ report: SpendImportReport) throws -> IdempotentCreations.Created {
                    IdempotentCreations.Created(status: .ok, body: try encoder.data(report), location: nil)
                }
                let outcome = try await admission.withConnectionPlace {
                    try await services.creations.runInSteps(key, fingerprint: fingerprint.finalize()) {
                        connection, store in
                        let report = try await Self.run(
                            importer, spool.chunks, alliance: alliance, caller: caller, mode: mode,
                            on: connection,
                            eachTransaction: { connection in
                                if let statementTimeout {
                                    try await connection.setTransactionStatementTimeout(statementTimeout)
                                }
                            },
                            completing: { connection, report in
                                try await store(connection, try answer(report))
                            })
                        return try answer(report)
                    }
                }
                return try IdempotentCreations.response(
                    outcome, key: key, fingerprint: fingerprint.finalize())
            }
        }
        return routes
    }

    /// Imports the body; a report that did not commit (all-or-nothing with bad rows) is the
    /// problem `import-rejected`, carrying the report, and the transaction rolls back.
    private static func run(
        _ importer: SpendImporter, _ body: SpooledBody.Chunks, alliance: Alliance, caller: Caller,
        mode: SpendImportMode, on connection: PostgresConnection,
        eachTransaction: @escaping @Sendable (PostgresConnection) async throws -> Void,
        completing: @escaping @Sendable (PostgresConnection, SpendImportReport) async throws -> Void
    ) async throws -> SpendImportReport {
        let report: SpendImportReport
        do {
            report = try await importer.importSpend(
                from: body, into: alliance, by: caller, mode: mode, on: connection,
                eachTransaction: eachTransaction,
                completing: completing)
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

/// A request body as byte chunks, refused once it passes `limit` bytes.
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
