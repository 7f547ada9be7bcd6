import AllianceLedger
import Crypto
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Open-book statements: anyone in the alliance previews a period and reads what was published;
/// finance leads and board members publish (or restate, with a reason); board members register
/// their partner's keys and co-sign a statement's checkpoint.
struct StatementRoutes {
    let services: APIServices
    /// Where the service is published: the host of it names the checkpoints' origin.
    let publicBaseURL: String
    /// The most journal entries a statement's period may hold to be published within its
    /// request (see ``HTTPServiceConfiguration/synchronousPublicationLimit``).
    var synchronousPublicationLimit = 20_000

    var routes: RouteCollection<AllianceRequestContext> {
        let routes = RouteCollection(context: AllianceRequestContext.self)
        let services = services
        let publicBaseURL = publicBaseURL
        let synchronousPublicationLimit = synchronousPublicationLimit
        routes.get("statements") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            return Answer(try await services.statements.list(in: context.alliance.id))
        }
        // A preview is computed live and never published: it has no number and no ETag.
        routes.get("statements/preview") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: ["period"])
            guard let period = query["period"] else {
                throw Problem.invalidQuery("period", "period is required, e.g. FY2025, FY2025-Q3 or 2025-10")
            }
            return Answer(
                try await services.statements.preview(period, in: context.alliance, by: context.caller))
        }
        routes.post("statements") { request, context in
            try context.require([.finance, .board])
            let origin = Statements.origin(publicBaseURL: publicBaseURL, alliance: context.alliance.slug)
            // In the background when the client prefers it (RFC 7240) or the period is too large
            // to publish within a request: 202, and the publication's status to follow.
            // The body is collected into the request first, so that its period can be read here
            // and the whole body again by the creation, for its fingerprint.
            var request = request
            _ = try await request.collectBody(upTo: context.maxUploadSize)
            let asked = try StatementRoutes.prefersRespondAsync(request.headers)
            var background = asked
            if !background {
                let period = try await request.decode(as: PublicationBody.self, context: context).request
                    .period
                background = try await services.statements.journal(
                    of: period, in: context.alliance, exceeds: synchronousPublicationLimit)
            }
            if background {
                var headers: HTTPFields = [.retryAfter: "5"]
                if asked { headers[.preferenceApplied] = "respond-async" }
                let response = try await services.creations.create(
                    request, context: context, caller: context.caller, body: PublicationBody.self,
                    status: .accepted, headers: headers,
                    location: { "\(context.base)/statements/publications/\($0.id)" }
                ) { body, connection in
                    try await services.statements.requestPublication(
                        body.request, origin: origin, in: context.alliance, by: context.caller, on: connection
                    )
                }
                services.publisher.wake()
                return response
            }
            // One snapshot for every figure: the statement is read whole, as of one instant.
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: PublicationBody.self,
                level: .repeatableRead, location: { "\(context.base)/statements/\($0.number)" }
            ) { body, connection in
                try await services.statements.publish(
                    body.request, origin: origin, in: context.alliance, by: context.caller, on: connection)
            }
        }
        // A publication asked for in the background: pending (come back after Retry-After),
        // published (naming the statement) or failed (with the problem it met).
        routes.get("statements/publications/{id}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let text = try context.parameters.require("id")
            guard let id = Int64(text), id > 0, String(id) == text else {
                throw Problem.notFound(
                    "publication-not-found", "There is no such publication",
                    "publication \(text) does not exist in this alliance")
            }
            let publication = try await services.statements.publication(id, in: context.alliance.id)
            var headers: HTTPFields = [:]
            if publication.state == .pending { headers[.retryAfter] = "5" }
            if let statement = publication.statement {
                headers[.contentLocation] = "\(context.base)/statements/\(statement)"
            }
            return Answer(publication, headers: headers)
        }
        // The exact published bytes: their hash is the ETag, and they never change.
        routes.get("statements/{number}") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let number = try context.parameters.require("number")
            let (bytes, hash) = try await services.statements.body(number, in: context.alliance.id)
            return StatementRoutes.frozen(
                bytes, hash: hash, contentType: "application/json", request: request)
        }
        routes.get("statements/{number}/checkpoint") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let text = try await services.statements.checkpoint(
                try context.parameters.require("number"), in: context.alliance.id)
            let bytes = Array(text.utf8)
            return StatementRoutes.frozen(
                bytes, hash: AllianceLedger.Digest(Array(SHA256.hash(data: bytes))),
                contentType: "text/plain; charset=utf-8",
                request: request)
        }
        routes.get("statements/{number}/signatures") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            let signatures = try await services.statements.signatures(
                try context.parameters.require("number"), in: context.alliance.id)
            return Answer(signatures.map(SignatureAnswer.init))
        }
        routes.post("statements/{number}/signatures") { request, context in
            try context.require(.board)
            let number = try context.parameters.require("number")
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: SignatureBody.self,
                location: { "\(context.base)/statements/\($0.number)/signatures" }
            ) { body, connection in
                try await services.statements.sign(
                    number, key: body.key, signature: body.signature, in: context.alliance,
                    by: context.caller,
                    on: connection)
            }
        }
        routes.post("statements/commentary") { request, context in
            try context.require(.finance)
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: CommentaryBody.self,
                location: { _ in nil }
            ) { body, connection in
                try await services.statements.comment(
                    body.text, on: body.period, partner: body.partner, budgetLine: body.budgetLine,
                    in: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.get("partners/{partner}/keys") { request, context in
            try context.require(.everyone)
            _ = try Query(request, allowed: [])
            return Answer(
                try await services.statements.keys(
                    of: try context.parameters.require("partner"), in: context.alliance.id))
        }
        routes.post("partners/{partner}/keys") { request, context in
            try context.require(.board)
            let partner = try context.parameters.require("partner")
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: KeyBody.self,
                location: { "\(context.base)/partners/\(partner)/keys/\($0.id)" }
            ) { body, connection in
                try await services.statements.registerKey(
                    body.publicKey, for: partner, in: context.alliance, by: context.caller, on: connection)
            }
        }
        routes.post("partners/{partner}/keys/{id}/revocation") { request, context in
            try context.require(.board)
            let partner = try context.parameters.require("partner")
            let text = try context.parameters.require("id")
            guard let id = Int64(text), id > 0 else { throw LedgerError.keyNotFound(0) }
            return try await services.creations.create(
                request, context: context, caller: context.caller, body: EmptyBody.self, status: .ok,
                location: { _ in nil }
            ) { _, connection in
                try await services.statements.revokeKey(
                    id, of: partner, in: context.alliance, by: context.caller, on: connection)
            }
        }
        // RFC 9162 proofs over the journal's tree, for anyone holding a statement's size and root.
        routes.get("journal/{sequence}/inclusion") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: ["treeSize"])
            let text = try context.parameters.require("sequence")
            guard let sequence = Int64(text) else { throw LedgerError.entryNotFound(sequence: 0) }
            return Answer(
                try await services.statements.inclusionProof(
                    sequence: sequence, treeSize: try Self.size(query, "treeSize"), in: context.alliance.id))
        }
        routes.get("journal/consistency") { request, context in
            try context.require(.everyone)
            let query = try Query(request, allowed: ["from", "to"])
            guard let from = try Self.size(query, "from") else {
                throw Problem.invalidQuery("from", "from is required: the smaller tree's size")
            }
            return Answer(
                try await services.statements.consistencyProof(
                    from: from, to: try Self.size(query, "to"), in: context.alliance.id))
        }
        return routes
    }

    /// A tree size from the query: a positive whole number, or nil when absent.
    static func size(_ query: Query, _ name: String) throws -> Int64? {
        guard let text = query[name] else { return nil }
        guard let value = Int64(text), value >= 1 else {
            throw Problem.invalidQuery(
                name, "\(name) must be a whole number of entries from 1, not \"\(text)\"")
        }
        return value
    }

    /// Bytes that never change, with their hash as a strong ETag: a client holding them asks
    /// with `If-None-Match` and is told 304.
    static func frozen(_ bytes: [UInt8], hash: AllianceLedger.Digest, contentType: String, request: Request)
        -> Response
    {
        let etag = "\"\(hash)\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch],
            match == "*"
                || match.split(separator: ",").contains(where: {
                    $0.trimmingCharacters(in: .whitespaces) == etag
                })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// `{"period","supersedes"?,"reason"?}`.
extension StatementRoutes {
    /// The longest `Prefer` the document admits: preferences the service does not know are
    /// ignored (RFC 7240), but not read without bound.
    static let maximumPreferLength = 200

    /// Whether `Prefer` asks for `respond-async` (RFC 7240: comma-separated preferences, each
    /// a token with optional parameters after `;`); a value longer than the document allows is
    /// refused before anything is done.
    static func prefersRespondAsync(_ headers: HTTPFields) throws(LedgerError) -> Bool {
        if headers[values: .prefer].contains(where: { $0.utf8.count > maximumPreferLength }) {
            throw LedgerError.invalidField(
                "Prefer",
                reason: "Prefer must be at most \(maximumPreferLength) characters, e.g. respond-async")
        }
        return headers[values: .prefer].contains { value in
            value.split(separator: ",").contains { preference in
                preference.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
                    == "respond-async"
            }
        }
    }
}

struct PublicationBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case period, supersedes, reason }

    let request: PublicationRequest

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        request = try PublicationRequest(
            period: try fields.decode(String.self, forKey: .period),
            supersedes: try fields.decodeIfPresent(String.self, forKey: .supersedes),
            reason: try fields.decodeIfPresent(String.self, forKey: .reason))
    }
}

/// `{"key","signature"}`: both base64, the key's 32 bytes and the signature's 64.
struct SignatureBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case key, signature }

    let key: String
    let signature: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        key = try fields.decode(String.self, forKey: .key)
        signature = try fields.decode(String.self, forKey: .signature)
    }
}

/// `{"publicKey"}`: an Ed25519 public key's 32 bytes, base64.
struct KeyBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case publicKey }

    let publicKey: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        publicKey = try fields.decode(String.self, forKey: .publicKey)
    }
}

/// `{"period","partner","budgetLine","text"}`.
struct CommentaryBody: JSONRequest {
    enum Field: String, CodingKey, CaseIterable { case period, partner, budgetLine, text }

    let period: String
    let partner: String
    let budgetLine: String
    let text: String

    init(from decoder: any Decoder) throws {
        let fields = try decoder.strictContainer(Field.self)
        period = try fields.decode(String.self, forKey: .period)
        partner = try fields.decode(String.self, forKey: .partner)
        budgetLine = try fields.decode(String.self, forKey: .budgetLine)
        text = try fields.decode(String.self, forKey: .text)
    }
}

/// A signature as a verifier needs it: the partner, the key (with its public half) and the
/// signature's bytes.
struct SignatureAnswer: Encodable, Sendable {
    let partner: String
    let key: Int64
    let publicKey: String
    let fingerprint: String
    let signature: String
    let signedAt: Timestamp

    init(_ signature: (partner: String, key: PartnerKey, signature: String, at: Timestamp)) {
        partner = signature.partner
        key = signature.key.id
        publicKey = signature.key.publicKey
        fingerprint = signature.key.fingerprint
        self.signature = signature.signature
        signedAt = signature.at
    }
}
