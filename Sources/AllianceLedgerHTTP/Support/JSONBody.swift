import AllianceLedger
import Foundation
import Hummingbird
import Postgres

/// A JSON request body: decoded strictly, so that a misspelt field is an error rather than a
/// silently missing value, and every fault names the field.
protocol JSONRequest: Decodable, Sendable {
    associatedtype Field: CodingKey, CaseIterable
}

enum JSONBody {
    /// The body as `Body`, and its bytes (for the idempotency fingerprint). An empty body reads
    /// as `{}`, so that a POST that takes no fields needs none.
    static func decode<Body: JSONRequest>(
        _ type: Body.Type, from request: Request, context: LedgerRequestContext
    ) async throws -> (body: Body, bytes: [UInt8]) {
        var buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if !bytes.isEmpty {
            let mediaType = request.headers[.contentType]
            guard let mediaType, MediaType(from: mediaType)?.isType(.applicationJson) == true else {
                throw Problem.unsupportedMediaType(expected: "application/json", found: mediaType)
            }
        }
        do {
            return (
                try JSONDecoder().decode(Body.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes)),
                bytes
            )
        } catch let error as DecodingError {
            throw problem(error)
        }
    }

    static func problem(_ error: DecodingError) -> Problem {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalidField(field, "\(field) is required")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) must not be null")
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else { return .malformedJSON("the body must be a JSON object") }
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) must be \(describe(type))")
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else {
                return .malformedJSON(
                    "the body is not valid JSON"
                        + ((context.underlyingError).map { ": \($0.localizedDescription)" } ?? ""))
            }
            let field = path(context.codingPath)
            return .invalidField(field, "\(field) is not valid: \(context.debugDescription)")
        @unknown default:
            return .malformedJSON("\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String { fieldPath(keys) }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
