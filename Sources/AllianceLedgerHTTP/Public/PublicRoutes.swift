import AllianceLedger
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What anyone may read without a token: the home page, each alliance's page, and each
/// published statement as a page and as its exact JSON. Read-only (GET, and HEAD, which the
/// router answers from GET), published statements only (a preview is never public), with an
/// `ETag` and 304 for `If-None-Match`, `Cache-Control`, and CORS for GET from any origin.
///
/// The JSON is frozen: its ETag is its hash, and it may be cached for good. The pages are views
/// that also show co-signatures, supersession and keys, so their ETag is the hash of the page as
/// rendered, and a cache asks again each time.
struct PublicRoutes {
    let services: APIServices
    let publicBaseURL: String
    /// Whether the service shows the demo's invented data: every page then says so.
    let exampleData: Bool
    /// How long a statement page is served as rendered before what it shows (listings and
    /// signatures, partners, budget lines, keys) is read again.
    let pageLifetime: Duration
    let cache = PublicCache()

    /// A published statement's bytes: from memory once read, since they never change — unless
    /// the listing just read names other bytes (`expecting`): the alliance was made again under
    /// the same slug, as `demo --reset` does beside a running service.
    func body(
        _ number: String, of slug: String, in alliance: Alliance?,
        expecting hash: AllianceLedger.Digest? = nil
    ) async throws -> PublicCache.Frozen {
        if let cached = cache.statement(number, of: slug), hash == nil || cached.hash == hash {
            return cached
        }
        let id: AllianceID
        if let alliance {
            id = alliance.id
        } else {
            id = try await services.publicDirectory.find(slug: slug).id
        }
        let (bytes, hash) = try await services.publicStatements.body(number, in: id)
        let body = PublicCache.Frozen(buffer: ByteBuffer(bytes: bytes), hash: hash)
        cache.store(body, number: number, of: slug)
        return body
    }

    var routes: RouteCollection<LedgerRequestContext> {
        let routes = RouteCollection(context: LedgerRequestContext.self)
        let pages = self
        routes.get("/") { request, _ in
            try await pages.home(request)
        }
        routes.get("public/alliances/{alliance}") { request, context in
            try await pages.alliance(try context.parameters.require("alliance"), request)
        }
        // Registered before `{number}`, so that the router, which takes the first sibling that
        // matches, reads `S-0001.json` as the JSON and not as a statement called "S-0001.json".
        routes.get("public/alliances/{alliance}/statements/{number}.json") { request, context in
            let slug = try context.parameters.require("alliance")
            let number = try context.parameters.require("number")
            let body = try await pages.body(number, of: slug, in: nil)
            return Self.answer(
                body.buffer, etag: body.hash.description, contentType: "application/json",
                cacheControl: "public, max-age=31536000, immutable", request: request)
        }
        routes.get("public/alliances/{alliance}/statements/{number}") { request, context in
            try await pages.statement(
                try context.parameters.require("number"), of: try context.parameters.require("alliance"),
                request)
        }
        return routes
    }

    func home(_ request: Request) async throws -> Response {
        var published: [(alliance: Alliance, latest: StatementListing)] = []
        for alliance in try await services.publicDirectory.alliances() {
            if let latest = try await services.publicStatements.list(in: alliance.id).first {
                published.append((alliance, latest))
            }
        }
        return Self.page(PublicPage.home(published, exampleData: exampleData), request: request)
    }

    func alliance(_ slug: String, _ request: Request) async throws -> Response {
        let alliance = try await services.publicDirectory.find(slug: slug)
        let page = AlliancePage(
            alliance: alliance, partners: try await services.publicDirectory.partners(in: alliance.id),
            statements: try await services.publicStatements.list(in: alliance.id),
            keys: try await services.publicStatements.keys(in: alliance.id), exampleData: exampleData,
            publicBaseURL: publicBaseURL)
        return Self.page(page.render(), request: request)
    }

    func statement(_ number: String, of slug: String, _ request: Request) async throws -> Response {
        if let page = cache.page(number, of: slug, checkedWithin: pageLifetime) {
            return Self.answer(
                page.html, etag: page.hash, contentType: Self.html, cacheControl: Self.pageCaching,
                request: request)
        }
        let alliance = try await services.publicDirectory.find(slug: slug)
        let listings = try await services.publicStatements.list(in: alliance.id)
        guard let listing = listings.first(where: { $0.number == number }) else {
            throw LedgerError.statementNotFound(number)
        }
        let inputs = PublicCache.PageInputs(
            listings: listings, partners: try await services.publicDirectory.partners(in: alliance.id),
            budgetLines: try await services.publicDirectory.budgetLines(in: alliance.id),
            keys: try await services.publicStatements.keys(in: alliance.id))
        if let page = cache.page(number, of: slug, from: inputs) {
            return Self.answer(
                page.html, etag: page.hash, contentType: Self.html, cacheControl: Self.pageCaching,
                request: request)
        }
        let statement = try PublishedStatement.decode(
            try await body(number, of: slug, in: alliance, expecting: listing.hash).buffer.readableBytesView)
        let page = StatementPage(
            statement: statement, listing: listing,
            months: try await months(of: statement, among: listings, in: alliance),
            partnerNames: Dictionary(
                inputs.partners.map { ($0.slug, $0.name) }, uniquingKeysWith: { first, _ in first }),
            budgetLineNames: Dictionary(
                inputs.budgetLines.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first }),
            keys: inputs.keys, exampleData: exampleData, publicBaseURL: publicBaseURL)
        let rendered = Array(page.render().utf8)
        let hash = AllianceLedger.Digest(Array(SHA256.hash(data: rendered))).description
        let html = ByteBuffer(bytes: rendered)
        cache.store(PublicCache.Page(inputs: inputs, html: html, hash: hash), number: number, of: slug)
        return Self.answer(
            html, etag: hash, contentType: Self.html, cacheControl: Self.pageCaching, request: request)
    }

    /// The published, current month statements inside `statement`'s period, oldest first.
    func months(
        of statement: PublishedStatement, among listings: [StatementListing], in alliance: Alliance
    ) async throws -> [(number: String, statement: PublishedStatement)] {
        var months: [(number: String, statement: PublishedStatement)] = []
        for listing in listings where listing.state == .published {
            guard let period = try? Statements.period(listing.period, of: alliance),
                case .month = period.kind,
                period.first >= statement.period.from, period.last <= statement.period.to
            else { continue }
            let body = try await body(
                listing.number, of: alliance.slug, in: alliance, expecting: listing.hash)
            months.append((listing.number, try PublishedStatement.decode(body.buffer.readableBytesView)))
        }
        return months.sorted { $0.statement.period.from < $1.statement.period.from }
    }

    static let html = "text/html; charset=utf-8"
    /// Pages show signatures, supersession and keys, which change: a cache asks each time.
    static let pageCaching = "public, no-cache"

    /// A page: its ETag is its hash.
    static func page(_ html: String, request: Request) -> Response {
        let bytes = Array(html.utf8)
        return answer(
            ByteBuffer(bytes: bytes),
            etag: AllianceLedger.Digest(Array(SHA256.hash(data: bytes))).description,
            contentType: Self.html, cacheControl: pageCaching, request: request)
    }

    /// The headers every public answer carries: any origin may read it, nothing may frame it,
    /// and a page may use its own inline style sheet and nothing else.
    static func headers(contentType: String) -> HTTPFields {
        var headers: HTTPFields = [
            .contentType: contentType, .accessControlAllowOrigin: "*",
            .xContentTypeOptions: "nosniff",
        ]
        if contentType.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] = PublicPage.contentSecurityPolicy
        }
        return headers
    }

    static func answer(
        _ body: ByteBuffer, etag hash: String, contentType: String, cacheControl: String, request: Request
    ) -> Response {
        let etag = "\"\(hash)\""
        var headers = headers(contentType: contentType)
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        if let match = request.headers[.ifNoneMatch],
            match == "*"
                || match.split(separator: ",").contains(where: {
                    let tag = $0.trimmingCharacters(in: .whitespaces)
                    return tag == etag || tag == "W/" + etag
                })
        {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// A browser that asks for a page that does not exist, or uses a method the address does not
/// take, is shown a page that says so, not a problem document: the status is the same, and so is
/// what it discloses (nothing). Every other client keeps the problem document.
struct BrowserPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let exampleData: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let response = try await next(request, context)
        guard response.status == .notFound || response.status == .methodNotAllowed,
            Self.wantsHTML(request)
        else { return response }
        var headers = PublicRoutes.headers(contentType: "text/html; charset=utf-8")
        headers[.allow] = response.headers[.allow]
        headers[.cacheControl] = "no-store"
        let html = PublicPage.notFound(exampleData: exampleData, status: Int(response.status.code))
        return Response(
            status: response.status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// Whether the client named `text/html` among what it accepts, as browsers do for a page.
    static func wantsHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept] else { return false }
        return accept.split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "text/html"
        }
    }
}
