import AllianceLedger
import Crypto
import HTTPTypes
import Hummingbird

/// The files of published statements, for anyone, without a token: each file, and all of them
/// as one zip. Whatever is not there — an alliance, a number, a file, a statement published
/// before files existed, a name with a path in it — is the same 404 as a route that does not
/// exist: nothing is disclosed.
struct OpenDataRoutes {
    let services: APIServices

    var routes: RouteCollection<LedgerRequestContext> {
        let routes = RouteCollection(context: LedgerRequestContext.self)
        let services = services
        routes.get("public/alliances/{alliance}/statements/{number}.zip") { request, context in
            _ = try Query(request, allowed: [])
            guard let (alliance, number) = try await Self.statement(request, context, services: services),
                case let files = try await services.publicStatements.files(of: number, in: alliance),
                !files.isEmpty
            else { return try Self.notFound(request, context) }
            let listing = try await services.publicStatements.listing(number, in: alliance)
            let zip = try ZipArchive.archive(files, modified: listing.publishedAt)
            var response = StatementRoutes.frozen(
                zip, hash: AllianceLedger.Digest(Array(SHA256.hash(data: zip))),
                contentType: "application/zip",
                request: request)
            response.headers[.contentDisposition] = "attachment; filename=\"\(number).zip\""
            return response
        }
        routes.get("public/alliances/{alliance}/statements/{number}/{file}") { request, context in
            _ = try Query(request, allowed: [])
            guard let (alliance, number) = try await Self.statement(request, context, services: services),
                let file = try await services.publicStatements.file(
                    try context.parameters.require("file"), of: number, in: alliance)
            else { return try Self.notFound(request, context) }
            return StatementRoutes.frozen(
                file.bytes, hash: file.hash, contentType: file.mediaType, request: request)
        }
        return routes
    }

    /// The alliance and statement number the path names; nil when there are none.
    private static func statement(
        _ request: Request, _ context: LedgerRequestContext, services: APIServices
    ) async throws -> (AllianceID, String)? {
        let number = try context.parameters.require("number")
        guard Statement.number(number) != nil else { return nil }
        do {
            return (
                try await services.publicDirectory.find(slug: try context.parameters.require("alliance")).id,
                number
            )
        } catch LedgerError.allianceNotFound {
            return nil
        }
    }

    /// The answer to a route that does not exist, answered here rather than thrown: thrown, the
    /// problem middleware would see that the path takes GET and answer 405.
    private static func notFound(_ request: Request, _ context: LedgerRequestContext) throws -> Response {
        try Problem.routeNotFound(request.method, request.uri.path).response(from: request, context: context)
    }
}
