import Hummingbird
import Synchronization

/// One operation of the service: its method and path template, as the OpenAPI document
/// writes them (`/v1/alliances/{alliance}`).
public struct RouteSignature: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let method: String
    public let path: String

    public var description: String { "\(method) \(path)" }

    public static func < (lhs: RouteSignature, rhs: RouteSignature) -> Bool {
        (lhs.path, lhs.method) < (rhs.path, rhs.method)
    }
}

/// Registers routes on the router and remembers each, so that a test can hold the registered
/// operations against the OpenAPI document — the only way routes are added.
final class RouteTable {
    typealias Handler = @Sendable (Request, LedgerRequestContext) async throws -> Response

    let router: Router<LedgerRequestContext>
    private(set) var signatures: [RouteSignature] = []

    init(router: Router<LedgerRequestContext>) {
        self.router = router
    }

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        signatures.append(RouteSignature(method: method.rawValue, path: path))
        router.on(RouterPath(path), method: method, use: handler)
    }
}

/// The registered operations, for telling "no such resource" (404) from "no such method on
/// this resource" (405, with `Allow`). Filled once the routes are registered, which happens
/// after the middleware that reads it is added.
final class RouteIndex: Sendable {
    private let signatures = Mutex<[RouteSignature]>([])

    func record(_ registered: [RouteSignature]) {
        signatures.withLock { $0 = registered }
    }

    /// The methods some operation takes at `path`, sorted; empty when no template matches.
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return signatures.withLock { all in
            Set(
                all.filter { signature in
                    let template = signature.path.split(separator: "/", omittingEmptySubsequences: false)
                    return template.count == segments.count
                        && zip(template, segments).allSatisfy { expected, found in
                            expected.hasPrefix("{") ? !found.isEmpty : expected == found
                        }
                }.map(\.method)
            ).sorted()
        }
    }
}
