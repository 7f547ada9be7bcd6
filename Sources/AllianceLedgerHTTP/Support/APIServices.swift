import AllianceLedger
import Foundation
import Hummingbird
import Postgres

/// What every route works with: the library's services over one pool, and the steps each
/// request takes — who is asking, which alliance, which page — done one way everywhere.
struct APIServices: Sendable {
    let pool: PostgresPool
    let ledger: Ledger
    let directory: AllianceDirectory
    let tokens: TokenStore
    let budgets: Budgets
    let decisions: Decisions
    let spendBook: SpendBook
    let outcomes: OutcomeBook
    let riskShares: RiskShareBook
    let idempotency: IdempotencyStore
    let credentials: CredentialCache

    init(ledger: Ledger, credentialLifetime: Duration) {
        pool = ledger.pool
        self.ledger = ledger
        directory = AllianceDirectory(pool: ledger.pool)
        tokens = TokenStore(pool: ledger.pool)
        budgets = Budgets(pool: ledger.pool)
        decisions = Decisions(pool: ledger.pool)
        spendBook = SpendBook(ledger: ledger)
        outcomes = OutcomeBook(pool: ledger.pool)
        riskShares = RiskShareBook(pool: ledger.pool)
        idempotency = IdempotencyStore(pool: ledger.pool)
        credentials = CredentialCache(lifetime: credentialLifetime)
    }

    /// The caller the bearer token names; 401 without one.
    func caller(_ request: Request) async throws -> Caller {
        let token = try bearerToken(request)
        if let caller = credentials.caller(token: token) { return caller }
        let caller = try await tokens.authenticate(token)
        credentials.remember(caller, token: token)
        return caller
    }

    private func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw Problem.unauthenticated("send the header Authorization: Bearer <token>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthenticated("the Authorization header must be Bearer <token>")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// The caller, and the alliance of the path, once the caller may act in it with one of
    /// `roles`: one statement. The token is judged before the alliance, so that only callers
    /// with a valid token learn which alliances exist.
    func authorize(_ request: Request, _ context: LedgerRequestContext, roles: Set<Role>) async throws
        -> (caller: Caller, alliance: Alliance)
    {
        let slug = try context.parameters.require("alliance")
        let token = try bearerToken(request)
        if let caller = credentials.caller(token: token), let alliance = credentials.alliance(slug: slug) {
            try caller.require(roles, in: alliance.id)
            return (caller, alliance)
        }
        let found = try await tokens.authenticate(token, alliance: slug)
        credentials.remember(found.caller, token: token)
        guard let alliance = found.alliance else { throw LedgerError.allianceNotFound(slug) }
        credentials.remember(alliance)
        try found.caller.require(roles, in: alliance.id)
        return (found.caller, alliance)
    }

    /// Runs a creating request once per `Idempotency-Key`: a retry with the same key and the
    /// same request gets the first answer again, marked `Idempotent-Replayed: true`.
    /// `storesAnswer` false is for answers that must never be kept (a new token): a retry of
    /// those is told the answer was shown once.
    func creating(
        _ request: Request, caller: Caller, body: [UInt8], storesAnswer: Bool = true,
        status: HTTPResponse.Status = .created, _ operation: () async throws -> some Encodable
    ) async throws -> Response {
        guard let key = try IdempotencyKey(request, caller: caller) else {
            return try JSONAnswer.encode(try await operation(), status: status)
        }
        switch try await idempotency.claim(
            key, fingerprint: IdempotencyStore.fingerprint(of: request, body: body))
        {
        case .claimed:
            break
        case .inProgress:
            throw Problem.requestInProgress
        case .reused:
            throw Problem.idempotencyKeyReused(
                "Idempotency-Key \"\(key.key)\" was used for a different request; use a new key for a new request"
            )
        case .replay(let status, let body?):
            return JSONAnswer.bytes(body, status: HTTPResponse.Status(code: status), replayed: true)
        case .completed:
            // Only a claim without a fingerprint (a streamed body) is answered so.
            throw Problem.internalError
        case .replay(_, nil):
            throw Problem.conflict(
                "token-shown-once", "The token was shown once and is not kept",
                "a token was issued for Idempotency-Key \"\(key.key)\" and shown once; if it was lost, revoke it and issue another"
            )
        }
        let bytes: [UInt8]
        do {
            bytes = try JSONAnswer.data(try await operation())
        } catch {
            try? await idempotency.release(key)
            throw error
        }
        try await idempotency.complete(key, status: status.code, body: storesAnswer ? bytes : nil)
        return JSONAnswer.bytes(bytes, status: status, replayed: false)
    }
}

/// JSON answers: keys sorted, so that the same value is the same bytes every time (replays,
/// tests, and anyone diffing answers).
enum JSONAnswer {
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok, replayed: Bool = false)
        throws -> Response
    {
        bytes(try data(value), status: status, replayed: replayed)
    }

    static func data(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status, replayed: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .contentLength: String(bytes.count)]
        if replayed { headers[.idempotentReplayed] = "true" }
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Query parameters, read strictly: an unknown one is refused, as a misspelt filter would
/// otherwise silently widen a listing.
struct Query {
    private let parameters: [String: String]

    init(_ request: Request, allowed: Set<String>) throws {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            guard allowed.contains(name) else {
                throw Problem.invalidQuery(
                    name,
                    "\(name) is not a parameter of this operation; it takes \(allowed.sorted().joined(separator: ", "))"
                )
            }
            guard parameters[name] == nil else {
                throw Problem.invalidQuery(name, "\(name) is given more than once")
            }
            parameters[name] = String(value)
        }
        self.parameters = parameters
    }

    subscript(_ name: String) -> String? { parameters[name] }

    func date(_ name: String) throws -> CalendarDate? {
        try parameters[name].map { text in
            guard let date = CalendarDate(iso8601: text) else {
                throw Problem.invalidQuery(name, "\(name) must be a date written YYYY-MM-DD, not \"\(text)\"")
            }
            return date
        }
    }

    /// `limit` and `cursor`, as every listing takes them.
    func page(order: PageRequest.Order = .newestFirst) throws -> PageRequest {
        var limit = 100
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw Problem.invalidQuery(
                    "limit",
                    "limit must be a whole number from 1 to \(PageRequest.maximumLimit), not \"\(text)\"")
            }
            limit = value
        }
        return try PageRequest(limit: limit, order: order, cursor: parameters["cursor"])
    }

    static let paging: Set<String> = ["limit", "cursor"]
}
