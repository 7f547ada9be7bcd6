import Hummingbird
import Synchronization

/// Turns every error a route throws into an `application/problem+json` answer, so that no
/// error reaches a client in any other form; a path that exists with another method is 405
/// with `Allow`, not 404.
struct ProblemMiddleware<Context: LedgerContext>: RouterMiddleware {
    let routes: RouteIndex

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem.answering(error, to: request, logger: context.logger)
            if problem.type == Problem.routeNotFoundType {
                let allowed = routes.methods(at: request.uri.path)
                if !allowed.isEmpty { problem = .methodNotAllowed(request.method, allowed: allowed) }
            }
            return try problem.response(from: request, context: context)
        }
    }
}

/// The router's operations, for telling "no such resource" (404) from "no such method on this
/// resource" (405, with `Allow`). Filled from `router.routes` once the routes are registered,
/// which happens after the middleware that reads it is added.
final class RouteIndex: Sendable {
    private let templates = Mutex<[(method: String, path: [Substring])]>([])

    func record(_ routes: [(method: String, path: String)]) {
        let parsed = routes.map {
            ($0.method, $0.path.split(separator: "/", omittingEmptySubsequences: false))
        }
        templates.withLock { $0 = parsed }
    }

    /// The methods some operation takes at `path`, sorted; empty when no template matches.
    ///
    /// Where templates differ, the router takes a literal segment over a parameter
    /// (`…/spend/imports` over `…/spend/{id}`), so only the templates it would take count: a
    /// GET of `…/spend/imports` is not a GET of a spend called "imports".
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return templates.withLock { all in
            let matching = all.filter { template in
                template.path.count == segments.count
                    && zip(template.path, segments).allSatisfy { expected, found in
                        expected.hasPrefix("{") ? !found.isEmpty : expected == found
                    }
            }
            func literals(_ path: [Substring]) -> [Int] { path.map { $0.hasPrefix("{") ? 0 : 1 } }
            guard
                let taken = matching.map(\.path).max(by: {
                    literals($0).lexicographicallyPrecedes(literals($1))
                })
            else { return [] }
            var methods = Set(matching.filter { $0.path == taken }.map(\.method))
            // The router answers HEAD wherever it answers GET (autoGenerateHeadEndpoints), though
            // its route list names only the GET.
            if methods.contains("GET") { methods.insert("HEAD") }
            return methods.sorted()
        }
    }
}
