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
        let fault = decodingFault(error, document: "the body")
        guard let field = fault.field else { return .malformedJSON(fault.message) }
        return .invalidField(field, fault.message)
    }
}
