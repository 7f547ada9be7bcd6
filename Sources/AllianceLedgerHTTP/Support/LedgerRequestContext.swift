public import Hummingbird

/// What the service knows about a request beyond the request itself. JSON bodies are small:
/// the largest request, a person with their roles, is well under a kilobyte, so the limit is
/// kept low to refuse floods early. CSV imports stream their bodies under their own limit.
public struct LedgerRequestContext: RequestContext {
    public static let jsonBodyLimit = 64 * 1024

    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { LedgerRequestContext.jsonBodyLimit }
}
