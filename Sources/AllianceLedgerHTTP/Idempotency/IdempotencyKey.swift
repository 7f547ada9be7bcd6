import AllianceLedger
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

extension HTTPField.Name {
    static let idempotencyKey = known("Idempotency-Key")
    /// On an answer given again for a retried idempotency key.
    static let idempotentReplayed = known("Idempotent-Replayed")
    static let requestID = known("X-Request-ID")
    /// RFC 7240: a client's preferences (`respond-async`), and those an answer applied.
    static let prefer = known("Prefer")
    static let preferenceApplied = known("Preference-Applied")

    /// A header name written in this source, so valid by construction.
    private static func known(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header name") }
        return field
    }
}

/// The key a client sent with a creating request, and whose it is, so that two callers' keys
/// never collide: a person's (whichever of their tokens they use) or one operator token's.
struct IdempotencyKey: Hashable, Sendable {
    /// `person:<id>` or `operator-token:<id>`.
    let principal: String
    /// The key as the client meant it: `abc` whether it was sent as `abc` or `"abc"`.
    let key: String
    /// Whose key it is in the journal, which keeps the key inside each entry's hash and so
    /// cannot change: `person:<id>`, or `operator` for every operator token.
    private let journalPrincipal: String

    static let maximumLength = 128

    /// The request's key, or nil when it sent none.
    init?(_ request: Request, caller: Caller) throws {
        guard let header = request.headers[.idempotencyKey] else { return nil }
        guard let key = IdempotencyKey.normalised(header) else {
            throw Problem.invalidField(
                "Idempotency-Key",
                "Idempotency-Key must be 1 to \(IdempotencyKey.maximumLength) visible ASCII characters, e.g. a UUID, bare or in double quotes"
            )
        }
        switch caller.identity {
        case .operator:
            // Only the command line acts without a token, and it never sends this header.
            guard let token = caller.tokenID else { throw Problem.internalError }
            principal = "operator-token:\(token)"
            journalPrincipal = "operator"
        case .person(let person):
            principal = "person:\(person.id)"
            journalPrincipal = principal
        }
        self.key = key
    }

    /// The key the journal keeps for a spend or reversal made through the API.
    var journalKey: String { "\(journalPrincipal)/\(key)" }

    /// The key a header names: a bare key of visible ASCII, or the same in double quotes as an
    /// sf-string (the IETF draft's form, RFC 8941 §3.3.3: `\"` and `\\` stand for `"` and `\`).
    /// Nil when the header is neither, or the key is empty, too long or holds a space.
    static func normalised(_ header: String) -> String? {
        var key = header
        if header.hasPrefix("\"") {
            var scalars = header.unicodeScalars.dropFirst()
            guard scalars.last == "\"" else { return nil }
            scalars = scalars.dropLast()
            key = ""
            var escaping = false
            for scalar in scalars {
                if escaping {
                    guard scalar == "\"" || scalar == "\\" else { return nil }
                    key.unicodeScalars.append(scalar)
                    escaping = false
                } else if scalar == "\\" {
                    escaping = true
                } else if scalar == "\"" {
                    return nil
                } else {
                    key.unicodeScalars.append(scalar)
                }
            }
            guard !escaping else { return nil }
        }
        guard (1...maximumLength).contains(key.utf8.count),
            key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
        else { return nil }
        return key
    }
}

/// What makes two requests with one key "the same": SHA-256 of the method, the path with its
/// query, and the body bytes, fed as they pass, so that a streamed body need not be held.
final class RequestFingerprint: Sendable {
    private let hash: Mutex<SHA256>

    init(_ request: Request) {
        var hash = SHA256()
        hash.update(data: Data("\(request.method) \(request.uri.description)\n".utf8))
        self.hash = Mutex(hash)
    }

    /// The fingerprint of a request whose body is `body`, read whole.
    convenience init(_ request: Request, body: [UInt8]) {
        self.init(request)
        update(body)
    }

    func update(_ bytes: [UInt8]) {
        hash.withLock { $0.update(data: bytes) }
    }

    /// The digest of what has passed so far.
    func finalize() -> [UInt8] {
        hash.withLock { Array($0.finalize()) }
    }
}
