public import AllianceLedger
public import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What every context of the service carries and how it reads and writes bodies: the request's
/// id, a record of who asked (for the access log), strict JSON in, sorted JSON out.
public protocol LedgerContext: RequestContext
where Decoder == StrictJSONDecoder, Encoder == JSONAnswerEncoder {
    /// Filled in as the request is understood, read by the access log once it is answered.
    var record: RequestRecord { get }
}

extension LedgerContext {
    /// JSON bodies are small: the largest request, a decision with a budget of many lines, is
    /// a few kilobytes, so the limit is kept low to refuse floods early. CSV imports stream
    /// their bodies under their own limit.
    public var maxUploadSize: Int { LedgerRequestContext.jsonBodyLimit }
    public var requestDecoder: StrictJSONDecoder { StrictJSONDecoder() }
    public var responseEncoder: JSONAnswerEncoder { JSONAnswerEncoder() }

    /// The request's id: the client's `X-Request-ID` when it sent a sane one, else one of ours.
    /// It is in every log line of the request, in its answer's headers and in any problem.
    public var requestID: String { logger[metadataKey: RequestIDs.metadataKey]?.description ?? "" }
}

/// Who asked, as the access log names them: `person:<id>`, `operator-token:<id>`, or nobody
/// yet. Shared by reference between the contexts of one request, because the caller becomes
/// known deep in the chain and the log line is written at its top.
public final class RequestRecord: Sendable {
    private let callerName = Mutex<String?>(nil)

    public init() {}

    var caller: String? {
        get { callerName.withLock { $0 } }
        set { callerName.withLock { $0 = newValue } }
    }
}

/// The context of every request as it arrives; the authenticator adds the caller and, under
/// `/v1/alliances/{alliance}`, the alliance.
public struct LedgerRequestContext: LedgerContext {
    public static let jsonBodyLimit = 64 * 1024

    public var coreContext: CoreRequestContextStorage
    public let record = RequestRecord()
    /// The connection the request came on, for closing it after an answer that ends it.
    let channel: any Channel
    /// Who is asking, once the authenticator has read the bearer token.
    public internal(set) var caller: Caller?
    /// The alliance the path names, once the authenticator has read it.
    public internal(set) var alliance: Alliance?

    public init(source: Source) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The caller, for an operation under `/v1` that names no alliance.
    func authenticatedCaller() throws -> Caller {
        guard let caller else {
            // The authenticator runs on every /v1 route; a route without it is a fault of ours.
            throw Problem.internalError
        }
        return caller
    }
}

/// The context of an operation of one alliance: the caller and the alliance are known, and the
/// caller belongs to it (or is the operator). A handler states the roles it needs in one line,
/// `try context.require(.board)`.
public struct AllianceRequestContext: ChildRequestContext, LedgerContext {
    public var coreContext: CoreRequestContextStorage
    public let record: RequestRecord
    public let caller: Caller
    public let alliance: Alliance

    public init(context: LedgerRequestContext) throws {
        guard let caller = context.caller, let alliance = context.alliance else {
            // The authenticator runs on every alliance route; a route without it is a fault of ours.
            throw Problem.internalError
        }
        coreContext = context.coreContext
        record = context.record
        self.caller = caller
        self.alliance = alliance
    }

    /// Refuses unless the caller holds one of `roles` here (the operator holds every role).
    func require(_ roles: Set<Role>) throws {
        try caller.require(roles, in: alliance.id)
    }

    func require(_ role: Role) throws {
        try require([role])
    }

    /// Refuses anyone but the operator: what the operator alone sets up.
    func requireOperator() throws {
        guard caller.identity == .operator else {
            throw LedgerError.forbidden(
                "only the operator does this, while the alliance is set up; afterwards the board decides it")
        }
    }

    /// Where this alliance's resources live: `/v1/alliances/<slug>`.
    var base: String { "/v1/alliances/\(alliance.slug)" }
}

extension Set where Element == Role {
    /// Anyone of the alliance: the parts of the open books every role reads.
    static let everyone = Set(Role.allCases)
}
